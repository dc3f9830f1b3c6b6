"""The lease and its fence inside one process, on SQLite and PostgreSQL: another replica is played by
writing the lease row as it would (a takeover, an expiry), and this replica must stop acting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update


@pytest.fixture
def elector(service) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from scheduler.core import leader

    calls: list[str] = []
    e = leader.Elector(on_elected=lambda: calls.append("elected"), on_demoted=lambda: calls.append("demoted"),
                       lease_s=120, poll_s=60)  # the thread never ticks by itself within a test
    e.calls = calls  # type: ignore[attr-defined]
    yield e
    e.stop()


def _lease(**values: object) -> None:
    from scheduler.core.db import session_scope
    from scheduler.core.models import LeaderLease

    with session_scope() as session:
        session.execute(update(LeaderLease).where(LeaderLease.id == 1).values(**values))


def _other_takes_over() -> None:
    from scheduler.core.db import utcnow
    from scheduler.core.models import LeaderLease

    _lease(instance="another-replica", holder="other-host:1", epoch=LeaderLease.epoch + 1,
           expires_at=utcnow() + timedelta(seconds=30))


def test_a_lone_replica_leads_at_once_and_its_fence_passes(elector) -> None:  # type: ignore[no-untyped-def]
    from scheduler.core import leader
    from scheduler.core.db import session_scope

    elector.start()
    assert leader.is_leader() and leader.epoch() == 1 and elector.calls == ["elected"]
    with session_scope() as session:
        assert leader.fence(session) == 1
        status = leader.status(session)
    assert status.leader == leader.NAME and status.epoch == 1 and [r["leader"] for r in status.replicas] == [True]


def test_a_replica_whose_epoch_is_taken_over_is_fenced_out_and_acts_on_nothing(elector, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from scheduler import plans
    from scheduler.core import leader
    from scheduler.core.accounts import Actor
    from scheduler.core.db import session_scope
    from scheduler.core.registry import get_adapters
    from scheduler.plans import executor
    from scheduler.plans.models import PlanAction

    elector.start()
    monkeypatch.setattr(executor, "queue", lambda session, plan_id: None)  # the move is run by hand below
    operator = Actor("gy-op", "city-operator", "gy")
    with session_scope() as session:
        plan = plans.propose(session, operator, "rebalance", "gy", "consolidate", 5)
        assert plan.move_count > 0, "the small fleet has something to consolidate"
        plans.approve(session, operator, plan)
        plans.start_execution(session, operator, plan)
        plan_id = plan.id
    with session_scope() as session:
        first = session.exec(select(PlanAction).where(PlanAction.plan_id == plan_id).order_by(PlanAction.step)).first()
        assert first is not None
    before = get_adapters().simulated.history()
    _other_takes_over()  # a pause long enough for another replica to take the lease
    with pytest.raises(leader.NotLeader):
        executor.run_action(first.id)  # type: ignore[arg-type]
    with session_scope() as session:
        assert session.get(PlanAction, first.id).state == "pending"  # type: ignore[union-attr]
    assert get_adapters().simulated.history() == before, "the cloud saw no action"
    assert not leader.is_leader() and elector.calls == ["elected", "demoted"]
    assert executor.start(plan_id) is None  # type: ignore[arg-type]  # a follower starts no runner
    with session_scope() as session, pytest.raises(leader.NotLeader):
        leader.fence(session)


def test_an_expired_lease_fences_its_own_holder(elector) -> None:  # type: ignore[no-untyped-def]
    from scheduler.core import leader
    from scheduler.core.db import session_scope, utcnow

    elector.start()
    _lease(expires_at=utcnow() - timedelta(seconds=1))  # stalled past its lease; nobody took it yet
    with session_scope() as session, pytest.raises(leader.NotLeader):
        leader.fence(session)
    assert not leader.is_leader()


def test_a_follower_takes_an_expired_lease_with_a_new_epoch_and_runs_no_job_before(elector) -> None:  # type: ignore[no-untyped-def]
    from scheduler import loop
    from scheduler.core import leader
    from scheduler.core.db import utcnow

    _other_takes_over()
    elector.start()
    assert not leader.is_leader() and elector.calls == []
    ran: list[int] = []
    job = loop._leader_only("test-job", lambda: ran.append(1))
    job()
    assert ran == [], "a follower runs no scheduled job"
    _lease(expires_at=utcnow() - timedelta(seconds=1))  # the other replica died
    elector.tick()
    assert leader.is_leader() and leader.epoch() == 2 and elector.calls == ["elected"]
    job()
    assert ran == [1]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite is one process: nobody waits on its lock
def test_a_leader_paused_inside_its_fenced_transaction_does_not_hold_the_lease_forever(service) -> None:  # type: ignore[no-untyped-def]
    """A leader stopped (SIGSTOP, a hung disk) between its fence and its commit keeps the lease row
    locked on PostgreSQL; without a limit its successor's takeover would wait on that lock for ever.
    Played in one process: the fenced session is left open as the paused replica would leave it."""
    import threading
    import time

    from sqlalchemy.exc import DBAPIError
    from sqlmodel import Session

    from scheduler.core import leader
    from scheduler.core.db import get_background_engine

    paused = leader.Elector(lease_s=3, poll_s=0.5, instance="paused-replica")
    paused.start()
    paused._stop.set()  # its renewals stop with it
    assert leader.is_leader()
    held = Session(get_background_engine())
    leader.fence(held)  # ... and the process stops here, the lease row locked, nothing committed
    leader._standing.mode = "follower"  # from here this process plays the successor
    successor = leader.Elector(lease_s=3, poll_s=0.5, instance="successor")
    took: list[int | None] = []

    def compete() -> None:
        while leader._standing.mode != "leader":
            successor.tick()
            time.sleep(0.1)
        took.append(leader.epoch())

    t = threading.Thread(target=compete, daemon=True)
    t.start()
    t.join(timeout=10 * (paused.term_s + successor.term_s))  # a hang guard, 10x the expected wait
    try:
        assert took == [2], "the successor never took the lease: the paused leader's lock held it"
        with pytest.raises(DBAPIError):
            held.commit()  # the paused leader's transaction is gone: its record cannot land
    finally:
        held.close()
        successor._stop.set()
        successor.stop()
