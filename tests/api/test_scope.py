"""Tiered control on reads: each role sees exactly its own ground, and asking outside it is refused."""

from __future__ import annotations

from sqlmodel import select

from tests.support import login, make_user


def _all(client, path: str, headers: dict, **params) -> list[dict]:
    items, offset = [], 0
    while True:
        body = client.get(path, headers=headers, params={**params, "limit": 1000, "offset": offset}).json()
        items += body["items"]
        offset += len(body["items"])
        if offset >= body["total"] or not body["items"]:
            return items


def test_province_operator_sees_all_fourteen_clouds(client) -> None:
    make_user("prov", "province-operator")
    body = client.get("/api/v1/clouds", headers=login(client, "prov")).json()
    assert body["total"] == 14
    assert {c["id"] for c in body["items"]} == {"gz-gov", "gz-backup", "gy", "zy", "lps", "as", "bj", "tr", "qdn",
                                                 "qn", "qxn", "edu", "health", "transport"}
    kinds = {c["id"]: c["kind"] for c in body["items"]}
    assert kinds["gz-gov"] == "province" and kinds["gz-backup"] == "backup" and kinds["edu"] == "industry"
    for c in body["items"]:
        assert set(c) >= {"id", "kind", "city", "industry", "status"}
        assert c["status"] == "healthy"


def test_city_operator_sees_only_its_city(client) -> None:
    make_user("gy-op", "city-operator", "gy")
    headers = login(client, "gy-op")
    clouds = client.get("/api/v1/clouds", headers=headers).json()
    assert [c["id"] for c in clouds["items"]] == ["gy"]
    hosts = _all(client, "/api/v1/hosts", headers)
    assert hosts and {h["cloud"] for h in hosts} == {"gy"}
    workloads = _all(client, "/api/v1/workloads", headers)
    assert workloads
    assert all(w["host"] is None or w["host"].startswith("gy-") for w in workloads)
    depts = _all(client, "/api/v1/departments", headers)
    assert depts and {d["city"] for d in depts} == {"guiyang"}


def test_city_operator_asking_for_another_city_is_refused(client, service) -> None:
    from scheduler.core.models import Host

    make_user("gy-op", "city-operator", "gy")
    headers = login(client, "gy-op")
    r = client.get("/api/v1/hosts", params={"cloud": "zy"}, headers=headers)
    assert r.status_code == 403 and r.json()["field"] == "cloud"
    r = client.get("/api/v1/workloads", params={"cloud": "zy"}, headers=headers)
    assert r.status_code == 403
    assert client.get("/api/v1/clouds/zy", headers=headers).status_code == 404
    with service.session() as session:
        zy_host = session.exec(select(Host.id).where(Host.cloud_id == "zy")).first()
    assert zy_host is not None
    assert client.get(f"/api/v1/hosts/{zy_host}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/hosts/{zy_host}/utilisation", headers=headers).status_code == 404


def test_department_admin_sees_only_its_department(client, service) -> None:
    from scheduler.core.models import Department, Workload

    with service.session() as session:
        dept = session.exec(select(Workload.department_id)).first()
        other = session.exec(select(Workload).where(Workload.department_id != dept)).first()
        assert session.get(Department, dept) is not None
    make_user("dept", "department-admin", dept)
    headers = login(client, "dept")
    workloads = _all(client, "/api/v1/workloads", headers)
    assert workloads and {w["department"] for w in workloads} <= {dept} | _children(service, dept)
    assert client.get(f"/api/v1/workloads/{other.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/hosts", headers=headers).status_code == 403
    r = client.get("/api/v1/workloads", params={"department": other.department_id}, headers=headers)
    assert r.status_code == 403 and r.json()["field"] == "department"


def _children(service, dept: str) -> set[str]:
    from scheduler.core.models import Department

    with service.session() as session:
        return {d.id for d in session.exec(select(Department).where(Department.parent_id == dept))}


def test_industry_operator_sees_only_its_industry_cloud(client) -> None:
    make_user("edu-op", "industry-operator", "edu")
    headers = login(client, "edu-op")
    assert [c["id"] for c in client.get("/api/v1/clouds", headers=headers).json()["items"]] == ["edu"]
    assert {h["cloud"] for h in _all(client, "/api/v1/hosts", headers)} == {"edu"}


def test_audit_trail_is_for_auditors_and_the_province_centre(client) -> None:
    make_user("gy-op", "city-operator", "gy")
    make_user("aud", "auditor")
    assert client.get("/api/v1/audit/verify", headers=login(client, "gy-op")).status_code == 403
    verdict = client.get("/api/v1/audit/verify", headers=login(client, "aud")).json()
    assert verdict["intact"] is True and verdict["events"] > 0
