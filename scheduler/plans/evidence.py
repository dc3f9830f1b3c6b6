"""Every plan approval is also an event of the keyed audit chain, and `audit verify` checks that each
approval row has its event: a row added or rewritten by whoever can write the database, but cannot
write the chain without its key, is found."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlmodel import Session, col, select

from scheduler.core import audit
from scheduler.core.db import as_utc
from scheduler.core.models import AuditEvent
from scheduler.plans.models import PlanApproval

ACTION = "plan.approval"


def record_approval(session: Session, plan_id: int, scope_key: str, username: str, role: str) -> None:
    audit.record(session, username, ACTION, "plan", str(plan_id), None, {"scope_key": scope_key, "role": role})


def add_approval(session: Session, plan_id: int, scope_key: str, username: str, role: str) -> None:
    """The approval row and its event together, where no concurrent approver can lose a race for the row
    (automatic and runbook approvals, a real failover's approver)."""
    session.add(PlanApproval(plan_id=plan_id, scope_key=scope_key, username=username, role=role))
    record_approval(session, plan_id, scope_key, username, role)


@audit.cross_check
def approvals_have_events(session: Session, anchored_at: datetime) -> Iterator[str]:
    """Approvals given since the chain was keyed (older ones predate their events)."""
    recorded = {(e.actor, e.entity_id, (e.after or {}).get("scope_key"), (e.after or {}).get("role"))
                for e in session.exec(select(AuditEvent).where(AuditEvent.action == ACTION))}
    for a in session.exec(select(PlanApproval).where(col(PlanApproval.at) >= anchored_at).order_by(PlanApproval.id)):
        if as_utc(a.at) < anchored_at:  # type: ignore[operator]
            continue
        if (a.username, str(a.plan_id), a.scope_key, a.role) not in recorded:
            yield (f"plan {a.plan_id}'s approval for {a.scope_key} by {a.username} has no audit event: "
                   "it was added or changed outside the service")
