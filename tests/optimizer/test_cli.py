"""`qianyun optimize` / `qianyun failover`: exit 0 with a plan, exit 2 with one line for a refusal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

import optimizer
from api.cli import app

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def _fleet(tmp_path: Path) -> Path:
    p = tmp_path / "fleet.json"
    shutil.copy(DATA / "fleet-tiny-maintenance.json", p)
    return p


def test_optimize_writes_a_valid_plan(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    r = runner.invoke(app, ["optimize", str(_fleet(tmp_path)), "--mode", "balance", "--time-limit", "1",
                            "-o", str(out)])
    assert r.exit_code == 0, r.output
    fleet = json.loads((DATA / "fleet-tiny-maintenance.json").read_text())
    assert optimizer.check_plan(fleet, json.loads(out.read_text())) == []


def test_optimize_with_budget(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    r = runner.invoke(app, ["optimize", str(_fleet(tmp_path)), "--max-migrations", "10", "--time-limit", "1",
                            "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["stats"]["migrations"] <= 10


def test_optimize_may_minimise_power(tmp_path: Path) -> None:
    """--minimise power asks for the fewest watts: hosts need `power`; the plan states its watts and bound."""
    doc = json.loads((DATA / "fleet-tiny-maintenance.json").read_text())
    for i, h in enumerate(doc["hosts"]):
        h["power"] = {"idle_w": 150 + 100 * (i % 2), "full_w": 400}
    fleet = tmp_path / "powered.json"
    fleet.write_text(json.dumps(doc))
    out = tmp_path / "plan.json"
    r = runner.invoke(app, ["optimize", str(fleet), "--minimise", "power", "--time-limit", "1", "-o", str(out)])
    assert r.exit_code == 0, r.output
    plan = json.loads(out.read_text())
    assert optimizer.check_plan(doc, plan) == []
    pw = plan["stats"]["power_w"]
    assert pw["bound"] <= pw["after"]
    # without power figures the flag is refused by the document's own check, naming the field
    r = runner.invoke(app, ["optimize", str(_fleet(tmp_path)), "--minimise", "power", "-o", str(out)])
    assert r.exit_code == 2 and ".power" in r.output, r.output
    r = runner.invoke(app, ["optimize", str(fleet), "--minimise", "watts", "-o", str(out)])
    assert r.exit_code == 2 and "--minimise" in r.output, r.output


def test_failover_command(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    r = runner.invoke(app, ["failover", str(_fleet(tmp_path)), "--failed", "gz-gov", "-o", str(out),
                            "--time-limit", "1"])
    assert r.exit_code == 0, r.output
    fleet = json.loads((DATA / "fleet-tiny-maintenance.json").read_text())
    fleet["failed_clouds"] = ["gz-gov"]
    assert optimizer.check_plan(fleet, json.loads(out.read_text())) == []


def test_refused_documents_exit_2_with_one_line(tmp_path: Path) -> None:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    doc = json.loads((DATA / "fleet-tiny-maintenance.json").read_text())
    doc["workloads"][3]["demand"]["vcpu"] = -4
    neg = tmp_path / "neg.json"
    neg.write_text(json.dumps(doc))
    for args in (["optimize", str(bad_json), "-o", str(tmp_path / "p.json")],
                 ["optimize", str(neg), "-o", str(tmp_path / "p.json")],
                 ["optimize", str(tmp_path / "missing.json"), "-o", str(tmp_path / "p.json")],
                 ["failover", str(neg), "--failed", "gz-gov", "-o", str(tmp_path / "p.json")],
                 ["failover", str(_fleet(tmp_path)), "--failed", "mars", "-o", str(tmp_path / "p.json")],
                 ["optimize", str(_fleet(tmp_path)), "--mode", "spread", "-o", str(tmp_path / "p.json")]):
        r = runner.invoke(app, args)
        assert r.exit_code == 2, (args, r.output)
        text = r.output.strip()
        assert "Traceback" not in text and len(text.splitlines()) == 1, text
    r = runner.invoke(app, ["optimize", str(neg), "-o", str(tmp_path / "p.json")])
    assert "workloads[w-000004].demand.vcpu" in r.output
