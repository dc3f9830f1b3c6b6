"""Schema upgrades through Alembic, callable from the CLI, the service start and the tests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from scheduler.core.settings import get_settings

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url or get_settings().database_url)
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    with exclusive("migrate", url):
        command.upgrade(alembic_config(url), revision)


@contextmanager
def exclusive(name: str, url: str | None = None) -> Iterator[None]:
    """One replica at a time through a start-up step (migrations, the first sync, the demo seed):
    a PostgreSQL advisory lock held on a connection of its own. SQLite has one process."""
    url = url or get_settings().database_url
    if not url.startswith("postgresql"):
        yield
        return
    key = int.from_bytes(hashlib.sha256(f"qianyun:{name}".encode()).digest()[:8], "big", signed=True)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        engine.dispose()


def at_head(session: Session) -> bool:
    """Is the database's schema the newest this code knows (the readiness probe asks)?"""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    try:
        current = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        session.rollback()
        return False
    return current == head


def revision(message: str, url: str | None = None) -> None:
    """Developers: write a new migration from the difference between the models and the database."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
