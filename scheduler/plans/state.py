"""A plan's life as one state machine: the states, which state may follow which, and the one
function that moves a plan between them.

The values are the strings stored in `plan.state` and shown by the API, so they never change. A
move outside the table is refused before anything is written; a move inside it is still a
compare-and-set on `version`, so of two writers acting at once exactly one wins.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from scheduler.core import audit
from scheduler.core.db import utcnow
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.plans.models import Plan


class PlanState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    EXECUTING = "executing"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLING_BACK = "rolling back"
    ROLLED_BACK = "rolled back"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"


S = PlanState
# proposed -> proposed is a partial approval: one scope consented, others still must.
TRANSITIONS: dict[PlanState, frozenset[PlanState]] = {
    S.PROPOSED: frozenset({S.PROPOSED, S.APPROVED, S.REJECTED, S.CANCELLED, S.SUPERSEDED}),
    S.APPROVED: frozenset({S.EXECUTING, S.REJECTED, S.CANCELLED, S.SUPERSEDED}),
    S.EXECUTING: frozenset({S.SUCCEEDED, S.FAILED, S.PAUSED}),
    # paused: the move in flight finishes, nothing more starts; resumed where it stopped, or rolled back;
    # failed when the move in flight fails (resumed, the plan would pass over that step)
    S.PAUSED: frozenset({S.EXECUTING, S.ROLLING_BACK, S.FAILED}),
    S.SUCCEEDED: frozenset({S.ROLLING_BACK}),
    S.FAILED: frozenset({S.ROLLING_BACK}),
    S.ROLLING_BACK: frozenset({S.ROLLED_BACK, S.FAILED}),
    S.ROLLED_BACK: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
    S.SUPERSEDED: frozenset(),
}
OPEN_STATES = (S.PROPOSED, S.APPROVED)  # waiting for people
ACTIVE_STATES = (S.EXECUTING, S.ROLLING_BACK)  # the executor is (or must be) at work
UNDER_WAY = (*ACTIVE_STATES, S.PAUSED)  # begun on the clouds and not ended: the ground is taken
FINAL_STATES = tuple(s for s, nxt in TRANSITIONS.items() if not nxt)


def allowed(before: str, after: str) -> bool:
    return PlanState(after) in TRANSITIONS[PlanState(before)]


def transition(session: Session, plan: Plan, to: PlanState, actor: str, reason: str = "",
               allowed_from: tuple[PlanState, ...] = ()) -> None:
    """Move the plan along the table by compare-and-set; a move off the table or a lost race is a 409."""
    before = PlanState(plan.state)
    if allowed_from and before not in allowed_from:
        raise Refusal(409, "state", msg("plan.plan_needs", plan=plan.id, before=before, allowed_from=' or '.join(allowed_from)))
    if not allowed(before, to):
        raise Refusal(409, "state", msg("plan.plan_plan_cannot_become", plan=plan.id, before=before, to=PlanState(to)))
    try:
        result = session.execute(update(Plan).where(col(Plan.id) == plan.id, col(Plan.version) == plan.version)
                                 .values(state=str(to), state_reason=reason, version=plan.version + 1,
                                         updated_at=utcnow()))
    except OperationalError as exc:  # SQLite: another writer got there first
        raise Refusal(409, "state", msg("plan.plan_being_changed_someone", plan=plan.id)) from exc
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Refusal(409, "state", msg("plan.plan_was_changed_someone", plan=plan.id))
    session.expire(plan)
    audit.record(session, actor, f"plan.{str(to).replace(' ', '-')}", "plan", str(plan.id), {"state": str(before)},
                 {"state": str(to), "reason": reason})
