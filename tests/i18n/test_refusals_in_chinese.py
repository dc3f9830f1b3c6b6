"""Refusals of the data platform, the plans and the command line come in the caller's language and
still name the field; the policy's and the optimizer's English stays theirs, read back as messages."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from policies.authorize import DENIED
from scheduler.core import messages
from scheduler.core.refusal import Refusal
from tests.data_platform.conftest import OWNER, REQUESTER, entry_body
from tests.support import QIANYUN, login, make_user

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
E = "/api/v1/catalog/entries"
PEOPLE = [{"name": "统计区县", "type": "string"}, {"name": "身份证号", "type": "string"}, {"name": "姓名", "type": "string"}]
KIND_FAILOVER = messages.catalog("zh-CN")["value.kind.failover"]
DATA = Path(__file__).resolve().parents[1] / "optimizer" / "data"


def test_the_access_catalog_says_what_the_permission_table_says() -> None:
    en = messages.catalog("en")
    for action, why in DENIED.items():
        assert en[f"access.denied.{action}"] == why, action


def test_publishing_personal_data_unconditionally_is_refused_in_chinese(client) -> None:  # type: ignore[no-untyped-def]
    make_user("owner-zh", "department-admin", OWNER)
    h = login(client, "owner-zh")
    body = entry_body(name="户籍人口", fields=PEOPLE, open_attribute="open")
    r = client.post(E, json=body, headers={**h, **ZH})
    assert r.status_code == 422 and r.headers["content-language"] == "zh-CN"
    said = r.json()
    assert said["field"] == "fields[1].sensitivity" and said["code"] == "sensitivity.not_unconditionally_also"
    assert said["detail"].startswith("fields[1].sensitivity：字段 '身份证号' 属于敏感个人信息")
    assert "《个人信息保护法》" in said["detail"] and "姓名" in said["detail"]
    assert not re.search(r"[A-Za-z]{4,}", said["detail"].split("：", 1)[1]), said["detail"]
    en = client.post(E, json=body, headers={**h, **EN}).json()
    assert en["field"] == said["field"] and "under the Personal Information Protection Law" in en["detail"]
    # an invalid choice and an unknown department: Chinese, the field named, the allowed values listed
    r = client.post(E, json=entry_body(grade="secret"), headers={**h, **ZH})
    assert r.status_code == 422 and r.json()["field"] == "grade" and r.json()["detail"].startswith("grade：不允许 'secret'")
    assert "general、important、core" in r.json()["detail"]
    assert client.get(E, headers=h).json()["total"] == 0  # nothing stored by any of them


def test_a_refused_sharing_request_is_chinese_and_names_the_field(client) -> None:  # type: ignore[no-untyped-def]
    make_user("owner-zh2", "department-admin", OWNER)
    make_user("req-zh", "department-admin", REQUESTER)
    owner, req = login(client, "owner-zh2"), login(client, "req-zh")
    r = client.post(E, json=entry_body(name="执法记录", share_attribute="none", share_condition="涉及执法秘密",
                                       open_attribute="closed"), headers=owner)
    assert r.status_code == 201, r.text
    ask = {"entry_id": r.json()["id"], "requester_department": REQUESTER, "purpose": "核对本部门的执法数据以便比对"}
    r = client.post("/api/v1/sharing/requests", json=ask, headers={**req, **ZH})
    assert r.status_code == 409 and r.json()["field"] == "entry_id" and r.json()["code"] == "sharing.not_shared"
    assert "不予共享" in r.json()["detail"] and "涉及执法秘密" in r.json()["detail"]
    r = client.post("/api/v1/sharing/requests", json={**ask, "requester_department": OWNER}, headers={**owner, **ZH})
    assert r.status_code == 422 and r.json()["field"] == "requester_department", r.text
    assert "无需共享" in r.json()["detail"]
    # a role that may not share at all: the permission table's refusal, in Chinese
    make_user("aud-zh", "auditor")
    r = client.get("/api/v1/sharing/requests", headers={**login(client, "aud-zh"), **ZH})
    assert r.status_code == 403 and r.json()["field"] == "role" and r.json()["code"] == "access.denied"
    assert r.json()["detail"].startswith("role：审计员") and CHINESE.search(r.json()["detail"])


def test_plan_pause_and_resume_refusals_are_chinese(client, service) -> None:  # type: ignore[no-untyped-def]
    from scheduler.plans.models import Plan

    make_user("prov-zh", "province-operator")
    h = login(client, "prov-zh")
    with service.session() as session:  # a drill's failover is aborted, not paused
        p = Plan(kind="failover", scope="all", proposer="prov-zh", fingerprint="x", fleet={}, document={"moves": []},
                 required_approvals=[], state="executing")
        session.add(p)
        session.commit()
        plan_id = p.id
    r = client.post(f"/api/v1/plans/{plan_id}/pause", headers={**h, **ZH})
    assert r.status_code == 409 and r.json()["field"] == "kind" and r.json()["code"] == "plan.dr_not_paused", r.text
    assert r.json()["detail"] == f"kind：计划 {plan_id} 是{KIND_FAILOVER}计划；灾备计划不能暂停（请改为中止演练）"
    r = client.post(f"/api/v1/plans/{plan_id}/resume", headers={**h, **ZH})
    assert r.status_code == 409 and r.json()["field"] == "state" and r.json()["code"] == "plan.only_paused_resumed"
    assert "只有已暂停的计划才能恢复" in r.json()["detail"]
    en = client.post(f"/api/v1/plans/{plan_id}/resume", headers={**h, **EN}).json()
    assert en["detail"] == f"state: plan {plan_id} is executing; only a paused plan can be resumed"


def test_state_reasons_written_by_the_service_read_in_chinese() -> None:
    """Each sentence a plan's or drill's state reason is written with reads back as its message."""
    m = messages.msg
    written = [
        (m("state.paused_in_flight", user="gy1", n=2), "state.", "已由 gy1 暂停；正在执行的 2 步会先完成"),
        (m("state.resumed_by", user="gy1", n=3), "state.", "已由 gy1 恢复：还剩 3 步"),
        (m("state.superseded", why=m("state.stale.workload_moved", workload="w1", source="h1", host="h2").text),
         "state.", "快照已变化：工作负载 w1 已从 h1 迁到 h2；请重新提议"),
        (m("state.step_failed_switch", phase="forward", step=4, step_kind="disable-host", host="gy-h1", error="x"),
         "state.", "执行第 4 步（停用主机 gy-h1）失败：x"),
        (m("drill.failover_incomplete", why=m("drill.plan_state", plan=5, state="failed",
                                               why=m("state.rolled_back_all").text).text),
         "drill.", "切换未完成：计划 5 已失败：已回滚：所有补偿步骤均已完成"),
    ]
    for said, prefix, chinese in written:
        assert messages.words(said.text, prefix, "zh-CN") == chinese, said.text
        assert messages.words(said.text, prefix, "en") == said.text


def test_the_optimizers_refusal_keeps_its_field_and_speaks_chinese() -> None:
    from optimizer.fleet import FleetError, parse_fleet
    from scheduler.core import optimizer_errors

    doc = json.loads((DATA / "fleet-tiny-maintenance.json").read_text())
    doc["workloads"][0]["tier"] = "village"
    with pytest.raises(FleetError) as raised:
        parse_fleet(doc)
    refused = optimizer_errors.refusal(raised.value)
    assert isinstance(refused, Refusal)
    assert refused.field == f"workloads[{doc['workloads'][0]['id']}].tier"
    assert refused.render("zh-CN") == "只能是 province、city、county 之一，收到 'village'"
    assert refused.render("en") == "must be one of province, city, county, got 'village'"


def run(lang: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LANG"] = lang
    return subprocess.run([QIANYUN, *args], capture_output=True, text=True, timeout=300, env=env)


def test_the_cli_refuses_a_bad_fleet_in_chinese_naming_the_field(tmp_path: Path) -> None:
    doc = json.loads((DATA / "fleet-tiny-maintenance.json").read_text())
    host = doc["hosts"][0]["id"]
    del doc["hosts"][0]["cloud"]
    fleet = tmp_path / "fleet.json"
    fleet.write_text(json.dumps(doc), encoding="utf-8")
    out = str(tmp_path / "plan.json")
    zh = run("zh_CN.UTF-8", "optimize", str(fleet), "-o", out)
    assert zh.returncode == 2 and len(zh.stderr.strip().splitlines()) == 1, zh.stderr
    assert zh.stderr.strip() == f"错误：hosts[{host}].cloud：必填字段缺失"
    en = run("C.UTF-8", "optimize", str(fleet), "-o", out)
    assert en.returncode == 2 and en.stderr.strip() == f"error: hosts[{host}].cloud: required field is missing"
    # a job set too: the field the optimizer named, the sentence in Chinese
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps({"horizon": 10, "resources": {"vcpu": 4},
                                "jobs": [{"id": "a", "duration": 2, "demand": {"vcpu": 9}}]}))
    r = run("zh_CN.UTF-8", "jobs", "solve", str(jobs), "-o", out)
    assert r.returncode == 2 and r.stderr.strip() == "错误：jobs[a].demand.vcpu：9 超过容量 4", r.stderr
    assert not (tmp_path / "plan.json").exists()


def test_a_scope_in_a_refusal_is_named_as_people_know_it(client) -> None:  # type: ignore[no-untyped-def]
    """An operator's scope in a refusal reads as the cloud's name in Chinese; English keeps the id."""
    from scheduler.core.db import session_scope
    from scheduler.core.models import Cloud

    make_user("gy-op-zh", "city-operator", "gy")
    h = login(client, "gy-op-zh")
    r = client.get("/api/v1/hosts", params={"cloud": "zy"}, headers={**h, **ZH})
    assert r.status_code == 403 and r.json()["field"] == "cloud"
    with session_scope() as session:
        gy = session.get(Cloud, "gy")
        assert gy is not None
        name = gy.name
    assert f"{name}（gy）" in r.json()["detail"], r.json()["detail"]
    en = client.get("/api/v1/hosts", params={"cloud": "zy"}, headers={**h, **EN}).json()
    assert en["detail"].endswith("(gy)"), en["detail"]
