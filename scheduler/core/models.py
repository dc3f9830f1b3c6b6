"""The domain model: clouds, hosts, departments, workloads, users and the audit chain, as tables.

Schema changes go through Alembic migrations (scheduler/migrations); API schemas live in api/schemas.
Resources are columns, not a JSON bag, so quotas and filters can be computed in SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

from scheduler.core.db import utcnow

RESOURCES: tuple[str, ...] = ("vcpu", "memory_gib", "gpu", "storage_gib")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back aware, in UTC: SQLite hands back naive datetimes, and a
    response without a time zone breaks the OpenAPI `date-time` format clients rely on."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp_field(**kw: Any) -> Any:
    return Field(sa_type=UtcDateTime, **kw)  # type: ignore[call-overload]



class Cloud(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str
    name_en: str
    kind: str = Field(index=True)  # province | city | industry | backup
    city: str | None = Field(default=None, index=True)
    industry: str | None = Field(default=None, index=True)
    mlps_level: int
    adapter: str
    status: str = Field(default="healthy")  # healthy | degraded | failed
    status_detail: str = ""
    last_sync_at: datetime | None = timestamp_field(default=None, nullable=True)



class Department(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=96)
    name: str
    name_en: str
    level: str = Field(index=True)  # province | city | county
    city: str | None = Field(default=None, index=True)
    industry: str | None = Field(default=None, index=True)
    parent_id: str | None = Field(default=None, foreign_key="department.id")



class Host(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=96)
    cloud_id: str = Field(foreign_key="cloud.id", index=True)
    model: str = ""
    schedulable: bool = True
    up: bool = True
    vcpu: float = 0
    memory_gib: float = 0
    gpu: float = 0
    storage_gib: float = 0
    last_seen_at: datetime | None = timestamp_field(default=None, nullable=True)



class Workload(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=96)
    name: str = ""
    department_id: str = Field(foreign_key="department.id", index=True)
    cloud_id: str = Field(foreign_key="cloud.id", index=True)  # the cloud that reports it
    host_id: str | None = Field(default=None, foreign_key="host.id", index=True)
    tier: str = Field(index=True)  # province | city | county
    city: str | None = Field(default=None, index=True)
    industry: str | None = None
    classification: str = "internal"
    mlps_level: int = 2
    vcpu: float = 0
    memory_gib: float = 0
    gpu: float = 0
    storage_gib: float = 0
    spread_group: str | None = None
    pinned: bool = False
    role: str = "primary"
    dr_protected: bool = False
    dr_priority: int = 3
    dr_rto_minutes: int = 240
    dr_rpo_minutes: int = 60  # data loss the system's owner accepts: how old its replica may be
    last_seen_at: datetime | None = timestamp_field(default=None, nullable=True)
    # When the service itself last wrote host_id (the executor, registration): a sync whose inventory
    # was read before this moment holds an older view of the placement and may not replace it.
    placed_at: datetime | None = timestamp_field(default=None, nullable=True)



class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=64)
    role: str
    scope: str | None = None
    password_hash: str
    disabled: bool = False
    created_at: datetime = timestamp_field(default_factory=utcnow)
    password_changed_at: datetime | None = timestamp_field(default=None, nullable=True)
    totp_secret: str | None = Field(default=None, max_length=64)  # base32 (RFC 6238); set at enrolment
    totp_enabled: bool = False  # true once a code from the secret was confirmed
    totp_last_step: int = 0  # the last 30-second step whose code was accepted: a code works once



class LoginGuard(SQLModel, table=True):
    """Failed logins of one subject (`user:NAME` or `addr:ADDRESS`) in the current window, and the lock
    they earned; in the database so a lock survives a restart and every replica honours it."""

    __tablename__ = "login_guard"
    subject: str = Field(primary_key=True, max_length=200)
    failures: int = 0
    window_started_at: datetime = timestamp_field(default_factory=utcnow)
    locked_until: datetime | None = timestamp_field(default=None, nullable=True)



class RecoveryCode(SQLModel, table=True):
    """One single-use recovery code of a user's second factor, stored as an argon2 hash."""

    __tablename__ = "recovery_code"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str
    used_at: datetime | None = timestamp_field(default=None, nullable=True)



class AuthSession(SQLModel, table=True):
    """One login: the access tokens it issues name it (`sid`), so logout, idle timeout and refresh act on it."""

    __tablename__ = "auth_session"
    id: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="user.id", index=True)
    role: str = Field(max_length=64)  # the role and scope it was granted for: a change ends the session
    scope: str | None = Field(default=None, max_length=96)
    purpose: str = Field(default="access", max_length=16)  # access | enrol (may only enrol a second factor)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    last_seen_at: datetime = timestamp_field(default_factory=utcnow)
    expires_at: datetime = timestamp_field()  # the refresh token's end: no renewal after it
    refresh_hash: str = Field(max_length=64)  # sha256 of the current refresh token (rotated at each refresh)
    revoked_at: datetime | None = timestamp_field(default=None, nullable=True)



class PasswordHistory(SQLModel, table=True):
    """A user's earlier password hashes, so a new password is none of the last few."""

    __tablename__ = "password_history"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    password_hash: str
    created_at: datetime = timestamp_field(default_factory=utcnow)



class AuditEvent(SQLModel, table=True):
    """One link of the hash chain; `hash` covers every other column and the previous hash."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp_field(default_factory=utcnow)
    actor: str
    action: str = Field(index=True)
    entity: str
    entity_id: str
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    prev_hash: str
    hash: str
    algorithm: str = Field(default="hmac-sm3", max_length=16)  # "sha256": events written before the anchor



class AuditHead(SQLModel, table=True):
    """A single row naming the chain's tip; updating it serialises appends on every database."""

    __tablename__ = "audit_head"
    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    last_hash: str = ""
    anchor_id: int | None = None  # the first keyed event (scheduler.core.audit)



class Utilisation(SQLModel, table=True):
    """The latest rollup of one resource of one host or workload."""

    __table_args__ = (UniqueConstraint("kind", "subject", "resource"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # host | workload
    subject: str = Field(index=True)
    cloud_id: str = Field(index=True)
    resource: str
    latest: float
    p50: float
    p95: float
    window_start: datetime = timestamp_field()
    window_end: datetime = timestamp_field()



class ServiceSetting(SQLModel, table=True):
    """Values the service makes for itself once and every replica must share (e.g. the JWT key)."""

    __tablename__ = "service_setting"
    key: str = Field(primary_key=True, max_length=64)
    value: str


class LeaderLease(SQLModel, table=True):
    """The one lease every replica competes for, shaped like a Kubernetes Lease: who holds it, until
    when, how often it changed hands; `epoch` rises by one at every change and fences every action."""

    __tablename__ = "leader_lease"
    id: int = Field(default=1, primary_key=True)
    holder: str | None = Field(default=None, max_length=200)  # hostname:pid, for people
    instance: str | None = Field(default=None, max_length=32)  # the holder's unique id, for the compare
    epoch: int = 0
    duration_s: float = 15.0
    acquired_at: datetime | None = timestamp_field(default=None)
    renewed_at: datetime | None = timestamp_field(default=None)
    expires_at: datetime | None = timestamp_field(default=None)
    fenced_at: datetime | None = timestamp_field(default=None)  # the last action start it let through
    transitions: int = 0


class Replica(SQLModel, table=True):
    """A running `qianyun serve`, seen by its heartbeat; the leader's status lists the live ones."""

    __tablename__ = "replica"
    instance: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    started_at: datetime = timestamp_field(default_factory=utcnow)
    seen_at: datetime = timestamp_field(default_factory=utcnow)
