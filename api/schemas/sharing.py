"""Sharing requests and their decisions as the API takes and sends them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import In, RowIdIn, UtcDatetime
from scheduler.tenants import sharing

ShareState = Literal[sharing.STATES]  # type: ignore[valid-type]


class ShareRequestCreate(In):
    entry_id: RowIdIn = Field(description="the catalog entry asked for")
    requester_department: str = Field(min_length=1, description="the department that needs the data (yours)")
    purpose: str = Field(min_length=10, max_length=1000, description="why the data is needed")
    fields: list[str] | None = Field(None, description="the entry's fields wanted; all of them when left out")


class ShareApproveIn(In):
    reason: str = Field("", max_length=1000)


class ShareRejectIn(In):
    reason: str = Field(min_length=1, max_length=1000, description="the requester must learn why")


class ShareApprovalOut(BaseModel):
    stage: str
    username: str
    decision: str
    reason: str
    at: UtcDatetime
    signature: str = Field(description="the hash of the audit event that records this decision")


class DeliveryOut(BaseModel):
    state: str
    runs: int
    last_anchor: UtcDatetime | None


class ShareRequestOut(BaseModel):
    id: int
    entry_id: int
    entry_code: str | None
    entry_name: str | None
    owner_department: str | None
    requester_department: str
    purpose: str
    fields: list[str]
    share_attribute: str | None
    state: ShareState
    approvals: list[ShareApprovalOut]
    jobset_id: int | None
    delivery: DeliveryOut | None
    requested_by: str
    created_at: UtcDatetime
    version: int
