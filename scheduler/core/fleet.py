"""The database as a fleet document of the optimizer contract: what the optimizer plans on."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from scheduler.core.models import RESOURCES, Cloud, Host, Workload


def fleet_document(session: Session, mode: str = "consolidate", max_migrations: int | None = None,
                   time_limit_s: float = 30, failed_clouds: list[str] | None = None,
                   scope: str | None = None) -> dict[str, Any]:
    """The whole fleet, or with `scope` one cloud: its hosts, what runs on them and what waits there.

    Every cloud stays listed even when scoped, because eligibility is defined over all of them. Each
    host carries its idle and full watts from the policy's power model (by its server model), so a plan
    can minimise power and states its watts (fleet-and-plan-contract.md, "Power").
    """
    clouds = session.exec(select(Cloud).order_by(Cloud.id)).all()
    hq = select(Host).order_by(Host.id)
    wq = select(Workload).order_by(Workload.id)
    if scope is not None:
        hq = hq.where(Host.cloud_id == scope)
        on_scope = select(Host.id).where(Host.cloud_id == scope)
        wq = wq.where(col(Workload.host_id).in_(on_scope) | ((col(Workload.host_id).is_(None)) & (Workload.cloud_id == scope)))
    hosts = session.exec(hq).all()
    host_ids = {h.id for h in hosts}
    workloads = session.exec(wq).all()
    from scheduler.core.policy import get_policy  # here: the policy module builds on this one

    power = get_policy().power
    return {
        "resources": list(RESOURCES),
        "clouds": [{"id": c.id, "kind": c.kind, "city": c.city, "industry": c.industry, "mlps_level": c.mlps_level}
                   for c in clouds],
        "hosts": [{"id": h.id, "cloud": h.cloud_id, "schedulable": h.schedulable and h.up,
                   "capacity": {r: getattr(h, r) for r in RESOURCES}, "power": power.watts(h.model).to_dict()}
                  for h in hosts],
        "workloads": [{
            "id": w.id, "department": w.department_id, "tier": w.tier, "city": w.city, "industry": w.industry,
            "classification": w.classification, "mlps_level": w.mlps_level,
            "demand": {r: getattr(w, r) for r in RESOURCES},
            "host": w.host_id if w.host_id in host_ids else None,
            "spread_group": w.spread_group, "pinned": w.pinned, "role": w.role,
            "dr": {"protected": w.dr_protected, "priority": w.dr_priority, "rto_minutes": w.dr_rto_minutes},
        } for w in workloads],
        "objective": {"mode": mode, "max_migrations": max_migrations, "time_limit_s": time_limit_s},
        "failed_clouds": sorted(failed_clouds if failed_clouds is not None else [c.id for c in clouds if c.status == "failed"]),
    }
