"""`qianyun whatif SCENARIO.yaml` as an operator runs it: a real process on the service's database."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlmodel import func, select

from tests.support import QIANYUN


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QIANYUN, *args], capture_output=True, text=True, timeout=300, env=os.environ.copy())


def test_whatif_answers_and_stores_the_scenario(service, tmp_path: Path) -> None:
    from scheduler.core.db import session_scope
    from scheduler.whatif.models import Scenario

    f = tmp_path / "gz-gov-down.yaml"
    f.write_text("name: gz-gov down, backup +2\nchanges:\n  lose_clouds: [gz-gov]\n"
                 "  add_hosts:\n    - {cloud: gz-backup, type: H3C UniServer R4900 G5, count: 2}\n")
    r = run("whatif", str(f), "-o", str(tmp_path / "answer.json"))
    assert r.returncode == 0, r.stderr
    assert "priority-1 systems back within their RTO" in r.stdout
    answer = json.loads((tmp_path / "answer.json").read_text())
    assert answer["drill"]["clouds"] == ["gz-gov"]
    assert next(h for h in answer["hosts"]["clouds"] if h["cloud"] == "gz-backup")["live"] == 5
    with session_scope() as session:
        [s] = session.exec(select(Scenario)).all()
        assert s.name == "gz-gov down, backup +2" and s.state == "done" and s.creator == "cli:whatif"


@pytest.mark.parametrize("text,words", [
    ("name: x\nchanges:\n  grow_clouds: [{cloud: gy, share: -0.1}]\n", "changes.grow_clouds[0].share"),
    ("name: x\nchanges:\n  add_hosts: [{cloud: mars, type: a, count: 1}]\n", "changes.add_hosts[0].cloud"),
    ("name: x\nchanges:\n  policy: {quotas.nothing: 1}\n", "changes.policy.quotas.nothing"),
    ("name: x\nchanges: [1, 2\n", "not YAML"),
    ("- a list\n", "must be a mapping"),
    ("name: x\nbudget: 3\n", "budget: unknown field"),
    ("!!python/object/apply:os.system ['true']\n", "not YAML"),
])
def test_whatif_refuses_bad_input_in_one_line(service, tmp_path: Path, text: str, words: str) -> None:
    from scheduler.core.db import session_scope
    from scheduler.whatif.models import Scenario

    f = tmp_path / "bad.yaml"
    f.write_text(text)
    r = run("whatif", str(f))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert words in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "Traceback" not in r.stderr
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Scenario)).one() == 0
