"""An independent checker of plans and placements against optimizer-contract.md.

Written from the contract text straight onto the raw documents (it shares no rule code with the
solvers), so a bug in the solvers' rules cannot hide itself here. `check_plan` replays the moves
one by one; `check_placement` judges a fleet's current placements (the service's export test).
Both return a list of human-readable violations; an empty list means the document obeys.
"""

from __future__ import annotations

from typing import Any

from optimizer.fleet import FleetError, parse_fleet

TOL = 1e-6


class _World:
    """The fleet document, indexed, with the contract's eligibility rules."""

    def __init__(self, doc: dict[str, Any], isolated: frozenset[str] = frozenset()) -> None:
        parse_fleet(doc, isolated)  # refuses a malformed document before anything is judged
        self.doc = doc
        self.isolated = isolated
        self.res: list[str] = list(doc["resources"])
        self.clouds = {c["id"]: c for c in doc["clouds"]}
        self.hosts = {h["id"]: h for h in doc["hosts"]}
        self.wl = {w["id"]: w for w in doc["workloads"]}
        self.failed = set(doc.get("failed_clouds") or [])
        self.province = next((c["id"] for c in doc["clouds"] if c["kind"] == "province"), None)
        self.backup = next((c["id"] for c in doc["clouds"] if c["kind"] == "backup"), None)
        obj = doc.get("objective") or {}
        self.max_migrations = obj.get("max_migrations")
        # the optional fill targets: a host above its target now receives nothing; any other host
        # stays within its target after every move it receives
        self.target: dict[str, float] = {r: float(x) for r, x in (obj.get("fill_target") or {}).items()}
        now: dict[str, dict[str, float]] = {h: {r: 0.0 for r in self.res} for h in self.hosts}
        for w, x in self.wl.items():
            if x.get("host") is not None:
                for r in self.res:
                    now[x["host"]][r] += self.dem(w, r)
        self.full = {h for h in self.hosts if self.over_target(now[h], h)}

    def cap(self, h: str, r: str) -> float:
        return float(self.hosts[h]["capacity"].get(r, 0))

    def dem(self, w: str, r: str) -> float:
        return float(self.wl[w]["demand"].get(r, 0))

    def live(self, h: str | None) -> bool:
        return h is not None and self.hosts[h]["cloud"] not in self.failed

    def schedulable(self, h: str) -> bool:
        return self.hosts[h].get("schedulable", True) is not False

    def protected(self, w: str) -> bool:
        return bool((self.wl[w].get("dr") or {}).get("protected", False))

    def priority(self, w: str) -> tuple[int, int]:
        dr = self.wl[w].get("dr") or {}
        return (0, int(dr.get("priority") or 3)) if dr.get("protected") else (1, 0)

    def of_failed(self, w: str) -> bool:
        h = self.wl[w].get("host")
        return h is not None and not self.live(h)

    def pinned(self, w: str) -> bool:
        """Pinned and on a live host (a pin on a failed host or with no host does not count)."""
        x = self.wl[w]
        return bool(x.get("pinned")) and self.live(x.get("host"))

    def home(self, w: str) -> str | None:
        x = self.wl[w]
        for c in self.clouds.values():
            if x.get("industry") is not None:
                if c["kind"] == "industry" and c.get("industry") == x["industry"]:
                    return c["id"]
            elif x["tier"] == "province":
                if c["kind"] == "province":
                    return c["id"]
            elif c["kind"] == "city" and c.get("city") == x.get("city"):
                return c["id"]
        return None

    def cloud_ok(self, w: str, cloud: str) -> str | None:
        """None if `w` may run on `cloud` by rules 2-4 (and failover), else why not."""
        x = self.wl[w]
        if cloud in self.failed:
            return f"cloud {cloud} has failed"
        h0 = x.get("host")
        current = self.hosts[h0]["cloud"] if h0 is not None else None
        if cloud != current and (cloud in self.isolated or current in self.isolated):
            return f"cloud {cloud if cloud in self.isolated else current} is isolated: nothing crosses into or out of it"
        if current in self.isolated:  # its own system: the tiered rules stop at its boundary, MLPS does not
            if self.clouds[cloud]["mlps_level"] < x["mlps_level"]:
                return f"cloud {cloud} has MLPS level {self.clouds[cloud]['mlps_level']} < {x['mlps_level']}"
            return None
        allowed = {self.home(w), self.province}
        if x.get("role") == "dr-replica" or (self.of_failed(w) and self.protected(w)):
            allowed.add(self.backup)
        allowed.discard(None)
        if cloud not in allowed:
            return f"cloud {cloud} is not eligible (eligible: {', '.join(sorted(allowed))})"
        if self.clouds[cloud]["mlps_level"] < x["mlps_level"]:
            return f"cloud {cloud} has MLPS level {self.clouds[cloud]['mlps_level']} < {x['mlps_level']}"
        return None

    def may_receive(self, w: str, h: str) -> str | None:
        if not self.live(h):
            return f"host {h} is on a failed cloud"
        if not self.schedulable(h):
            return f"host {h} is unschedulable"
        return self.cloud_ok(w, self.hosts[h]["cloud"])

    def loads(self, where: dict[str, str]) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {h: {r: 0.0 for r in self.res} for h in self.hosts}
        for w, h in where.items():
            if self.live(h):
                for r in self.res:
                    out[h][r] += self.dem(w, r)
        return out

    def over(self, load: dict[str, float], h: str) -> list[str]:
        return [r for r in self.res if load[r] > self.cap(h, r) + TOL]

    def over_target(self, load: dict[str, float], h: str) -> list[str]:
        return [r for r, t in self.target.items() if load[r] > t * self.cap(h, r) + TOL]

    def fits(self, w: str, h: str, load: dict[str, float], groups_on: set[tuple[str, str]]) -> bool:
        if any(load[r] + self.dem(w, r) > self.cap(h, r) + TOL for r in self.res):
            return False
        if self.target and (h in self.full and self.wl[w].get("host") != h
                            or self.over_target({r: load[r] + self.dem(w, r) for r in self.res}, h)):
            return False
        g = self.wl[w].get("spread_group")
        return g is None or (g, h) not in groups_on

    def groups_on(self, where: dict[str, str]) -> set[tuple[str, str]]:
        return {(self.wl[w]["spread_group"], h) for w, h in where.items() if self.wl[w].get("spread_group")}


def _state_violations(wd: _World, where: dict[str, str], label: str, pins_win: bool = True) -> list[str]:
    """Rules 1-8 on a complete state (workload -> live host)."""
    out: list[str] = []
    for w, h in where.items():
        x = wd.wl[w]
        if x["classification"] == "classified":
            out.append(f"{label}: classified workload {w} is placed on {h}")
        if not wd.live(h):
            out.append(f"{label}: {w} is on host {h} of a failed cloud")
            continue
        stays = wd.pinned(w) and x.get("host") == h
        if stays and pins_win:
            continue
        why = wd.may_receive(w, h)
        if why:
            out.append(f"{label}: {w} on {h}: {why}")
    loads = wd.loads(where)
    for h, load in loads.items():
        for r in wd.over(load, h):
            out.append(f"{label}: host {h} over capacity on {r} ({load[r]:g} > {wd.cap(h, r):g})")
    seen: dict[tuple[str, str], str] = {}
    for w, h in where.items():
        g = wd.wl[w].get("spread_group")
        if g is None or not wd.live(h):
            continue
        if (g, h) in seen:
            out.append(f"{label}: {seen[(g, h)]} and {w} of spread group {g} share host {h}")
        else:
            seen[(g, h)] = w
    return out


def check_placement(fleet_doc: dict[str, Any], isolated_clouds: frozenset[str] = frozenset()) -> list[str]:
    """Do the fleet's CURRENT placements obey the contract's rules?"""
    try:
        wd = _World(fleet_doc, frozenset(isolated_clouds))
    except FleetError as e:
        return [f"refused document: {e}"]
    where = {w: x["host"] for w, x in wd.wl.items() if x.get("host") is not None and wd.live(x["host"])}
    out = _state_violations(wd, where, "current placement")
    for w, x in wd.wl.items():
        h = x.get("host")
        if h is not None and not wd.live(h):
            out.append(f"current placement: {w} is on host {h} of a failed cloud")
    return out


def check_plan(fleet_doc: dict[str, Any], plan_doc: dict[str, Any],
               isolated_clouds: frozenset[str] = frozenset()) -> list[str]:
    """Every violation of the contract by `plan_doc` for `fleet_doc` (empty: the plan is valid).

    `isolated_clouds`: clouds nothing may enter or leave (the service's registry sets them).
    """
    try:
        wd = _World(fleet_doc, frozenset(isolated_clouds))
    except FleetError as e:
        return [f"refused fleet document: {e}"]
    out: list[str] = []
    for key in ("assignments", "unplaced", "moves", "stats"):
        if key not in plan_doc:
            return [f"plan: missing {key}"]
    assignments: dict[str, str] = plan_doc["assignments"]
    unplaced: dict[str, str] = {}
    for u in plan_doc["unplaced"]:
        w = u.get("workload")
        if w not in wd.wl:
            out.append(f"unplaced: unknown workload {w!r}")
            continue
        if w in unplaced:
            out.append(f"unplaced: {w} listed twice")
        if not isinstance(u.get("reason"), str) or not u["reason"].strip():
            out.append(f"unplaced: {w} has no reason")
        unplaced[w] = u.get("reason") or ""
    for w, h in assignments.items():
        if w not in wd.wl:
            out.append(f"assignments: unknown workload {w!r}")
        if h not in wd.hosts:
            out.append(f"assignments: {w} on unknown host {h!r}")
        if w in unplaced:
            out.append(f"assignments: {w} is both assigned and unplaced")
    if out:
        return out

    # --- who must be where
    for w, x in wd.wl.items():
        h0 = x.get("host")
        if x["classification"] == "classified":
            if w not in unplaced:
                out.append(f"{w}: classified, must be listed unplaced")
            continue
        if w not in assignments and w not in unplaced:
            out.append(f"{w}: neither assigned nor unplaced")
        if wd.of_failed(w) and not wd.protected(w):
            if w not in unplaced or "not DR-protected" not in unplaced[w]:
                out.append(f"{w}: unprotected workload of a failed cloud must be unplaced with 'not DR-protected'")
        if wd.pinned(w) and assignments.get(w) != h0:
            out.append(f"{w}: pinned to {h0} but the plan has it on {assignments.get(w)}")
        valid_now = (h0 is not None and wd.live(h0) and (wd.pinned(w) or wd.may_receive(w, h0) is None))
        if valid_now and w in unplaced:
            out.append(f"{w}: a running, validly placed workload was dropped")

    # --- final state
    out += _state_violations(wd, assignments, "final state")

    # --- replay the moves
    where: dict[str, str] = {w: x["host"] for w, x in wd.wl.items()
                             if x.get("host") is not None and w not in unplaced}
    loads = wd.loads(where)
    over0 = {h for h, load in loads.items() if wd.over(load, h)}
    group_hosts: dict[tuple[str, str], int] = {}
    for w, h in where.items():
        g = wd.wl[w].get("spread_group")
        if g is not None and wd.live(h):
            group_hosts[(g, h)] = group_hosts.get((g, h), 0) + 1
    migrations = 0
    for i, m in enumerate(plan_doc["moves"]):
        tag = f"move {i + 1}"
        if m.get("step") != i + 1:
            out.append(f"{tag}: step is {m.get('step')!r}, expected {i + 1}")
        w, src, dst = m.get("workload"), m.get("from"), m.get("to")
        if w not in wd.wl:
            out.append(f"{tag}: unknown workload {w!r}")
            continue
        if not isinstance(m.get("reason"), str) or not m["reason"].strip():
            out.append(f"{tag}: no reason")
        if dst is None or dst not in wd.hosts:
            out.append(f"{tag}: {w} moves to {dst!r}, not a host")
            continue
        if w in unplaced:
            out.append(f"{tag}: {w} is listed unplaced but moves")
        if src is not None and src not in wd.hosts:
            out.append(f"{tag}: {w} moves from {src!r}, not a host")
            continue
        cur = where.get(w)
        if cur != src:
            # a plan for another version of the fleet: say so, and replay from where it really is
            out.append(f"{tag}: {w} moves from {src!r} but is on {cur!r}")
        if src == dst:
            out.append(f"{tag}: {w} moves from {src} to itself (a no-op)")
        why = wd.may_receive(w, dst)
        if why:
            out.append(f"{tag}: {w} to {dst}: {why}")
        if src is not None and wd.live(src):
            migrations += 1
        if cur is not None and wd.live(cur):
            for r in wd.res:
                loads[cur][r] -= wd.dem(w, r)
        g = wd.wl[w].get("spread_group")
        if g is not None:
            if cur is not None and wd.live(cur) and group_hosts.get((g, cur), 0) > 0:
                group_hosts[(g, cur)] -= 1
            if group_hosts.get((g, dst), 0) > 0:
                out.append(f"{tag}: {w} joins another workload of spread group {g} on {dst}")
            group_hosts[(g, dst)] = group_hosts.get((g, dst), 0) + 1
        for r in wd.res:
            loads[dst][r] += wd.dem(w, r)
        if dst in wd.full:
            out.append(f"{tag}: {w} moves onto host {dst}, above its fill target before the plan")
        elif wd.over_target(loads[dst], dst):
            out.append(f"{tag}: host {dst} above its fill target on {', '.join(wd.over_target(loads[dst], dst))} "
                       f"after moving {w}")
        bad = wd.over(loads[dst], dst)
        if bad and dst not in over0:
            out.append(f"{tag}: host {dst} over capacity on {', '.join(bad)} after moving {w}")
        elif bad:
            out.append(f"{tag}: {w} moves onto already over-capacity host {dst}")
        where[w] = dst
    for w, h in assignments.items():
        if where.get(w) != h:
            out.append(f"replay: {w} ends on {where.get(w)!r} but assignments say {h}")
    for w, h in where.items():
        if w not in assignments and wd.live(h) and w not in unplaced:
            out.append(f"replay: {w} ends on {h} but is not in assignments")

    # --- unplaced only if nothing fits in the final state
    final_loads = wd.loads(assignments)
    final_groups = wd.groups_on(assignments)
    mm = wd.max_migrations
    budget_left = mm is None or migrations < mm
    for w, reason in unplaced.items():
        x = wd.wl[w]
        if x["classification"] == "classified":
            continue
        h0 = x.get("host")
        must = h0 is None or (wd.of_failed(w) and wd.protected(w)) or (budget_left and wd.live(h0))
        if not must:
            continue
        for h in wd.hosts:
            if wd.may_receive(w, h) is None and wd.fits(w, h, final_loads[h], final_groups):
                out.append(f"unplaced {w}: fits on eligible host {h} in the final state")
                break

    # --- failover priority: no protected p unplaced while a lower priority placed by the plan took its room
    moved_in = {m["workload"]: m["to"] for m in plan_doc["moves"] if m.get("workload") in wd.wl}
    arrived: dict[str, list[str]] = {}
    for o, hh in assignments.items():
        if moved_in.get(o) == hh:
            arrived.setdefault(hh, []).append(o)
    for w in unplaced:
        if wd.wl[w]["classification"] == "classified":
            continue
        if not (wd.protected(w) and (wd.of_failed(w) or wd.wl[w].get("host") is None)):
            continue
        for h in wd.hosts:
            if wd.may_receive(w, h) is not None:
                continue
            lower = [o for o in arrived.get(h, []) if wd.priority(o) > wd.priority(w)]
            if not lower:
                continue
            load = dict(final_loads[h])
            gone = {(wd.wl[o].get("spread_group"), h) for o in lower}
            for o in lower:
                for r in wd.res:
                    load[r] -= wd.dem(o, r)
            if wd.fits(w, h, load, final_groups - gone):
                out.append(f"priority: {w} (priority {wd.priority(w)[1]}) unplaced while lower-priority "
                           f"{', '.join(lower)} took its room on {h}")
                break

    # --- stats
    s = plan_doc["stats"]
    active = len({h for h in assignments.values() if wd.live(h)})
    if s.get("active_hosts") != active:
        out.append(f"stats.active_hosts is {s.get('active_hosts')}, actually {active}")
    if s.get("migrations") != migrations:
        out.append(f"stats.migrations is {s.get('migrations')}, actually {migrations}")
    if mm is not None and migrations > mm:
        out.append(f"{migrations} migrations exceed max_migrations {mm}")
    lb = s.get("lower_bound_hosts")
    if not isinstance(lb, int) or lb > active:
        out.append(f"stats.lower_bound_hosts {lb!r} exceeds active hosts {active}")
    peak = 0.0
    for h, load in final_loads.items():
        if not wd.live(h):
            continue
        for r in wd.res:
            c = wd.cap(h, r)
            if c > 0:
                peak = max(peak, load[r] / c)
    sp = s.get("peak_utilisation")
    if not isinstance(sp, (int, float)) or abs(sp - peak) > 0.01:
        out.append(f"stats.peak_utilisation is {sp!r}, actually {peak:.4f}")
    if not isinstance(s.get("solve_seconds"), (int, float)) or s["solve_seconds"] < 0:
        out.append("stats.solve_seconds must be a number >= 0")
    if s.get("status") not in ("optimal", "feasible"):
        out.append(f"stats.status {s.get('status')!r} is not optimal or feasible")
    return out
