"""Who may read the leader's status, what it says, and the two probes a load balancer asks."""

from __future__ import annotations

import json
import subprocess

from tests.support import QIANYUN, login, make_user


def test_leader_status_for_the_province_centre_only(client) -> None:  # type: ignore[no-untyped-def]
    for name, role, scope in (("prov", "province-operator", None), ("aud", "auditor", None),
                              ("gy1", "city-operator", "gy")):
        make_user(name, role, scope)
    body = client.get("/api/v1/system/leader", headers=login(client, "prov")).json()
    assert body["leader"] and body["epoch"] >= 1 and body["lease_age_s"] >= 0
    assert [r["leader"] for r in body["replicas"]] == [True]
    for name in ("gy1", "aud"):  # the auditor reads the audit trail only
        r = client.get("/api/v1/system/leader", headers=login(client, name))
        assert r.status_code == 403 and r.json()["field"] == "role"
    assert client.get("/api/v1/system/leader").status_code == 401


def test_leader_status_on_the_command_line(client, service) -> None:  # type: ignore[no-untyped-def]
    out = subprocess.run([QIANYUN, "leader", "status"], cwd=service.path, capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ})
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["leader"] and body["epoch"] >= 1 and len(body["replicas"]) == 1


def test_ready_only_at_the_schemas_head_and_alive_regardless(client) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from scheduler.core.db import session_scope

    assert client.get("/readyz").json()["status"] == "ready"
    assert client.get("/healthz").json()["leader"] is True
    with session_scope() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0010'"))
    r = client.get("/readyz")
    assert r.status_code == 503 and "qianyun db upgrade" in r.json()["detail"]
    assert client.get("/healthz").status_code == 200
