"""Engine and sessions: SQLite (WAL) by default, PostgreSQL by URL.

Two engines per URL per process, each with its own pool: one for API requests, whose requests wait
at most `db_pool_timeout_s` for a connection (then the API answers 503), and one for the background
work (plan runner, drills, sync, metrics, dispatch), which no request load can take connections from.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from scheduler.core.settings import get_settings


def utcnow() -> datetime:
    return datetime.now(UTC)


MAX_ROW_ID = 2**31 - 1
"""The largest id a row can have: the tables' integer keys are 32-bit on PostgreSQL (SQLite's are 64),
so a larger id asked for is refused as the field's error, never sent to the database to overflow."""


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@lru_cache
def engine_for(url: str, background: bool = False) -> Engine:
    settings = get_settings()
    if background:
        pool = {"pool_size": settings.db_background_pool_size, "max_overflow": settings.db_background_pool_size,
                "pool_timeout": 60}
    else:
        pool = {"pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow,
                "pool_timeout": settings.db_pool_timeout_s}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            _owner_only(engine.url.database)

        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def _owner_only(database: str | None) -> None:
    """The database holds accounts and the audit trail: its files are the service owner's alone."""
    if not database or database == ":memory:":
        return
    for suffix in ("", "-wal", "-shm"):
        path = Path(database + suffix)
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o600)


def get_engine() -> Engine:
    """The API's engine."""
    return engine_for(get_settings().database_url)


def get_background_engine() -> Engine:
    """The background work's engine: its own pool, never waiting behind API requests."""
    return engine_for(get_settings().database_url, background=True)


@contextmanager
def session_scope(background: bool = False) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error, so nothing is half-written.
    Background work passes `background=True` to use its own pool."""
    with Session(get_background_engine() if background else get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
