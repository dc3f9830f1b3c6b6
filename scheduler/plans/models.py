"""Tables of this capability; the core's tables (clouds, hosts, workloads, departments) live in scheduler.core.models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from scheduler.core.db import utcnow
from scheduler.core.models import timestamp_field


class Plan(SQLModel, table=True):
    """A proposed change of placements, with the snapshot it was built on and its lifecycle state.

    `version` guards every state change (compare-and-set), so two operators acting at once
    cannot both win.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # rebalance | drain | place-pending | failover | failback
    scope: str = Field(index=True)  # a cloud id or "all"
    objective: str = "consolidate"
    max_migrations: int | None = None
    drain_hosts: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    state: str = Field(default="proposed", index=True)  # a scheduler.plans.state.PlanState
    state_reason: str = ""
    proposer: str
    version: int = 1
    fingerprint: str
    fleet: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    document: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    required_approvals: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    dry_run: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    notes: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # what site policy held back, and why
    # a summary of the document, so listing plans never loads documents (a plan's fleet can be megabytes)
    move_count: int = 0
    stats: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


@event.listens_for(Plan, "before_insert")
def _summarise(_mapper: Any, _connection: Any, plan: Plan) -> None:
    """A plan's document is written once, at its proposal: its summary is taken then."""
    doc = plan.document or {}
    plan.move_count, plan.stats = len(doc.get("moves", [])), doc.get("stats")



class PlanApproval(SQLModel, table=True):
    __tablename__ = "plan_approval"
    __table_args__ = (UniqueConstraint("plan_id", "scope_key"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    scope_key: str  # province | city:gy | industry:edu
    username: str
    role: str
    at: datetime = timestamp_field(default_factory=utcnow)



class PlanAction(SQLModel, table=True):
    """One move of a plan as the executor runs it; written before and after every adapter call."""

    __tablename__ = "plan_action"
    __table_args__ = (UniqueConstraint("plan_id", "phase", "step"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    phase: str = "forward"  # forward | rollback
    step: int
    # move: workload_id goes to to_host; disable-host / enable-host: to_host is the host (workload_id "")
    kind: str = "move"
    workload_id: str
    from_host: str | None = None
    to_host: str
    reason: str = ""
    state: str = "pending"  # pending | running | done | failed | skipped
    attempts: int = 0
    error: str = ""
    started_at: datetime | None = timestamp_field(default=None, nullable=True)
    finished_at: datetime | None = timestamp_field(default=None, nullable=True)
