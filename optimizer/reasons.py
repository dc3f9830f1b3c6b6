"""Human-readable reasons: why each move is in the plan and why a workload stays unplaced.

Operators approve what they understand; a reason names the rule or the resource that decided,
and the host or clouds concerned.
"""

from __future__ import annotations

import numpy as np

from optimizer.rules import Rules, Status
from optimizer.sequence import Step
from optimizer.state import EPS, State


def why_unplaced(st: State, w: int, budget_spent: bool = False) -> str:
    """Which rule, or which resource on which eligible clouds, kept `w` from a host."""
    rules, f = st.rules, st.fleet
    wk = f.workloads[w]
    status = rules.status[w]
    prefix = ""
    if status is Status.RESTART:
        prefix = f"protected (priority {wk.dr.priority}) restart after cloud {f.host_cloud[rules.orig[w]]} failed: "
    if budget_spent and status in (Status.DRAIN, Status.INVALID):
        return f"the migration budget (max_migrations) is spent before it could leave host {f.hosts[rules.orig[w]].id}"
    allowed = rules.allowed_clouds(w)
    if not allowed:
        return prefix + "no cloud is eligible: its home cloud does not exist and there is no province cloud"
    elig = rules.elig_key[w]
    if not elig:
        parts = []
        for c in allowed:
            if c in rules.failed:
                parts.append(f"{c} has failed")
            else:
                parts.append(f"{c} has MLPS level {f.cloud_by_id[c].mlps_level} < {wk.mlps_level}")
        return prefix + "no eligible cloud: " + "; ".join(parts)
    hosts = rules.eligible_hosts(w)
    parts = []
    for c in elig:
        hc = hosts[[f.host_cloud[h] == c for h in hosts]] if hosts.size else hosts
        if hc.size == 0:
            parts.append(f"{c} has no schedulable host")
            continue
        free = f.cap[hc] - st.load[hc]
        short = np.any(free + EPS < f.dem[w], axis=0)
        g = wk.spread_group
        taken = st.group_hosts.get(int(st.group[w]), {}) if g is not None else {}
        spread = sum(1 for h in hc if int(h) in taken)
        res = [f"{r} (needs {f.dem[w][i]:g}, at most {max(free[:, i].max(), 0):g} free)"
               for i, r in enumerate(f.resources) if short[i]]
        msg = f"{c}: no host with room on {len(hc)} hosts"
        if res:
            msg += ", short of " + ", ".join(res)
        if spread:
            msg += f", {spread} hosts already hold spread group {g}"
        parts.append(msg)
    return prefix + "fits on no eligible host: " + "; ".join(parts)


def _peak_res(util: np.ndarray, resources: list[str]) -> tuple[str, float]:
    i = int(np.argmax(util))
    return resources[i], float(util[i])


def move_reasons(rules: Rules, steps: list[Step], start: dict[int, int], final_count: np.ndarray,
                 evicted: dict[int, str], mode: str) -> list[str]:
    """One reason per step, replaying loads so balance moves can quote before/after utilisation."""
    f = rules.fleet
    load = np.zeros_like(f.cap)
    for w, h in start.items():
        if h >= 0 and rules.host_live[h]:
            load[h] += f.dem[w]
    capsafe = np.where(f.cap > 0, f.cap, np.inf)
    out: list[str] = []
    for s in steps:
        w, src, dst = s.workload, s.src, s.dst
        status = rules.status[w]
        if s.via:
            who = f.workloads[s.for_workload].id if s.for_workload >= 0 else "another workload"
            r = (f"steps aside to third host {f.hosts[dst].id} to free room on {f.hosts[src].id} for {who}"
                 " (breaks a cycle of moves)")
        elif src < 0:
            r = "places a new workload that had no host"
        elif not rules.host_live[src]:
            r = f"restarts it after cloud {f.host_cloud[src]} failed"
        elif status is Status.DRAIN and src == rules.orig[w]:
            r = f"drains unschedulable host {f.hosts[src].id}"
        elif w in evicted and src == rules.orig[w]:
            r = f"moves it off {f.hosts[src].id}: {evicted[w]}"
        elif status is Status.INVALID and src == rules.orig[w]:
            r = f"moves it off {f.hosts[src].id}: {rules.why_ineligible(w, src)}"
        elif mode == "balance":
            before = load[src] / capsafe[src]
            after = (load[src] - f.dem[w]) / capsafe[src]
            res, b = _peak_res(before, f.resources)
            r = f"lowers peak {res} on {f.hosts[src].id} from {b:.0%} to {float(after.max()):.0%}"
        elif final_count[src] == 0:
            r = f"empties {f.hosts[src].id} so it can power down"
        else:
            r = f"consolidates onto {f.hosts[dst].id} so fewer hosts stay active"
        if src >= 0 and rules.host_live[src]:
            load[src] -= f.dem[w]
        load[dst] += f.dem[w]
        out.append(r)
    return out
