"""Quotas, their use, requests for more and reclaims, as the API sends them (amounts per resource)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import UtcDatetime
from api.schemas.fleet import WorkloadOut

Amounts = dict[str, float]


class StandingOut(BaseModel):
    """One department's quota on one cloud with the cohort arithmetic done (Kueue's rules)."""

    department: str
    cloud: str
    parent: str | None
    cohort: str
    nominal: Amounts
    used: Amounts
    guaranteed: Amounts
    lendable: Amounts
    borrowing_limit: Amounts
    borrowed: Amounts
    lent: Amounts
    headroom: Amounts


class CloudQuotaOut(BaseModel):
    cloud: str
    capacity: Amounts
    allottable: Amounts
    granted: Amounts
    grantable: Amounts = Field(description="what may still be granted under the policy's overcommit (docs/quotas.md)")
    used: Amounts


class QuotasOut(BaseModel):
    items: list[StandingOut]
    total: int
    clouds: list[CloudQuotaOut] | None = Field(None, description="the clouds' allotment; not for department admins")


class ResourceUsageOut(BaseModel):
    quota: float
    used: float
    borrowed: float
    lent: float
    headroom: float
    used_share: float | None


class UsageOut(BaseModel):
    department: str
    parent: str | None
    cloud: str
    over_quota: bool
    resources: dict[str, ResourceUsageOut]


class UsageListOut(BaseModel):
    items: list[UsageOut]
    total: int


class ReclaimItemOut(BaseModel):
    workload: str
    name: str
    department: str
    host: str | None
    demand: Amounts
    reason: str  # English, as stored
    text: str  # the reason in the reader's language
    code: str | None = None
    params: dict[str, Any] | None = None


class ReclaimOut(BaseModel):
    id: int
    department: str
    cloud: str
    shortfall: Amounts
    covered: bool
    state: Literal["open", "resolved"]
    requested_by: str
    created_at: UtcDatetime
    workloads: list[ReclaimItemOut]


class ReclaimListOut(BaseModel):
    items: list[ReclaimOut]
    total: int


class RequiredApprovalOut(BaseModel):
    key: str
    reason: str  # English, as stored
    text: str  # the reason in the reader's language
    code: str | None = None  # None on a request stored before reasons were data
    params: dict[str, Any] | None = None
    approved_by: str | None


class QuotaApprovalOut(BaseModel):
    key: str
    username: str
    at: UtcDatetime
    reason: str


class FeasibilityOut(BaseModel):
    """The optimizer's answer an approver reads: feasible, feasible after N migrations, or short of what."""

    model_config = {"extra": "allow"}
    verdict: Literal["feasible", "feasible-after-migrations", "short"]
    message: str
    cloud: str
    short: Amounts
    migrations: int
    alternatives: list[str]
    checked_at: UtcDatetime | None = None
    code: str | None = None  # the answer as a message code, with params
    params: dict[str, Any] | None = None
    text: str = ""  # the answer in the caller's language


class QuotaRequestOut(BaseModel):
    id: int
    department: str
    cloud: str
    amount: Amounts
    justification: str
    expires_at: UtcDatetime | None
    state: Literal["pending", "approved", "rejected", "expired"]
    requester: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    required_approvals: list[RequiredApprovalOut]
    pending_approvals: list[str]
    approvals: list[QuotaApprovalOut]
    decided_by: str | None
    decided_at: UtcDatetime | None
    decision_reason: str
    feasibility: FeasibilityOut | None
    may_decide: bool


class RegisteredOut(BaseModel):
    """A registered workload: where the placer put it and its department's quota after."""

    workload: WorkloadOut
    host: str
    quota: StandingOut
