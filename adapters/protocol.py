"""The small protocol every cloud adapter speaks, in normalised types.

Adapters translate one outside system (the simulator, OpenStack, Kubernetes, Prometheus) into these
types; the scheduler only ever sees these. Nothing here imports the scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

RESOURCES: tuple[str, ...] = ("vcpu", "memory_gib", "gpu", "storage_gib")

CloudKind = Literal["province", "city", "industry", "backup"]
HealthState = Literal["healthy", "degraded", "failed"]


class AdapterError(RuntimeError):
    """An outside system did not answer or refused; the caller keeps its last known state."""


@dataclass(frozen=True)
class CloudInfo:
    id: str
    name: str
    name_en: str
    kind: CloudKind
    city: str | None
    industry: str | None
    mlps_level: int
    adapter: str


@dataclass(frozen=True)
class DepartmentInfo:
    id: str
    name: str
    name_en: str
    level: Literal["province", "city", "county"]
    city: str | None
    industry: str | None
    parent: str | None


@dataclass(frozen=True)
class HostInfo:
    id: str
    cloud: str
    capacity: dict[str, float]
    schedulable: bool = True
    up: bool = True
    model: str = ""


@dataclass(frozen=True)
class DrProfile:
    protected: bool = False
    priority: int = 3
    rto_minutes: int = 240
    rpo_minutes: int = 60  # how old the data a restarted system comes back with may be


@dataclass(frozen=True)
class WorkloadInfo:
    id: str
    name: str
    department: str
    tier: Literal["province", "city", "county"]
    city: str | None
    industry: str | None
    classification: Literal["public", "internal", "sensitive", "classified"]
    mlps_level: int
    demand: dict[str, float]
    host: str | None
    spread_group: str | None = None
    pinned: bool = False
    role: Literal["primary", "dr-replica"] = "primary"
    dr: DrProfile = field(default_factory=DrProfile)


@dataclass(frozen=True)
class Inventory:
    """What one cloud reports at one moment."""

    cloud: str
    hosts: list[HostInfo]
    workloads: list[WorkloadInfo]


@dataclass(frozen=True)
class Health:
    cloud: str
    state: HealthState
    detail: str = ""


@dataclass(frozen=True)
class UsageRollup:
    """Used share of one resource of one host or workload over a window.

    Shares are of the host's capacity, or of the workload's requested demand. A rollup, not raw
    samples, because Prometheus computes quantiles server-side and 60,000 workloads of raw samples
    would not fit one sync.
    """

    subject: str
    kind: Literal["host", "workload"]
    resource: str
    latest: float
    p50: float
    p95: float


@runtime_checkable
class CloudAdapter(Protocol):
    """Inventory, health and actions of the clouds one adapter serves."""

    def clouds(self) -> list[CloudInfo]: ...

    def departments(self) -> list[DepartmentInfo]: ...

    def inventory(self, cloud: str) -> Inventory: ...

    def health(self, cloud: str) -> Health: ...

    def place(self, workload: WorkloadInfo, host: str) -> None:
        """Create the workload on the host, or do nothing if it already runs there."""

    def migrate(self, workload: str, host: str) -> None:
        """Move a running workload; idempotent when it is already on the host."""

    def restart_elsewhere(self, workload: str, host: str) -> None:
        """Restart a workload of a failed host or cloud on another host (failover)."""

    def set_cloud_failed(self, cloud: str, failed: bool) -> None: ...

    def set_host_failed(self, host: str, failed: bool) -> None: ...

    def set_host_schedulable(self, host: str, schedulable: bool, reason: str = "") -> None:
        """Disable a host for new work (with the reason, where the cloud keeps one) or enable it again;
        idempotent. What runs there keeps running: a plan's freed hosts, before they power down."""


@runtime_checkable
class MetricsSource(Protocol):
    """Utilisation of a cloud's hosts and workloads over the window [start, end]."""

    def utilisation(self, cloud: str, start: datetime, end: datetime) -> list[UsageRollup]: ...


# --- data-zone jobs ------------------------------------------------------------------------------

JobPhase = Literal["running", "done", "failed"]


@dataclass(frozen=True)
class JobStatus:
    """What a cloud says of one batch job it was asked to run."""

    id: str
    cloud: str
    state: JobPhase
    detail: str = ""


@runtime_checkable
class JobRunner(Protocol):
    """Run one data-zone job for a given time (the simulator; Kubernetes as a batch/v1 Job)."""

    def run_job(self, cloud: str, job_id: str, demand: dict[str, float], duration_s: float) -> None:
        """Start the job now; a no-op if a job of that id was already started (idempotent)."""

    def job_state(self, job_id: str) -> JobStatus:
        """Running, done or failed; AdapterError for an id never started."""
