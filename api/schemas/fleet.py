"""Clouds, hosts, workloads, departments, login and health as the API sends them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import Resources, UtcDatetime


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    username: str
    role: str
    scope: str | None
    second_factor: bool = False  # enrolled: logs in with a one-time code


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
    department_name: str = ""  # in the caller's language


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
