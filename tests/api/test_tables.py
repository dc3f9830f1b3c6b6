"""Sorting, filtering and paging the long tables: hosts, workloads, a plan's moves, the catalog, audit.
Every unknown sort field is a 422 naming `sort`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support import login, make_user


@pytest.fixture
def prov(client) -> dict[str, str]:
    make_user("prov", "province-operator")
    return login(client, "prov")


def _items(client, path: str, headers: dict, **params) -> list[dict]:
    r = client.get(path, params={"limit": 1000, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_hosts_sort_by_allocation_and_filter(client, prov) -> None:
    hosts = _items(client, "/api/v1/hosts", prov, cloud="gy", sort="allocated_vcpu", order="desc")
    alloc = [h["allocated"]["vcpu"] for h in hosts]
    assert alloc == sorted(alloc, reverse=True) and alloc[0] > alloc[-1]
    by_cap = [h["capacity"]["memory_gib"] for h in _items(client, "/api/v1/hosts", prov, sort="memory_gib")]
    assert by_cap == sorted(by_cap)
    some = client.get("/api/v1/hosts", params={"q": hosts[0]["id"]}, headers=prov).json()
    assert some["total"] >= 1 and all(hosts[0]["id"] in h["id"] for h in some["items"])
    # paging through a sort on equal values neither repeats nor skips a host
    seen = [h["id"] for off in range(0, 60, 7)
            for h in client.get("/api/v1/hosts", params={"sort": "cloud", "limit": 7, "offset": off}, headers=prov).json()["items"]]
    assert len(seen) == len(set(seen)) == client.get("/api/v1/hosts", headers=prov).json()["total"]
    assert client.get("/api/v1/hosts", params={"q": "%"}, headers=prov).json()["total"] == 0  # % is literal


def test_workloads_sort_and_search(client, prov) -> None:
    rows = _items(client, "/api/v1/workloads", prov, sort="vcpu", order="desc", placed=True)
    v = [w["demand"]["vcpu"] for w in rows]
    assert v == sorted(v, reverse=True)
    names = [w["name"] for w in _items(client, "/api/v1/workloads", prov, sort="name")]
    assert names == sorted(names)
    word = rows[0]["name"][:4]
    found = _items(client, "/api/v1/workloads", prov, q=word.upper())
    assert found and all(word.lower() in (w["name"] + w["id"]).lower() for w in found)


@pytest.mark.parametrize("path", ["/api/v1/hosts", "/api/v1/workloads", "/api/v1/catalog/entries",
                                  "/api/v1/audit/events", "/api/v1/opendata/datasets"])
def test_an_unknown_sort_field_is_refused_naming_it(client, prov, path) -> None:
    r = client.get(path, params={"sort": "password_hash"}, headers=prov)
    assert r.status_code == 422 and r.json()["field"] == "sort" and "password_hash" in r.json()["detail"], r.text
    r = client.get(path, params={"sort": "id" if "datasets" not in path else "code", "order": "sideways"}, headers=prov)
    assert r.status_code == 422 and r.json()["field"] == "order"


def test_the_public_cannot_sort_data_sets_by_what_it_may_not_see(client) -> None:
    r = client.get("/api/v1/opendata/datasets", params={"sort": "grade"})
    assert r.status_code == 422 and r.json()["field"] == "sort"


def test_audit_filters_by_actor_and_day_in_beijing_time(client, prov, service) -> None:
    from scheduler.core import audit
    from scheduler.core.models import AuditEvent

    make_user("aud", "auditor")
    aud = login(client, "aud")
    with service.session() as session:
        audit.record(session, "night-owl", "test.late", "test", "1", None, {"n": 1})
        session.commit()
        ev = session.exec(__import__("sqlmodel").select(AuditEvent).where(AuditEvent.actor == "night-owl")).one()
    day = ev.at.astimezone(ZoneInfo("Asia/Shanghai")).date()
    mine = client.get("/api/v1/audit/events", params={"actor": "night-owl", "since": str(day), "until": str(day)},
                      headers=aud).json()
    assert mine["total"] == 1 and mine["items"][0]["action"] == "test.late"
    assert client.get("/api/v1/audit/events", params={"actor": "night-owl", "since": str(day + timedelta(days=1))},
                      headers=aud).json()["total"] == 0
    assert client.get("/api/v1/audit/events", params={"actor": "night-owl", "until": str(day - timedelta(days=1))},
                      headers=aud).json()["total"] == 0
    r = client.get("/api/v1/audit/events", params={"since": str(day), "until": str(day - timedelta(days=1))}, headers=aud)
    assert r.status_code == 422 and r.json()["field"] == "until"
    r = client.get("/api/v1/audit/events", params={"since": "yesterday"}, headers=aud)
    assert r.status_code == 422 and r.json()["field"] == "since"
    by_actor = [e["actor"] for e in client.get("/api/v1/audit/events", params={"sort": "actor", "limit": 500},
                                               headers=aud).json()["items"]]
    assert by_actor == sorted(by_actor)
    newest = client.get("/api/v1/audit/events", headers=aud).json()["items"]
    assert [e["id"] for e in newest] == sorted((e["id"] for e in newest), reverse=True)  # newest first by default
    assert datetime.now(UTC) - ev.at < timedelta(minutes=5)


def test_catalog_sorts_by_name(client, prov, service) -> None:
    from scheduler.tenants.demo import seed_demo_catalog

    with service.session() as session:
        seed_demo_catalog(session)
        session.commit()
    names = [e["name"] for e in _items(client, "/api/v1/catalog/entries", prov, sort="name", order="desc")]
    assert len(names) > 10 and names == sorted(names, reverse=True)


def test_a_plans_moves_page_sort_and_filter(client, prov) -> None:
    r = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy"}, headers=prov)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert len(plan["moves"]) >= 3, "the small fleet's gy consolidation moves several workloads"
    url = f"/api/v1/plans/{plan['id']}/moves"
    page = client.get(url, params={"limit": 2, "offset": 1}, headers=prov).json()
    assert page["total"] == len(plan["moves"]) and [m["step"] for m in page["items"]] == [m["step"] for m in plan["moves"][1:3]]
    by_workload = [m["workload"] for m in client.get(url, params={"sort": "workload", "order": "desc"}, headers=prov).json()["items"]]
    assert by_workload == sorted((m["workload"] for m in plan["moves"]), reverse=True)
    w = plan["moves"][0]["workload"]
    assert [m["workload"] for m in client.get(url, params={"q": w}, headers=prov).json()["items"]] == [w]
    assert client.get(url, params={"state": "planned"}, headers=prov).json()["total"] == len(plan["moves"])
    for params, field in (({"sort": "reason"}, "sort"), ({"state": "nope"}, "state"), ({"color": "red"}, "color")):
        r = client.get(url, params=params, headers=prov)
        assert r.status_code in (400, 422) and r.json()["field"] == field, r.text


def test_plan_list_pages_only_what_the_reader_may_see(client, prov, service) -> None:
    """The visibility rule in SQL agrees with the per-plan rule, and `total` counts only visible plans."""
    from sqlmodel import select

    from scheduler.core.accounts import Actor
    from scheduler.plans import visible_to
    from scheduler.plans.models import Plan
    from scheduler.plans.visibility import plans_condition

    needs = [[], [{"key": "city:zy", "rules": [], "reasons": ["x"], "moves": 1}],
             [{"key": "province", "rules": [], "reasons": ['a "city:gy" quoted in a reason'], "moves": 1}],
             [{"key": "city:gy_", "rules": [], "reasons": [], "moves": 1}]]
    with service.session() as session:
        for i, scope in enumerate(("gy", "zy", "gz-gov", "gz-gov", "zy", "gz-gov")):
            session.add(Plan(kind="rebalance", scope=scope, proposer="t", fingerprint=str(i), fleet={}, document={"moves": []},
                             required_approvals=needs[i % len(needs)]))
        session.commit()
        actors = [Actor("a", "city-operator", "zy"), Actor("b", "city-operator", "gy"), Actor("c", "province-operator", None),
                  Actor("d", "auditor", None), Actor("e", "department-admin", "gy-bigdata-bureau")]
        every = session.exec(select(Plan)).all()
        for a in actors:
            in_sql = {p.id for p in session.exec(select(Plan).where(plans_condition(a)))}
            assert in_sql == {p.id for p in every if visible_to(p, a)}, a
    for user, scope, expected in (("zy1", "zy", 3), ("gy1", "gy", 1)):
        make_user(user, "city-operator", scope)
        h = login(client, user)
        first = client.get("/api/v1/plans", params={"limit": 1}, headers=h).json()
        assert first["total"] == expected and len(first["items"]) == 1
