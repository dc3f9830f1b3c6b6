"""Helpers the tests share: accounts and logins."""

from __future__ import annotations


def make_user(username: str, role: str, scope: str | None = None, password: str = "correct-horse-9") -> str:
    from scheduler.accounts import add_user
    from scheduler.db import session_scope

    with session_scope() as session:
        add_user(session, username, role, scope, password)
    return password


def login(client, username: str, password: str = "correct-horse-9") -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
