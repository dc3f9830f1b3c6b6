"""Sharing: what the share attribute requires, approvals signed in the audit chain, delivery by exchange job."""

from __future__ import annotations

from typing import Any

import pytest

from tests.data_platform.conftest import OWNER, REQUESTER, entry_body

R = "/api/v1/sharing/requests"


def _entry(client, dp, **over: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/catalog/entries", json=entry_body(**over), headers=dp["owner"])
    assert r.status_code == 201, r.text
    return r.json()


def _ask(client, dp, entry: dict[str, Any], **over: Any):  # type: ignore[no-untyped-def]
    body = {"entry_id": entry["id"], "requester_department": REQUESTER,
            "purpose": "health checks of school pupils", **over}
    return client.post(R, json=body, headers=dp["req"])


def _event(client, dp, signature: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    events = client.get("/api/v1/audit/events", params={"limit": 1000}, headers=dp["aud"]).json()["items"]
    return next(e for e in events if e["hash"] == signature)


def test_unconditional_sharing_is_granted_at_once_and_delivered_by_a_daily_exchange_job(client, dp) -> None:
    e = _entry(client, dp)
    r = _ask(client, dp, e, fields=["机构名称"])
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["state"] == "approved" and req["fields"] == ["机构名称"]
    [auto] = req["approvals"]
    assert (auto["stage"], auto["decision"]) == ("auto", "approve")
    assert _event(client, dp, auto["signature"])["action"] == "share.approve"
    # delivery: a data-zone job set of the sharing tenant, recurring as often as the data is updated
    js = client.get(f"/api/v1/jobsets/{req['jobset_id']}", headers=dp["prov"]).json()
    assert (js["department"], js["cloud"], js["recurrence"]) == ("dp-sharing", "gz-gov", "30 1 * * *")
    assert req["delivery"]["runs"] == 1 and req["delivery"]["state"] == "planned"
    assert e["code"] in js["name"]


def test_conditional_sharing_needs_the_owner_then_the_data_authority_each_signed(client, dp) -> None:
    e = _entry(client, dp, share_attribute="conditional", share_condition="for school health work only",
               update_frequency="monthly")
    req = _ask(client, dp, e).json()
    assert req["state"] == "pending-owner" and req["jobset_id"] is None
    url = f"{R}/{req['id']}"
    for who in ("req", "auth", "gy1"):  # not the owner's turn yet for anyone else
        assert client.post(url + "/approve", json={}, headers=dp[who]).status_code == 403
    r = client.post(url + "/approve", json={"reason": "for the 2026 school health survey"}, headers=dp["owner"])
    assert r.status_code == 200 and r.json()["state"] == "pending-authority"
    assert client.post(url + "/approve", json={}, headers=dp["owner"]).status_code == 403
    r = client.post(url + "/approve", json={"reason": "purpose matches the condition"}, headers=dp["auth"])
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["state"] == "approved" and done["jobset_id"] is not None
    assert [(a["stage"], a["username"]) for a in done["approvals"]] == [("owner", "owner"), ("authority", "auth")]
    for a in done["approvals"]:
        ev = _event(client, dp, a["signature"])
        assert ev["actor"] == a["username"] and ev["after"]["stage"] == a["stage"] and ev["after"]["reason"] == a["reason"]
    assert client.get("/api/v1/audit/verify", headers=dp["aud"]).json()["intact"] is True
    js = client.get(f"/api/v1/jobsets/{done['jobset_id']}", headers=dp["prov"]).json()
    assert js["recurrence"] == "30 1 1 * *"
    assert client.post(url + "/approve", json={}, headers=dp["auth"]).status_code == 409  # decided once


def test_a_rejection_needs_a_reason_and_ends_the_request(client, dp) -> None:
    e = _entry(client, dp, share_attribute="conditional", share_condition="by agreement")
    req = _ask(client, dp, e).json()
    url = f"{R}/{req['id']}"
    r = client.post(url + "/reject", json={}, headers=dp["owner"])
    assert r.status_code == 422 and r.json()["field"] == "reason"
    assert client.get(R, headers=dp["owner"]).json()["items"][0]["approvals"] == []
    r = client.post(url + "/reject", json={"reason": "the survey has its own data"}, headers=dp["owner"])
    assert r.status_code == 200 and r.json()["state"] == "rejected" and r.json()["jobset_id"] is None
    assert _ask(client, dp, e).status_code == 201  # a rejected request does not block a new one


@pytest.mark.parametrize(("over", "status", "field", "words"), [
    ({"entry_id": 99999}, 422, "entry_id", "no catalog entry"),
    ({"entry_id": "1"}, 422, "entry_id", "must be a number"),
    ({"requester_department": "nowhere"}, 422, "requester_department", "unknown department"),
    ({"requester_department": OWNER}, 403, "requester_department", "only an admin of"),
    ({"purpose": "x"}, 422, "purpose", "10 to 1,000"),
    ({"fields": ["颜色"]}, 422, "fields", "not a field"),
    ({"colour": "red"}, 422, "colour", "unknown field"),
])
def test_bad_requests_are_refused_and_store_nothing(client, dp, over, status, field, words) -> None:
    e = _entry(client, dp)
    r = _ask(client, dp, e, **over)
    assert r.status_code == status and r.json()["field"] == field and words in r.json()["detail"], r.text
    assert client.get(R, headers=dp["auth"]).json()["total"] == 0


def test_a_resource_that_may_not_be_shared_is_refused(client, dp) -> None:
    e = _entry(client, dp, share_attribute="none", share_condition="personal medical records (law X, art. 5)",
               open_attribute="closed")
    r = _ask(client, dp, e)
    assert r.status_code == 409 and r.json()["field"] == "entry_id" and "may not be shared" in r.json()["detail"]
    assert "law X" in r.json()["detail"]
    assert client.get(R, headers=dp["auth"]).json()["total"] == 0
    events = client.get("/api/v1/audit/events", params={"action": "share.request"}, headers=dp["aud"]).json()
    assert events["total"] == 0


def test_one_open_request_per_department_and_entry_and_who_sees_what(client, dp) -> None:
    e = _entry(client, dp)
    assert _ask(client, dp, e).status_code == 201
    r = _ask(client, dp, e)
    assert r.status_code == 409 and "already has request" in r.json()["detail"]
    assert client.get(R, headers=dp["owner"]).json()["total"] == 1  # requests for its data
    assert client.get(R, headers=dp["req"]).json()["total"] == 1  # its own requests
    assert client.get(R, headers=dp["gy1"]).status_code == 403
    assert client.get(R, params={"state": "nope"}, headers=dp["auth"]).status_code == 422


def test_nobody_approves_a_share_request_they_filed(client, dp) -> None:
    """A city bureau's admin files for its own county office, then tries to approve it as the owner."""
    from tests.support import login, make_user

    make_user("cityadmin", "department-admin", "gy-bigdata-bureau")
    make_user("cityadmin2", "department-admin", "gy-bigdata-bureau")
    me, other = login(client, "cityadmin"), login(client, "cityadmin2")
    r = client.post("/api/v1/catalog/entries", headers=me,
                    json=entry_body(owner_department="gy-bigdata-bureau", share_attribute="conditional",
                                    share_condition="by agreement"))
    assert r.status_code == 201, r.text
    body = {"entry_id": r.json()["id"], "requester_department": "gy-huaxi-bigdata-center", "purpose": "county statistics"}
    req = client.post(R, json=body, headers=me).json()
    assert req["state"] == "pending-owner", req
    r = client.post(f"{R}/{req['id']}/approve", json={"reason": "mine"}, headers=me)
    assert (r.status_code, r.json()["field"]) == (403, "requested_by"), r.text
    mine = client.get(R, headers=me).json()["items"]
    assert [x["state"] for x in mine if x["id"] == req["id"]] == ["pending-owner"]  # nothing changed
    r = client.post(f"{R}/{req['id']}/approve", json={"reason": "checked"}, headers=other)
    assert r.status_code == 200 and r.json()["state"] == "pending-authority", r.text
