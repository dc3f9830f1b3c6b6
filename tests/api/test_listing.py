"""Listings: filters, pagination, utilisation, and every bad query the issue names."""

from __future__ import annotations

import pytest

from tests.support import login, make_user


@pytest.fixture
def prov(client) -> dict[str, str]:
    make_user("prov", "province-operator")
    return login(client, "prov")


def test_pagination_walks_every_workload_once(client, prov, service) -> None:
    from sqlalchemy import func
    from sqlmodel import select

    from scheduler.core.models import Workload

    with service.session() as session:
        expected = session.exec(select(func.count()).select_from(Workload)).one()
    seen: list[str] = []
    offset = 0
    while True:
        body = client.get("/api/v1/workloads", params={"limit": 70, "offset": offset}, headers=prov).json()
        assert body["total"] == expected and body["limit"] == 70
        if not body["items"]:
            break
        seen += [w["id"] for w in body["items"]]
        offset += 70
    assert len(seen) == expected == len(set(seen))


def test_filters_narrow_the_listing(client, prov) -> None:
    hosts = client.get("/api/v1/hosts", params={"cloud": "gz-gov", "limit": 1000}, headers=prov).json()["items"]
    assert hosts and all(h["cloud"] == "gz-gov" for h in hosts)
    county = client.get("/api/v1/workloads", params={"tier": "county", "limit": 1000}, headers=prov).json()["items"]
    assert county and all(w["tier"] == "county" for w in county)
    city = client.get("/api/v1/workloads", params={"city": "zunyi", "limit": 1000}, headers=prov).json()["items"]
    assert city and all(w["city"] == "zunyi" for w in city)
    dept = city[0]["department"]
    mine = client.get("/api/v1/workloads", params={"department": dept, "limit": 1000}, headers=prov).json()["items"]
    assert mine and all(w["department"] == dept for w in mine)
    on_gy = client.get("/api/v1/workloads", params={"cloud": "gy", "placed": True, "limit": 1000}, headers=prov).json()["items"]
    assert on_gy and all(w["host"].startswith("gy-") for w in on_gy)
    cities = client.get("/api/v1/clouds", params={"kind": "city"}, headers=prov).json()
    assert cities["total"] == 9
    counties = client.get("/api/v1/departments", params={"level": "county", "city": "guiyang"}, headers=prov).json()
    assert counties["total"] > 0 and all(d["parent"] for d in counties["items"])


def test_cloud_totals_match_its_hosts(client, prov) -> None:
    gy = client.get("/api/v1/clouds/gy", headers=prov).json()
    hosts = client.get("/api/v1/hosts", params={"cloud": "gy", "limit": 1000}, headers=prov).json()["items"]
    assert gy["hosts"] == len(hosts)
    assert gy["capacity"]["vcpu"] == pytest.approx(sum(h["capacity"]["vcpu"] for h in hosts))
    assert gy["allocated"]["memory_gib"] == pytest.approx(sum(h["allocated"]["memory_gib"] for h in hosts))
    for h in hosts:
        for r in ("vcpu", "memory_gib", "gpu", "storage_gib"):
            assert h["allocated"][r] <= h["capacity"][r] + 1e-9


def test_utilisation_latest_and_p95_after_a_rollup(client, prov) -> None:
    from scheduler.loop import run_metrics

    empty = client.get("/api/v1/clouds/gy/utilisation", headers=prov).json()
    assert all(r["latest"] is None for r in empty["resources"])
    run_metrics()
    cloud = client.get("/api/v1/clouds/gy/utilisation", headers=prov).json()
    assert {r["resource"] for r in cloud["resources"]} == {"vcpu", "memory_gib"}
    for r in cloud["resources"]:
        assert 0 < r["latest"] <= 1.0 and r["latest"] <= r["p95"] + 0.2 and r["p95"] <= 1.0
    host = client.get("/api/v1/hosts", params={"cloud": "gy", "limit": 1}, headers=prov).json()["items"][0]
    hu = client.get(f"/api/v1/hosts/{host['id']}/utilisation", headers=prov).json()
    assert hu["window_end"] is not None and all(r["p95"] is not None for r in hu["resources"])
    w = client.get("/api/v1/workloads", params={"placed": True, "limit": 1}, headers=prov).json()["items"][0]
    wu = client.get(f"/api/v1/workloads/{w['id']}/utilisation", headers=prov).json()
    assert all(0 <= r["latest"] <= 1.5 for r in wu["resources"])


@pytest.mark.parametrize("path,params,field,status", [
    ("/api/v1/workloads", {"colour": "red"}, "colour", 400),
    ("/api/v1/hosts", {"clod": "gy"}, "clod", 400),
    ("/api/v1/workloads", {"limit": 100000}, "limit", 422),
    ("/api/v1/workloads", {"limit": "many"}, "limit", 422),
    ("/api/v1/workloads", {"offset": -1}, "offset", 422),
    ("/api/v1/workloads", {"tier": "village"}, "tier", 422),
    ("/api/v1/clouds", {"kind": "galaxy"}, "kind", 422),
    ("/api/v1/hosts", {"schedulable": "perhaps"}, "schedulable", 422),
    ("/api/v1/workloads", {"placed": "maybe"}, "placed", 422),
])
def test_bad_queries_name_the_field(client, prov, path, params, field, status) -> None:
    r = client.get(path, params=params, headers=prov)
    assert r.status_code == status
    body = r.json()
    assert body["field"] == field
    assert field in body["detail"]


def test_unknown_ids_are_404_with_the_field(client, prov) -> None:
    for path, field in (("/api/v1/clouds/mars", "cloud_id"), ("/api/v1/hosts/gy-h9999", "host_id"),
                        ("/api/v1/workloads/w-999999", "workload_id"), ("/api/v1/departments/nope", "department_id")):
        r = client.get(path, headers=prov)
        assert r.status_code == 404 and r.json()["field"] == field


def test_healthz_and_openapi(client) -> None:
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["clouds"] == 14
    spec = client.get("/openapi.json").json()
    assert "/api/v1/clouds" in spec["paths"] and "/api/v1/auth/token" in spec["paths"]
