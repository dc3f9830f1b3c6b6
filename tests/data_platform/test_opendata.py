"""Open data: publishing by the open attribute, the public listing and objection form (no login), the targets."""

from __future__ import annotations

from typing import Any

from tests.data_platform.conftest import entry_body

D = "/api/v1/opendata/datasets"
O = "/api/v1/opendata/objections"


def _entry(client, dp, **over: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/catalog/entries", json=entry_body(**over), headers=dp["owner"])
    assert r.status_code == 201, r.text
    return r.json()


def _publish(client, headers, entry_id: int):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/opendata/publish", json={"entry_id": entry_id}, headers=headers)


def test_publish_shows_the_data_set_to_the_public_without_login(client, dp) -> None:
    e = _entry(client, dp, share_attribute="conditional", share_condition="secret condition text")
    assert client.get(D).json()["total"] == 0 and client.get(f"{D}/{e['code']}").status_code == 404
    assert client.post("/api/v1/opendata/publish", json={"entry_id": e["id"]}).status_code == 401
    assert _publish(client, dp["req"], e["id"]).status_code == 403
    r = _publish(client, dp["owner"], e["id"])
    assert r.status_code == 200 and r.json()["published"] is True
    assert _publish(client, dp["owner"], e["id"]).json()["version"] == r.json()["version"]  # idempotent
    listing = client.get(D, params={"q": "医疗"}).json()  # no Authorization header at all
    assert [d["code"] for d in listing["items"]] == [e["code"]]
    assert client.get(D, params={"q": "卫生健康委员会"}).json()["total"] == 1
    assert client.get(D, params={"q": "床位数"}).json()["total"] == 1
    assert client.get(D, params={"category": "theme"}).json()["total"] == 0
    one = client.get(f"{D}/{e['code']}").json()
    assert one["name"] == e["name"] and one["department_name"]
    assert "share_condition" not in one and "grade" not in one and "secret" not in str(listing)
    assert client.get(D, params={"secret": "1"}).status_code == 400
    stats = client.get("/api/v1/opendata/stats").json()
    assert stats["published"] == 1
    assert [(t["year"], t["target"], t["met"], t["short"]) for t in stats["targets"]] == \
        [(2024, 20000, False, 19999), (2025, 25000, False, 24999)]
    r = client.post("/api/v1/opendata/unpublish", json={"entry_id": e["id"]}, headers=dp["auth"])
    assert r.status_code == 200 and r.json()["published"] is False
    assert client.get(D).json()["total"] == 0


def test_an_entry_whose_open_attribute_forbids_it_is_not_published(client, dp) -> None:
    e = _entry(client, dp, open_attribute="closed")
    r = _publish(client, dp["auth"], e["id"])
    assert r.status_code == 409 and r.json()["field"] == "entry_id" and "may not be opened" in r.json()["detail"]
    assert client.get(f"/api/v1/catalog/entries/{e['id']}", headers=dp["owner"]).json()["version"] == e["version"]
    assert client.get(D).json()["total"] == 0
    assert _publish(client, dp["auth"], 99999).status_code == 404
    assert client.post("/api/v1/opendata/publish", json={"entry_id": "x"}, headers=dp["auth"]).status_code == 422
    ok = _entry(client, dp)
    assert _publish(client, dp["owner"], ok["id"]).status_code == 200
    r = client.patch(f"/api/v1/catalog/entries/{ok['id']}", json={"version": 2, "open_attribute": "closed"},
                     headers=dp["owner"])
    assert r.status_code == 409 and "unpublish it" in r.json()["detail"]


def test_a_public_objection_reaches_only_its_own_record(client, dp) -> None:
    e = _entry(client, dp)
    _publish(client, dp["owner"], e["id"])
    r = client.post(O, json={"dataset": e["code"], "text": "the data set lacks the clinics of Huaxi district",
                             "contact": "reader@example.cn"})
    assert r.status_code == 201, r.text
    mine = r.json()
    assert set(mine) == {"id", "token", "state"} and mine["state"] == "open"
    other = client.post(O, json={"dataset": e["code"], "text": "another person's objection text"}).json()
    got = client.get(f"{O}/{mine['id']}", headers={"X-Objection-Token": mine["token"]})
    assert got.status_code == 200 and got.json()["text"].startswith("the data set lacks")
    assert "contact" not in got.json()
    for oid, token in ((mine["id"], "wrong"), (other["id"], mine["token"]), (mine["id"], None), (99999, mine["token"])):
        r = client.get(f"{O}/{oid}", headers={"X-Objection-Token": token} if token else {})
        assert r.status_code == 404 and r.json()["field"] == "objection_id"
    # the owner answers it like any objection; the submitter then sees the answer
    url = f"/api/v1/catalog/objections/{mine['id']}"
    assert client.post(url + "/answer", json={"answer": "Huaxi clinics added on 1 December"},
                       headers=dp["owner"]).status_code == 200
    assert client.get(f"{O}/{mine['id']}", headers={"X-Objection-Token": mine["token"]}).json()["answer"].startswith("Huaxi")
    leaked = client.get(f"{O}/{mine['id']}", params={"token": mine["token"]})  # never in the URL, where logs keep it
    assert leaked.status_code == 400 and leaked.json()["field"] == "token"
    listed = client.get("/api/v1/catalog/objections", params={"entry": e["id"]}, headers=dp["owner"]).json()
    assert {o["source"] for o in listed["items"]} == {"public"}
    # nothing else is reachable without login
    for path in ("/api/v1/catalog/entries", "/api/v1/catalog/objections", "/api/v1/sharing/requests",
                 "/api/v1/opendata/tenant"):
        assert client.get(path).status_code == 401
    assert client.post(url + "/answer", json={"answer": "x"}).status_code == 401


def test_bad_public_objections_are_refused_and_stored_nowhere(client, dp) -> None:
    e = _entry(client, dp)
    hidden = _entry(client, dp, name="未发布的资源")
    _publish(client, dp["owner"], e["id"])
    cases = [({"dataset": "GZ-nope", "text": "this data set does not exist"}, 404, "dataset"),
             ({"dataset": hidden["code"], "text": "not published, so not there"}, 404, "dataset"),
             ({"text": "no data set named in this objection"}, 422, "dataset"),
             ({"dataset": e["code"], "text": "short"}, 422, "text"),
             ({"dataset": e["code"], "text": "x" * 2001}, 422, "text"),
             ({"dataset": e["code"], "text": "a reasonable objection", "contact": "c" * 201}, 422, "contact"),
             ({"dataset": e["code"], "text": "a reasonable objection", "state": "closed"}, 422, "state")]
    for body, status, field in cases:
        r = client.post(O, json=body)
        assert (r.status_code, r.json().get("field")) == (status, field), (body, r.text)
    assert client.post(O, content=b"not json", headers={"Content-Type": "application/json"}).status_code == 422
    assert client.get("/api/v1/catalog/objections", headers=dp["auth"]).json()["total"] == 0


def test_public_objections_are_rate_limited_per_client(client, dp) -> None:
    e = _entry(client, dp)
    _publish(client, dp["owner"], e["id"])
    body = {"dataset": e["code"], "text": "an objection sent again and again"}
    codes = [client.post(O, json=body).status_code for _ in range(6)]
    assert codes == [201] * 5 + [429]
    r = client.post(O, json=body)
    assert r.status_code == 429 and r.headers["Retry-After"] == "3600" and "5 objections an hour" in r.json()["detail"]
    assert client.get("/api/v1/catalog/objections", headers=dp["auth"]).json()["total"] == 5
