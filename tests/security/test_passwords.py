"""Passwords (身份鉴别 a): length and character classes of the policy, none of the last five again,
optional expiry; argon2 hashes as before."""

from __future__ import annotations

import pytest

from tests.support import make_user, site_policy


def _change(client, name: str, old: str, new: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/password", json={"username": name, "password": old, "new_password": new})


@pytest.mark.parametrize("weak,why", [("Short-1", "at least 10"), ("alllowercaseletters", "mix at least 3"),
                                      ("lowercase-and-dashes", "mix at least 3")])
def test_weak_passwords_are_refused_when_accounts_are_made(service, weak: str, why: str) -> None:
    from scheduler.core.accounts import AccountError

    with pytest.raises(AccountError, match=why) as info:
        make_user("weak", "auditor", password=weak)
    assert info.value.field == "password"


def test_a_change_needs_the_old_password_keeps_the_rules_and_ends_the_sessions(client, service) -> None:
    from scheduler.core.accounts import authenticate
    from scheduler.core.db import session_scope

    make_user("gil", "auditor")
    h = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", data={"username": "gil", "password": "correct-horse-9"}).json()["access_token"]}
    assert _change(client, "gil", "not-the-Old-1", "Brand-new-pass-1").status_code == 401
    weak = _change(client, "gil", "correct-horse-9", "weak")
    assert weak.status_code == 422 and weak.json()["field"] == "new_password"
    assert _change(client, "gil", "correct-horse-9", "Brand-new-pass-1").status_code == 204
    assert client.get("/api/v1/me", headers=h).status_code == 401  # the old session ended
    with session_scope() as session:
        assert authenticate(session, "gil", "Brand-new-pass-1") is not None
        assert authenticate(session, "gil", "correct-horse-9") is None


def test_none_of_the_last_five_passwords_comes_back(client, service) -> None:
    make_user("hal", "auditor", password="Password-0")
    for i in range(1, 6):
        assert _change(client, "hal", f"Password-{i - 1}", f"Password-{i}").status_code == 204
    for old in ("Password-5", "Password-4", "Password-1"):
        r = _change(client, "hal", "Password-5", old)
        assert r.status_code == 422 and "last 5" in r.json()["detail"]
    assert _change(client, "hal", "Password-5", "Password-0").status_code == 204  # six changes ago: allowed


def test_an_expired_password_must_be_changed_before_login(client, service, monkeypatch) -> None:
    from datetime import timedelta

    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import User

    site_policy(monkeypatch, service.path, "auth:\n  second_factor_roles: []\n  password: {max_age_days: 90}\n")
    make_user("ivy", "auditor")
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == "ivy")).one()
        user.password_changed_at = user.password_changed_at - timedelta(days=91)
    r = client.post("/api/v1/auth/token", data={"username": "ivy", "password": "correct-horse-9"})
    assert r.status_code == 401 and r.json()["field"] == "password" and "expired" in r.json()["detail"]
    assert _change(client, "ivy", "correct-horse-9", "Fresh-password-2").status_code == 204
    assert client.post("/api/v1/auth/token", data={"username": "ivy", "password": "Fresh-password-2"}).status_code == 200


def test_the_policy_refuses_bad_password_rules_with_the_line() -> None:
    from policies.loader import PolicyError, parse_policy

    with pytest.raises(PolicyError, match=r"line 3: auth.password.min_length: must be >= 8"):
        parse_policy("auth:\n  password:\n    min_length: 4\n", "site.yaml")
    with pytest.raises(PolicyError, match=r"auth.lockout.failures: must be >= 1"):
        parse_policy("auth:\n  lockout: {failures: 0}\n", "site.yaml")
    with pytest.raises(PolicyError, match=r"auth.second_factor_roles\[0\]: unknown role 'mayor'"):
        parse_policy("auth:\n  second_factor_roles: [mayor]\n", "site.yaml")
