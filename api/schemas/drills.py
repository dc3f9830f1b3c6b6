"""A drill's report: what recovered, how fast against each system's RTO, what did not fit."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from api.schemas.common import UtcDatetime


class ReportDrillOut(BaseModel):
    id: int
    mode: str
    clouds: list[str]
    state: str
    state_reason: str
    state_text: str = ""  # state_reason in the caller's language
    starter: str
    schedule: str | None
    failover_plan: int | None
    failback_plan: int | None
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    failed_over_at: UtcDatetime | None
    closed_at: UtcDatetime | None


class ReportSummaryOut(BaseModel):
    protected: int
    recovered: int
    within_rto: int
    share_within_rto: float | None
    did_not_fit: int
    slowest_minutes: float | None
    not_protected: int
    plan_moves: int
    plan_seconds: float | None


class SystemOut(BaseModel):
    workload: str
    cloud: str
    priority: int
    rto_minutes: int
    rpo_minutes: int
    from_host: str | None
    to_host: str | None
    to_cloud: str | None
    step: int | None
    predicted_minutes: float | None
    measured_minutes: float | None
    within_rto_predicted: bool
    within_rto_measured: bool
    unplaced_reason: str | None
    failback_host: str | None
    failback_state: str | None


class DidNotFitOut(BaseModel):
    workload: str
    cloud: str
    priority: int
    rto_minutes: int
    reason: str | None
    text: str | None = None  # the reason in the caller's language


class NotProtectedOut(BaseModel):
    count: int
    workloads: list[str]
    reason: str | None
    text: str | None = None  # the reason in the caller's language


class HeadlineSharesOut(BaseModel):
    within_rto: float | None
    late: float | None
    no_place: float | None
    not_protected: float | None


class HeadlineOut(BaseModel):
    """Every system of the drilled clouds, counted once; the four counts add up to `systems`."""

    systems: int
    within_rto: int
    late: int
    no_place: int
    not_protected: int
    shares: HeadlineSharesOut


class DrillReportOut(BaseModel):
    headline: HeadlineOut
    drill: ReportDrillOut
    model: dict[str, Any]
    basis: Literal["measured", "predicted"]
    summary: ReportSummaryOut
    by_priority: dict[str, list[dict[str, Any]] | None]
    slowest: list[SystemOut]
    did_not_fit: list[DidNotFitOut]
    not_protected: NotProtectedOut
    capacity: dict[str, Any] | None
    failback: dict[str, Any] | None
    energy: dict[str, Any] | None = None  # power before and after the failover (docs/whatif.md)
    # what site policy held back in the failover plan: {"code", "params", "text"} in the caller's language
    policy_notes: list[dict[str, Any]] = []
    systems: list[SystemOut]
