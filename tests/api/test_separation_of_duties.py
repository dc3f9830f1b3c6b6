"""The three powers apart (三权分立): the system administrator manages accounts but approves nothing
and reads no audit; the security administrator edits the site policy, checked and audited; neither
the API nor the system administrator can grant any of the three powers."""

from __future__ import annotations

from tests.support import login, make_user


def _people(client) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    for name, role, scope in (("sysadm", "system-admin", None), ("secadm", "security-admin", None),
                              ("aud", "auditor", None), ("gy1", "city-operator", "gy")):
        make_user(name, role, scope)
    return {n: login(client, n) for n in ("sysadm", "secadm", "aud", "gy1")}


def test_the_system_admin_manages_accounts_and_nothing_else(client) -> None:  # type: ignore[no-untyped-def]
    h = _people(client)
    r = client.post("/api/v1/users", json={"username": "zy1", "role": "city-operator", "scope": "zy",
                                          "password": "correct-horse-9"}, headers=h["sysadm"])
    assert r.status_code == 201 and r.json()["scope"] == "zy"
    assert client.get("/api/v1/clouds", headers=login(client, "zy1")).status_code == 200
    names = [u["username"] for u in client.get("/api/v1/users", headers=h["sysadm"]).json()["items"]]
    assert {"zy1", "gy1", "aud"} <= set(names)
    for role in ("auditor", "security-admin", "system-admin"):
        r = client.post("/api/v1/users", json={"username": f"x-{role}", "role": role, "password": "correct-horse-9"},
                        headers=h["sysadm"])
        assert r.status_code == 403 and r.json()["field"] == "role", role
    r = client.patch("/api/v1/users/zy1", json={"role": "auditor"}, headers=h["sysadm"])
    assert r.status_code == 403 and r.json()["field"] == "role"
    assert client.patch("/api/v1/users/aud", json={"disabled": True}, headers=h["sysadm"]).status_code == 403
    r = client.patch("/api/v1/users/zy1", json={"disabled": True}, headers=h["sysadm"])
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert client.post("/api/v1/users", json={"username": "zy1", "role": "city-operator", "scope": "zy",
                                             "password": "correct-horse-9"}, headers=h["sysadm"]).status_code == 409
    assert client.get("/api/v1/audit/events", headers=h["sysadm"]).status_code == 403
    plan = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy"}, headers=h["gy1"]).json()
    assert client.post(f"/api/v1/plans/{plan['id']}/approve", headers=h["sysadm"]).status_code in (403, 404)
    for who in ("aud", "gy1", "secadm"):
        assert client.get("/api/v1/users", headers=h[who]).status_code == 403
    changes = client.get("/api/v1/audit/events?action=user.change", headers=h["aud"]).json()["items"]
    assert changes[0]["actor"] == "sysadm" and changes[0]["after"]["disabled"] is True


def test_the_security_admin_edits_the_site_policy_checked_and_audited(client) -> None:  # type: ignore[no-untyped-def]
    h = _people(client)
    before = client.get("/api/v1/policy", headers=h["gy1"]).json()
    r = client.put("/api/v1/policy/site", json={"yaml": "execution:\n  retries: -3\n"}, headers=h["secadm"])
    assert r.status_code == 422 and r.json()["field"] == "policy" and "line 2" in r.json()["detail"]
    assert client.get("/api/v1/policy", headers=h["gy1"]).json() == before, "nothing stored"
    current = client.get("/api/v1/policy/site", headers=h["secadm"]).json()["yaml"]  # the site file's, as it stands
    new = current + "execution:\n  retries: 1\n"
    r = client.put("/api/v1/policy/site", json={"yaml": new}, headers=h["secadm"])
    assert r.status_code == 200
    assert client.get("/api/v1/policy", headers=h["gy1"]).json()["execution"]["retries"] == 1
    assert client.get("/api/v1/policy/site", headers=h["secadm"]).json()["yaml"] == new
    for who in ("sysadm", "aud", "gy1"):
        assert client.put("/api/v1/policy/site", json={"yaml": ""}, headers=h[who]).status_code == 403
    ev = client.get("/api/v1/audit/events?action=policy.changed", headers=h["aud"]).json()["items"][0]
    assert ev["actor"] == "secadm" and "+  retries: 1" in ev["after"]["diff"]


def test_the_auditor_reads_the_audit_trail_and_nothing_else(client) -> None:  # type: ignore[no-untyped-def]
    """The auditor (审计管理员) reads, verifies and exports the audit: every other reading of the service
    (clouds, hosts, plans, drills, quotas, the catalog, the policy) is refused for its role, and the
    second factor is required of it by the shipped policy."""
    h = _people(client)
    get_ops = [(path, op) for path, ops in client.get("/openapi.json").json()["paths"].items()
               for method, op in ops.items() if method == "get" and "{" not in path]
    readable = []
    for path, op in get_ops:
        r = client.get(path, headers=h["aud"])
        if r.status_code == 200:
            readable.append(path)
        elif path.startswith("/api/v1/") and op.get("security"):
            assert r.status_code == 403 and r.json()["field"] == "role", (path, r.status_code, r.text)
    public = {path for path, op in get_ops if not op.get("security")}  # the open-data pages: anyone's
    assert {p for p in readable if p.startswith("/api/v1/") and p not in public} == {
        "/api/v1/audit/events", "/api/v1/audit/verify", "/api/v1/audit/export", "/api/v1/me"}
    for path in ("/api/v1/plans/1", "/api/v1/hosts/gy-h0001", "/api/v1/clouds/gy", "/api/v1/drills/1"):
        assert client.get(path, headers=h["aud"]).status_code == 403, path
    r = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy"}, headers=h["aud"])
    assert r.status_code == 403 and r.json()["field"] == "role"
    from policies.loader import load_policy

    assert "auditor" in load_policy(None).auth.second_factor_roles  # the shipped default, before any site file


def test_the_system_admin_resets_a_forgotten_password_and_a_lost_second_factor(client) -> None:  # type: ignore[no-untyped-def]
    h = _people(client)
    make_user("zy1", "city-operator", "zy")
    zy1 = login(client, "zy1")
    from scheduler.core import second_factor
    from scheduler.core.db import session_scope
    from scheduler.core.models import User
    from sqlmodel import select

    with session_scope() as session:
        second_factor.enrol_now(session, session.exec(select(User).where(User.username == "zy1")).one(), "test")
    assert client.get("/api/v1/users", headers=h["sysadm"]).json()["items"][-1]["second_factor"] is True
    assert client.get("/api/v1/me", headers=zy1).status_code == 200
    r = client.post("/api/v1/users/zy1/reset", json={}, headers=h["sysadm"])
    assert r.status_code == 422 and r.json()["field"] == "password"
    r = client.post("/api/v1/users/zy1/reset", json={"password": "short"}, headers=h["sysadm"])
    assert r.status_code == 422 and r.json()["field"] == "password"
    for who, name in (("sysadm", "aud"), ("sysadm", "secadm"), ("sysadm", "sysadm"), ("secadm", "zy1"), ("aud", "zy1")):
        r = client.post(f"/api/v1/users/{name}/reset", json={"second_factor": True}, headers=h[who])
        assert r.status_code == 403, (who, name, r.text)
    assert client.post("/api/v1/users/nobody/reset", json={"second_factor": True}, headers=h["sysadm"]).status_code == 404
    assert client.get("/api/v1/me", headers=zy1).status_code == 200, "a refused reset changes nothing"
    assert client.get("/api/v1/users", headers=h["sysadm"]).json()["items"][-1]["second_factor"] is True
    assert not client.get("/api/v1/audit/events?action=user.reset", headers=h["aud"]).json()["items"]
    r = client.post("/api/v1/users/zy1/reset", json={"password": "Zunyi-new-pass-7", "second_factor": True}, headers=h["sysadm"])
    assert r.status_code == 200 and r.json()["second_factor"] is False
    assert client.get("/api/v1/me", headers=zy1).status_code == 401, "the reset ends the user's sessions"
    assert client.post("/api/v1/auth/token", data={"username": "zy1", "password": "correct-horse-9"}).status_code == 401
    assert client.post("/api/v1/auth/token", data={"username": "zy1", "password": "Zunyi-new-pass-7"}).status_code == 200
    ev = client.get("/api/v1/audit/events?action=user.reset", headers=h["aud"]).json()["items"][0]
    assert ev["actor"] == "sysadm" and ev["entity_id"] == "zy1" and ev["after"] == {"password": True, "second_factor": True}
    trail = client.get("/api/v1/audit/export", headers=h["aud"]).text
    assert "user.password" in trail and "user.totp.reset" in trail and "Zunyi-new-pass-7" not in trail, "no password in the trail"
