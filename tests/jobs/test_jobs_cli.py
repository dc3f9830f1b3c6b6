"""`qianyun jobs solve` as a user runs it: a real process, exit 0 with a schedule, exit 2 with one line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.support import QIANYUN

DATA = Path(__file__).with_name("data")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QIANYUN, "jobs", "solve", *args], capture_output=True, text=True, timeout=120,
                          env=os.environ.copy())


def test_psplib_file_solves_to_the_known_optimum(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    r = run(str(DATA / "j301_1.sm"), "-o", str(out), "--time-limit", "20")
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["makespan"] == 43 and doc["status"] == "optimal" and doc["lower_bound"] == 43
    assert set(doc) == {"starts", "makespan", "status", "lower_bound"} and len(doc["starts"]) == 32


def test_json_job_set_and_tardiness(tmp_path: Path) -> None:
    src = tmp_path / "set.json"
    src.write_text(json.dumps({"horizon": 48, "resources": {"vcpu": 512}, "jobs": [
        {"id": "collect", "duration": 4, "demand": {"vcpu": 300}},
        {"id": "clean", "duration": 2, "demand": {"vcpu": 300}, "after": ["collect"], "deadline": 12},
        {"id": "publish", "duration": 1, "demand": {"vcpu": 300}, "after": ["clean"], "due": 7}]}))
    out = tmp_path / "s.json"
    r = run(str(src), "-o", str(out), "--objective", "tardiness")
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["starts"] == {"collect": 0, "clean": 4, "publish": 6} and doc["tardiness"] == 0


def test_refused_documents_exit_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"horizon": 5, "resources": {"vcpu": 4},
                               "jobs": [{"id": "a", "duration": 1, "demand": {"vcpu": 9}}]}))
    out = tmp_path / "s.json"
    for args, needle in (([str(bad)], "jobs[a].demand.vcpu"), ([str(tmp_path / "missing.json")], "cannot read"),
                         ([str(bad), "--objective", "speed"], "--objective")):
        r = run(*args, "-o", str(out))
        assert r.returncode == 2, r.stderr
        assert needle in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
        assert not out.exists()
    broken = tmp_path / "x.sm"
    broken.write_text("not a psplib file\n")
    r = run(str(broken), "-o", str(out))
    assert r.returncode == 2 and r.stderr.startswith("error:") and "psplib" in r.stderr
    nojson = tmp_path / "x.json"
    nojson.write_text("{oops")
    r = run(str(nojson), "-o", str(out))
    assert r.returncode == 2 and "not valid JSON" in r.stderr
