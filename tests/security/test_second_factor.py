"""Two factors (身份鉴别 d): TOTP (RFC 6238) enrolment, codes at login for the roles of the policy's
`auth.second_factor_roles`, recovery codes (shown once, stored hashed, single-use), and the commands
that enrol and reset."""

from __future__ import annotations

import os
import subprocess

import pyotp

from tests.support import QIANYUN, make_user, otp, site_policy

DEFAULT = ""  # an empty site file: the shipped policy, whose second_factor_roles name the operators


def _token(client, username: str, code: str | None = None, password: str = "correct-horse-9"):  # type: ignore[no-untyped-def]
    data = {"username": username, "password": password}
    if code is not None:
        data["otp"] = code
    return client.post("/api/v1/auth/token", data=data)


def _enrol(client, username: str) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    first = _token(client, username)
    assert first.status_code == 200 and first.json()["enrolment_required"] is True
    assert first.json()["refresh_token"] is None
    h = {"Authorization": f"Bearer {first.json()['access_token']}"}
    r = client.get("/api/v1/clouds", headers=h)
    assert r.status_code == 401 and "only enrol" in r.json()["detail"]
    enrol = client.post("/api/v1/auth/totp/enrol", headers=h).json()
    secret = enrol["secret"]
    assert enrol["otpauth_uri"] == pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Qianyun")
    # the QR code is that URI's (segno draws the same symbol for the same text), an SVG with no script
    import segno

    def path_of(svg: str) -> str:  # the modules drawn: the symbol itself, whatever the styling
        return svg.split('stroke="#111" d="')[1].split('"')[0]

    svg = enrol["qr_svg"]
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "<script" not in svg
    assert path_of(segno.make(enrol["otpauth_uri"], error="m").svg_inline(dark="#111", border=4)) == path_of(svg)
    assert path_of(segno.make(secret, error="m").svg_inline(dark="#111", border=4)) != path_of(svg)
    wrong = client.post("/api/v1/auth/totp/confirm", headers=h, json={"otp": "000000" if otp(secret) != "000000" else "111111"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "otp"
    codes = client.post("/api/v1/auth/totp/confirm", headers=h, json={"otp": otp(secret)}).json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.post("/api/v1/auth/totp/enrol", headers=h).status_code == 401  # confirming ended that session
    return secret, codes


def test_the_policy_names_the_roles_and_a_lab_may_set_none(client, service, monkeypatch) -> None:
    make_user("aud", "department-admin", _a_department())
    h = {"Authorization": f"Bearer {_token(client, 'aud').json()['access_token']}"}
    assert client.get("/api/v1/policy", headers=h).json()["auth"]["second_factor_roles"] == []  # the suite's lab
    site_policy(monkeypatch, service.path, DEFAULT)
    h = {"Authorization": f"Bearer {_token(client, 'aud').json()['access_token']}"}  # tokens are shorter now
    body = client.get("/api/v1/policy", headers=h).json()
    assert "auth" in body, body
    roles = body["auth"]["second_factor_roles"]
    assert {"province-operator", "city-operator", "industry-operator", "dr-coordinator", "data-authority"} <= set(roles)
    assert "department-admin" not in roles


def _a_department() -> str:
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import Department

    with session_scope() as session:
        return session.exec(select(Department.id)).first()  # type: ignore[return-value]


def test_an_operator_enrols_then_needs_a_code_each_login_and_a_code_works_once(client, service, monkeypatch) -> None:
    site_policy(monkeypatch, service.path, DEFAULT)
    make_user("prov", "province-operator")
    secret, _ = _enrol(client, "prov")
    missing = _token(client, "prov")
    assert missing.status_code == 401 and missing.json()["field"] == "otp"
    wrong = _token(client, "prov", "123456" if otp(secret) != "123456" else "654321")
    assert wrong.status_code == 401 and wrong.json()["field"] == "otp"
    assert _token(client, "prov", "not-a-code").json()["field"] == "otp"
    wrong_password = _token(client, "prov", otp(secret), password="wrong-Password-1")
    assert wrong_password.status_code == 401 and wrong_password.json()["field"] == "password"
    code = otp(secret, 1)
    ok = _token(client, "prov", code)
    assert ok.status_code == 200 and ok.json()["enrolment_required"] is False and ok.json()["refresh_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {ok.json()['access_token']}"})
    assert me.json()["username"] == "prov"
    replay = _token(client, "prov", code)
    assert replay.status_code == 401 and replay.json()["field"] == "otp"


def test_recovery_codes_are_stored_hashed_and_each_works_once(client, service, monkeypatch) -> None:
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import AuditEvent, RecoveryCode

    site_policy(monkeypatch, service.path, DEFAULT)
    make_user("drc", "dr-coordinator")
    _, codes = _enrol(client, "drc")
    with session_scope() as session:
        stored = [r.code_hash for r in session.exec(select(RecoveryCode))]
    assert len(stored) == 10 and all(h.startswith("$argon2") for h in stored)
    assert not set(codes) & set(stored)
    assert _token(client, "drc", codes[3]).status_code == 200
    again = _token(client, "drc", codes[3])
    assert again.status_code == 401 and again.json()["field"] == "otp"
    assert _token(client, "drc", codes[4]).status_code == 200
    with session_scope() as session:
        used = session.exec(select(AuditEvent).where(AuditEvent.action == "user.totp.recovery_used")).all()
    assert len(used) == 2


def test_a_role_outside_the_list_logs_in_with_a_password(client, service, monkeypatch) -> None:
    site_policy(monkeypatch, service.path, DEFAULT)
    make_user("dadm", "department-admin", _a_department())
    r = _token(client, "dadm")
    assert r.status_code == 200 and r.json()["enrolment_required"] is False
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).status_code == 200


def test_wrong_codes_count_as_failed_logins(client, service, monkeypatch) -> None:
    site_policy(monkeypatch, service.path, "auth:\n  lockout: {failures: 3, window_s: 300, lock_s: 600}\n")
    make_user("city", "city-operator", "gy")
    secret, _ = _enrol(client, "city")
    bad = "000000" if otp(secret) != "000000" else "111111"
    for _ in range(3):
        assert _token(client, "city", bad).status_code == 401
    assert _token(client, "city", otp(secret, 1)).status_code == 429


def test_the_commands_enrol_and_reset(client, service, monkeypatch) -> None:
    site_policy(monkeypatch, service.path, DEFAULT)
    make_user("edu", "industry-operator", "edu")
    env = os.environ.copy()
    r = subprocess.run([QIANYUN, "users", "totp-enrol", "edu"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    secret = r.stdout.split("TOTP secret (base32):")[1].split()[0]
    assert "otpauth://totp/" in r.stdout and len(r.stdout.split("recovery codes")[1].split()) >= 10
    ok = _token(client, "edu", otp(secret))
    assert ok.status_code == 200
    h = {"Authorization": f"Bearer {ok.json()['access_token']}"}
    r = subprocess.run([QIANYUN, "users", "totp-reset", "edu"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert client.get("/api/v1/me", headers=h).status_code == 401  # its sessions ended with the reset
    assert _token(client, "edu").json()["enrolment_required"] is True  # enrols again at the next login
    r = subprocess.run([QIANYUN, "users", "totp-reset", "nobody"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "username" in r.stderr


def test_one_code_sent_by_two_logins_at_once_lets_one_in(client, service, monkeypatch) -> None:
    from concurrent.futures import ThreadPoolExecutor

    site_policy(monkeypatch, service.path, DEFAULT)
    make_user("twin", "province-operator")
    secret, _ = _enrol(client, "twin")
    code = otp(secret, 1)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: _token(client, "twin", code).status_code, range(4)))
    assert sorted(answers) == [200, 401, 401, 401]
