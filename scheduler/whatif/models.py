"""The scenarios table: a what-if question (today's fleet plus changes) and its stored answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
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
