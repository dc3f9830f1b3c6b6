"""Sessions: short access tokens renewed with a rotating refresh token, logout that revokes on every
replica (a database row), the idle timeout of the policy, and tokens that stop working when their
user is disabled or changes role."""

from __future__ import annotations

from datetime import timedelta

from tests.support import make_user, site_policy

POLICY = "auth:\n  second_factor_roles: []\n  sessions: {access_minutes: 5, refresh_minutes: 60, idle_minutes: 10}\n"


def _login(client, name: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    r = client.post("/api/v1/auth/token", data={"username": name, "password": "correct-horse-9"})
    assert r.status_code == 200, r.text
    return r.json()


def _h(tokens: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_access_tokens_are_short_and_a_refresh_renews_them_once_per_refresh_token(client, service, monkeypatch) -> None:
    site_policy(monkeypatch, service.path, POLICY)
    make_user("ann", "province-operator")
    first = _login(client, "ann")
    assert first["expires_in"] == 5 * 60 and first["refresh_token"]
    r = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v1/me", headers=_h(second)).status_code == 200
    # the spent refresh token comes back (someone copied it): the whole session ends
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert again.status_code == 401 and again.json()["field"] == "refresh_token"
    assert client.get("/api/v1/me", headers=_h(second)).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": "made.up"}).status_code == 401


def test_logout_revokes_the_session_and_its_refresh_token_but_not_other_sessions(client, service, monkeypatch) -> None:
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import AuditEvent

    site_policy(monkeypatch, service.path, POLICY)
    make_user("ben", "auditor")
    phone, laptop = _login(client, "ben"), _login(client, "ben")
    assert client.post("/api/v1/auth/logout", headers=_h(phone)).status_code == 204
    r = client.get("/api/v1/me", headers=_h(phone))
    assert r.status_code == 401 and "logged out" in r.json()["detail"]
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}).status_code == 401
    assert client.get("/api/v1/me", headers=_h(laptop)).status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 401
    with session_scope() as session:
        assert [e.actor for e in session.exec(select(AuditEvent).where(AuditEvent.action == "auth.logout"))] == ["ben"]


def test_an_idle_session_ends(client, service, monkeypatch) -> None:
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import AuthSession

    site_policy(monkeypatch, service.path, POLICY)
    make_user("cat", "auditor")
    tokens = _login(client, "cat")
    assert client.get("/api/v1/me", headers=_h(tokens)).status_code == 200
    with session_scope() as session:  # nothing used it for 11 minutes
        row = session.exec(select(AuthSession)).one()
        row.last_seen_at = row.last_seen_at - timedelta(minutes=11)
        session.add(row)
    r = client.get("/api/v1/me", headers=_h(tokens))
    assert r.status_code == 401 and "idle" in r.json()["detail"]
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401


def test_a_session_in_use_is_not_idle(client, service, monkeypatch) -> None:
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import AuthSession

    site_policy(monkeypatch, service.path, POLICY)
    make_user("dan", "auditor")
    tokens = _login(client, "dan")
    with session_scope() as session:  # last used 9 minutes ago: a request now renews it
        row = session.exec(select(AuthSession)).one()
        row.last_seen_at = row.last_seen_at - timedelta(minutes=9)
        session.add(row)
    assert client.get("/api/v1/me", headers=_h(tokens)).status_code == 200
    with session_scope() as session:
        row = session.exec(select(AuthSession)).one()
        row.last_seen_at = row.last_seen_at - timedelta(minutes=9)  # 9 minutes after that use
        session.add(row)
    assert client.get("/api/v1/me", headers=_h(tokens)).status_code == 200


def test_tokens_and_refresh_stop_when_the_user_is_disabled_or_changes_role(client, service, monkeypatch) -> None:
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import User

    site_policy(monkeypatch, service.path, POLICY)
    make_user("eve", "province-operator")
    make_user("fay", "province-operator")
    eve, fay = _login(client, "eve"), _login(client, "fay")
    with session_scope() as session:
        session.exec(select(User).where(User.username == "eve")).one().disabled = True
        user = session.exec(select(User).where(User.username == "fay")).one()
        user.role, user.scope = "city-operator", "gy"
    for tokens in (eve, fay):
        assert client.get("/api/v1/me", headers=_h(tokens)).status_code == 401
        assert client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 401
