"""The catalog: entries, their refusals (nothing stored), the ten-working-day rule and objections."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.data_platform.conftest import OWNER, entry_body

E = "/api/v1/catalog/entries"


def _state(client, dp) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(entries, audit events): what a refused request must leave as it was."""
    entries = client.get(E, headers=dp["auth"]).json()["total"]
    events = client.get("/api/v1/audit/events?limit=1", headers=dp["aud"]).json()["total"]
    return entries, events


def _create(client, headers, **over: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post(E, json=entry_body(**over), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_an_entry_is_created_listed_and_found_by_any_user(client, dp) -> None:
    e = _create(client, dp["owner"])
    assert e["code"].startswith(f"GZ-{OWNER}-") and e["version"] == 1 and e["owner_department_name"]
    assert (e["share_attribute"], e["open_attribute"], e["return_flow"], e["published"]) == \
        ("unconditional", "open", True, False)
    for who in ("req", "gy1"):
        assert client.get(E, params={"q": "床位数"}, headers=dp[who]).json()["items"][0]["id"] == e["id"]
    assert client.get(E, params={"q": "卫生健康"}, headers=dp["req"]).json()["total"] == 1  # department name
    assert client.get(E, params={"q": "no-such-word"}, headers=dp["req"]).json()["total"] == 0
    assert client.get(E, params={"department": "prov-education-dept"}, headers=dp["req"]).json()["total"] == 0
    assert client.get(E, params={"open": "nope"}, headers=dp["req"]).status_code == 422
    assert client.get(E, params={"colour": "red"}, headers=dp["req"]).status_code == 400
    assert client.get(E).status_code == 401


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"owner_department": None}, "owner_department", "required"),
    ({"owner_department": "no-such-dept"}, "owner_department", "unknown department"),
    ({"category": "misc"}, "category", "one of base, theme, department"),
    ({"grade": "secret"}, "grade", "one of general, important, core"),
    ({"update_frequency": "hourly"}, "update_frequency", "not allowed"),
    ({"share_attribute": "maybe"}, "share_attribute", "not allowed"),
    ({"open_attribute": "public"}, "open_attribute", "not allowed"),
    ({"return_flow": "yes"}, "return_flow", "true or false"),
    ({"share_attribute": "conditional"}, "share_condition", "required when share_attribute is conditional"),
    ({"grade": "core", "open_attribute": "closed"}, "share_attribute", "core data may not be shared unconditionally"),
    ({"grade": "core", "share_attribute": "none", "share_condition": "law", "open_attribute": "open"},
     "open_attribute", "core data may not be opened"),
    ({"fields": []}, "fields", "non-empty list"),
    ({"fields": [{"name": "1bad", "type": "string"}]}, "fields[0].name", "a letter"),
    ({"fields": [{"name": "a", "type": "blob"}]}, "fields[0].type", "not allowed"),
    ({"fields": [{"name": "a", "type": "string"}, {"name": "a", "type": "date"}]}, "fields[1].name", "twice"),
    ({"name": ""}, "name", "must not be empty"),
    ({"name": "x" * 201}, "name", "at most 200"),
    ({"colour": "red"}, "colour", "unknown field"),
])
def test_bad_entries_are_refused_naming_the_field_and_nothing_is_stored(client, dp, change, field, words) -> None:
    before = _state(client, dp)
    body = entry_body()
    for k, v in change.items():
        if v is None:
            body.pop(k)
        else:
            body[k] = v
    r = client.post(E, json=body, headers=dp["auth"])
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and words in r.json()["detail"], r.json()
    assert _state(client, dp) == before


def test_only_the_owner_or_the_data_authority_maintains_an_entry(client, dp) -> None:
    before = _state(client, dp)
    for who in ("req", "gy1", "prov", "aud"):
        r = client.post(E, json=entry_body(), headers=dp[who])
        assert r.status_code == 403 and r.json()["field"] == ("role" if who == "aud" else "owner_department"), r.text
    assert _state(client, dp) == before
    e = _create(client, dp["auth"])  # the data authority may, for any department
    r = client.patch(f"{E}/{e['id']}", json={"version": 1, "name": "改名"}, headers=dp["req"])
    assert r.status_code == 403
    assert client.get(f"{E}/{e['id']}", headers=dp["owner"]).json()["name"] == e["name"]


def test_an_edit_needs_the_version_it_read(client, dp) -> None:
    e = _create(client, dp["owner"])
    url = f"{E}/{e['id']}"
    r = client.patch(url, json={"version": 1, "update_frequency": "weekly"}, headers=dp["owner"])
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["update_frequency"] == "weekly"
    r = client.patch(url, json={"version": 1, "update_frequency": "monthly"}, headers=dp["auth"])
    assert r.status_code == 409 and r.json()["field"] == "version"
    assert client.patch(url, json={"update_frequency": "monthly"}, headers=dp["owner"]).json()["field"] == "version"
    r = client.patch(url, json={"version": 2, "code": "X"}, headers=dp["owner"])
    assert r.status_code == 422 and r.json()["field"] == "code"
    r = client.patch(url, json={"version": 2, "open_attribute": "sometimes"}, headers=dp["owner"])
    assert r.status_code == 422 and r.json()["field"] == "open_attribute"
    got = client.get(url, headers=dp["owner"]).json()
    assert (got["version"], got["update_frequency"], got["open_attribute"]) == (2, "weekly", "open")


def test_a_change_is_due_in_ten_working_days_and_a_scan_lists_it_overdue(client, dp) -> None:
    from scheduler.core.db import session_scope
    from scheduler.tenants import catalog

    e = _create(client, dp["owner"])
    url = f"{E}/{e['id']}/changes"
    r = client.post(url, json={"changed_on": "2026-09-25", "summary": "a new field for licence numbers"},
                    headers=dp["owner"])
    assert r.status_code == 201, r.text
    change = r.json()
    assert change["due_on"] == "2026-10-15"  # across the National Day week and the Saturday worked in lieu
    for body, field in (({"changed_on": "2026-13-01", "summary": "x"}, "changed_on"),
                        ({"changed_on": "2999-01-01", "summary": "x"}, "changed_on"),
                        ({"changed_on": "2026-09-25"}, "summary")):
        r = client.post(url, json=body, headers=dp["owner"])
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert client.post(url, json={"changed_on": "2026-09-25", "summary": "x"}, headers=dp["req"]).status_code == 403

    with session_scope() as s:  # the daily scan, as of a day before and a day after the deadline
        assert catalog.scan(s, "test", today=date(2026, 10, 15)).overdue == 0
        scan = catalog.scan(s, "test", today=date(2026, 10, 16))
        assert (scan.overdue, scan.newly_overdue, scan.by_department) == (1, 1, {OWNER: 1})
        assert catalog.scan(s, "test", today=date(2026, 10, 19)).newly_overdue == 0
    comp = client.get("/api/v1/catalog/compliance", headers=dp["auth"]).json()
    mine = next(d for d in comp["departments"] if d["department"] == OWNER)
    assert mine["overdue"] == 1 and mine["items"][0]["code"] == e["code"] and mine["items"][0]["working_days_late"] > 0
    assert comp["last_scan"]["overdue"] == 1 and "official calendar" in comp["calendar"]
    assert client.get("/api/v1/catalog/compliance", headers=dp["req"]).json()["departments"] == []  # not its own
    assert client.get("/api/v1/catalog/compliance", headers=dp["owner"]).json()["departments"][0]["overdue"] == 1
    assert client.get("/api/v1/catalog/compliance", headers=dp["gy1"]).status_code == 403
    assert client.post("/api/v1/catalog/compliance/scan", headers=dp["owner"]).status_code == 403
    assert client.post("/api/v1/catalog/compliance/scan", headers=dp["auth"]).json()["overdue"] == 1

    # updating the entry reflects the change (late); it leaves the compliance list
    r = client.patch(f"{E}/{e['id']}", json={"version": 1, "fields": [*e["fields"], {"name": "许可证号",
                                                                                       "type": "string"}]},
                     headers=dp["owner"])
    assert r.status_code == 200, r.text
    got = client.get(f"{E}/{e['id']}", headers=dp["owner"]).json()
    assert got["changes"][0]["state"] == "reflected" and got["changes"][0]["late"] is True
    assert got["overdue_changes"] == 0
    assert all(d["department"] != OWNER for d in client.get("/api/v1/catalog/compliance",
                                                             headers=dp["auth"]).json()["departments"])
    events = client.get("/api/v1/audit/events", params={"action": "catalog.compliance_scan"},
                        headers=dp["aud"]).json()["items"]
    assert len(events) >= 3


def test_objection_raised_answered_and_closed(client, dp) -> None:
    e = _create(client, dp["owner"])
    r = client.post(f"{E}/{e['id']}/objections", json={"field": "床位数", "text": "床位数 is last year's figure"},
                    headers=dp["req"])
    assert r.status_code == 201, r.text
    o = r.json()
    assert (o["state"], o["raised_by"], o["field"], o["source"]) == ("open", "req", "床位数", "user")
    url = f"/api/v1/catalog/objections/{o['id']}"
    # the data authority closes only what the owner answered; only the owner answers
    assert client.post(url + "/close", json={"resolution": "upheld", "note": "fix"}, headers=dp["auth"]).status_code == 409
    assert client.post(url + "/answer", json={"answer": "not ours"}, headers=dp["req"]).status_code == 403
    assert client.post(url + "/answer", json={"answer": "not ours"}, headers=dp["auth"]).status_code == 403
    r = client.post(url + "/answer", json={"answer": "updated monthly from the licence system"}, headers=dp["owner"])
    assert r.status_code == 200 and r.json()["state"] == "answered"
    assert client.post(url + "/close", json={"resolution": "upheld", "note": "x"}, headers=dp["owner"]).status_code == 403
    r = client.post(url + "/close", json={"resolution": "maybe", "note": "x"}, headers=dp["auth"])
    assert r.status_code == 422 and r.json()["field"] == "resolution"
    r = client.post(url + "/close", json={"resolution": "dismissed", "note": "the figure is current"}, headers=dp["auth"])
    assert r.status_code == 200 and (r.json()["state"], r.json()["resolution"]) == ("closed", "dismissed")
    assert client.post(url + "/answer", json={"answer": "late"}, headers=dp["owner"]).status_code == 409
    listed = client.get("/api/v1/catalog/objections", params={"state": "closed"}, headers=dp["req"]).json()
    assert [x["id"] for x in listed["items"]] == [o["id"]]
    assert client.get("/api/v1/catalog/objections", headers=dp["gy1"]).json()["total"] == 0  # not its own
    actions = [ev["action"] for ev in client.get("/api/v1/audit/events", params={"entity_id": str(o["id"])},
                                                  headers=dp["aud"]).json()["items"]]
    assert {"objection.raise", "objection.answer", "objection.close"} <= set(actions)


def test_bad_objections_change_nothing(client, dp) -> None:
    e = _create(client, dp["owner"])
    before = client.get("/api/v1/catalog/objections", headers=dp["auth"]).json()["total"]
    r = client.post(f"{E}/99999/objections", json={"text": "an objection on nothing at all"}, headers=dp["req"])
    assert r.status_code == 404 and r.json()["field"] == "entry_id"
    r = client.post(f"{E}/{e['id']}/objections", json={"text": "short"}, headers=dp["req"])
    assert r.status_code == 422 and r.json()["field"] == "text"
    r = client.post(f"{E}/{e['id']}/objections", json={"field": "colour", "text": "this field does not exist"},
                    headers=dp["req"])
    assert r.status_code == 422 and r.json()["field"] == "field"
    assert client.post("/api/v1/catalog/objections/99999/answer", json={"answer": "x"},
                       headers=dp["owner"]).status_code == 404
    assert client.get("/api/v1/catalog/objections", headers=dp["auth"]).json()["total"] == before
