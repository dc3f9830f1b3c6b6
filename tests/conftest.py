"""Shared fixtures: a fresh service database on SQLite and, where given, on a real PostgreSQL.

CI (`.ci/run`) starts Debian's PostgreSQL and sets QIANYUN_TEST_POSTGRES_URL, so every test that
uses `service` runs on both databases. Without that URL the PostgreSQL half is skipped locally and
is an error under CI=true, so a missing server can never pass as green.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_URL = os.environ.get("QIANYUN_TEST_POSTGRES_URL")
LAB_POLICY = str(Path(__file__).resolve().with_name("lab-policy.yaml"))
"""A lab's site policy (no second factor): every test runs under it unless it sets its own."""
SMALL_FLEET = {"QIANYUN_SIM_HOSTS": "60", "QIANYUN_SIM_WORKLOADS": "500", "QIANYUN_PLAN_TIME_LIMIT_S": "2"}


@pytest.fixture(autouse=True)
def lab_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANYUN_POLICY_FILE", LAB_POLICY)
    from scheduler.core.settings import get_settings

    get_settings.cache_clear()


def _reset_caches() -> None:
    from scheduler.core.registry import _adapters_for
    from scheduler.core.settings import get_settings

    from scheduler.core import names, site_policy

    names.forget()
    get_settings.cache_clear()
    _adapters_for.cache_clear()
    site_policy.forget()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'qianyun.db'}"
        return
    if not PG_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the suite on PostgreSQL: QIANYUN_TEST_POSTGRES_URL is not set")
        pytest.skip("QIANYUN_TEST_POSTGRES_URL not set (CI sets it; see .ci/run)")
    import psycopg

    name = "qy_" + uuid.uuid4().hex[:12]
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    yield url
    from scheduler.core.db import engine_for

    engine_for(url).dispose()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Service:
    url: str
    path: Path

    def session(self):  # type: ignore[no-untyped-def]
        from scheduler.core.db import session_scope

        return session_scope()


@pytest.fixture
def service(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    """A migrated, synced service database over a small simulated fleet; the loop is off."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QIANYUN_DATABASE_URL", db_url)
    monkeypatch.setenv("QIANYUN_SIM_STATE_PATH", str(tmp_path / "sim.db"))
    monkeypatch.setenv("QIANYUN_SCHEDULER_ENABLED", "false")
    monkeypatch.setenv("QIANYUN_SECRET_KEY", "test-key-" + uuid.uuid4().hex)
    for k, v in SMALL_FLEET.items():
        monkeypatch.setenv(k, v)
    _reset_caches()
    from scheduler.core.migrate import upgrade
    from scheduler.core.registry import get_adapters
    from scheduler.core.sync import sync_all

    upgrade()
    sync_all(get_adapters().all())
    yield Service(db_url, tmp_path)
    _reset_caches()


@pytest.fixture
def client(service: Service):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from api.app import create_app

    # the tests read the service's sentences in English (Chinese is the default: tests/i18n reads that)
    with TestClient(create_app(), headers={"Accept-Language": "en"}) as c:
        yield c
