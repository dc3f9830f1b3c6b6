"""Login, tokens and their refusals, as a user of the API meets them."""

from __future__ import annotations

from datetime import timedelta

import jwt

from tests.support import login, make_user


def test_login_returns_a_bearer_token_that_opens_the_api(client) -> None:
    make_user("alice", "province-operator")
    r = client.post("/api/v1/auth/token", data={"username": "alice", "password": "correct-horse-9"})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"username": "alice", "role": "province-operator", "scope": None, "second_factor": False}


def test_wrong_password_is_401_with_json_and_is_audited(client, service) -> None:
    make_user("bob", "auditor")
    r = client.post("/api/v1/auth/token", data={"username": "bob", "password": "not-his-password"})
    assert r.status_code == 401
    assert r.json()["field"] == "password"
    assert "wrong username or password" in r.json()["detail"]
    r = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "whatever-123"})
    assert r.status_code == 401
    headers = login(client, "bob")
    events = client.get("/api/v1/audit/events", params={"action": "auth.refused"}, headers=headers).json()
    assert {e["entity_id"] for e in events["items"]} == {"bob", "nobody"}


def test_every_api_call_needs_a_token(client) -> None:
    for path in ("/api/v1/clouds", "/api/v1/hosts", "/api/v1/workloads", "/api/v1/departments", "/api/v1/me",
                 "/api/v1/audit/verify"):
        r = client.get(path)
        assert r.status_code == 401, path
        assert r.headers["www-authenticate"] == "Bearer"
        assert "token" in r.json()["detail"]


def test_forged_and_expired_tokens_are_refused(client) -> None:
    from scheduler.core.db import utcnow

    make_user("carol", "province-operator")
    forged = jwt.encode({"sub": "carol", "role": "province-operator", "scope": None,
                         "exp": utcnow() + timedelta(hours=1)}, "not-the-key-" * 4, algorithm="HS256")
    r = client.get("/api/v1/clouds", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and "invalid" in r.json()["detail"]

    import os
    expired = jwt.encode({"sub": "carol", "role": "province-operator", "scope": None,
                          "iat": utcnow() - timedelta(minutes=61), "exp": utcnow() - timedelta(minutes=1)}, os.environ["QIANYUN_SECRET_KEY"], algorithm="HS256")
    r = client.get("/api/v1/clouds", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]

    r = client.get("/api/v1/clouds", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401


def test_a_token_stops_working_when_the_role_changes(client) -> None:
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import User

    make_user("dave", "province-operator")
    headers = login(client, "dave")
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == "dave")).one()
        user.role, user.scope = "city-operator", "gy"
    assert client.get("/api/v1/clouds", headers=headers).status_code == 401


def test_passwords_are_stored_as_argon2_hashes(service) -> None:
    from sqlmodel import select

    from scheduler.core.models import User

    make_user("erin", "auditor", password="s3cret-pass")
    with service.session() as session:
        stored = session.exec(select(User).where(User.username == "erin")).one().password_hash
    assert stored.startswith("$argon2") and "s3cret-pass" not in stored


def test_a_refused_login_never_writes_audit_rows_under_the_name_it_tried(client) -> None:
    """Logging in as `system:drill-runbook` used to record a refused login *by* that system actor."""
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import AuditEvent

    r = client.post("/api/v1/auth/token", data={"username": "system:drill-runbook", "password": "whatever-123"})
    assert r.status_code == 401
    with session_scope() as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == "auth.refused")).all()
    assert [(e.actor, e.entity_id) for e in rows] == [("anonymous", "system:drill-runbook")]
    with session_scope() as session:
        assert not session.exec(select(AuditEvent).where(AuditEvent.actor == "system:drill-runbook")).all()
