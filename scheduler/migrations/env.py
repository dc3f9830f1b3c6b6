"""Alembic environment: the URL comes from the caller (scheduler.migrate), the metadata from the models."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import scheduler.tables  # noqa: F401  (registers the tables)
from scheduler.core.db import engine_for

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "scheduler.migrate sets sqlalchemy.url"

connectable = engine_for(url)
with connectable.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
