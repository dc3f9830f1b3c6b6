"""The API answers in the caller's language: `Accept-Language` (Chinese by default, English on
request) or `?lang=`. Refusals keep naming the field; every sentence is also sent as data (code, params)."""

from __future__ import annotations

import re

from sqlmodel import select

from tests.support import login, make_user

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.8"}


def province(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    make_user("prov-lang", "province-operator")
    return login(client, "prov-lang")


def test_a_refusal_in_chinese_still_names_its_field(client) -> None:  # type: ignore[no-untyped-def]
    h = province(client)
    r = client.get("/api/v1/plans/987654", headers={**h, **ZH})
    assert r.status_code == 404 and r.headers["content-language"] == "zh-CN"
    body = r.json()
    assert body["field"] == "plan_id" and body["detail"] == "plan_id：没有计划 987654"
    assert body["code"] == "plan.none" and body["params"] == {"plan": 987654}
    en = client.get("/api/v1/plans/987654", headers={**h, **EN}).json()
    assert en["detail"] == "plan_id: no plan 987654" and en["field"] == "plan_id" and en["code"] == "plan.none"
    # ?lang= wins over the header; no language at all is Chinese
    assert client.get("/api/v1/plans/987654?lang=en", headers={**h, **ZH}).json()["detail"] == en["detail"]
    assert CHINESE.search(client.get("/api/v1/plans/987654", headers={**h, "Accept-Language": ""}).json()["detail"])


def test_invalid_input_is_refused_in_chinese_naming_the_field(client) -> None:  # type: ignore[no-untyped-def]
    h = province(client)
    r = client.post("/api/v1/plans", json={"kind": "teleport", "scope": "gy"}, headers={**h, **ZH})
    assert r.status_code == 422 and r.json()["field"] == "kind"
    assert r.json()["detail"].startswith("kind：只能是") and "teleport" in r.json()["detail"]
    r = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy", "max_migrations": -1}, headers={**h, **ZH})
    assert r.status_code == 422 and r.json()["field"] == "max_migrations" and "不能小于 0" in r.json()["detail"]
    r = client.post("/api/v1/plans", json={"kind": 5, "scope": "gy", "colour": "blue"}, headers={**h, **ZH})
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"kind", "colour"}
    said = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert said["kind"] == "必须是文本，收到数字" and said["colour"].startswith("未知的字段；允许的字段：")
    en = client.post("/api/v1/plans", json={"kind": 5, "scope": "gy"}, headers={**h, **EN}).json()
    assert en["detail"] == "kind: must be text, got a number" and en["field"] == "kind"
    r = client.get("/api/v1/plans?colour=blue", headers={**h, **ZH})
    assert r.status_code == 400 and r.json()["field"] == "colour" and "未知的查询参数" in r.json()["detail"]
    r = client.get("/api/v1/plans", headers=ZH)  # no token
    assert r.status_code == 401 and r.json()["field"] == "Authorization" and "令牌" in r.json()["detail"]


def test_a_plan_reads_in_the_callers_language(client) -> None:  # type: ignore[no-untyped-def]
    h = province(client)
    r = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy", "max_migrations": 6}, headers={**h, **ZH})
    assert r.status_code == 201, r.text
    zh = r.json()
    assert zh["moves"], "a consolidation of Guiyang with a budget of 6 moves something"
    for m in zh["moves"]:
        assert m["code"].startswith("move.") and CHINESE.search(m["text"]) and not CHINESE.search(m["reason"])
    assert zh["stats"]["status_text"] in ("最优", "可行")
    need = zh["approvals"][0]
    assert need["label"] and CHINESE.search(need["label"])
    assert all(CHINESE.search(s["text"]) for s in need["said"]) and "分级管控" in "".join(need["rule_names"])
    en = client.get(f"/api/v1/plans/{zh['id']}", headers={**h, **EN}).json()
    assert [m["code"] for m in en["moves"]] == [m["code"] for m in zh["moves"]]
    assert [m["params"] for m in en["moves"]] == [m["params"] for m in zh["moves"]]
    assert all(not CHINESE.search(m["text"]) for m in en["moves"]) and en["stats"]["status_text"] in ("optimal", "feasible")
    assert en["approvals"][0]["said"][0]["text"] == en["approvals"][0]["reasons"][0]


def test_the_why_page_answer_names_rules_in_operators_terms(client, service) -> None:  # type: ignore[no-untyped-def]
    from scheduler.core.models import Workload

    h = province(client)
    with service.session() as session:
        w = session.exec(select(Workload).where(Workload.city == "guiyang", Workload.industry.is_(None),  # type: ignore[union-attr]
                                                Workload.classification != "classified")).first()
    zh = client.get("/api/v1/policy/explain", params={"workload": w.id, "cloud": "zy"}, headers={**h, **ZH}).json()
    home = next(c for c in zh["checks"] if c["rule"] == "home-or-province")
    assert home["rule_name"] == "本地优先/省级兜底" and not home["passed"]
    assert "遵义" in home["text"] and "贵阳" in home["text"] and w.id in home["text"]
    assert {c["rule_name"] for c in zh["checks"]} >= {"涉密", "等保等级", "灾备", "本地优先/省级兜底"}
    assert CHINESE.search(zh["summary_text"])
    en = client.get("/api/v1/policy/explain", params={"workload": w.id, "cloud": "zy"}, headers={**h, **EN}).json()
    home_en = next(c for c in en["checks"] if c["rule"] == "home-or-province")
    assert home_en["code"] == home["code"] and home_en["params"] == home["params"]
    assert not CHINESE.search(home_en["text"]) and home_en["text"] == home_en["message"]
    assert home_en["message"] == home["message"]  # the English message stays for every caller


def test_a_quota_answer_reads_in_chinese(client, service) -> None:  # type: ignore[no-untyped-def]
    from scheduler.core.models import Department

    h = province(client)
    with service.session() as session:
        dept = session.exec(select(Department).where(Department.city == "guiyang")).first()
    r = client.post("/api/v1/quota-requests", headers={**h, **ZH}, json={
        "department": dept.id, "cloud": "gy", "amount": {"vcpu": 2, "memory_gib": 4},
        "justification": "中文界面测试的配额申请"})
    assert r.status_code in (200, 201), r.text
    f = r.json()["feasibility"]
    assert f["code"].startswith("quota.") and CHINESE.search(f["text"])
    r = client.post("/api/v1/quota-requests", headers={**h, **ZH}, json={
        "department": dept.id, "cloud": "gy", "amount": {"vcpu": 2}, "justification": "short"})
    assert r.status_code == 422 and r.json()["field"] == "justification" and CHINESE.search(r.json()["detail"])


def test_a_body_that_is_not_json_is_refused_in_the_callers_language(client) -> None:  # type: ignore[no-untyped-def]
    h = {**province(client), "Content-Type": "application/json"}
    zh = client.post("/api/v1/plans", content=b"{kind: rebalance", headers={**h, **ZH})
    assert zh.status_code == 422 and zh.json()["field"] == "body" and zh.json()["detail"] == "body：不是有效的 JSON"
    assert zh.json()["errors"] == [{"field": "body", "message": "不是有效的 JSON", "code": "error.body_not_json"}]
    en = client.post("/api/v1/plans", content=b"{kind: rebalance", headers={**h, **EN})
    assert en.status_code == 422 and en.json()["detail"] == "body: not valid JSON" and en.json()["field"] == "body"
