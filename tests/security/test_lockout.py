"""Failed logins (身份鉴别 b): N failures in a window lock the account and the client address for a
period, answered 429 with Retry-After and audited; the lock is a database row, so it survives a
restart of the service and every replica honours it."""

from __future__ import annotations

import os
from datetime import timedelta

import httpx

from tests.support import free_port, login, make_user, serve, site_policy

LOCKOUT = "auth:\n  second_factor_roles: []\n  lockout: {failures: 3, window_s: 300, lock_s: 600}\n"


def _try(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_failures_lock_the_account_even_for_the_right_password_then_the_lock_ends(client, service, monkeypatch) -> None:
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import AuditEvent, LoginGuard

    site_policy(monkeypatch, service.path, LOCKOUT)
    make_user("alice", "province-operator")
    for _ in range(3):
        assert _try(client, "alice", "wrong-Password-1").status_code == 401
    r = _try(client, "alice", "correct-horse-9")
    assert r.status_code == 429
    assert 590 <= int(r.headers["retry-after"]) <= 600
    assert r.json()["field"] == "username" and "too many failed logins" in r.json()["detail"]
    with session_scope() as session:
        actions = [(e.action, e.entity_id) for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))
                   if e.action.startswith("auth.")]
    assert actions.count(("auth.refused", "alice")) == 4  # three wrong passwords and the locked attempt
    assert ("auth.locked", "user:alice") in actions
    # the lock's period ends (moved into the past here): the right password works again, the count restarts
    with session_scope() as session:
        for row in session.exec(select(LoginGuard)):
            row.locked_until = row.locked_until - timedelta(seconds=601)
            session.add(row)
    assert _try(client, "alice", "correct-horse-9").status_code == 200


def test_one_address_trying_many_names_is_locked_for_every_name(client, service, monkeypatch) -> None:
    site_policy(monkeypatch, service.path, LOCKOUT)
    make_user("bob", "auditor")
    for name in ("x1", "x2", "x3"):  # unknown names, one try each: the account counters never reach 3
        assert _try(client, name, "guess-Password-1").status_code == 401
    r = _try(client, "bob", "correct-horse-9")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_failures_outside_the_window_do_not_add_up(client, service, monkeypatch) -> None:
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import LoginGuard

    site_policy(monkeypatch, service.path, LOCKOUT)
    make_user("carol", "auditor")
    for _ in range(2):
        assert _try(client, "carol", "wrong-Password-1").status_code == 401
    with session_scope() as session:  # those two are now older than the window
        for row in session.exec(select(LoginGuard)):
            row.window_started_at = row.window_started_at - timedelta(seconds=301)
            session.add(row)
    for _ in range(2):
        assert _try(client, "carol", "wrong-Password-1").status_code == 401
    assert _try(client, "carol", "correct-horse-9").status_code == 200


def test_a_locked_account_s_tokens_stop_working_and_unlock_lifts_it(client, service, monkeypatch) -> None:
    from scheduler.core import lockout
    from scheduler.core.db import session_scope

    site_policy(monkeypatch, service.path, "auth:\n  second_factor_roles: []\n  lockout: {failures: 2, window_s: 300, lock_s: 600}\n")
    make_user("dave", "province-operator")
    headers = login(client, "dave")
    assert client.get("/api/v1/clouds", headers=headers).status_code == 200
    # someone else guesses dave's password (from other addresses: only the account counter rises)
    with session_scope() as session:
        from scheduler.core import audit

        for i in range(2):
            audit.record(session, "anonymous", "auth.refused", "user", "dave")
            lockout.count_failure(session, lockout.subjects("dave", f"10.0.0.{i}"))
    r = client.get("/api/v1/clouds", headers=headers)
    assert r.status_code == 401 and "locked" in r.json()["detail"]
    with session_scope() as session:
        assert lockout.unlock(session, "user:dave", "test")
    assert client.get("/api/v1/clouds", headers=headers).status_code == 200


def test_the_lock_survives_a_restart_of_the_served_process(db_url, tmp_path) -> None:
    """Real HTTP against `qianyun serve`: three wrong passwords lock; after a restart the lock holds."""
    policy = tmp_path / "site.yaml"
    policy.write_text(LOCKOUT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANYUN_")}
    env.update({"QIANYUN_DATABASE_URL": db_url, "QIANYUN_SIM_STATE_PATH": str(tmp_path / "sim.db"),
                "QIANYUN_SIM_HOSTS": "30", "QIANYUN_SIM_WORKLOADS": "100", "QIANYUN_SCHEDULER_ENABLED": "false",
                "QIANYUN_SECRET_KEY": "lockout-test-key-" + "x" * 32, "QIANYUN_POLICY_FILE": str(policy)})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = serve(port, env, tmp_path)
    try:
        import subprocess

        from tests.support import QIANYUN

        added = subprocess.run([QIANYUN, "users", "add", "erin", "--role", "province-operator", "--password-stdin"],
                               input="correct-horse-9\n", env=env, cwd=tmp_path, capture_output=True, text=True)
        assert added.returncode == 0, added.stderr
        assert httpx.post(f"{base}/api/v1/auth/token", data={"username": "erin", "password": "correct-horse-9"}).status_code == 200
        for _ in range(3):
            assert httpx.post(f"{base}/api/v1/auth/token", data={"username": "erin", "password": "nope-Nope-1"}).status_code == 401
        assert httpx.post(f"{base}/api/v1/auth/token", data={"username": "erin", "password": "correct-horse-9"}).status_code == 429
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    proc = serve(port, env, tmp_path)
    try:
        r = httpx.post(f"{base}/api/v1/auth/token", data={"username": "erin", "password": "correct-horse-9"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 500
        unlocked = subprocess.run([QIANYUN, "users", "unlock", "erin"], env=env, cwd=tmp_path, capture_output=True, text=True)
        assert unlocked.returncode == 0, unlocked.stderr
        # the address (127.0.0.1) is locked too, by the same three failures: its lock holds until its period ends
        r = httpx.post(f"{base}/api/v1/auth/token", data={"username": "erin", "password": "correct-horse-9"})
        assert r.status_code == 429
    finally:
        proc.terminate()
        proc.wait(timeout=30)
