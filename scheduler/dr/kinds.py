"""The disaster-recovery plan kinds, behind the plans' `PlanKind` interface: a failover restarts what
ran on failed clouds elsewhere, a failback returns it home. Drills and real declarations build their
plans through these, as operators' plans are built through the plans' own kinds."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from scheduler.core.policy import get_policy
from scheduler.core.registry import get_adapters
from scheduler.core.settings import get_settings
from scheduler.dr import recovery
from scheduler.plans import PlanState
from scheduler.plans.kinds import PlanKind, PlanRequest
from scheduler.plans.models import Plan, PlanAction


class Failover(PlanKind):
    """The optimizer's failover for `req.clouds`, its restarts sequenced for recovery (scheduler.dr.recovery)."""

    name = "failover"

    def solve(self, session: Session, doc: dict[str, Any], req: PlanRequest) -> dict[str, Any]:
        return recovery.plan_failover(doc, list(req.clouds), get_policy().dr.restart_minutes, get_policy().execution,
                                      req.time_limit_s or get_settings().plan_time_limit_s,
                                      get_adapters().isolated_clouds())


class Failback(PlanKind):
    """Return what a failover restarted to its home cloud: its own host if it still has room, else a host
    of the same cloud with room; what fits nowhere stays where it is and is listed with the reason.

    With `req.failover_plan_id` None (a real failover run by hand), every workload restarted onto
    another cloud is found from the executed failover plans; `req.clouds` (empty: all) limits which
    home clouds are failed back.
    """

    name = "failback"

    def solve(self, session: Session, doc: dict[str, Any], req: PlanRequest) -> dict[str, Any]:
        clouds = set(req.clouds) or None
        hosts = {h["id"]: h for h in doc["hosts"]}
        resources = doc["resources"]
        where = {w["id"]: w["host"] for w in doc["workloads"]}
        by_id = {w["id"]: w for w in doc["workloads"]}
        load = {h: {r: 0.0 for r in resources} for h in hosts}
        groups: set[tuple[str, str]] = set()
        for w in doc["workloads"]:
            if w["host"] in load:
                for r in resources:
                    load[w["host"]][r] += float(w["demand"].get(r, 0))
                if w["spread_group"]:
                    groups.add((w["spread_group"], w["host"]))
        q = select(PlanAction).where(PlanAction.phase == "forward", PlanAction.state == "done")
        if req.failover_plan_id is not None:
            q = q.where(PlanAction.plan_id == req.failover_plan_id)
        else:
            ids = [p.id for p in session.exec(select(Plan).where(Plan.kind == Failover.name,
                                                                 Plan.state == PlanState.SUCCEEDED))]
            q = q.where(col(PlanAction.plan_id).in_(ids))
        done = session.exec(q.order_by(PlanAction.plan_id, PlanAction.step)).all()
        latest: dict[str, PlanAction] = {a.workload_id: a for a in done if a.from_host}
        prio = {w: int((by_id[w].get("dr") or {}).get("priority") or 3) if w in by_id else 9 for w in latest}
        moves: list[dict[str, Any]] = []
        stayed: list[dict[str, str]] = []
        for wid in sorted(latest, key=lambda w: (prio[w], w)):
            a = latest[wid]
            home = hosts.get(a.from_host or "")
            if wid not in by_id or where.get(wid) != a.to_host:
                continue  # gone, or moved again since the failover: not ours to move back
            if home is None or (clouds is not None and home["cloud"] not in clouds):
                continue
            w = by_id[wid]

            def fits(h: dict[str, Any]) -> bool:
                return (h["schedulable"] and h["cloud"] not in doc["failed_clouds"]
                        and all(load[h["id"]][r] + float(w["demand"].get(r, 0)) <= float(h["capacity"].get(r, 0)) + 1e-9
                                for r in resources)
                        and not (w["spread_group"] and (w["spread_group"], h["id"]) in groups))

            candidates = [home] + [h for h in doc["hosts"] if h["cloud"] == home["cloud"] and h["id"] != home["id"]]
            target = next((h for h in candidates if fits(h)), None)
            if target is None:
                stayed.append({"workload": wid, "reason": f"no host of its home cloud {home['cloud']} has room for it; "
                                                          f"it stays on {a.to_host}"})
                continue
            src = where[wid]
            for r in resources:
                load[src][r] -= float(w["demand"].get(r, 0))
                load[target["id"]][r] += float(w["demand"].get(r, 0))
            if w["spread_group"]:
                groups.discard((w["spread_group"], src))
                groups.add((w["spread_group"], target["id"]))
            where[wid] = target["id"]
            same = " (the host it ran on)" if target["id"] == home["id"] else ""
            moves.append({"step": len(moves) + 1, "workload": wid, "from": src, "to": target["id"],
                          "reason": f"failback: returns to its home cloud {home['cloud']}, host {target['id']}{same}"})
        return {"assignments": {w: h for w, h in where.items() if h is not None}, "unplaced": [],
                "moves": moves, "stats": {"migrations": len(moves), "status": "feasible", "stayed": len(stayed)},
                "stayed": stayed}


FAILOVER, FAILBACK = Failover(), Failback()
