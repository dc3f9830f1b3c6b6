"""The domain model: clouds, hosts, departments, workloads, users and the audit chain, as tables.

Schema changes go through Alembic migrations (scheduler/migrations); API schemas live in api/schemas.
Resources are columns, not a JSON bag, so quotas and filters can be computed in SQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from scheduler.db import utcnow

RESOURCES: tuple[str, ...] = ("vcpu", "memory_gib", "gpu", "storage_gib")


def _ts(**kw: Any) -> Any:
    return Field(sa_type=DateTime(timezone=True), **kw)  # type: ignore[call-overload]


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
    last_sync_at: datetime | None = _ts(default=None, nullable=True)


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
    last_seen_at: datetime | None = _ts(default=None, nullable=True)


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
    last_seen_at: datetime | None = _ts(default=None, nullable=True)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=64)
    role: str
    scope: str | None = None
    password_hash: str
    disabled: bool = False
    created_at: datetime = _ts(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """One link of the hash chain; `hash` covers every other column and the previous hash."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(default_factory=utcnow)
    actor: str
    action: str = Field(index=True)
    entity: str
    entity_id: str
    before: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    prev_hash: str
    hash: str


class AuditHead(SQLModel, table=True):
    """A single row naming the chain's tip; updating it serialises appends on every database."""

    __tablename__ = "audit_head"
    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    last_hash: str = ""


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
    window_start: datetime = _ts()
    window_end: datetime = _ts()


class ServiceSetting(SQLModel, table=True):
    """Values the service makes for itself once and every replica must share (e.g. the JWT key)."""

    __tablename__ = "service_setting"
    key: str = Field(primary_key=True, max_length=64)
    value: str


class Plan(SQLModel, table=True):
    """A proposed change of placements, with the snapshot it was built on and its lifecycle state.

    `version` guards every state change (compare-and-set), so two operators acting at once
    cannot both win.
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # rebalance | drain | place-pending
    scope: str = Field(index=True)  # a cloud id or "all"
    objective: str = "consolidate"
    max_migrations: int | None = None
    drain_hosts: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    state: str = Field(default="proposed", index=True)
    state_reason: str = ""
    proposer: str
    version: int = 1
    fingerprint: str
    fleet: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    document: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    required_approvals: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    dry_run: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    notes: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # what site policy held back, and why
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class PlanApproval(SQLModel, table=True):
    __tablename__ = "plan_approval"
    __table_args__ = (UniqueConstraint("plan_id", "scope_key"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    scope_key: str  # province | city:gy | industry:edu
    username: str
    role: str
    at: datetime = _ts(default_factory=utcnow)


class PlanAction(SQLModel, table=True):
    """One move of a plan as the executor runs it; written before and after every adapter call."""

    __tablename__ = "plan_action"
    __table_args__ = (UniqueConstraint("plan_id", "phase", "step"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    phase: str = "forward"  # forward | rollback
    step: int
    workload_id: str
    from_host: str | None = None
    to_host: str
    reason: str = ""
    state: str = "pending"  # pending | running | done | failed | skipped
    attempts: int = 0
    error: str = ""
    started_at: datetime | None = _ts(default=None, nullable=True)
    finished_at: datetime | None = _ts(default=None, nullable=True)


class Drill(SQLModel, table=True):
    """A disaster-recovery drill: the clouds it fails, how (tabletop or live), where it got to, its report.

    A live drill runs through states a restarted service can resume from (planned, failing-over,
    failed-over, failing-back, then closed or aborted); `version` guards every state change.
    """

    id: int | None = Field(default=None, primary_key=True)
    mode: str  # tabletop | live
    clouds: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="planned", index=True)
    state_reason: str = ""
    starter: str
    schedule: str | None = None  # the cron of the schedule that started it, if one did
    version: int = 1
    progress: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    failover_plan_id: int | None = Field(default=None, foreign_key="plan.id")
    failback_plan_id: int | None = Field(default=None, foreign_key="plan.id")
    report: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = _ts(default_factory=utcnow)
    started_at: datetime | None = _ts(default=None, nullable=True)
    failed_over_at: datetime | None = _ts(default=None, nullable=True)
    closed_at: datetime | None = _ts(default=None, nullable=True)
    updated_at: datetime = _ts(default_factory=utcnow)


class DrillRecovery(SQLModel, table=True):
    """One protected workload of a drilled cloud: predicted and (live) measured recovery, against its RTO."""

    __tablename__ = "drill_recovery"
    __table_args__ = (UniqueConstraint("drill_id", "workload_id"),)
    id: int | None = Field(default=None, primary_key=True)
    drill_id: int = Field(foreign_key="drill.id", index=True)
    workload_id: str
    cloud_id: str  # the drilled cloud it ran on
    priority: int
    rto_minutes: int
    rpo_minutes: int
    from_host: str | None = None
    to_host: str | None = None  # None: it did not fit
    to_cloud: str | None = None
    step: int | None = None
    predicted_minutes: float | None = None
    measured_minutes: float | None = None
    unplaced_reason: str = ""
    failback_host: str | None = None
    failback_state: str = ""  # "", done, failed, stayed


class JobSet(SQLModel, table=True):
    """A data-zone job set: the contract's job-set document, the clouds it may run on, its recurrence.

    Times inside `document` are minutes from the start of a run; a run is one occurrence (JobRun).
    """

    __tablename__ = "jobset"
    id: int | None = Field(default=None, primary_key=True)
    name: str = ""
    cloud_id: str = Field(foreign_key="cloud.id", index=True)  # the cloud it is planned on
    clouds: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # [cloud_id, fallbacks...]
    department_id: str | None = Field(default=None, index=True)  # the owning department (a department admin's)
    recurrence: str | None = None  # cron, Asia/Shanghai
    objective: str = "makespan"
    document: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    owner: str
    active: bool = True
    created_at: datetime = _ts(default_factory=utcnow)


class JobRun(SQLModel, table=True):
    """One occurrence of a job set: time zero, the capacity forecast it was planned against, the
    schedule (contract document) and every re-plan (when, why, which starts changed)."""

    __tablename__ = "job_run"
    id: int | None = Field(default=None, primary_key=True)
    jobset_id: int = Field(foreign_key="jobset.id", index=True)
    anchor: datetime = _ts()  # minute 0 of the schedule
    state: str = Field(default="planned", index=True)  # planned | running | done | failed
    schedule: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    forecast: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    replans: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    version: int = 1
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class DataJob(SQLModel, table=True):
    """One job of a run as dispatch tracks it: planned against actual start, and its state."""

    __tablename__ = "data_job"
    __table_args__ = (UniqueConstraint("run_id", "job_id"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="job_run.id", index=True)
    job_id: str
    cloud_id: str | None = None
    duration_min: int
    planned_start: datetime = _ts()
    first_planned_start: datetime = _ts()
    actual_start: datetime | None = _ts(default=None, nullable=True)
    finished_at: datetime | None = _ts(default=None, nullable=True)
    state: str = Field(default="pending", index=True)  # pending | running | done | failed | late
    external_id: str | None = None  # the adapter's id of the running job
    attempts: int = 0
    error: str = ""


class HourlyLoad(SQLModel, table=True):
    """p95 of a cloud's used share of one resource, by hour of day (Asia/Shanghai): the load forecast."""

    __tablename__ = "hourly_load"
    __table_args__ = (UniqueConstraint("cloud_id", "resource", "hour"),)
    id: int | None = Field(default=None, primary_key=True)
    cloud_id: str = Field(index=True)
    resource: str
    hour: int  # 0..23, local time
    p95: float  # share of capacity in use
    computed_at: datetime = _ts(default_factory=utcnow)


class Quota(SQLModel, table=True):
    """What one department is guaranteed on one cloud (nominal quota, per resource).

    Borrowing and lending limits are shares of these figures set in policy (`quotas.borrowing`), so a
    grant never has to rewrite them. `version` guards every change (compare-and-set).
    """

    __table_args__ = (UniqueConstraint("department_id", "cloud_id"),)
    id: int | None = Field(default=None, primary_key=True)
    department_id: str = Field(foreign_key="department.id", index=True)
    cloud_id: str = Field(foreign_key="cloud.id", index=True)
    vcpu: float = 0
    memory_gib: float = 0
    gpu: float = 0
    storage_gib: float = 0
    version: int = 1
    updated_at: datetime = _ts(default_factory=utcnow)


class QuotaRequest(SQLModel, table=True):
    """A department's request for more quota on a cloud: routed to approvers, checked for room, decided once."""

    __tablename__ = "quota_request"
    id: int | None = Field(default=None, primary_key=True)
    department_id: str = Field(foreign_key="department.id", index=True)
    cloud_id: str = Field(foreign_key="cloud.id", index=True)
    vcpu: float = 0
    memory_gib: float = 0
    gpu: float = 0
    storage_gib: float = 0
    justification: str
    expires_at: datetime | None = _ts(default=None, nullable=True)
    state: str = Field(default="pending", index=True)  # pending | approved | rejected | expired
    requester: str
    required_approvals: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # [{key, reason}]
    approvals: Any = Field(default=None, sa_column=Column(JSON, nullable=True))  # [{key, username, at, reason}]
    feasibility: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    decided_by: str | None = None
    decided_at: datetime | None = _ts(default=None, nullable=True)
    decision_reason: str = ""
    version: int = 1
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class QuotaReclaim(SQLModel, table=True):
    """An owner's call for its lent quota: the borrowers' excess and the workloads marked to give it back."""

    __tablename__ = "quota_reclaim"
    id: int | None = Field(default=None, primary_key=True)
    department_id: str = Field(foreign_key="department.id", index=True)  # the owner
    cloud_id: str = Field(foreign_key="cloud.id", index=True)
    shortfall: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # per resource
    items: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # [{workload, department, demand}]
    covered: bool = False
    requested_by: str
    state: str = Field(default="open", index=True)  # open | resolved
    created_at: datetime = _ts(default_factory=utcnow)


# --- the public data platform: catalog, sharing, open data -----------------------------------------


class CatalogEntry(SQLModel, table=True):
    """One data resource in the province's public data catalog (公共数据目录), with its share, open and
    return-flow attributes. `version` guards every change (compare-and-set)."""

    __tablename__ = "catalog_entry"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True)
    name: str = Field(index=True)
    description: str = ""
    owner_department_id: str = Field(foreign_key="department.id", index=True)
    system: str
    fields: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # [{name, type, description}]
    category: str = Field(index=True)  # base | theme | department
    grade: str  # general | important | core
    update_frequency: str
    share_attribute: str = Field(index=True)  # unconditional | conditional | none
    share_condition: str = ""
    open_attribute: str = Field(index=True)  # open | conditional | closed
    return_flow: bool = False
    state: str = Field(default="active", index=True)  # active | retired
    search_text: str = ""  # lower-cased name, description, code, system and field names, for search
    published_at: datetime | None = _ts(default=None, nullable=True, index=True)
    version: int = 1
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class CatalogChange(SQLModel, table=True):
    """A change of a data resource the catalog must reflect within 10 working days."""

    __tablename__ = "catalog_change"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    changed_on: date
    summary: str
    due_on: date = Field(index=True)
    reflected_at: datetime | None = _ts(default=None, nullable=True)
    overdue: bool = Field(default=False, index=True)  # found past due by a scan (kept once reflected late)
    reported_by: str
    created_at: datetime = _ts(default_factory=utcnow)


class CatalogObjection(SQLModel, table=True):
    """A dispute of a catalog entry (by a user) or of a published data set (by the public).

    Public objections keep only a hash of their access token and of the client address."""

    __tablename__ = "catalog_objection"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    source: str  # user | public
    raised_by: str | None = None
    field: str | None = None
    text: str
    contact: str = ""
    state: str = Field(default="open", index=True)  # open | answered | closed
    answer: str = ""
    answered_by: str | None = None
    answered_at: datetime | None = _ts(default=None, nullable=True)
    resolution: str | None = None  # upheld | dismissed
    note: str = ""
    closed_by: str | None = None
    closed_at: datetime | None = _ts(default=None, nullable=True)
    token_hash: str | None = None
    client_hash: str | None = Field(default=None, index=True)
    created_at: datetime = _ts(default_factory=utcnow, index=True)


class ComplianceScan(SQLModel, table=True):
    """One run of the ten-working-day compliance scan and what it found."""

    __tablename__ = "compliance_scan"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(default_factory=utcnow, index=True)
    today: date
    overdue: int
    newly_overdue: int
    by_department: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # {department: count}
    actor: str


class ShareRequest(SQLModel, table=True):
    """A department's request for another's data resource, its approvals and its delivery job set."""

    __tablename__ = "share_request"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="catalog_entry.id", index=True)
    requester_department_id: str = Field(foreign_key="department.id", index=True)
    purpose: str
    fields: Any = Field(default=None, sa_column=Column(JSON, nullable=False))  # field names requested
    state: str = Field(index=True)  # pending-owner | pending-authority | approved | rejected
    requested_by: str
    jobset_id: int | None = Field(default=None, foreign_key="jobset.id")
    version: int = 1
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class ShareApproval(SQLModel, table=True):
    """One decision on a share request, signed by the hash of the audit event that recorded it."""

    __tablename__ = "share_approval"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="share_request.id", index=True)
    stage: str  # auto | owner | authority
    username: str
    decision: str  # approve | reject
    reason: str = ""
    signature: str  # the audit event's hash
    at: datetime = _ts(default_factory=utcnow)
