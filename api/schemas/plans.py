"""A plan as the API takes and sends it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import SaidOut, UtcDatetime


class PlanCreate(BaseModel):
    kind: str = Field(description="rebalance, drain or place-pending")
    scope: str = Field(description="a cloud id, or 'all' (province centre only)")
    objective: str = "consolidate"
    minimise: str | None = Field(default=None, description="consolidate only: 'hosts' (fewest active hosts) or "
                                 "'power' (fewest watts by the policy's power model); default: the policy's power.minimise")
    max_migrations: int | None = Field(default=None, description="at most this many moves of running workloads")
    hosts: list[str] | None = Field(default=None, description="the hosts to drain (drain only)")

    model_config = {"extra": "forbid"}


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)

    model_config = {"extra": "forbid"}


class MoveOut(BaseModel):
    step: int
    kind: str = Field(default="move", description="move; or disable-host / enable-host (a freed host, `to`)")
    workload: str
    from_host: str | None = Field(alias="from")
    to_host: str = Field(alias="to")
    reason: str = Field(description="the optimizer contract's English reason")
    code: str | None = Field(default=None, description="the reason as a message code (with params)")
    params: dict[str, Any] | None = None
    text: str = Field(default="", description="the reason in the caller's language")
    state: str | None = Field(default=None, description="pending, running, done, failed (once executing)")
    error: str | None = None

    model_config = {"populate_by_name": True}


class ApprovalNeedOut(BaseModel):
    key: str
    rules: list[str]
    reasons: list[str]
    moves: int
    label: str = Field(default="", description="who approves, in the caller's language")
    rule_names: list[str] = Field(default_factory=list, description="the rules, in the caller's language")
    said: list[SaidOut] = Field(default_factory=list, description="the reasons as messages, in the caller's language")
    approved_by: str | None
    approved_at: UtcDatetime | None


class NextApproverOut(BaseModel):
    scope: str = Field(description="the approval scope still missing: province, city:gy, industry:edu")
    role: str | None = Field(description="the role that holds the scope")
    accounts: list[str] = Field(description="active accounts that may give it (empty: nobody holds it yet)")


class MoveCountsOut(BaseModel):
    """One count of moves: every step is a move; migrations + placements + restarts = moves."""

    moves: int
    migrations: int
    placements: int
    restarts: int
    hosts_disabled: int


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
    state_text: str = Field(default="", description="state_reason in the caller's language")
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
    host_actions: list[MoveOut] = Field(description="the freed hosts disabled after the last move")
    rollback: list[MoveOut]
    move_counts: MoveCountsOut
    next_approvers: list[NextApproverOut]
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
