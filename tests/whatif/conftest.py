"""What-if tests: the province centre, a DR coordinator, Guiyang's and Zunyi's operators and a department
admin of Guiyang, logged in, on the small simulated fleet."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support import login, make_user


@pytest.fixture
def who(client) -> dict[str, dict[str, str]]:
    users = {"prov": ("province-operator", None), "dr": ("dr-coordinator", None), "gy": ("city-operator", "gy"),
             "zy": ("city-operator", "zy"), "aud": ("auditor", None), "dept": ("department-admin", "gy-bigdata-bureau")}
    for name, (role, scope) in users.items():
        make_user(name, role, scope)
    return {name: login(client, name) for name in users}


def answered(client, headers: dict[str, str], scenario_id: int, timeout: float = 120) -> dict[str, Any]:
    """The scenario once the leader's runner has answered it (done or failed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/scenarios/{scenario_id}", headers=headers).json()
        if body["state"] != "pending":
            return body
        time.sleep(0.1)
    raise AssertionError(f"scenario {scenario_id} still pending after {timeout}s")


def scenario(client, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    r = client.post("/api/v1/scenarios", json={"name": "test", **body}, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json()["state"] == "pending"
    out = answered(client, headers, r.json()["id"])
    assert out["state"] == "done", out["state_reason"]
    return out


def host_type_on(cloud: str) -> str:
    """The server model most hosts of the cloud have."""
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import Host

    with session_scope() as session:
        models = [h.model for h in session.exec(select(Host).where(Host.cloud_id == cloud)) if h.model]
    return max(sorted(set(models)), key=models.count)
