"""The service's own sentences beyond refusals: a plan's notes, a quota request's routing reasons, the
automatic sharing approval, why sessions ended, what-if's summary and failures, the site policy's
refusals: in the reader's language, while what is stored stays the English it always was."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scheduler.core import messages
from tests.data_platform.conftest import REQUESTER, entry_body
from tests.support import LAB, QIANYUN, logged_in, login, make_user

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def ids_as_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids render as ids (the API installs display names from its tables; these tests read ids)."""
    monkeypatch.setattr(messages, "_namer", None)


# ------------------------------------------------------------------ stored English, read back


def test_old_english_rows_read_back_in_chinese() -> None:
    """Rows written before the sentences were codes keep displaying, now in the reader's language."""
    assert messages.words("w-17 held back: site policy denies department edu on cloud gy (audit pending)",
                          "note.plan.", "zh-CN") == "w-17 暂不放置：站点策略禁止部门 edu 的工作负载放在 gy（audit pending）"
    assert messages.words("w-3 stays on gy-h0001: site policy denies every workload on cloud zy (moving)",
                          "note.plan.", "zh-CN") == "w-3 留在 gy-h0001：站点策略禁止任何工作负载放在 zy（moving）"
    assert messages.words("unconditional sharing: granted on request", "sharing.auto.", "zh-CN") == "无条件共享：申请即授予"
    assert messages.words("password changed", "session.end.", "zh-CN") == "密码已修改"
    assert messages.words("quota on gy is its own operator's to grant (tiered control)", "quota.route.",
                          "zh-CN") == "gy 的配额由其运维方审批（分级管控）"
    # a person's words are shown as written
    assert messages.words("census is due", "sharing.auto.", "zh-CN") == "census is due"


def test_a_failed_scenarios_reason_reads_in_chinese() -> None:
    from scheduler.whatif import reason_words

    stored = messages.msg("whatif.failed.refused", field="changes.add_hosts[0].cloud",
                          refusal=messages.msg("whatif.unknown_cloud", got="mars", known=["gy"])).text
    assert stored == "changes.add_hosts[0].cloud: unknown cloud mars; known: gy"  # as Refusal.detail said it
    said = reason_words(stored, "zh-CN")
    assert said.startswith("changes.add_hosts[0].cloud：") and "mars" in said and CHINESE.search(said)
    assert reason_words("evaluation failed: KeyError: 'x'", "zh-CN") == "评估失败：KeyError: 'x'"


SUMMARY: dict[str, Any] = {
    "fits": {"placed": 10, "systems": 12, "unplaced": 2, "new_systems": {"placed": 1, "total": 2},
             "by_reason": [{"reason": "no eligible cloud", "systems": 2}]},
    "hosts": {"total": {"active": 5, "live": 8, "bound": 4},
              "clouds": [{"cloud": "gy", "lost": False, "active": 3, "live": 5, "bound": 2}, {"cloud": "gz-gov", "lost": True}]},
    "quota": [{"cloud": "gy", "short": {"vcpu": 12.0, "memory_gib": 0.0}}],
    "quota_requests": [{"id": 3, "department": "d1", "cloud": "gy", "verdict": "short"}],
    "drill": {"clouds": ["gz-gov"], "priority1": {"within_rto": 3, "systems": 4}, "headline": {"no_place": 1}},
}


def test_the_whatif_summary_in_each_language() -> None:
    from api.whatif_cli import summary_lines

    en = summary_lines(7, SUMMARY, "en")
    assert en[0] == "scenario 7: 10 of 12 systems placed, 2 not (new systems: 1 of 2 placed)"
    assert en[-1] == "drill of gz-gov: 3 of 4 priority-1 systems back within their RTO; 1 protected systems find no place"
    assert "quota short on gy: 12 vCPU" in en and "  gz-gov: lost" in en
    zh = summary_lines(7, SUMMARY, "zh-CN")
    assert len(zh) == len(en)
    assert zh[0] == "场景 7：12 个系统中已放置 10 个，2 个未放置（新系统：2 个中已放置 1 个）"
    assert "gy 配额不足：12 vCPU" in zh and "配额申请 3（d1 在 gy）：不足" in zh
    for line in zh:
        assert CHINESE.search(line), line


# ------------------------------------------------------------------ through the API


def test_a_plan_note_reads_in_chinese(client, service, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from scheduler.core.models import Workload
    from scheduler.core.policy import _policy_for
    from scheduler.core.settings import get_settings

    with service.session() as session:
        dept = sorted({w.department_id for w in session.exec(select(Workload).where(Workload.cloud_id == "gy"))})[0]
    site = tmp_path / "site.yaml"
    site.write_text(f"placement:\n  deny:\n    - {{department: {dept}, cloud: gy, reason: audit pending}}\n" + LAB)
    monkeypatch.setenv("QIANYUN_POLICY_FILE", str(site))
    get_settings.cache_clear()
    _policy_for.cache_clear()
    ops = logged_in(client, {"gy1": ("city-operator", "gy"), "dr1": ("dr-coordinator", None)})
    plan = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy"}, headers=ops["gy1"]).json()
    en = client.get(f"/api/v1/plans/{plan['id']}", headers={**ops["gy1"], **EN}).json()["notes"]
    zh = client.get(f"/api/v1/plans/{plan['id']}", headers={**ops["gy1"], **ZH}).json()["notes"]
    assert en and len(zh) == len(en)
    assert all(f"site policy denies department {dept} on cloud gy (audit pending)" in n for n in en), en
    # in Chinese the department and the cloud show by name, the id beside it
    assert all(re.search(f"站点策略禁止部门.*（{dept}）的工作负载放在.*（gy）（audit pending）$", n) for n in zh), zh
    # a tabletop drill of another cloud is planned under the same policy: its report says what was held back
    dr = ops["dr1"]
    d = client.post("/api/v1/drills", json={"clouds": ["zy"], "mode": "tabletop"}, headers=dr)
    assert d.status_code in (200, 201), d.text
    report = client.get(f"/api/v1/drills/{d.json()['id']}/report", headers={**dr, **ZH}).json()
    notes = report["policy_notes"]
    assert notes and all(n["code"].startswith("note.plan.") and "站点策略禁止部门" in n["text"] for n in notes), notes
    assert not re.search(r"[A-Za-z]{4,}", report["model"]["times"]["text"]), report["model"]["times"]
    html = client.get(f"/api/v1/drills/{d.json()['id']}/report?format=html", headers=dr).text
    assert "站点策略的限制" in html and f"site policy denies department {dept} on cloud gy (audit pending)" in html


def test_a_quota_requests_province_review_reason_reads_in_chinese(client) -> None:  # type: ignore[no-untyped-def]
    who = logged_in(client, {"gy": ("city-operator", "gy")})
    make_user("dept-zh", "department-admin", "gy-bigdata-bureau")
    h = login(client, "dept-zh")
    ask = {"department": "gy-bigdata-bureau", "cloud": "gy", "amount": {"vcpu": 100},
           "justification": "a new data exchange cluster for the 2027 census"}
    req = client.post("/api/v1/quota-requests", headers={**h, **ZH}, json=ask).json()
    city, province = req["required_approvals"]
    assert (city["key"], province["key"]) == ("city:gy", "province")
    assert city["text"].endswith("（gy）的配额由其运维方审批（分级管控）"), city
    assert province["code"] == "quota.route.review_size" and province["reason"].startswith("asks 100 vCPU, above the province review size (")
    assert province["text"].startswith("申请 100 vCPU，超过省级审核额度（"), province
    again = client.get(f"/api/v1/quota-requests/{req['id']}", headers={**who["gy"], **EN}).json()
    assert again["required_approvals"][1]["text"] == province["reason"]


def test_the_automatic_sharing_approval_reads_in_chinese(client) -> None:  # type: ignore[no-untyped-def]
    make_user("owner-auto", "department-admin", "prov-health-commission")
    make_user("req-auto", "department-admin", REQUESTER)
    owner, req = login(client, "owner-auto"), login(client, "req-auto")
    e = client.post("/api/v1/catalog/entries", json=entry_body(), headers=owner).json()
    body = {"entry_id": e["id"], "requester_department": REQUESTER, "purpose": "health checks of school pupils"}
    r = client.post("/api/v1/sharing/requests", json=body, headers={**req, **ZH})
    assert r.status_code == 201, r.text
    [auto] = r.json()["approvals"]
    assert auto["stage"] == "auto" and auto["reason"] == "无条件共享：申请即授予"
    listed = client.get("/api/v1/sharing/requests", headers={**req, **EN}).json()["items"]
    [en] = [x for x in listed if x["id"] == r.json()["id"]]
    assert en["approvals"][0]["reason"] == "unconditional sharing: granted on request"


def test_a_site_policy_refusal_reads_in_chinese_and_keeps_its_field(client) -> None:  # type: ignore[no-untyped-def]
    make_user("secadm-zh", "security-admin")
    h = login(client, "secadm-zh")
    cases = [("execution:\n  retries: -3\n", "execution.retries", "必须 >= 0，实际为 -3", "must be >= 0, got -3"),
             ("execution:\n  retris: 1\n", "execution.retris", "未知的键", "unknown key; allowed keys are"),
             ("execution:\n  retries: many\n", "execution.retries", "必须是整数，实际为 'many'", "must be an integer, got 'many'")]
    for text, field, zh_words, en_words in cases:
        r = client.put("/api/v1/policy/site", json={"yaml": text}, headers={**h, **ZH})
        said = r.json()
        assert r.status_code == 422 and said["field"] == "policy" and said["policy_field"] == field, said
        assert said["detail"].startswith("policy：站点策略（已保存）第 2 行：" + field + "：") and zh_words in said["detail"], said
        en = client.put("/api/v1/policy/site", json={"yaml": text}, headers={**h, **EN}).json()
        assert en["detail"] == f"policy: site policy (stored) line 2: {field}: " + en["detail"].split(f"{field}: ", 1)[1]
        assert en_words in en["detail"] and not CHINESE.search(en["detail"])


def test_a_session_end_reason_reads_in_chinese_on_the_audit_page(client) -> None:  # type: ignore[no-untyped-def]
    make_user("pw-zh", "city-operator", "gy")
    make_user("aud-zh", "auditor")
    login(client, "pw-zh")
    r = client.post("/api/v1/auth/password", json={"username": "pw-zh", "password": "correct-horse-9",
                                                   "new_password": "another-horse-77"})
    assert r.status_code == 204, r.text
    aud = login(client, "aud-zh")
    items = client.get("/api/v1/audit/events", params={"action": "auth.session.revoked"}, headers={**aud, **ZH}).json()["items"]
    [ended] = [e for e in items if e["entity_id"] == "pw-zh"]
    assert ended["after"]["reason"] == "password changed" and ended["reason_text"] == "密码已修改"


def test_the_whatif_command_speaks_chinese(service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "grow.yaml"
    f.write_text("name: gy grows\nscope: gy\nchanges:\n  grow_clouds: [{cloud: gy, share: 0.1}]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    zh = subprocess.run([QIANYUN, "whatif", str(f)], capture_output=True, text=True, timeout=300,
                        env={**env, "LANG": "zh_CN.UTF-8"})
    assert zh.returncode == 0, zh.stderr
    lines = zh.stdout.strip().splitlines()
    assert lines[0].startswith("场景 ") and "个系统中已放置" in lines[0], zh.stdout
    assert any(line.startswith("主机：") for line in lines), zh.stdout
    assert lines[-1].startswith("演练：演练需要整个资源池"), zh.stdout  # a scope-gy scenario has no drill
    en = subprocess.run([QIANYUN, "whatif", str(f)], capture_output=True, text=True, timeout=300,
                        env={**env, "LANG": "C.UTF-8"})
    assert en.returncode == 0 and en.stdout.startswith("scenario ") and not CHINESE.search(en.stdout), en.stdout
