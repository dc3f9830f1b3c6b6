"""A scenario's answer, computed by the optimizer on the changed fleet: what fits and what not (with the
optimizer's reasons), hosts needed per cloud (the plan's and a proven bound), quota headroom per cloud
(the quota capacity model of docs/quotas.md), and a tabletop drill of the changed fleet.

Pure arithmetic on documents plus read-only queries: no row but the scenario's own is written, and no
cloud is called (the optimizer and the drill's recovery model are pure functions).
"""

from __future__ import annotations

import copy
import time
from typing import Any

from sqlmodel import Session, select

import optimizer
from scheduler.core.energy import energy
from scheduler.core.models import RESOURCES
from scheduler.core.registry import get_adapters
from scheduler.core.messages import msg
from scheduler.core.settings import get_settings
from scheduler.dr import recovery
from scheduler.dr.report import headline
from scheduler.quotas.models import Quota, QuotaRequest
from scheduler.whatif.changes import Amounts, Changed

EPS = 1e-6
LISTED = 200  # at most this many systems are listed by name in a stored answer; the counts are whole
TIME_LIMIT_S = 30.0  # the optimizer's limit for one scenario's plan (the settings' plan limit if lower)


def _r(a: Amounts) -> Amounts:
    return {k: round(v, 3) for k, v in a.items()}


def time_limit() -> float:
    return min(TIME_LIMIT_S, get_settings().plan_time_limit_s)


# ------------------------------------------------------------------------------------------ hosts


def capacity_bound(hosts: list[dict[str, Any]], demands: list[Amounts], groups: dict[str, int]) -> int:
    """A proven lower bound on the hosts that hold `demands`: for each resource the fewest of these hosts,
    largest first, whose capacity covers the sum; and no fewer than the largest spread group."""
    best = max(groups.values(), default=0)
    for r in RESOURCES:
        need = sum(d.get(r, 0.0) for d in demands)
        if need <= EPS:
            continue
        caps = sorted((float(h["capacity"].get(r, 0)) for h in hosts), reverse=True)
        total, k = 0.0, 0
        for c in caps:
            if total >= need - EPS:
                break
            total += c
            k += 1
        best = max(best, k if total >= need - EPS else len(caps) + 1)  # len+1: no number of them holds it
    return best


def hosts_per_cloud(doc: dict[str, Any], plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Per cloud: live hosts, hosts the plan uses, a proven bound for what the plan puts there, hosts left free."""
    failed = set(doc.get("failed_clouds") or [])
    cloud_of = {h["id"]: h["cloud"] for h in doc["hosts"]}
    by_w = {w["id"]: w for w in doc["workloads"]}
    out = []
    for c in doc["clouds"]:
        cid = c["id"]
        if cid in failed:
            out.append({"cloud": cid, "lost": True, "live": 0, "active": 0, "bound": 0, "free": 0, "systems": 0})
            continue
        hosts = [h for h in doc["hosts"] if h["cloud"] == cid and h.get("schedulable", True)]
        mine = [w for w, h in plan["assignments"].items() if cloud_of.get(h) == cid]
        active = {plan["assignments"][w] for w in mine}
        groups: dict[str, int] = {}
        for w in mine:
            g = by_w[w].get("spread_group") if w in by_w else None
            if g:
                groups[g] = groups.get(g, 0) + 1
        bound = capacity_bound(hosts, [by_w[w]["demand"] for w in mine if w in by_w], groups)
        live = len([h for h in doc["hosts"] if h["cloud"] == cid])
        out.append({"cloud": cid, "lost": False, "live": live, "active": len(active), "bound": min(bound, len(active)),
                    "free": live - len(active), "systems": len(mine)})
    return out


# ------------------------------------------------------------------------------------------ fits


def fits(ch: Changed, plan: dict[str, Any]) -> dict[str, Any]:
    """What the plan places and what it cannot, with its reasons, counted by reason."""
    unplaced = plan["unplaced"]
    by_reason: dict[str, int] = {}
    for u in unplaced:
        by_reason[u["reason"]] = by_reason.get(u["reason"], 0) + 1
    dept = {w["id"]: w["department"] for w in ch.doc["workloads"]}
    new = set(ch.new_systems)
    placed_new = sum(1 for w in new if w in plan["assignments"])
    return {
        "systems": len(ch.doc["workloads"]), "placed": len(plan["assignments"]), "unplaced": len(unplaced),
        "new_systems": {"total": len(new), "placed": placed_new, "unplaced": len(new) - placed_new},
        "by_reason": [{"reason": k, "systems": v} for k, v in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))][:50],
        "unplaced_systems": [{"workload": u["workload"], "department": dept.get(u["workload"]), "reason": u["reason"],
                              "new": u["workload"] in new} for u in unplaced[:LISTED]],
    }


# ------------------------------------------------------------------------------------------ quotas


def quota_headroom(session: Session, ch: Changed, scope: str) -> list[dict[str, Any]]:
    """The quota capacity model of docs/quotas.md on the changed fleet, per cloud (the backup node takes none):
    allottable = capacity x (1 - headroom_share - dr_reserve_share); expected = sum over departments of
    max(0, quota - use) / overcommit; grantable = max(0, allottable - use - expected) x overcommit;
    short = max(0, use + expected - allottable) x overcommit."""
    q = ch.policy.quotas
    keep = 1.0 - q.headroom_share - q.dr_reserve_share
    ratio = q.overcommit.as_dict()
    failed = set(ch.doc.get("failed_clouds") or [])
    nominal: dict[str, dict[str, Amounts]] = {}
    for row in session.exec(select(Quota)):
        nominal.setdefault(row.cloud_id, {})[row.department_id] = {r: float(getattr(row, r)) for r in RESOURCES}
    for cid, extra in ch.extra_quota.items():
        for d, a in extra.items():
            now = nominal.setdefault(cid, {}).get(d, {r: 0.0 for r in RESOURCES})
            nominal[cid][d] = {r: now[r] + a[r] for r in RESOURCES}
    used: dict[str, dict[str, Amounts]] = {}
    requested = {w for ws in ch.request_systems.values() for w in ws}  # a request's systems are its quota, not use yet
    for w in ch.doc["workloads"]:
        if w["classification"] == "classified" or w["id"] in requested:
            continue
        cid = ch.cloud_of.get(w["id"])
        if not cid:
            continue
        per = used.setdefault(cid, {}).setdefault(w["department"], {r: 0.0 for r in RESOURCES})
        for r in RESOURCES:
            per[r] += float(w["demand"].get(r, 0))
    out = []
    for c in ch.doc["clouds"]:
        cid = c["id"]
        if c["kind"] == "backup" or (scope != "all" and cid != scope):
            continue
        cap = {r: 0.0 for r in RESOURCES}
        if cid not in failed:
            for h in ch.doc["hosts"]:
                if h["cloud"] == cid and h.get("schedulable", True):
                    for r in RESOURCES:
                        cap[r] += float(h["capacity"].get(r, 0))
        u = used.get(cid, {})
        n = nominal.get(cid, {})
        zero = {r: 0.0 for r in RESOURCES}
        use = {r: sum(a[r] for a in u.values()) for r in RESOURCES}
        expected = {r: sum(max(0.0, n[d][r] - u.get(d, zero)[r]) / ratio[r] for d in n) for r in RESOURCES}
        allot = {r: cap[r] * keep for r in RESOURCES}
        out.append({"cloud": cid, "lost": cid in failed, "capacity": _r(cap), "allottable": _r(allot), "used": _r(use),
                    "granted": _r({r: sum(a[r] for a in n.values()) for r in RESOURCES}),
                    "expected_unused": _r(expected),
                    "grantable": _r({r: max(0.0, allot[r] - use[r] - expected[r]) * ratio[r] for r in RESOURCES}),
                    "short": _r({r: max(0.0, use[r] + expected[r] - allot[r]) * ratio[r] for r in RESOURCES})})
    return out


def request_verdicts(session: Session, ch: Changed, plan: dict[str, Any], quota: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each added quota request: feasible when its cloud is short of nothing and every system of its expected
    use found a host in the plan; else short, with what its cloud lacks."""
    by_cloud = {q["cloud"]: q for q in quota}
    out = []
    for rid, systems in ch.request_systems.items():
        req = session.get(QuotaRequest, rid)
        assert req is not None
        short = by_cloud.get(req.cloud_id, {}).get("short", {})
        placed = sum(1 for w in systems if w in plan["assignments"])
        ok = not any(v > EPS for v in short.values()) and placed == len(systems)
        out.append({"id": rid, "department": req.department_id, "cloud": req.cloud_id,
                    "amount": _r({r: float(getattr(req, r)) for r in RESOURCES}),
                    "verdict": "feasible" if ok else "short", "short": short,
                    "systems": len(systems), "systems_placed": placed})
    return out


# ------------------------------------------------------------------------------------------ drill


def drill(ch: Changed, clouds: list[str]) -> dict[str, Any]:
    """A tabletop drill of the changed fleet: the failover of `clouds` planned and its recovery predicted
    exactly as scheduler.dr's tabletop drill does (same plan, same restart model, same batching)."""
    pol = ch.policy
    doc = copy.deepcopy(ch.doc)
    t0 = time.monotonic()
    plan = recovery.plan_failover(doc, clouds, pol.dr.restart_minutes, pol.execution, get_settings().plan_time_limit_s,
                                  get_adapters().isolated_clouds())
    rows = recovery.predictions(doc, plan, pol.dr.restart_minutes, pol.execution)
    not_protected = [u for u in plan["unplaced"] if "not DR-protected" in u["reason"]]
    back = [r for r in rows if r["predicted_minutes"] is not None]
    within = [r for r in back if r["within_rto"]]
    p1 = [r for r in rows if r["priority"] == 1]
    p1_within = [r for r in p1 if r["within_rto"]]
    return {
        "clouds": sorted(clouds), "failed_clouds": doc["failed_clouds"],
        "headline": headline(len(within), len(back) - len(within), sum(1 for r in rows if r["to_host"] is None),
                             len(not_protected)),
        "priority1": {"systems": len(p1), "within_rto": len(p1_within), "all_within_rto": len(p1) == len(p1_within)},
        "by_priority": recovery.summarise(rows, "predicted_minutes"),
        "capacity": recovery.capacity_check(doc, plan, pol.dr.backup_reserve_share),
        "did_not_fit": [{"workload": r["workload"], "priority": r["priority"], "reason": r["unplaced_reason"]}
                        for r in rows if r["to_host"] is None][:LISTED],
        "late": [{"workload": r["workload"], "priority": r["priority"], "rto_minutes": r["rto_minutes"],
                  "predicted_minutes": r["predicted_minutes"]} for r in back if not r["within_rto"]][:LISTED],
        "moves": len(plan["moves"]), "seconds": round(time.monotonic() - t0, 3),
        "energy": energy(pol.power, ch.doc, doc, plan, ch.host_models),
    }


# ------------------------------------------------------------------------------------------ the answer


def answer(session: Session, base: dict[str, Any], ch: Changed, scope: str, drill_clouds: list[str]) -> dict[str, Any]:
    """The whole answer of one scenario on its changed fleet (`base`: today's fleet, for power before)."""
    t0 = time.monotonic()
    doc = copy.deepcopy(ch.doc)
    doc["objective"] = {"mode": "consolidate", "max_migrations": None, "time_limit_s": time_limit()}
    power = ch.policy.power
    for h in doc["hosts"]:  # an added host draws by its server model, as today's hosts do
        h.setdefault("power", power.watts(ch.host_models.get(h["id"])).to_dict())
    if power.minimise == "power":  # the policy's objective for consolidation, as for an operator's plan
        doc["objective"]["minimise"] = "power"
    plan = optimizer.optimize(optimizer.parse_fleet(doc, get_adapters().isolated_clouds())).to_document()
    plan_s = time.monotonic() - t0
    hosts = [h for h in hosts_per_cloud(ch.doc, plan) if scope == "all" or h["cloud"] == scope]
    quota = quota_headroom(session, ch, scope)
    out: dict[str, Any] = {
        "applied": [m.to_json() for m in ch.applied],
        "fleet": {"hosts": len(ch.doc["hosts"]), "systems": len(ch.doc["workloads"]),
                  "failed_clouds": ch.doc.get("failed_clouds") or [], "added_hosts": len(ch.added_hosts),
                  "retired_hosts": len(ch.retired), "new_systems": len(ch.new_systems)},
        "fits": fits(ch, plan),
        "hosts": {"clouds": hosts,
                  "total": {"live": sum(h["live"] for h in hosts), "active": plan["stats"]["active_hosts"],
                            "bound": plan["stats"]["lower_bound_hosts"], "bound_method": plan["stats"].get("lower_bound_method"),
                            "per_cloud_bound_sum": sum(h["bound"] for h in hosts)}},
        "quota": quota,
        "quota_requests": request_verdicts(session, ch, plan, quota),
        "plan": {"moves": len(plan["moves"]), "migrations": plan["stats"]["migrations"],
                 "status": plan["stats"]["status"], "seconds": round(plan_s, 3),
                 "minimise": doc["objective"].get("minimise", "hosts")},
        "energy": energy(ch.policy.power, base, ch.doc, plan, ch.host_models),
        "drill": None,
        "drill_note": None,
    }
    if scope != "all":
        out["drill_note"] = msg("whatif.drill_note.scope").text
    elif drill_clouds:
        out["drill"] = drill(ch, drill_clouds)
    else:
        out["drill_note"] = msg("whatif.drill_note.no_cloud").text
    out["seconds"] = round(time.monotonic() - t0, 3)
    return out

