"""The command line as an operator uses it: a real `qianyun` process per call."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess

import httpx
import pytest
from sqlmodel import select

from tests.support import QIANYUN, free_port, otp, serve


def run(*args: str, stdin: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QIANYUN, *args], input=stdin, capture_output=True, text=True, timeout=timeout, env=os.environ.copy())


def test_users_add_reads_the_password_from_stdin(service) -> None:
    from scheduler.core.accounts import authenticate
    from scheduler.core.db import session_scope

    r = run("users", "add", "gy-ops", "--role", "city-operator", "--scope", "gy", "--password-stdin", stdin="a-long-pass-9\n")
    assert r.returncode == 0, r.stderr
    with session_scope() as session:
        user = authenticate(session, "gy-ops", "a-long-pass-9")
        assert user is not None and user.role == "city-operator" and user.scope == "gy"


@pytest.mark.parametrize("args,field", [
    (["--role", "emperor"], "role"),
    (["--role", "city-operator"], "scope"),
    (["--role", "city-operator", "--scope", "edu"], "scope"),
    (["--role", "industry-operator", "--scope", "gy"], "scope"),
    (["--role", "department-admin", "--scope", "no-such-dept"], "scope"),
    (["--role", "auditor", "--scope", "gy"], "scope"),
])
def test_users_add_refuses_bad_input_with_one_line_and_changes_nothing(service, args, field) -> None:
    from scheduler.core.db import session_scope
    from scheduler.core.models import AuditEvent, User

    with session_scope() as session:
        before = (len(session.exec(select(User)).all()), len(session.exec(select(AuditEvent)).all()))
    r = run("users", "add", "newbie", *args, "--password-stdin", stdin="a-long-pass-9\n")
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and f"{field}:" in r.stderr
    assert "Traceback" not in r.stderr
    with session_scope() as session:
        assert (len(session.exec(select(User)).all()), len(session.exec(select(AuditEvent)).all())) == before


def test_users_add_refuses_a_duplicate_and_a_short_password(service) -> None:
    assert run("users", "add", "twice", "--role", "auditor", "--password-stdin", stdin="a-long-pass-9\n").returncode == 0
    r = run("users", "add", "twice", "--role", "auditor", "--password-stdin", stdin="a-long-pass-9\n")
    assert r.returncode == 2 and "already exists" in r.stderr
    r = run("users", "add", "shorty", "--role", "auditor", "--password-stdin", stdin="short\n")
    assert r.returncode == 2 and "password:" in r.stderr


def test_audit_verify_reports_a_tampered_row(service) -> None:
    from sqlalchemy import text

    from scheduler.core.db import session_scope
    from scheduler.core.models import AuditEvent

    assert run("users", "add", "someone", "--role", "auditor", "--password-stdin", stdin="a-long-pass-9\n").returncode == 0
    ok = run("audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stdout
    with session_scope() as session:
        victim = session.exec(select(AuditEvent).where(AuditEvent.action == "user.add")).one()
        session.execute(text("UPDATE audit_event SET after = :v WHERE id = :id"),
                        {"v": json.dumps({"role": "province-operator", "scope": None}), "id": victim.id})
    broken = run("audit", "verify")
    assert broken.returncode == 1
    assert f"BROKEN at event {victim.id}" in broken.stderr


def test_fleet_export_writes_a_document_every_placement_of_which_obeys_the_contract(service, tmp_path) -> None:
    from optimizer.check import check_placement

    out = tmp_path / "fleet.json"
    r = run("fleet", "export", "-o", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert len(doc["clouds"]) == 14 and len(doc["hosts"]) == 60
    assert sum(1 for w in doc["workloads"] if w["host"]) > 400
    assert check_placement(doc) == []


def test_serve_demo_starts_the_whole_service_on_the_default_fleet(tmp_path) -> None:
    """What `make run` does: a fresh folder, the default fleet, demo users who can log in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANYUN_")}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = serve(port, env, tmp_path, "--demo", capture=True)
    try:
        creds = (tmp_path / "qianyun-demo-users.txt").read_text().splitlines()
        users = {line.split("\t")[0]: line.split("\t") for line in creds}
        assert set(users) == {"province", "gy-operator", "edu-operator", "dept-admin", "dr-coordinator", "auditor",
                              "data-authority", "sysadmin", "secadmin"}
        for name, (_, role, scope, password, secret) in users.items():
            # the roles of the default auth.second_factor_roles are enrolled: the fifth column is their secret
            assert bool(secret) == (role != "department-admin"), name
            form = {"username": name, "password": password}
            if secret:
                refused = httpx.post(f"{base}/api/v1/auth/token", data=form)
                assert refused.status_code == 401 and refused.json()["field"] == "otp", name
                form["otp"] = otp(secret)
            token = httpx.post(f"{base}/api/v1/auth/token", data=form).json()
            assert token["token_type"] == "bearer" and not token["enrolment_required"], name
        token = httpx.post(f"{base}/api/v1/auth/token",  # the code above was spent: the next step's (drift) is taken
                           data={"username": "province", "password": users["province"][3],
                                 "otp": otp(users["province"][4], 1)}).json()["access_token"]
        clouds = httpx.get(f"{base}/api/v1/clouds", headers={"Authorization": f"Bearer {token}"}).json()
        assert clouds["total"] == 14
        assert sum(c["hosts"] for c in clouds["items"]) >= 250
        assert sum(c["workloads"] for c in clouds["items"]) >= 2500
        assert (tmp_path / "qianyun.db").exists() and (tmp_path / "qianyun-sim.db").exists()
        # the data platform: a demo catalog with published data sets (public, no login) and its tenants
        assert httpx.get(f"{base}/api/v1/opendata/datasets").json()["total"] > 0
        tenant = httpx.get(f"{base}/api/v1/catalog/tenant", headers={"Authorization": f"Bearer {token}"}).json()
        assert len(tenant["workloads"]) == 3 and all(w["host"] for w in tenant["workloads"])
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "province-operator" in output and users["province"][3] in output  # shown once, when made
    assert users["province"][4] in output
    creds_file = tmp_path / "qianyun-demo-users.txt"
    os.chmod(creds_file, 0o644)  # someone widened it
    proc = serve(port, env, tmp_path, "--demo", capture=True)  # a second start keeps the users and passwords
    try:
        r = httpx.post(f"{base}/api/v1/auth/token", data={"username": "dept-admin", "password": users["dept-admin"][3]})
        assert r.status_code == 200
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert users["province"][3] not in output and "qianyun-demo-users.txt" in output  # not printed again
    assert users["province"][4] not in output
    assert re.search(r"province\s", creds_file.read_text())
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600  # and narrowed back to the owner
