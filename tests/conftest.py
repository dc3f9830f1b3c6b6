"""Shared fixtures: a fresh service database on SQLite and, where given, on a real PostgreSQL.

CI (`.ci/run`) starts Debian's PostgreSQL and sets QIANYUN_TEST_POSTGRES_URL, so every test that
uses `service` runs on both databases. Without that URL the PostgreSQL half is skipped locally and
is an error under CI=true, so a missing server can never pass as green.
"""

from __future__ import annotations

import functools
import os
import shutil
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


class _ArgonOnce:
    """The service's argon2 hasher, each answer worked out once per test process.

    argon2 is slow on purpose (0.15-0.2 s a hash or a check here), and the suite makes and logs in the
    same few users with the same password in nearly every test: over half of the suite's setup time
    went there. Hashing and checking are pure functions of their inputs (a hash embeds its salt), so a
    remembered answer is the one argon2 gives; only the cost is saved. Served processes (`qianyun
    serve` in tests/cli, tests/ha) hash for real."""

    def __init__(self, real: object) -> None:
        self.hash = functools.cache(real.hash)  # type: ignore[attr-defined]
        self.verify = functools.cache(real.verify)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True, scope="session")
def argon2_once() -> Iterator[None]:
    from scheduler.core import accounts

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_hasher", _ArgonOnce(accounts._hasher))
        yield


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


SECRET_KEY = "test-key-" + uuid.uuid4().hex
"""One signing key per test process, so a prepared database's rows stay valid in every copy of it."""
TEMPLATE_USES = 30
"""A prepared database is made again after this many copies, so a copy is never much older than a fresh
sync (a few minutes at most): counted, not timed."""


@dataclass
class _Template:
    folder: Path
    url: str
    uses: int = 0


_templates: dict[tuple[object, ...], _Template] = {}


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:  # type: ignore[union-attr]
        conn.execute(sql)


def _dispose(url: str) -> None:
    from scheduler.core.db import engine_for

    engine_for(url).dispose()
    engine_for(url, background=True).dispose()


def _sqlite_copy(src: Path, dst: Path) -> None:
    import sqlite3

    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    dst.chmod(0o600)


def prepared(db_url: str, tmp_path: Path, factory: pytest.TempPathFactory) -> None:
    """Migrate and sync the service's database into `db_url` (the simulator's state into tmp_path),
    as the first `qianyun serve` does. Done once per setting and worker, then copied: migrations and
    the first sync are most of a test's setup, and a copy is the same bytes."""
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("QIANYUN_")
                       and k not in ("QIANYUN_DATABASE_URL", "QIANYUN_SIM_STATE_PATH")))
    key = (kind, env)
    tpl = _templates.get(key)
    if tpl is None or tpl.uses >= TEMPLATE_USES:
        if tpl is not None and kind == "postgresql":
            _pg_admin(f'DROP DATABASE IF EXISTS "{tpl.url.rsplit("/", 1)[1]}" WITH (FORCE)')
        tpl = _templates[key] = _make_template(kind, factory)
    tpl.uses += 1
    for f in tpl.folder.iterdir():
        if f.name == "qianyun.db" or f.suffix in (".db-wal", ".db-shm"):
            continue
        if f.suffix == ".db":
            _sqlite_copy(f, tmp_path / f.name)
        else:
            shutil.copy2(f, tmp_path / f.name)
    if kind == "sqlite":
        _sqlite_copy(tpl.folder / "qianyun.db", Path(db_url.removeprefix("sqlite:///")))
    else:
        name = db_url.rsplit("/", 1)[1]
        _pg_admin(f'DROP DATABASE "{name}"')
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{tpl.url.rsplit("/", 1)[1]}"')


def _make_template(kind: str, factory: pytest.TempPathFactory) -> _Template:
    from scheduler.core.migrate import upgrade
    from scheduler.core.registry import get_adapters
    from scheduler.core.sync import sync_all

    folder = factory.mktemp("prepared")
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'qianyun.db'}"
    else:
        name = "qyt_" + uuid.uuid4().hex[:12]
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = f"{PG_URL.rsplit('/', 1)[0]}/{name}"  # type: ignore[union-attr]
    saved = {k: os.environ.get(k) for k in ("QIANYUN_DATABASE_URL", "QIANYUN_SIM_STATE_PATH")}
    cwd = os.getcwd()
    try:
        os.environ["QIANYUN_DATABASE_URL"] = url
        os.environ["QIANYUN_SIM_STATE_PATH"] = str(folder / "sim.db")
        os.chdir(folder)
        _reset_caches()
        upgrade()
        sync_all(get_adapters().all())
    finally:
        _reset_caches()
        _dispose(url)
        os.chdir(cwd)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return _Template(folder, url)


@pytest.fixture
def service(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A migrated, synced service database over a small simulated fleet; the loop is off."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QIANYUN_DATABASE_URL", db_url)
    monkeypatch.setenv("QIANYUN_SIM_STATE_PATH", str(tmp_path / "sim.db"))
    monkeypatch.setenv("QIANYUN_SCHEDULER_ENABLED", "false")
    monkeypatch.setenv("QIANYUN_SECRET_KEY", SECRET_KEY)
    for k, v in SMALL_FLEET.items():
        monkeypatch.setenv(k, v)
    prepared(db_url, tmp_path, tmp_path_factory)
    _reset_caches()
    yield Service(db_url, tmp_path)
    _reset_caches()


@pytest.fixture
def client(service: Service):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from api.app import create_app

    # the tests read the service's sentences in English (Chinese is the default: tests/i18n reads that)
    with TestClient(create_app(), headers={"Accept-Language": "en"}) as c:
        yield c


LONG_FILES = ("tests/security/test_fuzz.py", "tests/ha/test_standby.py", "tests/ha/test_replicas.py",
              "tests/data_platform/test_objection_burst.py", "tests/plans/test_execution_faults.py",
              "tests/drills/test_drill_restart.py", "tests/api/test_openapi_fuzz.py")
"""The files that take longest (minutes each; `--durations` shows them), handed out first."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` runs `--dist loadfile`: each file goes whole to the next free worker, in collection
    order. Handing the longest files out first (as a longest-job-first schedule does) keeps one worker
    from running a long file alone at the end while the other idles; the rest keep their order."""
    first = {f: k for k, f in enumerate(LONG_FILES)}
    items.sort(key=lambda item: first.get(item.nodeid.split("::", 1)[0], len(first)))
