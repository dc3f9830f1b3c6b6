"""Work a transaction asks for starts only once it commits, and never when it rolls back."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlmodel import Session

from scheduler.core.background import Runner, after_commit


def test_queued_work_starts_after_the_commit_and_is_dropped_by_a_rollback() -> None:
    seen: list[int] = []
    runner = Runner("test", seen.append)
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        session.execute(text("select 1"))
        after_commit(session, runner, 1)
        assert seen == []  # nothing before the commit
        session.commit()
        runner._threads[1].join(timeout=10)  # hang guard only
        assert seen == [1]
        session.execute(text("select 1"))
        after_commit(session, runner, 2)
        session.rollback()
        session.execute(text("select 1"))
        session.commit()
    assert 2 not in runner._threads and seen == [1]
