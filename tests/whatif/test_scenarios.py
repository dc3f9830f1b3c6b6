"""Scenarios through the API: the issue's two answers (more hosts make a short request feasible; losing
gz-gov is the tabletop drill of gz-gov), refusals that name the field and store nothing, scope, audit,
side-by-side comparison, and that a scenario never calls a cloud."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import func, select

from tests.whatif.conftest import answered, host_type_on, scenario


def _count_scenarios() -> tuple[int, int]:
    from scheduler.core.db import session_scope
    from scheduler.core.models import AuditEvent
    from scheduler.whatif.models import Scenario

    with session_scope() as session:
        return (session.exec(select(func.count()).select_from(Scenario)).one(),
                session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "scenario")).one())


def test_adding_hosts_makes_a_short_quota_request_feasible(client, who) -> None:
    from scheduler import quotas
    from scheduler.core.db import session_scope

    with session_scope() as session:
        assert quotas.summary(session, "gy")["grantable"]["vcpu"] < 800
    r = client.post("/api/v1/quota-requests", headers=who["dept"], json={
        "department": "gy-bigdata-bureau", "cloud": "gy", "amount": {"vcpu": 800},
        "justification": "the provincial census platform moves to Guiyang"})
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["feasibility"]["verdict"] == "short", req["feasibility"]  # the service's own check says short

    alone = scenario(client, who["prov"], name="census as asked", changes={"quota_requests": [req["id"]]})
    [v] = alone["result"]["quota_requests"]
    assert v["id"] == req["id"] and v["verdict"] == "short" and v["short"]["vcpu"] > 0

    more = scenario(client, who["prov"], name="census with 8 more hosts", changes={
        "quota_requests": [req["id"]], "add_hosts": [{"cloud": "gy", "type": host_type_on("gy"), "count": 8}]})
    [v2] = more["result"]["quota_requests"]
    assert v2["verdict"] == "feasible", v2
    assert v2["systems_placed"] == v2["systems"] > 0
    gy_quota = next(q for q in more["result"]["quota"] if q["cloud"] == "gy")
    assert gy_quota["short"] == {"vcpu": 0, "memory_gib": 0, "gpu": 0, "storage_gib": 0}
    gy_hosts = next(h for h in more["result"]["hosts"]["clouds"] if h["cloud"] == "gy")
    gy_before = next(h for h in alone["result"]["hosts"]["clouds"] if h["cloud"] == "gy")
    assert gy_hosts["live"] == gy_before["live"] + 8
    assert gy_hosts["bound"] <= gy_hosts["active"] <= gy_hosts["live"]
    # the request itself is untouched: still pending, no quota granted
    assert client.get(f"/api/v1/quota-requests/{req['id']}", headers=who["prov"]).json()["state"] == "pending"


def test_losing_gz_gov_matches_a_tabletop_drill(client, who) -> None:
    out = scenario(client, who["dr"], name="the province cloud is down", changes={"lose_clouds": ["gz-gov"]})
    d = out["result"]["drill"]
    assert d["clouds"] == ["gz-gov"]
    r = client.post("/api/v1/drills", json={"clouds": ["gz-gov"], "mode": "tabletop"}, headers=who["dr"])
    assert r.status_code == 201, r.text
    report = client.get(f"/api/v1/drills/{r.json()['id']}/report", headers=who["dr"]).json()
    assert d["headline"] == report["headline"]
    assert d["by_priority"] == report["by_priority"]["predicted"]
    p1 = next(p for p in report["by_priority"]["predicted"] if p["priority"] == 1)
    assert d["priority1"] == {"systems": p1["systems"], "within_rto": p1["within_rto"],
                              "all_within_rto": p1["within_rto"] == p1["systems"]}
    assert d["capacity"] == report["capacity"]
    # and the main answer lists gz-gov's unprotected systems as not fitting, with the optimizer's reason
    reasons = {x["reason"] for x in out["result"]["fits"]["by_reason"]}
    assert any("not DR-protected" in x for x in reasons)
    assert next(h for h in out["result"]["hosts"]["clouds"] if h["cloud"] == "gz-gov")["lost"] is True


BAD: list[tuple[dict[str, Any], str]] = [
    ({"changes": {"add_hosts": [{"cloud": "nowhere", "type": "x", "count": 1}]}}, "changes.add_hosts[0].cloud"),
    ({"changes": {"add_hosts": [{"cloud": "gy", "type": "Cray-1", "count": 1}]}}, "changes.add_hosts[0].type"),
    ({"changes": {"add_hosts": [{"cloud": "gy", "type": "Inspur NF5270M6", "count": 0}]}}, "changes.add_hosts[0].count"),
    ({"changes": {"grow_departments": [{"department": "gy-bigdata-bureau", "share": -0.2}]}},
     "changes.grow_departments[0].share"),
    ({"changes": {"grow_clouds": [{"cloud": "gy", "share": 0}]}}, "changes.grow_clouds[0].share"),
    ({"changes": {"policy": {"quotas.no_such_share": 0.1}}}, "changes.policy.quotas.no_such_share"),
    ({"changes": {"policy": {"quotas.dr_reserve_share": 1.5}}}, "changes.policy.quotas.dr_reserve_share"),
    ({"changes": {"policy": {"placement.rules": 1}}}, "changes.policy.placement.rules"),
    ({"changes": {"policy": {"power.minimise": "watts"}}}, "changes.policy.power.minimise"),
    ({"changes": {"policy": {"power.tariff_yuan_per_kwh": "cheap"}}}, "changes.policy.power.tariff_yuan_per_kwh"),
    ({"changes": {"lose_clouds": ["gz-backup"]}}, "changes.lose_clouds[0]"),
    ({"changes": {"lose_hosts": ["no-such-host"]}}, "changes.lose_hosts[0]"),
    ({"changes": {"quota_requests": [999999]}}, "changes.quota_requests[0]"),
    ({"changes": {"new_systems": [{"department": "gy-bigdata-bureau", "demand": {"vcpu": -4}}]}},
     "changes.new_systems[0].demand.vcpu"),
    ({"changes": {"new_systems": [{"department": "nobody", "demand": {"vcpu": 4}}]}}, "changes.new_systems[0].department"),
    ({"changes": {"buy_more": True}}, "changes.buy_more"),
    ({"scope": "nowhere"}, "scope"),
    ({"drill_clouds": ["gz-backup"]}, "drill_clouds[0]"),
    ({"name": ""}, "name"),
]


@pytest.mark.parametrize("body,field", BAD, ids=[f for _, f in BAD])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(client, who, body, field) -> None:
    before = _count_scenarios()
    r = client.post("/api/v1/scenarios", json={"name": "bad", **body}, headers=who["prov"])
    assert r.status_code == 422, r.text
    got = r.json()
    fields = {got.get("field")} | {e["field"] for e in got.get("errors") or []}
    assert any(f == field or (f or "").endswith(field) for f in fields), (field, got)
    assert _count_scenarios() == before


def test_scope_like_plans(client, who) -> None:
    t = host_type_on("gy")
    mine = scenario(client, who["gy"], name="gy grows", scope="gy",
                    changes={"grow_clouds": [{"cloud": "gy", "share": 0.1}], "add_hosts": [{"cloud": "gy", "type": t, "count": 1}]})
    assert [q["cloud"] for q in mine["result"]["quota"]] == ["gy"]
    assert [h["cloud"] for h in mine["result"]["hosts"]["clouds"]] == ["gy"]
    assert mine["result"]["drill"] is None and "scope 'all'" in mine["result"]["drill_note"]
    # a city operator changes only its own cloud
    r = client.post("/api/v1/scenarios", headers=who["gy"], json={"name": "x", "scope": "gy",
                                                                  "changes": {"lose_clouds": ["zy"]}})
    assert r.status_code == 422 and r.json()["field"] == "changes.lose_clouds[0]"
    r = client.post("/api/v1/scenarios", headers=who["gy"], json={"name": "x", "scope": "all"})
    assert r.status_code == 403
    # out of scope is as if it did not exist
    assert client.get(f"/api/v1/scenarios/{mine['id']}", headers=who["zy"]).status_code == 404
    assert client.get(f"/api/v1/scenarios/{mine['id']}", headers=who["aud"]).status_code == 403  # the auditor reads audit only
    assert mine["id"] not in [s["id"] for s in client.get("/api/v1/scenarios", headers=who["zy"]).json()["items"]]
    assert mine["id"] in [s["id"] for s in client.get("/api/v1/scenarios", headers=who["gy"]).json()["items"]]
    other = scenario(client, who["prov"], name="all", changes={})
    r = client.get(f"/api/v1/scenarios/compare?ids={mine['id']},{other['id']}", headers=who["gy"])
    assert r.status_code == 404 and r.json()["field"] == "ids"
    # a list counts and pages the caller's scenarios only
    gy_list = client.get("/api/v1/scenarios", headers=who["gy"]).json()
    assert [s["id"] for s in gy_list["items"]] == [mine["id"]] and gy_list["total"] == 1
    assert client.get("/api/v1/scenarios", headers=who["zy"]).json() == {"items": [], "total": 0, "limit": 100, "offset": 0}
    everything = client.get("/api/v1/scenarios?limit=1&offset=1", headers=who["prov"]).json()
    assert everything["total"] == 2 and [s["id"] for s in everything["items"]] == [mine["id"]]
    assert client.get("/api/v1/scenarios", headers=who["aud"]).status_code == 403
    # a department admin has no access at all
    assert client.get("/api/v1/scenarios", headers=who["dept"]).status_code == 403


def test_compare_side_by_side_and_audited(client, who) -> None:
    t = host_type_on("gy")
    a = scenario(client, who["prov"], name="today", changes={})
    b = scenario(client, who["prov"], name="gy +20 % and 4 hosts",
                 changes={"grow_clouds": [{"cloud": "gy", "share": 0.2}], "add_hosts": [{"cloud": "gy", "type": t, "count": 4}],
                          "policy": {"quotas.dr_reserve_share": 0.1}})
    assert a["result"]["fits"]["new_systems"]["total"] == 0
    assert b["result"]["fits"]["new_systems"]["total"] == 20  # 20 % of gy's 100 systems
    changed = [x for x in b["result"]["applied"] if x["code"] == "whatif.applied.policy"]
    assert [x["params"] for x in changed] == [{"key": "quotas.dr_reserve_share", "value": "0.1", "was": "0.05"}]
    assert changed[0]["text"] == "policy quotas.dr_reserve_share = 0.1 (was 0.05)"  # the suite's client asks for English
    zh = client.get(f"/api/v1/scenarios/{b['id']}", headers={**who["prov"], "Accept-Language": "zh-CN"}).json()
    assert "策略 quotas.dr_reserve_share = 0.1（原为 0.05）" in [x["text"] for x in zh["result"]["applied"]]
    r = client.get(f"/api/v1/scenarios/compare?ids={a['id']},{b['id']}", headers=who["prov"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["name"] for s in body["scenarios"]] == ["today", "gy +20 % and 4 hosts"]
    gy = next(c for c in body["clouds"] if c["cloud"] == "gy")["scenarios"]
    assert gy[str(b["id"])]["live"] == gy[str(a["id"])]["live"] + 4
    # allottable share fell 5 points but capacity rose: the comparison carries both grantable figures
    assert set(gy[str(a["id"])]) >= {"grantable", "short", "active", "bound"}
    for bad in ("1", f"{a['id']},x", f"{a['id']},{a['id']}"):
        assert client.get(f"/api/v1/scenarios/compare?ids={bad}", headers=who["prov"]).status_code == 422
    from scheduler.core.db import session_scope
    from scheduler.core.models import AuditEvent

    with session_scope() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.entity == "scenario", AuditEvent.entity_id == str(b["id"]))).all()
        assert {e.action for e in rows} == {"scenario.created", "scenario.done"}
        assert next(e for e in rows if e.action == "scenario.created").actor == "prov"


def test_a_scenario_never_calls_a_cloud(client, who, monkeypatch) -> None:
    """Every adapter's acting and reading method raises while the scenario is answered: it still answers,
    so nothing of it called a cloud."""
    from adapters.simulated import SimulatedAdapter

    calls: list[str] = []
    for name in ("inventory", "health", "place", "migrate", "restart_elsewhere", "set_cloud_failed", "set_host_failed",
                 "utilisation", "clouds", "departments", "fleet_document", "run_job"):
        def refuse(*a: Any, _n: str = name, **k: Any) -> None:
            calls.append(_n)
            raise AssertionError(f"a scenario called the cloud: {_n}")
        monkeypatch.setattr(SimulatedAdapter, name, refuse)
    t = host_type_on("zy")
    out = scenario(client, who["prov"], name="everything at once", changes={
        "add_hosts": [{"cloud": "zy", "type": t, "count": 2}], "retire_hosts": [{"cloud": "gy", "type": host_type_on("gy"), "count": 1}],
        "lose_clouds": ["gz-gov"], "grow_departments": [{"department": "gy-bigdata-bureau", "share": 0.5}],
        "new_systems": [{"department": "zy-bigdata-bureau", "count": 3, "demand": {"vcpu": 8, "memory_gib": 32}, "spread": True}],
        "policy": {"execution.max_concurrent_restarts_per_cloud": 8, "dr.backup_reserve_share": 0.2}})
    assert calls == []
    assert out["result"]["drill"]["clouds"] == ["gz-gov"]
    assert out["result"]["fleet"]["retired_hosts"] == 1 and out["result"]["fleet"]["added_hosts"] == 2


def test_pending_then_answered_by_the_runner(client, who) -> None:
    r = client.post("/api/v1/scenarios", json={"name": "later", "changes": {}}, headers=who["prov"])
    assert r.status_code == 202 and r.json()["state"] == "pending" and r.json()["result"] is None
    done = answered(client, who["prov"], r.json()["id"])
    assert done["state"] == "done" and done["seconds"] is not None and done["headline"]["systems"] > 0
