"""After a plan ends, read each moved workload's location back from its cloud and correct the database.

The executor records every move it made; the cloud is the truth. Reading back once at the end
catches what no ordering can: a cloud that moved a workload again by itself, or a write lost to a
crash between the adapter call and the record. Every correction is an audit event.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, col, select

from adapters.protocol import AdapterError
from scheduler.core import audit
from scheduler.core.db import utcnow
from scheduler.core.models import Host, Workload
from scheduler.core.registry import get_adapters
from scheduler.plans.models import PlanAction

log = logging.getLogger(__name__)
ACTOR = "system:executor"


def reconcile(session: Session, plan_id: int) -> list[dict[str, str | None]]:
    """Correct the stored placement of every workload the plan moved to what its cloud reports."""
    actions = session.exec(select(PlanAction).where(PlanAction.plan_id == plan_id, PlanAction.state == "done",
                                            PlanAction.kind == "move")).all()
    moved = {a.workload_id for a in actions}
    if not moved:
        return []
    hosts = {a.to_host for a in actions} | {a.from_host for a in actions if a.from_host}
    clouds = set(session.exec(select(Host.cloud_id).where(col(Host.id).in_(hosts))))
    seen: dict[str, tuple[str | None, str]] = {}
    adapters = get_adapters()
    for cloud in sorted(clouds):
        try:
            inv = adapters.for_cloud(cloud).inventory(cloud)
        except AdapterError as exc:  # the next sync will carry the truth instead
            log.warning("plan %s: %s not read back: %s", plan_id, cloud, exc)
            continue
        seen.update({w.id: (w.host, cloud) for w in inv.workloads if w.id in moved})
    corrected: list[dict[str, str | None]] = []
    for w in session.exec(select(Workload).where(col(Workload.id).in_(seen))):
        host, cloud = seen[w.id]
        if (w.host_id, w.cloud_id) != (host, cloud):
            corrected.append({"workload": w.id, "stored": w.host_id, "cloud": host})
            w.host_id, w.cloud_id, w.placed_at = host, cloud, utcnow()
            session.add(w)
    if corrected:
        audit.record(session, ACTOR, "plan.reconciled", "plan", str(plan_id), None,
                     {"corrected": corrected[:50], "count": len(corrected)})
    return corrected
