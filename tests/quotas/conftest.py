"""Quota tests: a department admin of Guiyang, Guiyang's and Zunyi's operators and the province centre,
logged in, on the small simulated fleet (quotas seeded at the first sync)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import login, make_user

BIG = {"vcpu": 1.0e6}


@pytest.fixture
def who(client) -> dict[str, Any]:
    """Headers per user, and the department the `dept` admin runs (a Guiyang city bureau with county offices)."""
    users = {"prov": ("province-operator", None), "gy": ("city-operator", "gy"), "zy": ("city-operator", "zy"),
             "aud": ("auditor", None), "dept": ("department-admin", "gy-bigdata-bureau"),
             "county": ("department-admin", "gy-huaxi-bigdata-center"),
             "zydept": ("department-admin", "zy-bigdata-bureau")}
    for name, (role, scope) in users.items():
        make_user(name, role, scope)
    return {name: login(client, name) for name in users}


def standing(client, headers: dict[str, str], department: str, cloud: str) -> dict[str, Any]:
    items = client.get(f"/api/v1/quotas?department={department}&cloud={cloud}", headers=headers).json()["items"]
    return items[0] if items else {}


def set_quota(department: str, cloud: str, **amounts: float) -> None:
    """Put a department's quota at exactly these amounts (tests only; the service grants through requests)."""
    from sqlmodel import select

    from scheduler import quotas
    from scheduler.core.db import session_scope
    from scheduler.core.models import RESOURCES
    from scheduler.quotas.models import Quota

    with session_scope() as session:
        row = session.exec(select(Quota).where(Quota.department_id == department, Quota.cloud_id == cloud)).first()
        now = quotas.amounts_of(row) if row else quotas.zero()
        quotas.grant(session, "test", department, cloud, {r: amounts.get(r, now[r]) - now[r] for r in RESOURCES}, "test")
