"""Quota tests: a department admin of Guiyang, Guiyang's and Zunyi's operators and the province centre,
logged in, on the small simulated fleet (quotas seeded at the first sync)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import login, make_user

BIG = {"vcpu": 1.0e6}


@pytest.fixture
def demo_fleet(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated service database over the demo's fleet (the simulator's default size: 300 hosts, 3,000
    workloads), synced as `qianyun serve --demo` syncs it; the loop is off."""
    from tests.conftest import SECRET_KEY, SMALL_FLEET, _reset_caches, prepared

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QIANYUN_DATABASE_URL", db_url)
    monkeypatch.setenv("QIANYUN_SIM_STATE_PATH", str(tmp_path / "sim.db"))
    monkeypatch.setenv("QIANYUN_SCHEDULER_ENABLED", "false")
    monkeypatch.setenv("QIANYUN_SECRET_KEY", SECRET_KEY)
    for k in SMALL_FLEET:
        monkeypatch.delenv(k, raising=False)
    _reset_caches()
    from scheduler.core.settings import get_settings

    assert (get_settings().sim_hosts, get_settings().sim_workloads) == (300, 3000)  # the demo fleet
    prepared(db_url, tmp_path, tmp_path_factory)
    _reset_caches()
    yield db_url
    _reset_caches()


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
