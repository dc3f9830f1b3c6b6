"""The Alembic migrations build exactly the schema the models describe, on every database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import scheduler.tables  # noqa: F401
from scheduler.core.db import engine_for


def test_migrations_match_the_models(service) -> None:
    with engine_for(service.url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == [], f"models changed without a migration: {diff}"


def test_upgrade_is_idempotent(service) -> None:
    """A second and third upgrade change nothing: still at head, same schema, no row lost."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from scheduler.core.migrate import MIGRATIONS, upgrade

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with engine_for(service.url).connect() as conn:
        clouds = conn.execute(text("select count(*) from cloud")).scalar_one()
    upgrade()
    upgrade()
    with engine_for(service.url).connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head
        assert conn.execute(text("select count(*) from cloud")).scalar_one() == clouds > 0
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata) == []
