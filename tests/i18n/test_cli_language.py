"""The command line speaks the user's language (LC_ALL / LC_MESSAGES / LANG): zh_CN.UTF-8 gives
Chinese on the screen, while the plan file keeps the optimizer contract's English `reason`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.support import QIANYUN

DATA = Path(__file__).resolve().parents[1] / "optimizer" / "data"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def run(lang: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LANG"] = lang
    return subprocess.run([QIANYUN, *args], capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


def test_a_refused_document_is_one_chinese_line_in_zh_cn_and_english_in_c(tmp_path: Path) -> None:
    bad = tmp_path / "fleet.json"
    bad.write_text("{not json", encoding="utf-8")
    zh = run("zh_CN.UTF-8", "optimize", str(bad), "-o", str(tmp_path / "plan.json"))
    assert zh.returncode == 2 and len(zh.stderr.strip().splitlines()) == 1, zh.stderr
    assert zh.stderr.startswith("错误：") and "不是有效的 JSON" in zh.stderr and "第 1 行" in zh.stderr
    en = run("C.UTF-8", "optimize", str(bad), "-o", str(tmp_path / "plan.json"))
    assert en.returncode == 2 and en.stderr.startswith("error: ") and "not valid JSON" in en.stderr
    assert not CHINESE.search(en.stderr)


def test_each_optimizer_command_refuses_in_chinese(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.json"
    shutil.copy(DATA / "fleet-tiny-maintenance.json", fleet)
    out = str(tmp_path / "out.json")
    r = run("zh_CN.UTF-8", "optimize", str(fleet), "--mode", "fastest", "-o", out)
    assert r.returncode == 2 and "--mode：只能是" in r.stderr, r.stderr
    r = run("zh_CN.UTF-8", "failover", str(fleet), "--failed", " , ", "-o", out)
    assert r.returncode == 2 and "请至少给出一个云" in r.stderr, r.stderr
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps({"horizon": 10, "resources": {"vcpu": 4}, "jobs": []}))
    r = run("zh_CN.UTF-8", "jobs", "solve", str(jobs), "--objective", "cheapest", "-o", out)
    assert r.returncode == 2 and "--objective：只能是" in r.stderr, r.stderr
    r = run("zh_CN.UTF-8", "jobs", "solve", str(tmp_path / "missing.json"), "-o", out)
    assert r.returncode == 2 and "无法读取" in r.stderr, r.stderr


def test_the_plan_file_keeps_english_reasons_and_adds_their_codes(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet.json"
    shutil.copy(DATA / "fleet-tiny-maintenance.json", fleet)
    out = tmp_path / "plan.json"
    r = run("zh_CN.UTF-8", "optimize", str(fleet), "--time-limit", "1", "-o", str(out))
    assert r.returncode == 0, r.stderr
    plan = json.loads(out.read_text())
    assert plan["moves"]
    for m in plan["moves"]:
        assert m["reason"] and not CHINESE.search(m["reason"])
        assert m["code"].startswith("move.") and isinstance(m["params"], dict)


def test_the_printed_summary_follows_the_language(tmp_path: Path) -> None:
    """What a terminal shows after a solve (the table itself is drawn only on a terminal)."""
    import optimizer
    from api.optimize_cli import summary
    from scheduler.core import messages

    doc = json.loads((DATA / "fleet-tiny-maintenance.json").read_text())
    plan = optimizer.optimize(doc, time_limit_s=1)
    assert plan.moves
    with messages.speaking("zh-CN"):
        zh = dict(summary(plan, tmp_path / "plan.json"))
    with messages.speaking("en"):
        en = dict(summary(plan, tmp_path / "plan.json"))
    assert "在用主机" in zh and zh["求解状态"] in ("最优", "可行")
    assert "active hosts" in en and en["status"] in ("optimal", "feasible")
    first = [v for k, v in zh.items() if k.startswith("第 1 步")]
    assert first and CHINESE.search(first[0]), zh
    assert not any(CHINESE.search(k + v) for k, v in en.items() if not k.startswith("written"))


def test_audit_verify_speaks_chinese(service) -> None:  # type: ignore[no-untyped-def]
    r = run("zh_CN.UTF-8", "audit", "verify")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("审计链完整"), r.stdout
    r = run("C.UTF-8", "audit", "verify")
    assert r.returncode == 0 and r.stdout.startswith("audit chain intact"), r.stdout


def test_a_refused_account_names_its_field_in_chinese(service) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LANG"] = "zh_CN.UTF-8"
    r = subprocess.run([QIANYUN, "users", "add", "newbie", "--role", "emperor", "--password-stdin"], input="a-long-pass-9\n",
                       capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("错误：role：未知的角色 'emperor'"), r.stderr
