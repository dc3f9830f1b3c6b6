"""Schema upgrades through Alembic, callable from the CLI, the service start and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from scheduler.core.settings import get_settings

MIGRATIONS = Path(__file__).parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url or get_settings().database_url)
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def revision(message: str, url: str | None = None) -> None:
    """Developers: write a new migration from the difference between the models and the database."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
