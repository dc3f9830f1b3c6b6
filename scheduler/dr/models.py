"""Tables of this capability; the core's tables (clouds, hosts, workloads, departments) live in scheduler.core.models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from scheduler.core.db import utcnow
from scheduler.core.models import timestamp_field


class Drill(SQLModel, table=True):
    """A disaster-recovery drill: the clouds it fails, how (tabletop or live), where it got to, its report.

    A live drill runs through states a restarted service can resume from (planned, failing-over,
    failed-over, failing-back, then closed or aborted); `version` guards every state change.
    """

    id: int | None = Field(default=None, primary_key=True)
    mode: str  # tabletop | live
    clouds: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="planned", index=True)
    state_reason: str = ""
    starter: str
    schedule: str | None = None  # the cron of the schedule that started it, if one did
    version: int = 1
    progress: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    failover_plan_id: int | None = Field(default=None, foreign_key="plan.id")
    failback_plan_id: int | None = Field(default=None, foreign_key="plan.id")
    report: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = timestamp_field(default_factory=utcnow)
    started_at: datetime | None = timestamp_field(default=None, nullable=True)
    failed_over_at: datetime | None = timestamp_field(default=None, nullable=True)
    closed_at: datetime | None = timestamp_field(default=None, nullable=True)
    updated_at: datetime = timestamp_field(default_factory=utcnow)



class DrillRecovery(SQLModel, table=True):
    """One protected workload of a drilled cloud: predicted and (live) measured recovery, against its RTO."""

    __tablename__ = "drill_recovery"
    __table_args__ = (UniqueConstraint("drill_id", "workload_id"),)
    id: int | None = Field(default=None, primary_key=True)
    drill_id: int = Field(foreign_key="drill.id", index=True)
    workload_id: str
    cloud_id: str  # the drilled cloud it ran on
    priority: int
    rto_minutes: int
    rpo_minutes: int
    from_host: str | None = None
    to_host: str | None = None  # None: it did not fit
    to_cloud: str | None = None
    step: int | None = None
    predicted_minutes: float | None = None
    measured_minutes: float | None = None
    unplaced_reason: str = ""
    failback_host: str | None = None
    failback_state: str = ""  # "", done, failed, stayed
