"""Inventory sync: ask every cloud's adapter what runs where, and upsert the database.

A cloud whose adapter fails is marked degraded and keeps its last known inventory: losing sight
of a cloud must never look like the cloud being empty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from adapters.protocol import AdapterError, CloudAdapter, HostInfo, Inventory, WorkloadInfo
from scheduler.core import audit, telemetry
from scheduler.core.db import as_utc, session_scope, utcnow
from scheduler.core.models import Cloud, Department, Host, Workload

log = logging.getLogger(__name__)
SYSTEM = "system:sync"
LEVEL_ORDER = {"province": 0, "city": 1, "county": 2}


@dataclass
class CloudSync:
    cloud: str
    status: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: dict[str, list[str | None]] = field(default_factory=dict)
    hosts_added: list[str] = field(default_factory=list)
    hosts_removed: list[str] = field(default_factory=list)
    hosts_changed: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.moved or self.hosts_added or self.hosts_removed or self.hosts_changed)

    def summary(self, cap: int = 50) -> dict[str, Any]:
        def few(items: list[str]) -> dict[str, Any]:
            return {"count": len(items), "ids": items[:cap]}

        return {"workloads_added": few(self.added), "workloads_removed": few(self.removed),
                "workloads_moved": {"count": len(self.moved), "ids": dict(list(self.moved.items())[:cap])},
                "hosts_added": few(self.hosts_added), "hosts_removed": few(self.hosts_removed),
                "hosts_changed": few(self.hosts_changed)}


_after_sync: list[Callable[[Session], Any]] = []


def after_sync(hook: Callable[[Session], Any]) -> Callable[[Session], Any]:
    """Work another capability does after each full sync (the first quotas, from what the first sync found).

    Capabilities register here so that the core never imports them.
    """
    if hook not in _after_sync:
        _after_sync.append(hook)
    return hook


def sync_catalogue(session: Session, adapter: CloudAdapter) -> None:
    """Clouds and departments the adapter knows, inserted or refreshed (never deleted)."""
    for info in adapter.clouds():
        cloud = session.get(Cloud, info.id)
        if cloud is None:
            cloud = Cloud(id=info.id, name=info.name, name_en=info.name_en, kind=info.kind, city=info.city,
                          industry=info.industry, mlps_level=info.mlps_level, adapter=info.adapter)
            session.add(cloud)
            audit.record(session, SYSTEM, "cloud.add", "cloud", info.id, None, {"kind": info.kind, "adapter": info.adapter})
        else:
            if cloud.adapter != info.adapter:  # the registry handed the cloud to another system
                audit.record(session, SYSTEM, "cloud.adapter", "cloud", info.id, {"adapter": cloud.adapter},
                             {"adapter": info.adapter})
            cloud.name, cloud.name_en, cloud.mlps_level = info.name, info.name_en, info.mlps_level
            cloud.adapter = info.adapter
    session.flush()
    known = {d.id for d in session.exec(select(Department))}
    for info in sorted(adapter.departments(), key=lambda d: LEVEL_ORDER.get(d.level, 9)):
        if info.id in known:
            continue
        session.add(Department(id=info.id, name=info.name, name_en=info.name_en, level=info.level,
                               city=info.city, industry=info.industry, parent_id=info.parent))
        session.flush()
        known.add(info.id)


def _host_values(h: HostInfo) -> dict[str, Any]:
    return {"cloud_id": h.cloud, "model": h.model, "schedulable": h.schedulable, "up": h.up,
            **{r: float(h.capacity.get(r, 0)) for r in ("vcpu", "memory_gib", "gpu", "storage_gib")}}


def _workload_values(w: WorkloadInfo, cloud: str) -> dict[str, Any]:
    return {"name": w.name, "department_id": w.department, "cloud_id": cloud, "host_id": w.host, "tier": w.tier,
            "city": w.city, "industry": w.industry, "classification": w.classification,
            "mlps_level": w.mlps_level, "spread_group": w.spread_group, "pinned": w.pinned, "role": w.role,
            "dr_protected": w.dr.protected, "dr_priority": w.dr.priority, "dr_rto_minutes": w.dr.rto_minutes,
            "dr_rpo_minutes": w.dr.rpo_minutes,
            **{r: float(w.demand.get(r, 0)) for r in ("vcpu", "memory_gib", "gpu", "storage_gib")}}


def apply_inventory(session: Session, inv: Inventory, result: CloudSync, read_at: datetime | None = None) -> None:
    """Upsert what the cloud reported. `read_at` is when the inventory was asked for: a placement the
    service wrote after that moment (`Workload.placed_at`) is newer knowledge than the inventory and is
    kept, and a workload placed after it is not removed for being absent. The placement is written by a
    conditional UPDATE, so a move recorded between this read and this write is never overwritten."""
    now = utcnow()
    read_at = read_at or now
    hosts = {h.id: h for h in session.exec(select(Host).where(Host.cloud_id == inv.cloud))}
    for info in inv.hosts:
        values = _host_values(info)
        row = hosts.pop(info.id, None) or session.get(Host, info.id)
        if row is None:
            session.add(Host(id=info.id, last_seen_at=now, **values))
            result.hosts_added.append(info.id)
            continue
        if any(getattr(row, k) != v for k, v in values.items()):
            result.hosts_changed.append(info.id)
        for k, v in values.items():
            setattr(row, k, v)
        row.last_seen_at = now
    session.flush()

    departments = {d for d in session.exec(select(Department.id))}
    workloads = {w.id: w for w in session.exec(select(Workload).where(Workload.cloud_id == inv.cloud))}
    for info in inv.workloads:
        if info.department not in departments:
            session.add(Department(id=info.department, name=info.department, name_en=info.department,
                                   level=info.tier, city=info.city, industry=info.industry))
            session.flush()
            departments.add(info.department)
        values = _workload_values(info, inv.cloud)
        row = workloads.pop(info.id, None) or session.get(Workload, info.id)
        if row is None:
            session.add(Workload(id=info.id, last_seen_at=now, **values))
            result.added.append(info.id)
            continue
        placement = {"host_id": values.pop("host_id"), "cloud_id": values.pop("cloud_id")}
        for k, v in values.items():
            setattr(row, k, v)
        row.last_seen_at = now
        if (row.host_id, row.cloud_id) != (placement["host_id"], placement["cloud_id"]):
            before = row.host_id
            session.flush()
            if _replace_placement(session, info.id, placement, read_at):
                result.moved[info.id] = [before, placement["host_id"]]
            session.refresh(row)
    for gone in workloads.values():
        if gone.placed_at is not None and as_utc(gone.placed_at) > read_at:
            continue  # placed by the service after this inventory was read: absent only from an old view
        session.delete(gone)
        result.removed.append(gone.id)
    session.flush()
    for gone_host in hosts.values():
        for w in session.exec(select(Workload).where(Workload.host_id == gone_host.id)):
            w.host_id = None
        session.delete(gone_host)
        result.hosts_removed.append(gone_host.id)


def _replace_placement(session: Session, workload_id: str, placement: dict[str, Any], read_at: datetime) -> bool:
    """Compare-and-set: the cloud's view replaces the stored placement only if nobody wrote a newer one."""
    stmt = (update(Workload).where(col(Workload.id) == workload_id)
            .where(or_(col(Workload.placed_at).is_(None), col(Workload.placed_at) <= read_at))
            .values(**placement).execution_options(synchronize_session=False))
    return session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]


def _set_status(session: Session, cloud: Cloud, status: str, detail: str) -> None:
    if cloud.status != status or cloud.status_detail != detail:
        audit.record(session, SYSTEM, "cloud.status", "cloud", cloud.id,
                     {"status": cloud.status, "detail": cloud.status_detail}, {"status": status, "detail": detail})
    cloud.status, cloud.status_detail = status, detail


def sync_cloud(session: Session, adapter: CloudAdapter, cloud_id: str) -> CloudSync:
    cloud = session.get(Cloud, cloud_id)
    assert cloud is not None
    read_at = utcnow()  # before the call: whatever the service wrote after this is newer than the inventory
    try:
        health = adapter.health(cloud_id)
        inv = adapter.inventory(cloud_id)
    except AdapterError as exc:
        log.warning("cloud %s degraded: %s", cloud_id, exc)
        telemetry.ADAPTER_ERRORS.labels(cloud_id).inc()
        if cloud.status == "failed":  # a cloud declared down stays down while nobody can reach it
            return CloudSync(cloud_id, "failed", error=str(exc))
        _set_status(session, cloud, "degraded", f"adapter error, last inventory kept: {exc}")
        return CloudSync(cloud_id, "degraded", error=str(exc))
    result = CloudSync(cloud_id, health.state)
    apply_inventory(session, inv, result, read_at)
    _set_status(session, cloud, health.state, health.detail)
    cloud.last_sync_at = utcnow()
    if result.changed:
        audit.record(session, SYSTEM, "inventory.sync", "cloud", cloud_id, None, result.summary())
    return result


def sync_all(adapters: list[CloudAdapter]) -> list[CloudSync]:
    """One transaction per cloud, so one cloud's failure never rolls back another's sync."""
    results: list[CloudSync] = []
    for adapter in adapters:
        with session_scope(background=True) as session:
            sync_catalogue(session, adapter)
        for info in adapter.clouds():
            with session_scope(background=True) as session:
                results.append(sync_cloud(session, adapter, info.id))
    for hook in _after_sync:
        with session_scope(background=True) as session:
            hook(session)
    return results
