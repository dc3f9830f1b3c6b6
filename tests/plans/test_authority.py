"""Tiered control on plans: who may propose, see, approve, reject and execute which plan."""

from __future__ import annotations

import threading

import pytest

from tests.support import placements


def _gy_plan(client, ops) -> dict:
    r = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy"}, headers=ops["gy1"])
    assert r.status_code == 201, r.text
    return r.json()


def test_operator_of_another_city_cannot_touch_the_plan(client, ops) -> None:
    plan = _gy_plan(client, ops)
    for verb in ("approve", "execute", "dry-run", "cancel"):
        r = client.post(f"/api/v1/plans/{plan['id']}/{verb}", headers=ops["zy1"])
        assert r.status_code == 404 and r.json()["field"] == "plan_id", verb  # out of scope: as if it did not exist
    r = client.post(f"/api/v1/plans/{plan['id']}/reject", json={"reason": "not mine"}, headers=ops["zy1"])
    assert r.status_code == 404
    missing = client.get("/api/v1/plans/999999", headers=ops["zy1"])
    r = client.get(f"/api/v1/plans/{plan['id']}", headers=ops["zy1"])
    assert r.status_code == missing.status_code == 404 and r.json()["field"] == missing.json()["field"]
    assert all(p["scope"] != "gy" for p in client.get("/api/v1/plans", headers=ops["zy1"]).json()["items"])
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=ops["gy1"]).json()["state"] == "proposed"


def test_department_admin_may_not_reach_any_plan(client, ops) -> None:
    plan = _gy_plan(client, ops)
    assert client.get("/api/v1/plans", headers=ops["dept"]).status_code == 403
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=ops["dept"]).status_code == 403
    assert client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["dept"]).status_code == 403
    r = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy"}, headers=ops["dept"])
    assert r.status_code == 403 and r.json()["field"] == "role"


def test_the_auditor_reads_the_audit_trail_not_the_plans(client, ops) -> None:
    """三权分立: the auditor reads the audit only; the plan's events are where it sees the plan."""
    plan = _gy_plan(client, ops)
    for method, url in (("GET", "/api/v1/plans"), ("GET", f"/api/v1/plans/{plan['id']}"),
                        ("GET", f"/api/v1/plans/{plan['id']}/document"), ("POST", f"/api/v1/plans/{plan['id']}/approve")):
        r = client.request(method, url, headers=ops["aud"])
        assert r.status_code == 403 and r.json()["field"] == "role", (method, url)
    events = client.get(f"/api/v1/audit/events?entity_id={plan['id']}", headers=ops["aud"]).json()["items"]
    assert any(e["action"].startswith("plan.") for e in events)


@pytest.mark.parametrize("user,body,status,field", [
    ("gy1", {"kind": "rebalance", "scope": "zy"}, 403, "scope"),
    ("gy1", {"kind": "rebalance", "scope": "all"}, 403, "scope"),
    ("edu1", {"kind": "rebalance", "scope": "gy"}, 403, "scope"),
    ("prov", {"kind": "reshuffle", "scope": "gy"}, 422, "kind"),
    ("prov", {"kind": "rebalance", "scope": "mars"}, 422, "scope"),
    ("prov", {"kind": "rebalance", "scope": "gy", "objective": "cheapest"}, 422, "objective"),
    ("prov", {"kind": "rebalance", "scope": "gy", "minimise": "watts"}, 422, "minimise"),
    ("prov", {"kind": "rebalance", "scope": "gy", "minimise": 3}, 422, "minimise"),
    ("prov", {"kind": "rebalance", "scope": "gy", "objective": "balance", "minimise": "power"}, 422, "minimise"),
    ("prov", {"kind": "rebalance", "scope": "gy", "max_migrations": -1}, 422, "max_migrations"),
    ("prov", {"kind": "rebalance", "scope": "gy", "max_migrations": "lots"}, 422, "max_migrations"),
    ("prov", {"kind": "drain", "scope": "gy"}, 422, "hosts"),
    ("prov", {"kind": "drain", "scope": "gy", "hosts": ["gy-h9999"]}, 422, "hosts"),
    ("prov", {"kind": "drain", "scope": "gy", "hosts": ["zy-h0001"]}, 422, "hosts"),
    ("prov", {"kind": "rebalance", "scope": "gy", "hosts": ["gy-h0001"]}, 422, "hosts"),
    ("prov", {"kind": "rebalance", "scope": "gy", "colour": "red"}, 422, "colour"),
    ("prov", {"scope": "gy"}, 422, "kind"),
])
def test_bad_proposals_are_refused_and_store_nothing(client, ops, user, body, status, field) -> None:
    r = client.post("/api/v1/plans", json=body, headers=ops[user])
    assert r.status_code == status, r.text
    assert r.json()["field"] == field
    assert client.get("/api/v1/plans", headers=ops["prov"]).json()["total"] == 0


def test_a_plan_across_clouds_needs_every_scope_and_someone_besides_the_proposer(client, ops) -> None:
    r = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "all", "max_migrations": 400}, headers=ops["prov"])
    assert r.status_code == 201, r.text
    plan = r.json()
    keys = set(plan["pending_approvals"])
    assert "city:gy" in keys and len(keys) >= 2
    after = client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["prov"]).json()
    assert after["state"] == "proposed"
    assert "province" not in after["pending_approvals"] and "city:gy" in after["pending_approvals"]
    assert client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["prov"]).status_code == 409
    after = client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"]).json()
    assert "city:gy" not in after["pending_approvals"]
    assert after["state"] == ("approved" if not after["pending_approvals"] else "proposed")


def test_a_stale_plan_is_superseded_not_approved(client, ops) -> None:
    from scheduler.core.registry import get_adapters
    from scheduler.core.sync import sync_all

    plan = _gy_plan(client, ops)
    m = plan["moves"][0]
    adapter = get_adapters().simulated
    adapter.migrate(m["workload"], m["to"])
    sync_all([adapter])
    before = placements()
    r = client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"])
    assert r.status_code == 409 and "superseded" in r.json()["detail"]
    body = client.get(f"/api/v1/plans/{plan['id']}", headers=ops["gy1"]).json()
    assert body["state"] == "superseded" and m["workload"] in body["state_reason"]
    assert client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"]).status_code == 409
    assert placements() == before


def test_a_plan_that_goes_stale_after_approval_is_not_executed(client, ops) -> None:
    from scheduler.core.registry import get_adapters
    from scheduler.core.sync import sync_all

    plan = _gy_plan(client, ops)
    client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"])
    adapter = get_adapters().simulated
    adapter.migrate(plan["moves"][0]["workload"], plan["moves"][0]["to"])
    sync_all([adapter])
    r = client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"])
    assert r.status_code == 409
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=ops["gy1"]).json()["state"] == "superseded"
    assert len(adapter.history()) == 1


@pytest.mark.parametrize("first,second", [
    (("gy1", "approve", None), ("gy2", "approve", None)),
    (("gy1", "cancel", None), ("gy2", "reject", {"reason": "not tonight"})),
])
def test_two_operators_at_once_exactly_one_wins(client, ops, first, second) -> None:
    """Two decisions that exclude each other, sent at the same moment: one lands, the other is 409."""
    for _ in range(3):
        plan = _gy_plan(client, ops)
        results: dict[str, int] = {}
        barrier = threading.Barrier(2)

        def act(name: str, verb: str, body: dict | None) -> None:
            barrier.wait()
            results[name] = client.post(f"/api/v1/plans/{plan['id']}/{verb}", json=body, headers=ops[name]).status_code

        threads = [threading.Thread(target=act, args=first), threading.Thread(target=act, args=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results.values()) == [200, 409], results
        body = client.get(f"/api/v1/plans/{plan['id']}", headers=ops["gy1"]).json()
        winner = first if results[first[0]] == 200 else second
        expected = {"approve": "approved", "cancel": "cancelled", "reject": "rejected"}[winner[1]]
        assert body["state"] == expected
        assert len([a for a in body["approvals"] if a["approved_by"]]) == (1 if expected == "approved" else 0)


def test_decisions_are_final_and_need_reasons(client, ops) -> None:
    plan = _gy_plan(client, ops)
    r = client.post(f"/api/v1/plans/{plan['id']}/reject", json={"reason": ""}, headers=ops["gy2"])
    assert r.status_code == 422 and r.json()["field"] == "reason"
    assert client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"]).status_code == 409
    assert client.post(f"/api/v1/plans/{plan['id']}/reject", json={"reason": "too many moves at once"}, headers=ops["gy2"]).status_code == 200
    assert client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"]).status_code == 409
    assert client.post("/api/v1/plans/99999/approve", headers=ops["gy1"]).status_code == 404
    body = client.get(f"/api/v1/plans/{plan['id']}", headers=ops["gy1"]).json()
    assert body["state"] == "rejected" and body["state_reason"] == "too many moves at once"


def test_a_city_operator_reads_only_its_own_part_of_a_province_wide_plan(client, ops) -> None:
    """The issue saw Guiyang's operator read all 300 hosts and 3,008 workloads of 14 clouds in the
    document of a province-wide plan it had to approve one scope of, while /hosts/zy-h0001 was 404 to it."""
    plan = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "all"}, headers=ops["prov"]).json()
    assert "city:gy" in plan["pending_approvals"], plan["pending_approvals"]
    whole = client.get(f"/api/v1/plans/{plan['id']}/document", headers=ops["prov"]).json()
    mine = client.get(f"/api/v1/plans/{plan['id']}/document", headers=ops["gy1"])
    assert mine.status_code == 200, mine.text
    doc = mine.json()
    gy_hosts = {h["id"] for h in whole["fleet"]["hosts"] if h["cloud"] == "gy"}
    assert {h["id"] for h in doc["fleet"]["hosts"]} == gy_hosts
    assert {c["id"] for c in doc["fleet"]["clouds"]} == {"gy"}
    assert all(m["to"] in gy_hosts or m["from"] in gy_hosts for m in doc["moves"])
    assert len(doc["moves"]) < len(whole["moves"]) and len(doc["fleet"]["workloads"]) < len(whole["fleet"]["workloads"])
