"""The service's own state (who leads) and the accounts the system administrator manages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import UtcDatetime


class ReplicaOut(BaseModel):
    name: str
    leader: bool
    started_at: datetime | None
    seen_at: datetime | None


class LeaderOut(BaseModel):
    leader: str | None = Field(description="hostname:pid of the replica holding the lease; null while nobody leads")
    epoch: int
    lease_age_s: float | None
    lease_s: float
    transitions: int
    replicas: list[ReplicaOut]


class UserOut(BaseModel):
    username: str
    role: str
    scope: str | None
    disabled: bool
    second_factor: bool  # enrolled: logs in with a one-time code
    created_at: UtcDatetime


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    role: str = Field(min_length=1, max_length=32)
    scope: str | None = Field(default=None, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserReset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str | None = Field(default=None, min_length=1, max_length=256,
                                 description="the new password (the policy's rules), handed to the user apart")
    second_factor: bool = Field(default=False, description="forget the second factor: enrolled again at the next login")


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str | None = Field(default=None, min_length=1, max_length=32)
    scope: str | None = Field(default=None, max_length=64)
    disabled: bool | None = None
