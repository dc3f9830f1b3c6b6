"""The OpenStack adapter against a REAL OpenStack control plane, and the whole loop through the service.

`tests/servers/openstack.sh` installs Debian 12's OpenStack (Zed) packages and starts, on 127.0.0.1
with no systemd, keystone, placement, glance, a bare neutron-server, nova's API, conductor and
scheduler and two nova-compute services on the fake virt driver (`fake.FakeLiveMigrateDriver`,
hosts compute1 and compute2), over MariaDB and RabbitMQ. `.ci/run` starts it and hands its
clouds.yaml over in QIANYUN_TEST_OPENSTACK_CLOUDS; without it these tests skip locally and fail
under CI=true. The fake driver runs no guest, but every API call, scheduling decision, placement
allocation, migration record and state change is nova's own.

All tests of this file share one control plane and run in one worker (pytest-xdist --dist loadfile),
one after another: one of them takes a compute host down for an evacuation.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.openstack import OpenStackAdapter, OpenStackResilience, flavor_demand, placement_capacity
from adapters.protocol import AdapterError, CloudAdapter
from tests.support import free_port

CLOUDS_YAML = os.environ.get("QIANYUN_TEST_OPENSTACK_CLOUDS")
OS_CLOUD = "qianyun-loopback"
CLOUD = "gy"  # the loopback deployment plays Guiyang's city cloud
FAST = OpenStackResilience(read_timeout_s=60, attempts=2, backoff_s=0.2, action_timeout_s=180, action_poll_s=0.5)


# ---------------------------------------------------------------- without a control plane


def test_flavor_demand_in_our_units() -> None:
    assert flavor_demand({"vcpus": 4, "ram": 8192, "disk": 40, "ephemeral": 10, "swap": 2048,
                          "extra_specs": {"resources:VGPU": "1", "hw:cpu_policy": "dedicated"}}) == \
        {"vcpu": 4.0, "memory_gib": 8.0, "gpu": 1.0, "storage_gib": 52.0}
    assert flavor_demand({"vcpus": 2, "ram": 3072, "disk": 0, "swap": "",
                          "extra_specs": {"pci_passthrough:alias": "a100:2,t4:1"}})["gpu"] == 3.0


def test_placement_capacity_counts_reserved_and_overcommit() -> None:
    cap = placement_capacity([
        {"resource_class": "VCPU", "total": 64, "reserved": 4, "allocation_ratio": 4.0},
        {"resource_class": "MEMORY_MB", "total": 262144, "reserved": 4096, "allocation_ratio": 1.0},
        {"resource_class": "DISK_GB", "total": 2000, "reserved": 0, "allocation_ratio": 1.0},
        {"resource_class": "CUSTOM_NVIDIA_A100_GPU", "total": 4, "reserved": 0, "allocation_ratio": 1.0},
        {"resource_class": "SRIOV_NET_VF", "total": 16, "reserved": 0, "allocation_ratio": 1.0},
    ])
    assert cap == {"vcpu": 240.0, "memory_gib": 252.0, "gpu": 4.0, "storage_gib": 2000.0}


def _unreachable_clouds_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "clouds.yaml"
    path.write_text(json.dumps({"clouds": {"down": {
        "auth": {"auth_url": f"http://127.0.0.1:{free_port()}/v3", "username": "admin", "password": "x",
                 "project_name": "admin", "user_domain_name": "Default", "project_domain_name": "Default"},
        "region_name": "RegionOne", "identity_api_version": 3}}}))
    return path


def test_an_unreachable_cloud_is_an_adapter_error_and_opens_the_breaker(tmp_path: Path) -> None:
    sleeps: list[float] = []
    res = OpenStackResilience(connect_timeout_s=1, read_timeout_s=2, attempts=2, backoff_s=0.1,
                              breaker_threshold=2, breaker_cooldown_s=60)
    a = OpenStackAdapter(CLOUD, os_cloud="down", clouds_yaml=_unreachable_clouds_yaml(tmp_path), resilience=res,
                         sleep=sleeps.append)
    t0 = time.monotonic()
    for _ in range(2):
        with pytest.raises(AdapterError, match="no answer from OpenStack"):
            a.health(CLOUD)
    assert sleeps == [0.1, 0.1]  # each call: the first try, one backoff, the retry
    assert time.monotonic() - t0 < 30  # hang guard, ~300x the expected 0.1 s (the port refuses at once)
    assert a.breaker.state == "open"
    with pytest.raises(AdapterError, match="circuit open after 2 consecutive failures"):
        a.inventory(CLOUD)


def test_configuration_errors_name_the_cloud(tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match=r"cloud gy: cannot load OpenStack configuration \(cloud 'nope'"):
        OpenStackAdapter(CLOUD, os_cloud="nope", clouds_yaml=_unreachable_clouds_yaml(tmp_path))


def test_the_os_cloud_and_client_config_file_conventions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No cloud name and no file given: $OS_CLOUD names the cloud, $OS_CLIENT_CONFIG_FILE the clouds.yaml."""
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(_unreachable_clouds_yaml(tmp_path)))
    monkeypatch.setenv("OS_CLOUD", "down")
    a = OpenStackAdapter(CLOUD)
    assert a.conn.config.name == "down" and a.conn.config.get_region_name() == "RegionOne"
    monkeypatch.setenv("OS_CLOUD", "elsewhere")
    with pytest.raises(AdapterError, match="cannot load OpenStack configuration"):
        OpenStackAdapter(CLOUD)


def test_ids_of_other_clouds_are_refused_before_any_call(tmp_path: Path) -> None:
    a = OpenStackAdapter(CLOUD, os_cloud="down", clouds_yaml=_unreachable_clouds_yaml(tmp_path))
    with pytest.raises(AdapterError, match="not a server of OpenStack cloud gy"):
        a.migrate("zy/1234", "gy/compute2")
    with pytest.raises(AdapterError, match="not a compute host of OpenStack cloud gy"):
        a.migrate("gy/1234", "zy/compute2")
    with pytest.raises(AdapterError, match="unknown cloud 'zy'"):
        a.inventory("zy")
    assert a.breaker.failures == 0  # nothing was called


# ---------------------------------------------------------------- the real control plane


@pytest.fixture(scope="module")
def clouds_yaml() -> str:
    if not CLOUDS_YAML:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the OpenStack tests: QIANYUN_TEST_OPENSTACK_CLOUDS is not set (see .ci/run)")
        pytest.skip("no OpenStack control plane (tests/servers/openstack.sh start DIR; CI does)")
    return CLOUDS_YAML


@pytest.fixture(scope="module")
def conn(clouds_yaml: str) -> Iterator[Any]:
    """The test's own openstacksdk connection, to set things up and to check what the adapter did."""
    import openstack.config
    import openstack.connection

    c = openstack.connection.Connection(
        config=openstack.config.OpenStackConfig(config_files=[clouds_yaml]).get_one(cloud=OS_CLOUD))
    # room for every test's servers whatever ran before; the adapter's own quota test uses its own project
    c.compute.update_quota_set(c.current_project_id, cores=-1, ram=-1, instances=-1)
    yield c
    c.close()


@pytest.fixture(scope="module")
def boot_args(conn: Any) -> dict[str, str]:
    flavor = conn.compute.find_flavor("qy.test") or conn.compute.create_flavor(
        name="qy.test", vcpus=2, ram=1024, disk=1, ephemeral=1)
    image = conn.image.find_image("qy-test") or conn.image.create_image(
        name="qy-test", data=b"\0" * 1024, disk_format="raw", container_format="bare")
    for _ in range(60):
        if conn.image.get_image(image.id).status == "active":
            break
        time.sleep(0.5)
    return {"flavor_id": flavor.id, "image_id": image.id}


@pytest.fixture
def boot(conn: Any, boot_args: dict[str, str]) -> Iterator[Any]:
    """boot(host, **metadata) -> server, ACTIVE on that compute host; every server is deleted afterwards."""
    made: list[str] = []

    def _boot(host: str, **metadata: str) -> Any:
        s = conn.compute.create_server(name=f"qy-{uuid.uuid4().hex[:8]}", networks="none",
                                       availability_zone=f"nova:{host}", metadata=metadata, **boot_args)
        made.append(s.id)
        s = conn.compute.wait_for_server(s, status="ACTIVE", failures=["ERROR"], interval=0.5, wait=120)
        assert s.compute_host == host
        return s

    yield _boot
    for sid in made:
        conn.compute.delete_server(sid, ignore_missing=True, force=True)
    from openstack.exceptions import NotFoundException

    for sid in made:
        try:
            conn.compute.wait_for_delete(conn.compute.get_server(sid), interval=0.5, wait=120)
        except NotFoundException:
            pass  # gone already


@pytest.fixture
def adapter(clouds_yaml: str) -> Iterator[OpenStackAdapter]:
    a = OpenStackAdapter(CLOUD, os_cloud=OS_CLOUD, clouds_yaml=clouds_yaml, resilience=FAST)
    yield a
    a.close()


def _migrations(conn: Any, server_id: str) -> list[tuple[str, str]]:
    """(type, status) of the server's migrations, as nova records them (oldest first)."""
    ms = sorted(conn.compute.migrations(instance_uuid=server_id), key=lambda m: m.id)
    return [(m.migration_type, m.status) for m in ms]


def test_is_a_cloud_adapter(adapter: OpenStackAdapter) -> None:
    assert isinstance(adapter, CloudAdapter)
    assert [c.id for c in adapter.clouds()] == [CLOUD] and adapter.clouds()[0].adapter == "openstack"


def test_inventory_shows_both_hypervisors_and_the_booted_servers(adapter: OpenStackAdapter, conn: Any,
                                                                 boot: Any) -> None:
    a = boot("compute1", **{"qianyun:department": "gy-dept-test", "qianyun:tier": "city",
                            "qianyun:city": "guiyang", "qianyun:dr-protected": "true", "qianyun:dr-priority": "1"})
    b = boot("compute2")
    inv = adapter.inventory(CLOUD)
    hosts = {h.id: h for h in inv.hosts}
    assert set(hosts) == {"gy/compute1", "gy/compute2"}
    # capacity is placement's: (total - reserved) x allocation_ratio, read here straight from the API
    rp = next(conn.placement.resource_providers(name="compute1"))
    raw = {i.resource_class: i for i in conn.placement.resource_provider_inventories(rp)}
    vcpu = raw["VCPU"]
    assert hosts["gy/compute1"].capacity["vcpu"] == pytest.approx((vcpu.total - vcpu.reserved) * vcpu.allocation_ratio)
    mem = raw["MEMORY_MB"]
    assert hosts["gy/compute1"].capacity["memory_gib"] == pytest.approx(
        (mem.total - mem.reserved) * mem.allocation_ratio / 1024)
    assert all(h.up and h.schedulable for h in hosts.values())
    ws = {w.id: w for w in inv.workloads}
    wa, wb = ws[f"gy/{a.id}"], ws[f"gy/{b.id}"]
    assert (wa.host, wb.host) == ("gy/compute1", "gy/compute2")
    assert wa.demand == {"vcpu": 2.0, "memory_gib": 1.0, "gpu": 0.0, "storage_gib": 2.0}
    assert (wa.department, wa.tier, wa.city, wa.dr.protected, wa.dr.priority) == \
        ("gy-dept-test", "city", "guiyang", True, 1)
    assert wb.department == "admin" and not wb.pinned and wa.name == a.name
    assert adapter.health(CLOUD).state == "healthy"


def test_live_migration_moves_the_server_and_is_idempotent(adapter: OpenStackAdapter, conn: Any, boot: Any) -> None:
    s = boot("compute1")
    adapter.migrate(f"gy/{s.id}", "gy/compute2")
    assert conn.compute.get_server(s.id).compute_host == "compute2"
    assert _migrations(conn, s.id) == [("live-migration", "completed")]
    adapter.migrate(f"gy/{s.id}", "gy/compute2")  # already there: nothing is asked of nova
    assert len(_migrations(conn, s.id)) == 1
    assert next(w for w in adapter.inventory(CLOUD).workloads if w.id == f"gy/{s.id}").host == "gy/compute2"


def test_a_stopped_server_falls_back_to_cold_migration_and_confirm(adapter: OpenStackAdapter, conn: Any,
                                                                   boot: Any) -> None:
    s = boot("compute2")
    conn.compute.stop_server(s)
    conn.compute.wait_for_server(s, status="SHUTOFF", interval=0.5, wait=60)
    adapter.migrate(f"gy/{s.id}", "gy/compute1")  # nova refuses to live-migrate a SHUTOFF server (409)
    after = conn.compute.get_server(s.id)
    assert (after.compute_host, after.status) == ("compute1", "SHUTOFF")
    assert _migrations(conn, s.id) == [("migration", "confirmed")]


def test_an_unknown_host_is_a_clean_failure_and_changes_nothing(adapter: OpenStackAdapter, conn: Any,
                                                                boot: Any) -> None:
    s = boot("compute1")
    with pytest.raises(AdapterError, match=r"no compute host 'compute9' in OpenStack cloud gy \(known: compute1, compute2\)"):
        adapter.migrate(f"gy/{s.id}", "gy/compute9")
    with pytest.raises(AdapterError, match="no server 00000000-0000-0000-0000-000000000000"):
        adapter.migrate("gy/00000000-0000-0000-0000-000000000000", "gy/compute2")
    assert conn.compute.get_server(s.id).compute_host == "compute1" and _migrations(conn, s.id) == []


def test_a_server_in_error_is_a_clean_failure(adapter: OpenStackAdapter, conn: Any, boot: Any) -> None:
    s = boot("compute1")
    conn.compute.reset_server_state(s, "error")
    with pytest.raises(AdapterError, match="server is in ERROR"):
        adapter.migrate(f"gy/{s.id}", "gy/compute2")
    assert _migrations(conn, s.id) == []
    w = next(w for w in adapter.inventory(CLOUD).workloads if w.id == f"gy/{s.id}")
    assert w.pinned  # a plan never picks it to move
    conn.compute.reset_server_state(s, "active")


def test_quotas_set_through_the_adapter_read_back(adapter: OpenStackAdapter, conn: Any) -> None:
    project = conn.identity.find_project("qy-quota-dept") or conn.identity.create_project(
        name="qy-quota-dept", domain_id="default")
    got = adapter.set_compute_quota("qy-quota-dept", vcpu=48, memory_gib=96, instances=12)
    assert got == {"vcpu": 48.0, "memory_gib": 96.0, "instances": 12.0}
    q = conn.compute.get_quota_set(project.id)
    assert (q.cores, q.ram, q.instances) == (48, 96 * 1024, 12)
    assert adapter.set_compute_quota("qy-quota-dept", vcpu=64)["vcpu"] == 64.0  # the rest stays
    assert adapter.compute_quota(project.id)["memory_gib"] == 96.0
    assert adapter.quotas()["qy-quota-dept"]["vcpu"] == 64.0
    with pytest.raises(AdapterError, match="no project 'no-such-dept'"):
        adapter.set_compute_quota("no-such-dept", vcpu=1)
    with pytest.raises(AdapterError, match="quota cores: must be a whole number"):
        adapter.set_compute_quota("qy-quota-dept", vcpu=2.5)  # type: ignore[arg-type]
    assert conn.compute.get_quota_set(project.id).cores == 64


def test_failover_evacuates_from_a_host_declared_failed(adapter: OpenStackAdapter, conn: Any, boot: Any,
                                                       clouds_yaml: str) -> None:
    s = boot("compute1")
    adapter.set_host_failed("gy/compute1", True)
    try:
        svc = next(conn.compute.services(binary="nova-compute", host="compute1"))
        assert svc.is_forced_down and svc.status == "disabled"
        assert adapter.health(CLOUD).state == "degraded"
        adapter.restart_elsewhere(f"gy/{s.id}", "gy/compute2")
        after = conn.compute.get_server(s.id)
        assert (after.compute_host, after.status) == ("compute2", "ACTIVE")
        assert [t for t, _ in _migrations(conn, s.id)] == ["evacuation"]
        adapter.restart_elsewhere(f"gy/{s.id}", "gy/compute2")  # idempotent
        assert len(_migrations(conn, s.id)) == 1
        # back from the failure: nova refuses to force the host up until its nova-compute has restarted
        with pytest.raises(AdapterError, match="restart it, then retry"):
            adapter.set_host_failed("gy/compute1", False)
    finally:
        _recover_compute1(adapter, conn, clouds_yaml)
    svc = next(conn.compute.services(binary="nova-compute", host="compute1"))
    assert not svc.is_forced_down and svc.status == "enabled"


def test_a_freed_host_is_disabled_with_the_reason_and_enabled_again(adapter: OpenStackAdapter, conn: Any,
                                                                    boot: Any) -> None:
    """A plan's freed host: nova-compute disabled with the plan's reason (nova schedules nothing there,
    the server on it keeps running), then enabled by the rollback."""
    s = boot("compute2")
    reason = "Qianyun plan 7: emptied by the plan; disabled for new work"
    adapter.set_host_schedulable("gy/compute2", False, reason)
    try:
        svc = next(conn.compute.services(binary="nova-compute", host="compute2"))
        assert (svc.status, svc.disabled_reason, svc.is_forced_down) == ("disabled", reason, False)
        assert not next(h for h in adapter.inventory(CLOUD).hosts if h.id == "gy/compute2").schedulable
        assert conn.compute.get_server(s.id).status == "ACTIVE"
        adapter.set_host_schedulable("gy/compute2", False, reason)  # again: the same answer
    finally:
        adapter.set_host_schedulable("gy/compute2", True)
    svc = next(conn.compute.services(binary="nova-compute", host="compute2"))
    assert svc.status == "enabled"
    assert next(h for h in adapter.inventory(CLOUD).hosts if h.id == "gy/compute2").schedulable
    with pytest.raises(AdapterError, match="no nova-compute service on compute9"):
        adapter.set_host_schedulable("gy/compute9", False)


def _recover_compute1(adapter: OpenStackAdapter, conn: Any, clouds_yaml: str) -> None:
    """Restart compute1's nova-compute (tests/servers/openstack.sh), then lift the failure once nova allows."""
    import subprocess

    script = Path(__file__).resolve().parents[1] / "servers" / "openstack.sh"
    done = subprocess.run(["bash", str(script), "restart-compute", str(Path(clouds_yaml).parent), "compute1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 120
    while True:
        try:
            adapter.set_host_failed("gy/compute1", False)
            svc = next(conn.compute.services(binary="nova-compute", host="compute1"))
            if svc.state == "up":
                return
        except AdapterError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("compute1 did not come back within 120 s of its restart")
        time.sleep(1)


def test_department_quotas_become_project_quotas(service, clouds_yaml: str, conn: Any, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A department's ceiling on an OpenStack cloud (nominal + borrowing limit) is its project's compute quota."""
    from sqlmodel import select

    from scheduler import quotas
    from scheduler.core.db import session_scope
    from scheduler.core.models import AuditEvent, Department
    from scheduler.core.registry import _adapters_for, get_adapters
    from scheduler.core.settings import get_settings
    from scheduler.loop import run_sync
    from scheduler.quotas import push as quota_push

    with session_scope() as s:
        dept, other = s.exec(select(Department.id).where(Department.city == "guiyang").order_by(Department.id)).all()[:2]
    tag = f"qianyun:department={dept}"
    suffix = uuid.uuid4().hex[:6]
    project = conn.identity.create_project(name=f"qy-push-{suffix}", domain_id="default", tags=[tag])
    twins = [conn.identity.create_project(name=f"qy-twin-{suffix}-{k}", domain_id="default",
                                          tags=[f"qianyun:department={other}"]) for k in (1, 2)]
    untouched = {t.id: conn.compute.get_quota_set(t.id).cores for t in twins}
    try:
        (tmp_path / "registry.yaml").write_text(
            f"clouds:\n  gy:\n    adapter: openstack\n    openstack: {{cloud: {OS_CLOUD}, clouds_yaml: {clouds_yaml}}}\n")
        monkeypatch.setenv("QIANYUN_CLOUDS_FILE", str(tmp_path / "registry.yaml"))
        get_settings.cache_clear()
        _adapters_for.cache_clear()
        with session_scope() as s:
            quotas.grant(s, "test", dept, "gy", {"vcpu": 40, "memory_gib": 100, "gpu": 0, "storage_gib": 0}, "test")
            quotas.grant(s, "test", other, "gy", {"vcpu": 8, "memory_gib": 16, "gpu": 0, "storage_gib": 0}, "test")
            limit = quotas.standing(s, dept, "gy").borrowing_limit
        run_sync()  # the loop's sync carries quotas over
        q = conn.compute.get_quota_set(project.id)
        assert (q.cores, q.ram) == (int(40 + limit["vcpu"]), int(round((100 + limit["memory_gib"]) * 1024)))
        with session_scope() as s:
            [result] = quota_push.push_all(s, get_adapters().real)
            assert result.changed == {} and result.unchanged == [project.id]  # nothing set twice
            assert any(f"{other} is tagged on 2 projects" in p for p in result.problems)
            pushed = s.exec(select(AuditEvent).where(AuditEvent.action == "quota.pushed")).all()
            assert [e.entity_id for e in pushed] == [f"{dept}/gy"]
        # neither twin project got anything of its department's quota
        assert {t.id: conn.compute.get_quota_set(t.id).cores for t in twins} == untouched
    finally:
        for p in (project, *twins):
            conn.identity.delete_project(p)
        get_settings.cache_clear()
        _adapters_for.cache_clear()


# ---------------------------------------------------------------- the whole loop through the service


def test_a_mixed_registry_runs_the_full_loop(client, clouds_yaml: str, conn: Any, boot: Any, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated clouds, this OpenStack as Guiyang's cloud and a real Prometheus watching its hypervisors:
    sync, plan (drain compute1), approve, execute a live migration on OpenStack, see it in the next sync."""
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import Cloud, Department, Host, Utilisation, Workload
    from scheduler.core.registry import _adapters_for, get_adapters
    from scheduler.core.settings import get_settings
    from scheduler.core.sync import sync_all
    from scheduler.core.utilisation import rollup_all
    from tests.servers.known_exporter import KnownExporter, KnownHost
    from tests.support import logged_in, running_prometheus, wait_state

    with session_scope() as s:
        dept = s.exec(select(Department.id).where(Department.city == "guiyang")).first()
    server = boot("compute1", **{"qianyun:department": dept, "qianyun:tier": "city", "qianyun:city": "guiyang"})
    hosts = (KnownHost("compute1:9100", cpus=4, cpu_used=0.25, mem_total_gib=64, mem_used=0.40,
                       extra_labels=(("hostname", "gy/compute1"),)),
             KnownHost("compute2:9100", cpus=4, cpu_used=0.10, mem_total_gib=64, mem_used=0.20,
                       extra_labels=(("hostname", "gy/compute2"),)))
    exporter = KnownExporter(free_port(), hosts=hosts, pods=())
    state = tmp_path / "prometheus"
    state.mkdir()
    try:
        with running_prometheus(state, [f"127.0.0.1:{exporter.port}"]) as prom:
            registry = tmp_path / "clouds-registry.yaml"
            registry.write_text(f"""
clouds:
  gy:
    adapter: openstack
    openstack: {{cloud: {OS_CLOUD}, clouds_yaml: {clouds_yaml}, action_timeout_s: 180}}
    prometheus: {{url: {prom}, host_label: hostname, host_regex: '(gy/compute[0-9]+)', step_s: 1,
                  rate_window_s: 4}}
""")
            monkeypatch.setenv("QIANYUN_CLOUDS_FILE", str(registry))
            get_settings.cache_clear()
            _adapters_for.cache_clear()
            adapters = get_adapters()

            # sync: Guiyang's cloud is now OpenStack's two hypervisors and its servers
            results = {r.cloud: r for r in sync_all(adapters.all())}
            assert results["gy"].status == "healthy", results["gy"].error
            assert results["zy"].status == "healthy"
            wid = f"gy/{server.id}"
            with session_scope() as s:
                assert s.get(Cloud, "gy").adapter == "openstack"
                assert sorted(h.id for h in s.exec(select(Host).where(Host.cloud_id == "gy"))) == \
                    ["gy/compute1", "gy/compute2"]
                assert s.get(Workload, wid).host_id == "gy/compute1"

            # metrics: the hypervisors' utilisation comes from the real Prometheus
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if rollup_all({"gy": adapters.metrics_for("gy")}, 30) == {"gy": "ok"}:
                    with session_scope() as s:
                        row = s.exec(select(Utilisation).where(Utilisation.subject == "gy/compute1",
                                                               Utilisation.resource == "memory_gib")).first()
                    if row is not None:
                        break
                time.sleep(1)
            assert row is not None and row.latest == pytest.approx(0.40, abs=1e-3)

            # plan: drain compute1 within Guiyang's cloud; nothing crosses into or out of it
            ops = logged_in(client, {"gy1": ("city-operator", "gy")})
            r = client.post("/api/v1/plans", json={"kind": "drain", "scope": "gy", "hosts": ["gy/compute1"]},
                            headers=ops["gy1"])
            assert r.status_code == 201, r.text
            plan = r.json()
            mine = [m for m in plan["moves"] if m["workload"] == wid]
            assert [(m["from"], m["to"]) for m in mine] == [("gy/compute1", "gy/compute2")]
            for m in plan["moves"]:
                ends = {x for x in (m["from"], m["to"]) if x}
                assert all(x.startswith("gy/") for x in ends) or not any(x.startswith("gy/") for x in ends), m

            # approve and execute: the executor live-migrates through openstacksdk
            assert client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"]).status_code == 200
            assert client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"]).status_code == 202
            done = wait_state(client, ops["gy1"], plan["id"], ("succeeded", "failed"), timeout=300)
            assert done["state"] == "succeeded", done.get("state_reason")
            assert conn.compute.get_server(server.id).compute_host == "compute2"
            assert [t for t, _ in _migrations(conn, server.id)] == ["live-migration"]

            # the next sync sees it there
            results = {r.cloud: r for r in sync_all(adapters.all())}
            assert results["gy"].status == "healthy"
            with session_scope() as s:
                assert s.get(Workload, wid).host_id == "gy/compute2"
            assert next(w for w in adapters.for_cloud("gy").inventory("gy").workloads if w.id == wid).host == \
                "gy/compute2"

            # compute1, emptied, was disabled for new work as the plan's last step, with the plan's reason
            svc = next(conn.compute.services(binary="nova-compute", host="compute1"))
            assert svc.status == "disabled" and svc.disabled_reason.startswith(f"Qianyun plan {plan['id']}:"), svc
            assert [(x["to"], x["state"]) for x in done["host_actions"]] == [("gy/compute1", "done")]
            conn.compute.enable_service(svc, "compute1", "nova-compute")  # needed again: an operator enables it

            # a server that goes to ERROR after the plan was approved: a clean failed action, not a crash
            broken = boot("compute2")
            sync_all(adapters.all())
            r = client.post("/api/v1/plans", json={"kind": "drain", "scope": "gy", "hosts": ["gy/compute2"]},
                            headers=ops["gy1"])
            assert r.status_code == 201, r.text
            plan = r.json()
            assert f"gy/{broken.id}" in {m["workload"] for m in plan["moves"]}
            client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"])
            conn.compute.reset_server_state(broken, "error")
            client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"])
            done = wait_state(client, ops["gy1"], plan["id"], ("failed", "succeeded", "rolled back"), timeout=300)
            assert done["state"] != "succeeded"
            bad = next(m for m in done["moves"] if m["workload"] == f"gy/{broken.id}")
            assert bad["state"] == "failed" and "server is in ERROR" in bad["error"], bad
            assert conn.compute.get_server(broken.id).compute_host == "compute2"
            assert client.get("/healthz").status_code == 200
            conn.compute.reset_server_state(broken, "active")
    finally:
        for svc in conn.compute.services(binary="nova-compute", host="compute1"):  # the next test's ground
            if svc.status == "disabled":
                conn.compute.enable_service(svc, "compute1", "nova-compute")
        exporter.stop()
        get_settings.cache_clear()
        _adapters_for.cache_clear()
