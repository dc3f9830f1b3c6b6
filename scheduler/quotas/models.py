"""Tables of this capability; the core's tables (clouds, hosts, workloads, departments) live in scheduler.core.models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from scheduler.core.db import utcnow
from scheduler.core.models import timestamp_field


class Quota(SQLModel, table=True):
    """What one department is guaranteed on one cloud (nominal quota, per resource).

    Borrowing and lending limits are shares of these figures set in policy (`quotas.borrowing`), so a
    grant never has to rewrite them. `version` guards every change (compare-and-set).
    """

    __table_args__ = (UniqueConstraint("department_id", "cloud_id"),)
    id: int | None = Field(default=None, primary_key=True)
    department_id: str = Field(foreign_key="department.id", index=True)
    cloud_id: str = Field(foreign_key="cloud.id", index=True)
    vcpu: float = 0
    memory_gib: float = 0
    gpu: float = 0
    storage_gib: float = 0
    version: int = 1
    updated_at: datetime = timestamp_field(default_factory=utcnow)



class QuotaRequest(SQLModel, table=True):
    """A department's request for more quota on a cloud: routed to approvers, checked for room, decided once."""

    __tablename__ = "quota_request"
    id: int | None = Field(default=None, primary_key=True)
    department_id: str = Field(foreign_key="department.id", index=True)
    cloud_id: str = Field(foreign_key="cloud.id", index=True)
    vcpu: float = 0
    memory_gib: float = 0
    gpu: float = 0
    storage_gib: float = 0
    justification: str
    expires_at: datetime | None = timestamp_field(default=None, nullable=True)
    state: str = Field(default="pending", index=True)  # pending | approved | rejected | expired
    requester: str
    required_approvals: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # [{key, reason}]
    approvals: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # [{key, username, at, reason}]
    feasibility: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    decided_by: str | None = None
    decided_at: datetime | None = timestamp_field(default=None, nullable=True)
    decision_reason: str = ""
    version: int = 1
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(default_factory=utcnow)



class QuotaReclaim(SQLModel, table=True):
    """An owner's call for its lent quota: the borrowers' excess and the workloads marked to give it back."""

    __tablename__ = "quota_reclaim"
    id: int | None = Field(default=None, primary_key=True)
    department_id: str = Field(foreign_key="department.id", index=True)  # the owner
    cloud_id: str = Field(foreign_key="cloud.id", index=True)
    shortfall: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # per resource
    items: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # [{workload, department, demand}]
    covered: bool = False
    requested_by: str
    state: str = Field(default="open", index=True)  # open | resolved
    created_at: datetime = timestamp_field(default_factory=utcnow)
