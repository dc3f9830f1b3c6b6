"""Request and response shapes of the API, kept apart from the tables they are read from."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from scheduler.core.db import as_utc

T = TypeVar("T")

UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
"""A stored time as the API sends it: UTC with its offset (SQLite hands back naive times, and a
naive RFC 3339 time is not a date-time: a browser would read it as local time)."""


class Resources(BaseModel):
    vcpu: float = 0
    memory_gib: float = 0
    gpu: float = 0
    storage_gib: float = 0


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """Every refusal and every invalid request: what is wrong, the field at fault; a 422 lists each
    invalid field in `errors`; a refusal may add named facts (a quota refusal's numbers)."""

    model_config = ConfigDict(extra="allow")
    detail: str
    field: str | None
    errors: list[FieldErrorOut] | None = None


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    username: str
    role: str
    scope: str | None


class CloudOut(BaseModel):
    id: str
    name: str
    name_en: str
    kind: str
    city: str | None
    industry: str | None
    mlps_level: int
    adapter: str
    status: str = Field(description="healthy, degraded (adapter unreachable; last inventory kept) or failed")
    status_detail: str
    last_sync_at: UtcDatetime | None
    hosts: int
    workloads: int
    capacity: Resources
    allocated: Resources


class HostOut(BaseModel):
    id: str
    cloud: str
    model: str
    schedulable: bool
    up: bool
    capacity: Resources
    allocated: Resources
    workloads: int
    last_seen_at: UtcDatetime | None


class DrOut(BaseModel):
    protected: bool
    priority: int
    rto_minutes: int


class WorkloadOut(BaseModel):
    id: str
    name: str
    department: str
    cloud: str
    host: str | None
    tier: str
    city: str | None
    industry: str | None
    classification: str
    mlps_level: int
    demand: Resources
    spread_group: str | None
    pinned: bool
    role: str
    dr: DrOut


class DepartmentOut(BaseModel):
    id: str
    name: str
    name_en: str
    level: str
    city: str | None
    industry: str | None
    parent: str | None


class ResourceUseOut(BaseModel):
    resource: str
    capacity: float
    latest: float | None = Field(description="used share of capacity at the end of the last window")
    p95: float | None


class UtilisationOut(BaseModel):
    subject: str
    kind: str
    window_end: UtcDatetime | None
    resources: list[ResourceUseOut]


class HealthOut(BaseModel):
    status: str
    database: str
    clouds: int | None = Field(description="clouds known; null while the database does not answer")
    leader: bool = Field(False, description="this replica leads (runs the background work)")


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


class SessionTokensOut(BaseModel):
    """A login: the bearer access token, and (for a full session) the refresh token that renews it."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str | None = None
    enrolment_required: bool = False  # true: this token may only enrol a second factor, then log in again


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TotpEnrolOut(BaseModel):
    secret: str  # base32, for typing into an authenticator
    otpauth_uri: str  # the same as an otpauth:// URI (a QR code)


class TotpConfirmIn(BaseModel):
    otp: str = Field(min_length=1, max_length=32)


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]  # shown once: each logs in once in place of a code


class PasswordChangeIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)
    otp: str | None = Field(default=None, max_length=32)
