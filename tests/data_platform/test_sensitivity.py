"""Personal information in the catalog (PIPL): fields carry a sensitivity, detected from their names by
default, and a data set exposing such fields is never opened unconditionally; nothing stored changes on a refusal."""

from __future__ import annotations

from typing import Any

from scheduler.tenants.sensitivity import detect
from tests.data_platform.conftest import entry_body

E = "/api/v1/catalog/entries"
PEOPLE = [{"name": "统计区县", "type": "string"}, {"name": "户数", "type": "integer"},
          {"name": "身份证号", "type": "string"}, {"name": "姓名", "type": "string"}, {"name": "户籍地址", "type": "string"}]


def _count(client, headers) -> int:  # type: ignore[no-untyped-def]
    return client.get(E, headers=headers).json()["total"]


def test_the_demo_field_names_get_their_level_by_default() -> None:
    assert [detect(n) for n in ("身份证号", "姓名", "户籍地址", "手机号", "出生日期", "银行卡号", "病历号")] == \
        ["sensitive", "personal", "personal", "personal", "personal", "sensitive", "sensitive"]
    # organisations and places are not people
    assert [detect(n) for n in ("单位名称", "机构名称", "注册地址", "地址", "床位数", "AQI", "统一社会信用代码")] == ["none"] * 7


def test_an_entry_stores_the_detected_or_given_sensitivity(client, dp) -> None:
    fields = [*PEOPLE[:3], {**PEOPLE[3], "sensitivity": "sensitive"}, {**PEOPLE[4], "sensitivity": "none"}]
    r = client.post(E, json=entry_body(name="户籍人口", fields=fields, open_attribute="conditional",
                                       share_attribute="conditional", share_condition="履职使用"), headers=dp["owner"])
    assert r.status_code == 201, r.text
    assert [f["sensitivity"] for f in r.json()["fields"]] == ["none", "none", "sensitive", "sensitive", "none"]
    assert r.json()["licence"] == "CC-BY-4.0" and r.json()["data_format"] == "csv"
    r = client.post(E, json=entry_body(fields=[{**PEOPLE[0], "sensitivity": "secret"}]), headers=dp["owner"])
    assert r.status_code == 422 and r.json()["field"] == "fields[0].sensitivity", r.text


def test_personal_information_may_not_be_opened_unconditionally(client, dp) -> None:
    before = _count(client, dp["auth"])
    r = client.post(E, json=entry_body(name="户籍人口", fields=PEOPLE, open_attribute="open"), headers=dp["owner"])
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "fields[2].sensitivity"
    assert "身份证号" in r.json()["detail"] and "敏感个人信息" in r.json()["detail"] and "姓名" in r.json()["detail"]
    assert _count(client, dp["auth"]) == before
    # marking the field as holding none does open it: the owner's declaration, kept in the audit trail
    fields = [{**f, "sensitivity": "none"} if f["name"] != "姓名" else f for f in PEOPLE]
    r = client.post(E, json=entry_body(name="户籍人口", fields=fields, open_attribute="open"), headers=dp["owner"])
    assert r.status_code == 422 and r.json()["field"] == "fields[3].sensitivity" and "个人信息" in r.json()["detail"]


def test_an_open_entry_may_not_gain_a_personal_field_nor_be_opened_over_one(client, dp) -> None:
    e = client.post(E, json=entry_body(), headers=dp["owner"]).json()
    assert client.post("/api/v1/opendata/publish", json={"entry_id": e["id"]}, headers=dp["owner"]).status_code == 200
    url = f"{E}/{e['id']}"
    e = client.get(url, headers=dp["owner"]).json()
    r = client.patch(url, json={"version": e["version"], "fields": [*e["fields"], {"name": "院长手机号", "type": "string"}]},
                     headers=dp["owner"])
    assert r.status_code == 422 and r.json()["field"] == "fields[2].sensitivity", r.text
    after = client.get(url, headers=dp["owner"]).json()
    assert after["version"] == e["version"] and len(after["fields"]) == 2 and after["published"]
    c = client.post(E, json=entry_body(name="持证人员", fields=PEOPLE[:4], open_attribute="conditional"), headers=dp["owner"]).json()
    r = client.patch(f"{E}/{c['id']}", json={"version": c["version"], "open_attribute": "open"}, headers=dp["owner"])
    assert r.status_code == 422 and r.json()["field"] == "fields[2].sensitivity"
    # conditionally it may be published: under an agreement naming the user and the purpose
    assert client.post("/api/v1/opendata/publish", json={"entry_id": c["id"]}, headers=dp["owner"]).status_code == 200


def test_publishing_an_entry_stored_before_the_rule_is_refused(client, dp, service) -> None:
    """An entry written before fields had a sensitivity (or by an older release) and still marked open."""
    from scheduler.tenants.models import CatalogEntry

    e = client.post(E, json=entry_body(name="老数据"), headers=dp["owner"]).json()
    with service.session() as session:
        row = session.get(CatalogEntry, e["id"])
        row.fields = [{"name": "机构名称", "type": "string", "description": ""},
                      {"name": "身份证号", "type": "string", "description": ""}]
        session.add(row)
        session.commit()
    r = client.post("/api/v1/opendata/publish", json={"entry_id": e["id"]}, headers=dp["auth"])
    assert r.status_code == 409 and r.json()["field"] == "fields[1].sensitivity", r.text
    assert client.get(f"{E}/{e['id']}", headers=dp["owner"]).json()["published"] is False
    assert client.get("/api/v1/opendata/datasets").json()["total"] == 0


def test_the_demo_catalog_opens_no_personal_information_unconditionally(service) -> None:
    from sqlmodel import select

    from scheduler.tenants.demo import seed_demo_catalog
    from scheduler.tenants.models import CatalogEntry
    from scheduler.tenants.sensitivity import exposed

    with service.session() as session:
        assert seed_demo_catalog(session) > 0
        rows = session.exec(select(CatalogEntry)).all()
    people = [e for e in rows if e.name.endswith("人口基础信息")]
    assert people and all(f["sensitivity"] in ("none", "personal", "sensitive") for e in rows for f in e.fields)
    assert {f["name"]: f["sensitivity"] for f in people[0].fields}["身份证号"] == "sensitive"
    assert not [e.code for e in rows if e.open_attribute == "open" and exposed(e.fields)]
    assert any(e.published_at is not None and e.open_attribute == "conditional" for e in people)
    assert any(e.published_at is not None and e.open_attribute == "open" for e in rows)


def test_a_data_set_page_names_format_licence_api_and_dictionary(client, dp) -> None:
    e = client.post(E, json=entry_body(licence="CC0-1.0", data_format="json",
                                       fields=[{"name": "机构名称", "type": "string", "description": "=cmd|' /C calc'!A0"},
                                               {"name": "床位数", "type": "integer"}]), headers=dp["owner"]).json()
    dictionary = f"/api/v1/opendata/datasets/{e['code']}/fields.csv"
    assert client.get(dictionary).status_code == 404, "an entry not published has no public dictionary"
    client.post("/api/v1/opendata/publish", json={"entry_id": e["id"]}, headers=dp["owner"])
    d = client.get(f"/api/v1/opendata/datasets/{e['code']}").json()
    assert (d["data_format"], d["licence"], d["update_frequency"]) == ("json", "CC0-1.0", "daily")
    assert d["licence_url"].startswith("https://creativecommons.org/")
    assert client.get(d["api"]).json()["code"] == e["code"]
    csv = client.get(d["download"])
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "name,type,description,sensitivity" and lines[1].startswith("机构名称,string,'=cmd")
    assert client.get("/api/v1/opendata/datasets/GZ-nope-1/fields.csv").status_code == 404
    assert client.post("/api/v1/opendata/unpublish", json={"entry_id": e["id"]}, headers=dp["owner"]).status_code == 200
    assert client.get(dictionary).status_code == 404, "nor one taken back"
    r = client.post(E, json=entry_body(licence="GPL"), headers=dp["owner"])
    assert r.status_code == 422 and r.json()["field"] == "licence"
