"""Quota requests: routed by policy, checked for room before anyone decides, decided once, expiring."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.quotas.conftest import standing

ASK = {"department": "gy-bigdata-bureau", "cloud": "gy", "amount": {"vcpu": 16, "memory_gib": 64},
       "justification": "a new data exchange cluster for the 2027 census"}


def audit_count(client, headers) -> int:
    return client.get("/api/v1/audit/events?limit=1", headers=headers).json()["total"]


def test_request_routed_checked_approved_and_quota_grows(client, who) -> None:
    before = standing(client, who["dept"], "gy-bigdata-bureau", "gy")["nominal"]
    r = client.post("/api/v1/quota-requests", headers=who["dept"], json=ASK)
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["state"] == "pending" and req["pending_approvals"] == ["city:gy"]
    assert req["feasibility"]["verdict"] == "feasible" and req["feasibility"]["message"] == "feasible"
    # the city operator sees it in its inbox, with the answer; Zunyi's does not
    inbox = client.get("/api/v1/quota-requests?awaiting=me", headers=who["gy"]).json()
    assert [i["id"] for i in inbox["items"]] == [req["id"]] and inbox["items"][0]["may_decide"]
    assert client.get("/api/v1/quota-requests?awaiting=me", headers=who["zy"]).json()["total"] == 0
    assert client.get(f"/api/v1/quota-requests/{req['id']}", headers=who["zy"]).status_code == 404
    r = client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=who["gy"], json={"reason": "census is due"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "approved" and r.json()["decided_by"] == "gy"
    after = standing(client, who["dept"], "gy-bigdata-bureau", "gy")["nominal"]
    assert after["vcpu"] == before["vcpu"] + 16 and after["memory_gib"] == before["memory_gib"] + 64
    actions = [e["action"] for e in client.get("/api/v1/audit/events?limit=20", headers=who["prov"]).json()["items"]]
    assert "quota_request.approved" in actions and "quota.changed" in actions and "quota_request.created" in actions


def test_large_request_needs_the_province_too(client, who) -> None:
    r = client.post("/api/v1/quota-requests", headers=who["dept"], json={**ASK, "amount": {"vcpu": 100}})
    req = r.json()
    assert [a["key"] for a in req["required_approvals"]] == ["city:gy", "province"]
    assert client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=who["gy"], json={}).json()["state"] == "pending"
    r = client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=who["prov"], json={"reason": "ok"})
    assert r.status_code == 200 and r.json()["state"] == "approved", r.text  # the small fleet's gy holds 100 vCPU more


def test_province_cloud_goes_to_the_province(client, who) -> None:
    req = client.post("/api/v1/quota-requests", headers=who["dept"], json={**ASK, "cloud": "gz-gov"}).json()
    assert [a["key"] for a in req["required_approvals"]] == ["province"]
    r = client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=who["gy"], json={})
    assert r.status_code == 404  # not gy's business: outside its scope, existence not shown
    r = client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=who["prov"], json={"reason": "ok"})
    assert r.status_code == 200 and r.json()["state"] == "approved", r.text


def test_short_answer_names_numbers_and_an_alternative(client, who) -> None:
    # Far more than Guiyang has left once every granted quota is used, but less than its whole capacity.
    cap = client.get("/api/v1/quotas?cloud=gy", headers=who["gy"]).json()["clouds"][0]
    ask = {"vcpu": round(cap["capacity"]["vcpu"] * 0.9), "memory_gib": 16}
    req = client.post("/api/v1/quota-requests", headers=who["dept"], json={**ASK, "amount": ask}).json()
    f = req["feasibility"]
    assert f["verdict"] == "short" and f["short"]["vcpu"] > 0
    assert f["message"].startswith("short ") and "vCPU" in f["message"] and "on gy" in f["message"]
    # approving what the cloud cannot hold is refused, and nothing changes
    before = standing(client, who["dept"], "gy-bigdata-bureau", "gy")["nominal"]
    r = client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=who["prov"], json={})
    assert r.status_code == 200 and r.json()["state"] == "pending"  # a big request: the province centre too
    r = client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=who["gy"], json={})
    assert r.status_code == 409 and r.json()["field"] == "feasibility" and "short" in r.json()["detail"]
    assert standing(client, who["dept"], "gy-bigdata-bureau", "gy")["nominal"] == before
    assert client.get(f"/api/v1/quota-requests/{req['id']}", headers=who["gy"]).json()["state"] == "pending"


def test_deciding_twice_or_outside_scope_changes_nothing(client, who) -> None:
    req = client.post("/api/v1/quota-requests", headers=who["dept"], json=ASK).json()
    url = f"/api/v1/quota-requests/{req['id']}"
    for name in ("dept", "prov"):  # they see it, but it is gy's to decide
        r = client.post(url + "/approve", headers=who[name], json={})
        assert r.status_code == 403 and r.json()["field"] == "scope", (name, r.text)
    r = client.post(url + "/approve", headers=who["aud"], json={})  # the auditor reads the audit trail only
    assert r.status_code == 403 and r.json()["field"] == "role", r.text
    r = client.post(url + "/reject", headers=who["dept"], json={"reason": "not mine"})
    assert r.status_code == 403 and r.json()["field"] == "scope"
    assert client.post(url + "/approve", headers=who["zy"], json={}).status_code == 404  # not even visible to zy
    assert client.post(url + "/reject", headers=who["gy"], json={"reason": "  "}).json()["field"] == "reason"
    r = client.post(url + "/reject", headers=who["gy"], json={"reason": "use the province cloud for this"})
    assert r.status_code == 200 and r.json()["state"] == "rejected"
    n = audit_count(client, who["prov"])
    for path, body in (("/approve", {}), ("/reject", {"reason": "again"})):
        r = client.post(url + path, headers=who["gy"], json=body)
        assert r.status_code == 409 and r.json()["field"] == "state" and "already rejected" in r.json()["detail"]
    assert audit_count(client, who["prov"]) == n
    assert client.get(url, headers=who["dept"]).json()["decision_reason"] == "use the province cloud for this"


@pytest.mark.parametrize("change, field", [
    ({"amount": {"vcpu": -4}}, "amount.vcpu"),
    ({"amount": {"vcpu": 1e12}}, "amount.vcpu"),
    ({"amount": {"cpu": 4}}, "amount.cpu"),
    ({"amount": {"vcpu": "many"}}, "amount.vcpu"),
    ({"amount": {"vcpu": 0}}, "amount"),
    ({"cloud": "mars"}, "cloud"),
    ({"cloud": "zy"}, "cloud"),
    ({"cloud": "gz-backup"}, "cloud"),
    ({"department": "nobody"}, "department"),
    ({"department": "zy-bigdata-bureau", "cloud": "zy"}, "department"),
    ({"justification": "more"}, "justification"),
    ({"expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
    ({"colour": "red"}, "colour"),
])
def test_bad_requests_are_refused_naming_the_field(client, who, change, field) -> None:
    n = audit_count(client, who["prov"])
    r = client.post("/api/v1/quota-requests", headers=who["dept"], json={**ASK, **change})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["field"] == field, r.json()
    assert audit_count(client, who["prov"]) == n
    assert client.get("/api/v1/quota-requests", headers=who["prov"]).json()["total"] == 0


def test_another_citys_cloud_says_why(client, who) -> None:
    r = client.post("/api/v1/quota-requests", headers=who["dept"], json={**ASK, "cloud": "zy"})
    assert r.status_code == 422 and "another city's cloud (zunyi)" in r.json()["detail"]


def test_expiry_returns_the_quota(client, who) -> None:
    from scheduler.core.db import session_scope
    from scheduler.quotas.requests import expire_due

    soon = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    before = standing(client, who["dept"], "gy-bigdata-bureau", "gy")["nominal"]
    req = client.post("/api/v1/quota-requests", headers=who["dept"], json={**ASK, "expires_at": soon}).json()
    client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=who["gy"], json={})
    assert standing(client, who["dept"], "gy-bigdata-bureau", "gy")["nominal"]["vcpu"] == before["vcpu"] + 16
    with session_scope() as session:
        assert expire_due(session) == []
    with session_scope() as session:
        assert expire_due(session, datetime.now(timezone.utc) + timedelta(hours=2)) == [req["id"]]
    assert standing(client, who["dept"], "gy-bigdata-bureau", "gy")["nominal"] == before
    assert client.get(f"/api/v1/quota-requests/{req['id']}", headers=who["dept"]).json()["state"] == "expired"


def test_nobody_approves_their_own_quota_request(client, who) -> None:
    """A city operator asks for its own city's bureau and may not then approve it; a colleague may."""
    from tests.support import login, make_user

    r = client.post("/api/v1/quota-requests", headers=who["gy"], json={**ASK, "amount": {"vcpu": 2}})
    assert r.status_code == 201, r.text
    req = r.json()
    r = client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=who["gy"], json={"reason": "mine"})
    assert (r.status_code, r.json()["field"]) == (403, "requester"), r.text
    assert client.get(f"/api/v1/quota-requests/{req['id']}", headers=who["gy"]).json()["state"] == "pending"
    make_user("gy2", "city-operator", "gy")
    r = client.post(f"/api/v1/quota-requests/{req['id']}/approve", headers=login(client, "gy2"), json={"reason": "ok"})
    assert r.status_code == 200 and r.json()["state"] == "approved", r.text
