"""The what-if tables: scenarios (a question and its stored answer) and the daily utilisation history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from scheduler.core.db import utcnow
from scheduler.core.models import timestamp_field


class Scenario(SQLModel, table=True):
    """One scenario: its changes as given (validated), its state, and the answer once evaluated.

    `scope` is "all" or a cloud id, as a plan's: a city operator's scenario changes and sees its own
    cloud only. The state goes pending -> done or failed; the evaluation runs on the leader, in the
    background, and never calls a cloud.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    scope: str = Field(default="all", index=True, max_length=64)
    changes: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    drill_clouds: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    state: str = Field(default="pending", index=True, max_length=16)  # pending | done | failed
    state_reason: str = ""
    creator: str = Field(max_length=64)
    result: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    seconds: float | None = None
    version: int = 1
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class UtilisationDay(SQLModel, table=True):
    """One cloud's busiest p95 share of one resource on one day: the history the runway forecasts from.

    The metrics rollup keeps only the latest window per host; this keeps, per day, the highest
    capacity-weighted p95 the rollups saw (capacity is planned for the busy hours, not the average).
    """

    __tablename__ = "utilisation_day"
    __table_args__ = (UniqueConstraint("cloud_id", "resource", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    cloud_id: str = Field(foreign_key="cloud.id", index=True, max_length=64)
    resource: str = Field(max_length=32)
    day: date
    p95: float
