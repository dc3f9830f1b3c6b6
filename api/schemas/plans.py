"""A plan as the API takes and sends it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime


class PlanCreate(BaseModel):
    kind: str = Field(description="rebalance, drain or place-pending")
    scope: str = Field(description="a cloud id, or 'all' (province centre only)")
    objective: str = "consolidate"
    max_migrations: int | None = Field(default=None, description="at most this many moves of running workloads")
    hosts: list[str] | None = Field(default=None, description="the hosts to drain (drain only)")

    model_config = {"extra": "forbid"}


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)

    model_config = {"extra": "forbid"}


class MoveOut(BaseModel):
    step: int
    workload: str
    from_host: str | None = Field(alias="from")
    to_host: str = Field(alias="to")
    reason: str
    state: str | None = Field(default=None, description="pending, running, done, failed (once executing)")
    error: str | None = None

    model_config = {"populate_by_name": True}


class ApprovalNeedOut(BaseModel):
    key: str
    rules: list[str]
    reasons: list[str]
    moves: int
    approved_by: str | None
    approved_at: UtcDatetime | None


class HostChangeOut(BaseModel):
    host: str
    cloud: str
    before: dict[str, float]
    after: dict[str, float]


class PlanSummaryOut(BaseModel):
    id: int
    kind: str
    scope: str
    objective: str
    max_migrations: int | None
    state: str
    state_reason: str
    proposer: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    moves: int
    stats: dict
    pending_approvals: list[str]


class PlanOut(PlanSummaryOut):
    drain_hosts: list[str] | None
    moves: list[MoveOut]  # type: ignore[assignment]
    unplaced: list[dict]
    approvals: list[ApprovalNeedOut]
    hosts: list[HostChangeOut]
    rollback: list[MoveOut]
    dry_run: dict | None
    notes: list[str]
    progress: dict
    energy: dict[str, Any] | None = None  # power before and after, per year and in yuan (docs/whatif.md)


class DocMoveOut(BaseModel):
    """A move of the contract's plan document."""

    model_config = {"extra": "allow", "populate_by_name": True, "serialize_by_alias": True}
    step: int
    workload: str
    from_host: str | None = Field(alias="from")
    to_host: str = Field(alias="to")
    reason: str


class UnplacedOut(BaseModel):
    model_config = {"extra": "allow"}
    workload: str
    reason: str


class FleetDocOut(BaseModel):
    """The contract's fleet document the plan was built from (as far as the reader may see it)."""

    model_config = {"extra": "allow"}
    clouds: list[dict[str, Any]]
    hosts: list[dict[str, Any]]
    workloads: list[dict[str, Any]]


class PlanDocumentOut(BaseModel):
    """The optimizer contract's plan document, with the fleet document it was built from."""

    model_config = {"extra": "allow"}
    moves: list[DocMoveOut]
    assignments: dict[str, str] = Field(default_factory=dict)
    unplaced: list[UnplacedOut] = Field(default_factory=list)
    fleet: FleetDocOut
