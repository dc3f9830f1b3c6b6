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
    from scheduler.core.migrate import upgrade

    upgrade()
    upgrade()
