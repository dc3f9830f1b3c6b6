"""What one step of a plan does to a cloud, and what undoes it.

A step is a placement (from nowhere), a live migration (the source is up) or a restart elsewhere
(the source host or its cloud is down). Which one is read from the fleet when the step runs, so a
resumed plan asks the adapter for what is possible now. `compensate` says what undoes a done step:
a move is undone by the move back while its source is up; a placement cannot be undone through the
adapter protocol (it has no removal), and a restart away from a host that is still down has nowhere
to go back to. Those come back as `NoCompensation` with the reason, which the rollback reports.
A freed host disabled by the plan is enabled again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from adapters.protocol import AdapterError, CloudAdapter, DrProfile, WorkloadInfo
from scheduler.core.messages import msg
from scheduler.core.models import Cloud, Host, Workload
from scheduler.plans.models import PlanAction

IsUp = Callable[[str], bool]


@dataclass(frozen=True)
class NoCompensation:
    workload: str
    reason: str


@dataclass(frozen=True)
class Place:
    workload: WorkloadInfo
    to_host: str

    @property
    def source(self) -> None:
        return None

    def execute(self, adapter: CloudAdapter) -> None:
        adapter.place(self.workload, self.to_host)

    kind = "move"

    def compensate(self, is_up: IsUp) -> Migrate | NoCompensation:
        return NoCompensation(self.workload.id, msg("state.kept.placement", workload=self.workload.id,
                                                    host=self.to_host).text)


@dataclass(frozen=True)
class Migrate:
    workload: str
    source: str
    to_host: str

    def execute(self, adapter: CloudAdapter) -> None:
        adapter.migrate(self.workload, self.to_host)

    kind = "move"

    def compensate(self, is_up: IsUp) -> Migrate | NoCompensation:
        if not is_up(self.source):
            return NoCompensation(self.workload, msg("state.kept.source_down", workload=self.workload, host=self.to_host,
                                                     source=self.source).text)
        return Migrate(self.workload, self.to_host, self.source)


@dataclass(frozen=True)
class Restart:
    workload: str
    source: str
    to_host: str

    def execute(self, adapter: CloudAdapter) -> None:
        adapter.restart_elsewhere(self.workload, self.to_host)

    kind = "move"

    def compensate(self, is_up: IsUp) -> Migrate | NoCompensation:
        if not is_up(self.source):
            return NoCompensation(self.workload, msg("state.kept.restarted", workload=self.workload, host=self.to_host,
                                                     source=self.source).text)
        return Migrate(self.workload, self.to_host, self.source)


@dataclass(frozen=True)
class SwitchHost:
    """A host disabled for new work (a freed host, the plan's last steps) or enabled again (its undo)."""

    host: str
    schedulable: bool
    reason: str = ""

    workload = ""  # the stored step's columns: no workload, the host is the target
    source = None

    @property
    def to_host(self) -> str:
        return self.host

    @property
    def kind(self) -> str:
        return "enable-host" if self.schedulable else "disable-host"

    def execute(self, adapter: CloudAdapter) -> None:
        adapter.set_host_schedulable(self.host, self.schedulable, self.reason)

    def compensate(self, is_up: IsUp) -> SwitchHost:
        return SwitchHost(self.host, not self.schedulable, "" if not self.schedulable else self.reason)


Action = Place | Migrate | Restart | SwitchHost


def host_is_up(session: Session) -> IsUp:
    """A host is up when it exists, reports up and its cloud has not failed."""
    def is_up(host_id: str) -> bool:
        host = session.get(Host, host_id)
        if host is None or not host.up:
            return False
        cloud = session.get(Cloud, host.cloud_id)
        return cloud is None or cloud.status != "failed"
    return is_up


def workload_info(w: Workload) -> WorkloadInfo:
    return WorkloadInfo(id=w.id, name=w.name, department=w.department_id, tier=w.tier, city=w.city,  # type: ignore[arg-type]
                        industry=w.industry, classification=w.classification, mlps_level=w.mlps_level,  # type: ignore[arg-type]
                        demand={r: getattr(w, r) for r in ("vcpu", "memory_gib", "gpu", "storage_gib")},
                        host=w.host_id, spread_group=w.spread_group, pinned=w.pinned, role=w.role,  # type: ignore[arg-type]
                        dr=DrProfile(w.dr_protected, w.dr_priority, w.dr_rto_minutes))


def action_of(session: Session, row: PlanAction) -> Action:
    """The action a stored step stands for, given the fleet as it is now."""
    if row.kind in ("disable-host", "enable-host"):
        return SwitchHost(row.to_host, row.kind == "enable-host", row.reason)
    if row.from_host is None:
        w = session.get(Workload, row.workload_id)
        if w is None:
            raise AdapterError(f"workload {row.workload_id} no longer exists")
        return Place(workload_info(w), row.to_host)
    if host_is_up(session)(row.from_host):
        return Migrate(row.workload_id, row.from_host, row.to_host)
    return Restart(row.workload_id, row.from_host, row.to_host)


def execute(session: Session, row: PlanAction, adapters_for: Callable[[str], CloudAdapter]) -> None:
    """One adapter call for one stored step, through the adapter of the target's cloud."""
    target = session.get(Host, row.to_host)
    if target is None:
        raise AdapterError(f"target host {row.to_host} no longer exists")
    action_of(session, row).execute(adapters_for(target.cloud_id))
