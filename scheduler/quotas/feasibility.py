"""Can a cloud hold every granted quota as it is expected to be used, plus a request?

Two steps, the quick one first (docs/quotas.md, "Capacity model"):

1. Aggregate, at once and without the optimizer: today's use plus each department's unused quota
   divided by the policy's `overcommit` ratio (granted-but-unused quota is reserved only in part, as
   clouds overcommit vCPU), plus the request likewise, against the allottable capacity. A request
   short here is answered short at once, and the other clouds the department may use are checked
   the same quick way.
2. Packing, only where the aggregate fits: that expected unused quota becomes placeholder workloads
   the optimizer's incremental placer puts on today's hosts; a placeholder that finds no host is
   given one by moving a single workload off some host (`_relocate`, milliseconds, each move
   counted), and only if that is not enough is consolidation with migrations tried within a time
   budget (`PACK_BUDGET_S`) and its moves counted.

Only the resources a request asks for can make it short: a cloud whose GPUs are already allotted
beyond its allottable share refuses more GPU quota, not a CPU-only request (docs/quotas.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlmodel import Session, select

import optimizer
from optimizer.fleet import FleetError
from scheduler.core.db import utcnow
from scheduler.core.fleet import fleet_document
from scheduler.core.models import RESOURCES, Cloud, Department
from scheduler.core.policy import get_policy
from scheduler.core.settings import get_settings
from scheduler.quotas.ledger import EPS, Amounts, allottable, allowed_clouds, describe, expected_use, rounded

MAX_PHANTOMS = 400  # per department and kind: a huge quota is placed in coarser pieces rather than thousands


def _gpu_pieces(total: float, size: float) -> list[float]:
    """GPU quota in whole GPUs, `size` at a time (more if that would make over MAX_PHANTOMS pieces); the
    fraction of a GPU left over where the quota is not whole is one piece of its own."""
    if total <= EPS:
        return []
    units = math.floor(total + EPS)
    step = max(1, math.floor(size + EPS), math.ceil(units / MAX_PHANTOMS))
    out = [float(step)] * (units // step) + ([float(units % step)] if units % step else [])
    rest = total - units
    return out + ([rest] if rest > EPS else [])


def _phantoms(dept: Department, unused: Amounts, size: Amounts, tag: str) -> list[dict[str, Any]]:
    """Unused quota as workloads of at most the policy's phantom size, as the department would start them.

    GPUs are placeholders of their own, in whole GPUs: spread evenly over every placeholder they became
    slivers that only GPU hosts take, and the CPU and memory riding on them found no room (issue 22)."""
    shared = [r for r in RESOURCES if r != "gpu"]
    n = max([math.ceil(unused[r] / size[r] - EPS) for r in shared if size[r] > 0 and unused[r] > EPS] or [0])
    n = min(n, MAX_PHANTOMS)
    demands = [{**{r: unused[r] / n for r in shared}, "gpu": 0.0} for _ in range(n)]
    demands += [{**{r: 0.0 for r in shared}, "gpu": g} for g in _gpu_pieces(unused["gpu"], size["gpu"])]
    tier = dept.level if dept.level in ("province", "city", "county") else "city"
    return [{"id": f"~{tag}:{dept.id}:{i}", "department": dept.id, "tier": tier, "city": dept.city,
             "industry": dept.industry, "classification": "internal", "mlps_level": 1, "demand": d, "host": None,
             "spread_group": None, "pinned": False, "role": "primary",
             "dr": {"protected": False, "priority": 3, "rto_minutes": 240}} for i, d in enumerate(demands)]


PACK_BUDGET_S = 1.5  # the consolidation step stops trying larger migration budgets after this


def _relocate(doc: dict[str, Any], placer: optimizer.IncrementalPlacer,
              unplaced: list[dict[str, Any]]) -> int | None:
    """Place each placeholder that found no host by moving one real workload: off a host where the
    placeholder then fits, onto another host with room (the smallest workload that does it). Returns
    the number of moves, or None when some placeholder needs more than one (the optimizer's turn).
    Works on a copy of the placer's free room, so nothing is changed."""
    res = placer.fleet.resources
    live = np.array([h.schedulable for h in placer.fleet.hosts], dtype=bool)
    free = placer.free.copy()
    real = [w for w in doc["workloads"] if w["id"] in placer.placed and not w["pinned"]]
    if not real:
        return None
    at = np.array([placer.placed[w["id"]][0] for w in real])
    dem = np.array([[w["demand"].get(r, 0.0) for r in res] for w in real])
    size = dem.sum(axis=1)
    group = [w.get("spread_group") for w in real]
    members: dict[str, list[int]] = {}  # built once: a scan of every workload per candidate was quadratic
    for i, g in enumerate(group):
        if g is not None:
            members.setdefault(g, []).append(i)
    movable = np.ones(len(real), dtype=bool)
    moves = 0
    for p in unplaced:
        dp = np.array([p["demand"].get(r, 0.0) for r in res])
        fits = live & np.all(free + EPS >= dp, axis=1)
        if fits.any():  # room an earlier move left
            free[int(np.flatnonzero(fits)[0])] -= dp
            continue
        # a workload whose leaving makes room for the placeholder on its host, smallest first
        cands = np.flatnonzero(movable & live[at] & np.all(free[at] + dem + EPS >= dp, axis=1))
        done = False
        for i in cands[np.argsort(size[cands], kind="stable")]:
            src = int(at[i])
            ok = live & np.all(free + EPS >= dem[i], axis=1)
            ok[src] = False
            if group[i] is not None:
                ok[at[members[group[i]]]] = False
            if ok.any():
                dst = int(np.flatnonzero(ok)[0])
                free[src] += dem[i] - dp
                free[dst] -= dem[i]
                at[i], movable[i] = dst, False
                moves += 1
                done = True
                break
        if not done:
            return None
    return moves


@dataclass
class Check:
    short: Amounts
    migrations: int
    unplaced: int
    phantoms: int
    seconds: float
    packed: bool  # False: the aggregate answered (short), no placeholder was placed


def aggregate_short(session: Session, cloud_id: str, extra: tuple[Department, Amounts] | None) -> Amounts:
    """The quick answer: what the cloud's allottable capacity lacks for today's use plus the expected
    unused quota (no optimizer, no placement: a few sums); with a request, only in what it asks for."""
    used_total, expected = expected_use(session, cloud_id, extra)
    room = allottable(session, cloud_id)
    return _asked({r: max(0.0, used_total[r] + sum(e[r] for e in expected.values()) - room[r]) for r in RESOURCES},
                  extra)


def _asked(short: Amounts, extra: tuple[Department, Amounts] | None) -> Amounts:
    """A request is short only in resources it asks for: one that adds no GPU is not refused because the
    cloud's GPUs are already allotted beyond its share (that refuses the next GPU request instead)."""
    if extra is None:
        return short
    return {r: v if extra[1].get(r, 0.0) > EPS else 0.0 for r, v in short.items()}


def _as_quota(expected: Amounts, ratio: Amounts) -> Amounts:
    """A shortfall of expected use in quota terms: each unit of new quota is expected at 1/ratio, so the
    request is short by ratio times as much quota (the amount to ask less for it to fit)."""
    return {r: expected[r] * ratio[r] for r in RESOURCES}


def _check_cloud(session: Session, cloud_id: str, extra: tuple[Department, Amounts] | None,
                 with_migrations: bool) -> Check:
    """Can the cloud hold every granted quota as expected to be used, plus `extra`, within its allottable capacity?"""
    import time

    t0 = time.monotonic()
    ratio = get_policy().quotas.overcommit.as_dict()
    short = aggregate_short(session, cloud_id, extra)
    if any(v > EPS for v in short.values()):
        return Check(_as_quota(short, ratio), 0, 0, 0, time.monotonic() - t0, packed=False)
    size = get_policy().quotas.phantom_size.as_dict()
    depts = {d.id: d for d in session.exec(select(Department))}
    if extra is not None:
        depts[extra[0].id] = extra[0]
    _, expected = expected_use(session, cloud_id, extra)
    phantoms: list[dict[str, Any]] = []
    for dept_id, unused in sorted(expected.items()):
        if dept_id in depts:
            phantoms += _phantoms(depts[dept_id], unused, size, "quota")

    doc = fleet_document(session, scope=cloud_id)
    doc["workloads"] = [w for w in doc["workloads"] if w["host"] is not None]  # waiting ones hold no room yet
    phantoms.sort(key=lambda w: -max(w["demand"][r] / size[r] for r in RESOURCES if size[r] > 0))
    unplaced: list[dict[str, Any]] = []
    placer: optimizer.IncrementalPlacer | None = None
    try:
        placer = optimizer.IncrementalPlacer(doc)
        for p in phantoms:
            if placer.place(p).host is None:
                unplaced.append(p)
    except FleetError:
        unplaced = list(phantoms)
    migrations = 0
    if unplaced and with_migrations and placer is not None:
        moves = _relocate(doc, placer, unplaced)
        if moves is not None:
            migrations, unplaced = moves, []
    if unplaced and with_migrations:
        doc["workloads"] = doc["workloads"] + phantoms
        limit = min(get_settings().plan_time_limit_s, PACK_BUDGET_S)
        for budget in (10, 50, None):
            if time.monotonic() - t0 > PACK_BUDGET_S:
                break
            doc["objective"] = {"mode": "consolidate", "max_migrations": budget, "time_limit_s": limit}
            plan = optimizer.optimize(optimizer.parse_fleet(doc)).to_document()
            left = {u["workload"] for u in plan["unplaced"]}
            still = [p for p in phantoms if p["id"] in left]
            if not still:
                migrations = sum(1 for m in plan["moves"] if m["from"] is not None and not m["workload"].startswith("~"))
                unplaced = []
                break
            if len(still) < len(unplaced):
                unplaced = still
    pack_short = _asked({r: sum(p["demand"][r] for p in unplaced) for r in RESOURCES}, extra)
    short = _as_quota({r: max(short[r], pack_short[r]) for r in RESOURCES}, ratio)
    return Check(short, migrations, len(unplaced), len(phantoms), time.monotonic() - t0, packed=True)


def feasibility(session: Session, dept: Department, cloud_id: str, amount: Amounts) -> dict[str, Any]:
    """The concrete answer an approver reads: feasible, feasible after N migrations, or short of what,
    and which other cloud the department may use could take it instead (by the quick aggregate)."""
    c = _check_cloud(session, cloud_id, (dept, amount), with_migrations=True)
    out: dict[str, Any] = {"checked_at": utcnow().isoformat(), "cloud": cloud_id, "phantoms": c.phantoms,
                           "seconds": round(c.seconds, 3), "short": rounded(c.short), "migrations": c.migrations,
                           "checked": "packed" if c.packed else "aggregate", "alternatives": []}
    if not any(v > EPS for v in c.short.values()):
        out["verdict"] = "feasible" if c.migrations == 0 else "feasible-after-migrations"
        out["message"] = "feasible" if c.migrations == 0 else f"feasible after {c.migrations} migrations"
        out.update(code="quota.feasible" if c.migrations == 0 else "quota.feasible_after",
                   params={} if c.migrations == 0 else {"n": c.migrations})
        return out
    out["verdict"] = "short"
    alts = [other for other in allowed_clouds(session, dept)
            if other != cloud_id and not any(v > EPS for v in aggregate_short(session, other, (dept, amount)).values())]
    out["alternatives"] = alts
    names = {x.id: x for x in session.exec(select(Cloud))}
    tail = ("; " + " or ".join("the province cloud" if names[a].kind == "province" else a for a in alts)
            + " could take it") if alts else "; no other cloud it may use could take it either"
    out["message"] = f"short {describe(c.short)} on {cloud_id}{tail}"
    # the same answer as data, rendered in the reader's language by the API
    out.update(code="quota.short_alternatives" if alts else "quota.short_nowhere",
               params={"amounts": rounded(c.short), "cloud": cloud_id, **({"clouds": alts} if alts else {})})
    return out
