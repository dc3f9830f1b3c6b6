"""The three modules as tenants: quota, services placed by the optimizer within it, data-zone job sets."""

from __future__ import annotations

from sqlmodel import select


def test_tenants_get_quota_services_placed_and_job_sets_once(client, dp) -> None:
    from scheduler.core.db import session_scope
    from scheduler.core.models import Department, Host, Workload
    from scheduler.quotas.models import Quota
    from scheduler.tenants import platform as data_tenants

    with session_scope() as s:
        assert data_tenants.ensure(s) == []
    with session_scope() as s:
        again = data_tenants.ensure(s)  # safe at every start: nothing is added twice
        assert again == []
        for t in data_tenants.TENANTS:
            d = s.get(Department, t.department)
            assert d is not None and d.parent_id == "prov-bigdata-bureau" and d.level == "province"
            q = s.exec(select(Quota).where(Quota.department_id == t.department)).one()
            assert (q.cloud_id, q.vcpu) == ("gz-gov", t.quota["vcpu"])
            ws = s.exec(select(Workload).where(Workload.department_id == t.department)).all()
            assert len(ws) == sum(svc.replicas for svc in t.services)
            for w in ws:  # placed by the incremental placer on a live host of the province cloud
                h = s.get(Host, w.host_id)
                assert h is not None and h.cloud_id == "gz-gov" and h.up
            assert sum(w.vcpu for w in ws) <= q.vcpu
            replicas = [w for w in ws if w.spread_group and w.spread_group.endswith("/catalog-api")]
            assert len({w.host_id for w in replicas}) == len(replicas)  # spread over hosts
    for module in ("catalog", "sharing", "opendata"):
        out = client.get(f"/api/v1/{module}/tenant", headers=dp["gy1"]).json()
        assert out["module"] == module and out["cloud"] == "gz-gov" and out["workloads"]
        assert all(out["used"][r] <= out["quota"][r] for r in out["quota"])
    cat = client.get("/api/v1/catalog/tenant", headers=dp["auth"]).json()
    assert [j["name"] for j in cat["jobsets"]] == ["catalog compliance scan"]
    assert cat["jobsets"][0]["recurrence"] == "0 2 * * *" and cat["jobsets"][0]["run_state"] == "planned"
    # the services are workloads like any department's: the simulated cloud runs them where Qianyun put them
    from scheduler.core.registry import get_adapters

    sim = {w["id"]: w["host"] for w in get_adapters().simulated.fleet_document()["workloads"]}
    as_operator = client.get("/api/v1/catalog/tenant", headers=dp["prov"]).json()
    assert all(sim[w["id"]] == w["host"] and w["placed"] for w in as_operator["workloads"])
    # the data authority may not list hosts: it learns that each service runs, not where
    assert all(w["host"] is None and w["placed"] for w in cat["workloads"])


def test_the_catalog_tenants_scan_job_runs_the_compliance_scan(client, dp) -> None:
    from datetime import timedelta

    from scheduler.core.db import as_utc, session_scope
    from scheduler.jobs import dispatch
    from scheduler.jobs.models import JobRun, JobSet
    from scheduler.tenants import platform as data_tenants
    from scheduler.tenants.models import ComplianceScan

    with session_scope() as s:
        data_tenants.ensure(s)
        js = s.exec(select(JobSet).where(JobSet.name == data_tenants.COMPLIANCE_JOBSET)).one()
        run = s.exec(select(JobRun).where(JobRun.jobset_id == js.id)).one()
        run_id, anchor = run.id, as_utc(run.anchor)
        assert s.exec(select(ComplianceScan)).first() is None
    with session_scope() as s:  # time reaches the planned start of the scan job: dispatch starts it
        started = dispatch.tick_run(s, s.get(JobRun, run_id), anchor + timedelta(minutes=1))
    with session_scope() as s:
        scans = s.exec(select(ComplianceScan)).all()
        assert [x.actor for x in scans] == ["system:compliance-scan"], started


def test_a_transient_cloud_error_at_first_placement_is_tried_again(service, monkeypatch) -> None:
    """The province cloud refuses the first placements (as a cloud briefly unreachable does): the
    services are placed all the same, and a cloud down for longer leaves them to the next `ensure`."""
    from adapters.protocol import AdapterError
    from scheduler.core.db import session_scope
    from scheduler.core.models import Workload
    from scheduler.core.registry import get_adapters
    from scheduler.tenants import platform

    monkeypatch.setattr(platform, "RETRY_DELAYS_S", (0.0, 0.0, 0.0))
    adapter = get_adapters().for_cloud(platform.CLOUD)
    real_place, refusals = adapter.place, {"left": 2}

    def flaky_place(info, host):  # type: ignore[no-untyped-def]
        if refusals["left"] > 0:
            refusals["left"] -= 1
            raise AdapterError("connection refused")
        return real_place(info, host)

    monkeypatch.setattr(adapter, "place", flaky_place)
    with session_scope() as s:
        assert platform.ensure(s) == []
    assert refusals["left"] == 0
    wanted = sum(svc.replicas for t in platform.TENANTS for svc in t.services)
    with session_scope() as s:
        placed = s.exec(select(Workload).where(Workload.department_id.startswith("dp-"))).all()  # type: ignore[union-attr]
        assert len(placed) == wanted and all(w.host_id for w in placed)


def test_services_a_long_outage_left_unplaced_are_placed_by_the_next_ensure(service, monkeypatch) -> None:
    from adapters.protocol import AdapterError
    from scheduler.core.db import session_scope
    from scheduler.core.models import Workload
    from scheduler.core.registry import get_adapters
    from scheduler.tenants import platform

    monkeypatch.setattr(platform, "RETRY_DELAYS_S", (0.0,))
    adapter = get_adapters().for_cloud(platform.CLOUD)
    real_place = adapter.place

    def down(info, host):  # type: ignore[no-untyped-def]
        raise AdapterError("connection refused")

    monkeypatch.setattr(adapter, "place", down)
    with session_scope() as s:
        problems = platform.ensure(s)
    wanted = sum(svc.replicas for t in platform.TENANTS for svc in t.services)
    assert len(problems) == wanted and all("not placed" in p for p in problems)
    monkeypatch.setattr(adapter, "place", real_place)
    with session_scope() as s:
        assert platform.ensure(s) == []
        placed = s.exec(select(Workload).where(Workload.department_id.startswith("dp-"))).all()  # type: ignore[union-attr]
        assert len(placed) == wanted
