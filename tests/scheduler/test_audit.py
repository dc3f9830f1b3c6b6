"""The audit chain: appended on every write, and any edit, removal or reordering is found."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import select

from scheduler.core import audit
from scheduler.core.models import AuditEvent


def _append(service, n: int) -> list[int]:
    ids = []
    with service.session() as session:
        for i in range(n):
            ids.append(audit.record(session, "tester", "test.write", "thing", f"t{i}", {"v": i}, {"v": i + 1}).id)
    return ids


def test_chain_is_intact_after_writes(service) -> None:
    _append(service, 5)
    with service.session() as session:
        v = audit.verify(session)
    assert v.intact and v.events >= 5


def test_a_tampered_row_is_reported_where_it_breaks(service) -> None:
    ids = _append(service, 6)
    victim = ids[3]
    with service.session() as session:
        session.execute(text("UPDATE audit_event SET actor = 'mallory' WHERE id = :id"), {"id": victim})
    with service.session() as session:
        v = audit.verify(session)
    assert not v.intact and v.broken_at == victim and "changed" in v.reason


def test_a_rewritten_payload_with_a_recomputed_hash_breaks_the_next_link(service) -> None:
    ids = _append(service, 4)
    with service.session() as session:
        ev = session.get(AuditEvent, ids[1])
        ev.after = {"v": 999}
        ev.hash = audit.event_hash(ev.prev_hash, ev.at, ev.actor, ev.action, ev.entity, ev.entity_id, ev.before, ev.after)
    with service.session() as session:
        v = audit.verify(session)
    assert not v.intact and v.broken_at == ids[2] and "link" in v.reason


def test_removing_the_newest_events_is_reported(service) -> None:
    ids = _append(service, 3)
    with service.session() as session:
        session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[-1]})
    with service.session() as session:
        v = audit.verify(session)
    assert not v.intact and "removed" in v.reason


def test_an_event_rolled_back_with_its_change_leaves_no_trace(service) -> None:
    with service.session() as session:
        before = len(session.exec(select(AuditEvent)).all())
    try:
        with service.session() as session:
            audit.record(session, "tester", "test.write", "thing", "x", None, {"v": 1})
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    with service.session() as session:
        assert len(session.exec(select(AuditEvent)).all()) == before
        assert audit.verify(session).intact


def test_parallel_appends_never_fork_the_chain(service) -> None:
    """Many writers at once (the issue saw 200 parallel failed logins fork it on SQLite): each event
    links to a different predecessor and the whole chain verifies."""
    from concurrent.futures import ThreadPoolExecutor

    from scheduler.core.db import session_scope

    def one(i: int) -> None:
        with session_scope() as session:
            session.exec(select(AuditEvent.id).limit(1)).first()  # a read first, as a login does
            audit.record(session, f"user{i}", "auth.login-refused", "user", f"user{i}")

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, range(120)))
    with service.session() as session:
        prevs = [e.prev_hash for e in session.exec(select(AuditEvent))]
        assert len(prevs) == len(set(prevs))  # no two events share a predecessor
        v = audit.verify(session)
    assert v.intact, v
