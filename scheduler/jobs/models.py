"""Tables of this capability; the core's tables (clouds, hosts, workloads, departments) live in scheduler.core.models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from scheduler.core.db import utcnow
from scheduler.core.models import timestamp_field


class JobSet(SQLModel, table=True):
    """A data-zone job set: the contract's job-set document, the clouds it may run on, its recurrence.

    Times inside `document` are minutes from the start of a run; a run is one occurrence (JobRun).
    """

    __tablename__ = "jobset"
    id: int | None = Field(default=None, primary_key=True)
    name: str = ""
    cloud_id: str = Field(foreign_key="cloud.id", index=True)  # the cloud it is planned on
    clouds: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # [cloud_id, fallbacks...]
    department_id: str | None = Field(default=None, index=True)  # the owning department (a department admin's)
    recurrence: str | None = None  # cron, Asia/Shanghai
    objective: str = "makespan"
    document: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    owner: str
    active: bool = True
    created_at: datetime = timestamp_field(default_factory=utcnow)



class JobRun(SQLModel, table=True):
    """One occurrence of a job set: time zero, the capacity forecast it was planned against, the
    schedule (contract document) and every re-plan (when, why, which starts changed)."""

    __tablename__ = "job_run"
    id: int | None = Field(default=None, primary_key=True)
    jobset_id: int = Field(foreign_key="jobset.id", index=True)
    anchor: datetime = timestamp_field()  # minute 0 of the schedule
    state: str = Field(default="planned", index=True)  # planned | running | done | failed
    schedule: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    forecast: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    replans: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    version: int = 1
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(default_factory=utcnow)



class DataJob(SQLModel, table=True):
    """One job of a run as dispatch tracks it: planned against actual start, and its state."""

    __tablename__ = "data_job"
    __table_args__ = (UniqueConstraint("run_id", "job_id"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="job_run.id", index=True)
    job_id: str
    cloud_id: str | None = None
    duration_min: int
    planned_start: datetime = timestamp_field()
    first_planned_start: datetime = timestamp_field()
    actual_start: datetime | None = timestamp_field(default=None, nullable=True)
    finished_at: datetime | None = timestamp_field(default=None, nullable=True)
    state: str = Field(default="pending", index=True)  # pending | running | done | failed | late
    external_id: str | None = None  # the adapter's id of the running job
    attempts: int = 0
    error: str = ""



class HourlyLoad(SQLModel, table=True):
    """p95 of a cloud's used share of one resource, by hour of day (Asia/Shanghai): the load forecast."""

    __tablename__ = "hourly_load"
    __table_args__ = (UniqueConstraint("cloud_id", "resource", "hour"),)
    id: int | None = Field(default=None, primary_key=True)
    cloud_id: str = Field(index=True)
    resource: str
    hour: int  # 0..23, local time
    p95: float  # share of capacity in use
    computed_at: datetime = timestamp_field(default_factory=utcnow)
