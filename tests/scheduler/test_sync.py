"""Inventory sync: the database follows the clouds, and a cloud that stops answering keeps its inventory."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from scheduler.core.models import Cloud, Host, Workload
from scheduler.core.registry import get_adapters
from scheduler.core.sync import sync_all


def _counts(service, cloud: str) -> tuple[int, int]:
    with service.session() as session:
        hosts = session.exec(select(func.count()).select_from(Host).where(Host.cloud_id == cloud)).one()
        wl = session.exec(select(func.count()).select_from(Workload).where(Workload.cloud_id == cloud)).one()
    return hosts, wl


def test_first_sync_loads_every_cloud(service) -> None:
    adapter = get_adapters().simulated
    with service.session() as session:
        assert session.exec(select(func.count()).select_from(Cloud)).one() == 14
        for cloud in ("gz-gov", "gy", "edu"):
            inv = adapter.inventory(cloud)
            assert _counts(service, cloud) == (len(inv.hosts), len(inv.workloads))


def test_a_failing_adapter_marks_the_cloud_degraded_and_keeps_its_inventory(service) -> None:
    adapter = get_adapters().simulated
    before = _counts(service, "zy")
    assert before[0] > 0
    adapter.inject_fault("zy", True)
    results = {r.cloud: r for r in sync_all([adapter])}
    assert results["zy"].status == "degraded" and results["zy"].error
    with service.session() as session:
        zy = session.get(Cloud, "zy")
        assert zy.status == "degraded" and "last inventory kept" in zy.status_detail
        assert session.get(Cloud, "gy").status == "healthy"
    assert _counts(service, "zy") == before
    adapter.inject_fault("zy", False)
    sync_all([adapter])
    with service.session() as session:
        assert session.get(Cloud, "zy").status == "healthy"


def test_a_migration_in_the_cloud_shows_after_the_next_sync(service) -> None:
    adapter = get_adapters().simulated
    inv = adapter.inventory("gy")
    hosts = {h.id: h for h in inv.hosts}
    used = {h: {r: 0.0 for r in ("vcpu", "memory_gib", "gpu", "storage_gib")} for h in hosts}
    for w in inv.workloads:
        if w.host:
            for r in used[w.host]:
                used[w.host][r] += w.demand.get(r, 0)
    moved = None
    for w in inv.workloads:
        if not w.host or w.pinned:
            continue
        group = {x.host for x in inv.workloads if w.spread_group and x.spread_group == w.spread_group}
        for h in hosts.values():
            if h.id != w.host and h.id not in group and h.schedulable and all(
                    used[h.id][r] + w.demand.get(r, 0) <= h.capacity.get(r, 0) for r in used[h.id]):
                adapter.migrate(w.id, h.id)
                moved = (w.id, h.id)
                break
        if moved:
            break
    assert moved is not None
    sync_all([adapter])
    with service.session() as session:
        assert session.get(Workload, moved[0]).host_id == moved[1]
        from scheduler.core.models import AuditEvent

        last = session.exec(select(AuditEvent).where(AuditEvent.action == "inventory.sync",
                                                     AuditEvent.entity_id == "gy").order_by(AuditEvent.id.desc())).first()
        assert moved[0] in last.after["workloads_moved"]["ids"]


def test_a_failed_cloud_is_reported_failed(service) -> None:
    adapter = get_adapters().simulated
    adapter.set_cloud_failed("qn", True)
    sync_all([adapter])
    with service.session() as session:
        assert session.get(Cloud, "qn").status == "failed"
    adapter.set_cloud_failed("qn", False)
