"""The plan's state machine: every move on the table is taken, every move off it is refused and
changes nothing, whatever order the operations come in."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise, product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, update
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, col, select

import scheduler.tables  # noqa: F401  (every table, for create_all)
from scheduler.core.models import AuditEvent
from scheduler.core.refusal import Refusal
from scheduler.plans.models import Plan
from scheduler.plans.state import TRANSITIONS, PlanState, transition


@pytest.fixture(scope="module")
def engine() -> Iterator[object]:
    e = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
    SQLModel.metadata.create_all(e)
    yield e
    e.dispose()


def _plan(session: Session, state: PlanState) -> Plan:
    plan = Plan(kind="rebalance", scope="all", proposer="t", fingerprint="x", fleet={}, document={"moves": []},
                required_approvals=[], state=state)
    session.add(plan)
    session.commit()
    return plan


def test_the_values_are_the_stored_strings() -> None:
    assert [str(s) for s in PlanState] == ["proposed", "approved", "executing", "paused", "succeeded", "failed", "rolling back",
                                           "rolled back", "rejected", "cancelled", "superseded"]
    assert set(TRANSITIONS) == set(PlanState)


@pytest.mark.parametrize(("before", "after"), list(product(PlanState, PlanState)))
def test_every_pair_on_the_table_is_taken_and_every_other_refused(engine, before: PlanState, after: PlanState) -> None:
    with Session(engine) as session:
        plan = _plan(session, before)
        version = plan.version
        if after in TRANSITIONS[before]:
            transition(session, plan, after, "t", "why")
            session.commit()
            session.refresh(plan)
            assert (plan.state, plan.version, plan.state_reason) == (after, version + 1, "why")
        else:
            with pytest.raises(Refusal) as refused:
                transition(session, plan, after, "t")
            assert (refused.value.status, refused.value.field) == (409, "state")
            assert f"cannot become {after}" in refused.value.message
            session.rollback()
            session.refresh(plan)
            assert (plan.state, plan.version) == (before, version)


operation = st.one_of(st.tuples(st.just("move"), st.sampled_from(list(PlanState))),
                      st.tuples(st.just("stale"), st.sampled_from(list(PlanState))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_random_operations_never_leave_the_table(engine, ops: list[tuple[str, PlanState]]) -> None:
    """Moves by up-to-date writers and by writers holding an old version, in any order: the audit
    trail only ever records moves on the table, and the stored state is where the last one went."""
    with Session(engine, expire_on_commit=False) as session:
        plan = _plan(session, PlanState.PROPOSED)
        expected = PlanState.PROPOSED
        for kind, to in ops:
            session.refresh(plan)
            if kind == "stale":  # someone else wrote after this writer read: its version is old
                with Session(engine) as other:
                    other.execute(update(Plan).where(col(Plan.id) == plan.id).values(version=Plan.version + 1))
                    other.commit()
            try:
                transition(session, plan, to, "t")
                session.commit()
                assert kind == "move", "a writer holding an old version must lose"
                expected = to
            except Refusal as exc:
                assert exc.status == 409
                session.rollback()
            session.refresh(plan)
            assert plan.state == expected
        trail = session.exec(select(AuditEvent).where(AuditEvent.entity == "plan",
                                                      AuditEvent.entity_id == str(plan.id)).order_by(AuditEvent.id)).all()
        states = [PlanState.PROPOSED] + [PlanState(e.after["state"]) for e in trail]
        assert all(PlanState(e.before["state"]) == states[i] for i, e in enumerate(trail))
        assert all(b in TRANSITIONS[a] for a, b in pairwise(states))
        assert states[-1] == expected
