"""The simulated adapter: the 14 clouds in their own SQLite file, actions, refusals, faults, metrics."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.guizhou_fleet import generate_fleet
from adapters.protocol import AdapterError, CloudAdapter, DrProfile, MetricsSource, WorkloadInfo
from adapters.simulated import SimulatedAdapter

SMALL = {"hosts": 60, "workloads": 500, "seed": 5}
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def sim(tmp_path: Path) -> SimulatedAdapter:
    adapter = SimulatedAdapter(tmp_path / "sim.db", **SMALL)
    yield adapter  # type: ignore[misc]
    adapter.close()


def _room(doc: dict[str, Any], host: str) -> dict[str, float]:
    cap = next(h["capacity"] for h in doc["hosts"] if h["id"] == host)
    used = Counter()
    for w in doc["workloads"]:
        if w["host"] == host:
            used.update(w["demand"])
    return {r: cap[r] - used[r] for r in doc["resources"]}


def _movable(doc: dict[str, Any]) -> tuple[str, str, str]:
    """A running workload and another host of its cloud with room for it: (workload, from, to)."""
    cloud_of = {h["id"]: h["cloud"] for h in doc["hosts"]}
    for w in doc["workloads"]:
        if not w["host"] or w["pinned"] or w["spread_group"]:
            continue
        for h in doc["hosts"]:
            if h["cloud"] == cloud_of[w["host"]] and h["id"] != w["host"]:
                room = _room(doc, h["id"])
                if all(w["demand"][r] <= room[r] for r in doc["resources"]):
                    return w["id"], w["host"], h["id"]
    raise AssertionError("no movable workload")


def _with_room(doc: dict[str, Any], cloud: str, vcpu: float = 2, memory: float = 4, skip: int = 0) -> str:
    """A host of the cloud with room for a small workload (the `skip`-th such host)."""
    fits = [h["id"] for h in doc["hosts"] if h["cloud"] == cloud
            and (room := _room(doc, h["id"]))["vcpu"] >= vcpu and room["memory_gib"] >= memory
            and room["storage_gib"] >= 40]
    return fits[skip]


def _new_workload(wid: str, vcpu: float = 2, memory: float = 4) -> WorkloadInfo:
    return WorkloadInfo(id=wid, name="贵阳市大数据发展管理局 测试系统 app", department="gy-bigdata-bureau", tier="city",
                        city="guiyang", industry=None, classification="internal", mlps_level=2,
                        demand={"vcpu": vcpu, "memory_gib": memory, "gpu": 0, "storage_gib": 40}, host=None,
                        dr=DrProfile(protected=True, priority=2, rto_minutes=60))


def _capacity_ok(doc: dict[str, Any]) -> bool:
    return all(v >= -1e-9 for h in doc["hosts"] for v in _room(doc, h["id"]).values())


def test_speaks_both_protocols_for_fourteen_clouds(sim: SimulatedAdapter) -> None:
    assert isinstance(sim, CloudAdapter) and isinstance(sim, MetricsSource)
    clouds = sim.clouds()
    assert len(clouds) == 14 and {c.adapter for c in clouds} == {"simulated"}
    assert Counter(c.kind for c in clouds) == {"province": 1, "backup": 1, "city": 9, "industry": 3}
    depts = sim.departments()
    assert {d.level for d in depts} == {"province", "city", "county"} and len(depts) > 80


def test_inventory_reports_every_workload_once_as_generated(sim: SimulatedAdapter) -> None:
    doc = generate_fleet(**SMALL)
    host_cloud = {h["id"]: h["cloud"] for h in doc["hosts"]}
    seen: dict[str, str | None] = {}
    hosts: set[str] = set()
    for c in sim.clouds():
        inv = sim.inventory(c.id)
        assert inv.cloud == c.id and all(h.cloud == c.id and h.up and h.model for h in inv.hosts)
        hosts |= {h.id for h in inv.hosts}
        for w in inv.workloads:
            assert w.id not in seen
            seen[w.id] = w.host
            assert w.host is None or host_cloud[w.host] == c.id
            assert w.name
    assert hosts == set(host_cloud)
    assert seen == {w["id"]: w["host"] for w in doc["workloads"]}
    # A pending workload is reported by its home cloud.
    gy = sim.inventory("gy")
    assert any(w.host is None for c in sim.clouds() for w in sim.inventory(c.id).workloads)
    assert all(w.city == "guiyang" or w.tier == "province" or w.industry for w in gy.workloads)
    assert sim.fleet_document() == doc


def test_state_survives_reopening_and_is_never_regenerated(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    with SimulatedAdapter(path, **SMALL) as first:
        w, _, to = _movable(first.fleet_document())
        first.migrate(w, to)
        before = first.fleet_document()
    with SimulatedAdapter(path, hosts=10, workloads=20, seed=99) as again:  # other settings: the file wins
        assert again.fleet_document() == before
        assert again.fleet_params == SMALL
        assert next(x for x in again.fleet_document()["workloads"] if x["id"] == w)["host"] == to


def test_actions_persist_and_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    sim = SimulatedAdapter(path, **SMALL)
    w, src, to = _movable(sim.fleet_document())
    sim.migrate(w, to)
    sim.migrate(w, to)  # again: nothing to do

    doc = sim.fleet_document()
    first, second, third = (_with_room(doc, "gy", skip=k) for k in range(3))
    prov = _with_room(doc, "gz-gov")
    new = _new_workload("w-new-0001")
    sim.place(new, first)
    sim.place(new, first)
    assert [x for x in sim.inventory("gy").workloads if x.id == new.id][0].host == first
    with pytest.raises(AdapterError, match=f"w-new-0001.*already runs on {first}"):
        sim.place(new, second)

    sim.set_host_failed(first, True)
    assert not next(h for h in sim.inventory("gy").hosts if h.id == first).up
    with pytest.raises(AdapterError, match="restart_elsewhere"):
        sim.migrate(new.id, third)
    sim.restart_elsewhere(new.id, prov)
    sim.restart_elsewhere(new.id, prov)
    sim.close()

    with SimulatedAdapter(path) as reopened:
        doc = reopened.fleet_document()
        hosts = {x["id"]: x["host"] for x in doc["workloads"]}
        assert hosts[w] == to and hosts[new.id] == prov
        assert not next(h for h in reopened.inventory("gy").hosts if h.id == first).up
        assert _capacity_ok(doc)
        reopened.set_host_failed(first, False)
        assert next(h for h in reopened.inventory("gy").hosts if h.id == first).up


def test_refusals_name_the_workload_and_host_and_change_nothing(sim: SimulatedAdapter) -> None:
    doc = sim.fleet_document()
    w, src, to = _movable(doc)
    full = next(h["id"] for h in doc["hosts"] if h["cloud"] == "gy")
    big = _new_workload("w-big", vcpu=_room(doc, full)["vcpu"] + 1)

    with pytest.raises(AdapterError, match=rf"w-big on {full}: not enough room \(vcpu"):
        sim.place(big, full)
    with pytest.raises(AdapterError, match="unknown host"):
        sim.migrate(w, "gy-h9999")
    with pytest.raises(AdapterError, match="unknown workload"):
        sim.migrate("w-999999", to)
    sim.set_host_failed(to, True)
    with pytest.raises(AdapterError, match=f"{w} on {to}: host is down"):
        sim.migrate(w, to)
    sim.set_host_failed(to, False)
    cloud = next(h["cloud"] for h in doc["hosts"] if h["id"] == to)
    sim.set_cloud_failed(cloud, True)
    with pytest.raises(AdapterError, match=f"{w} on {to}: cloud {cloud} has failed"):
        sim.migrate(w, to)
    sim.set_cloud_failed(cloud, False)
    classified = next(x for x in doc["workloads"] if x["classification"] == "classified")
    with pytest.raises(AdapterError, match="classified"):
        sim.place(replace(_new_workload(classified["id"]), classification="classified"), to)
    with pytest.raises(AdapterError):
        sim.set_host_failed("nowhere-h0001", True)
    with pytest.raises(AdapterError):
        sim.set_cloud_failed("nowhere", True)

    assert sim.fleet_document() == doc


def test_a_host_never_overflows_under_concurrent_placements(sim: SimulatedAdapter) -> None:
    target = _with_room(sim.fleet_document(), "gz-gov", vcpu=8, memory=8)
    room = _room(sim.fleet_document(), target)
    size = 4.0
    expected = int(min(room["vcpu"] // size, room["memory_gib"] // size, room["storage_gib"] // 40))
    errors: list[str] = []

    def worker(k: int) -> None:
        for j in range(6):
            try:
                sim.place(_new_workload(f"w-t{k}-{j}", vcpu=size, memory=size), target)
            except AdapterError as exc:
                errors.append(str(exc))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    doc = sim.fleet_document()
    placed = sum(1 for w in doc["workloads"] if w["id"].startswith("w-t") and w["host"] == target)
    assert placed == min(expected, 48) and len(errors) == 48 - placed
    assert _capacity_ok(doc)


def test_failed_cloud_reports_failed_and_recovers(sim: SimulatedAdapter) -> None:
    sim.set_cloud_failed("zy", True)
    assert sim.health("zy").state == "failed"
    assert not any(h.up for h in sim.inventory("zy").hosts)
    assert sim.health("gy").state == "healthy"
    assert sim.fleet_document()["failed_clouds"] == ["zy"]
    sim.set_cloud_failed("zy", False)
    assert sim.health("zy").state == "healthy" and all(h.up for h in sim.inventory("zy").hosts)


def test_injected_fault_makes_the_cloud_unreachable_to_every_process(sim: SimulatedAdapter) -> None:
    now = datetime.now(timezone.utc)
    sim.inject_fault("qn", True)
    other = SimulatedAdapter(sim.state_path)  # another process on the same file sees the fault
    for adapter in (sim, other):
        with pytest.raises(AdapterError, match="qn"):
            adapter.inventory("qn")
        with pytest.raises(AdapterError, match="qn"):
            adapter.health("qn")
        with pytest.raises(AdapterError, match="qn"):
            adapter.utilisation("qn", now - timedelta(hours=1), now)
    assert sim.health("gy").state == "healthy" and sim.inventory("gy").hosts
    sim.inject_fault("qn", False)
    assert other.health("qn").state == "healthy" and other.inventory("qn").hosts
    sim.inject_fault("qn", True, mode="degraded")
    assert sim.health("qn").state == "degraded" and sim.inventory("qn").hosts
    sim.inject_fault("qn", False)
    other.close()
    with pytest.raises(AdapterError, match="unknown cloud"):
        sim.inventory("nowhere")


def _mean_host_cpu(sim: SimulatedAdapter, cloud: str, end_local: datetime) -> float:
    end = end_local.replace(tzinfo=SHANGHAI)
    rollups = sim.utilisation(cloud, end - timedelta(hours=1), end)
    cpu = [r.latest for r in rollups if r.kind == "host" and r.resource == "vcpu"]
    return sum(cpu) / len(cpu)


def test_utilisation_follows_the_working_day(sim: SimulatedAdapter) -> None:
    wednesday = datetime(2025, 3, 12)
    night = _mean_host_cpu(sim, "gy", wednesday.replace(hour=3))
    morning = _mean_host_cpu(sim, "gy", wednesday.replace(hour=10, minute=30))
    afternoon = _mean_host_cpu(sim, "gy", wednesday.replace(hour=15, minute=30))
    saturday = _mean_host_cpu(sim, "gy", datetime(2025, 3, 15, 10, 30))
    assert night < 0.75 * morning and night < 0.75 * afternoon
    assert saturday < morning


def test_utilisation_covers_the_cloud_within_bounds_and_is_repeatable(sim: SimulatedAdapter) -> None:
    end = datetime(2025, 3, 12, 2, 30, tzinfo=timezone.utc)
    start = end - timedelta(hours=6)
    rollups = sim.utilisation("gy", start, end)
    inv = sim.inventory("gy")
    subjects = {(r.kind, r.subject, r.resource) for r in rollups}
    running = {w.id for w in inv.workloads if w.host}
    assert subjects == {(k, s, r) for r in ("vcpu", "memory_gib")
                        for k, ids in (("host", {h.id for h in inv.hosts}), ("workload", running)) for s in ids}
    for r in rollups:
        assert 0.0 <= r.p50 <= r.p95 <= 1.0 and 0.0 <= r.latest <= 1.0
    assert any(r.p95 > 0.1 for r in rollups if r.kind == "host")
    assert sim.utilisation("gy", start, end) == rollups
    naive = sim.utilisation("gy", start.replace(tzinfo=None), end.replace(tzinfo=None))
    assert naive == rollups  # naive datetimes are UTC, as stored

    sim.set_cloud_failed("gy", True)  # a down cloud uses nothing
    assert all(r.latest == 0 for r in sim.utilisation("gy", start, end))


def test_utilisation_of_the_biggest_cloud(tmp_path: Path) -> None:
    with SimulatedAdapter(tmp_path / "sim.db") as sim:  # the default 300 hosts / 3,000 workloads
        end = datetime.now(timezone.utc)
        t0 = time.perf_counter()
        rollups = sim.utilisation("gz-gov", end - timedelta(hours=1), end)
        assert time.perf_counter() - t0 < 2.0  # hang guard, ~40x the expected 0.05 s (one numpy pass)
        assert len(rollups) > 1000


def test_a_host_disabled_for_new_work_keeps_what_runs_and_is_enabled_again(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    sim = SimulatedAdapter(path, **SMALL)
    doc = sim.fleet_document()
    host = next(w["host"] for w in doc["workloads"] if w["host"] and w["host"].startswith("gy-"))
    running = {w["id"] for w in doc["workloads"] if w["host"] == host}
    sim.set_host_schedulable(host, False, "emptied by plan 3")
    sim.set_host_schedulable(host, False, "emptied by plan 3")  # again: nothing to do
    assert not next(h for h in sim.inventory("gy").hosts if h.id == host).schedulable
    assert {w.id for w in sim.inventory("gy").workloads if w.host == host} == running
    assert [(x["action"], x["to_host"]) for x in sim.host_history()] == [("disable", host)]
    with pytest.raises(AdapterError, match="cannot disable gy-h9999: unknown host"):
        sim.set_host_schedulable("gy-h9999", False)
    sim.close()
    with SimulatedAdapter(path) as reopened:  # every process sees it
        assert not next(h for h in reopened.inventory("gy").hosts if h.id == host).schedulable
        reopened.set_host_schedulable(host, True)
        assert next(h for h in reopened.inventory("gy").hosts if h.id == host).schedulable
        assert [x["action"] for x in reopened.host_history()] == ["disable", "enable"]
        assert all(x["action"] not in ("disable", "enable") for x in reopened.history())
