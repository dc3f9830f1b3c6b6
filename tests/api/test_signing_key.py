"""The token signing key lives outside the database, in an owner-only file or the environment; the
database file is owner-only too; and a token may not live longer than the service allows."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path

import jwt
import pytest

from tests.support import logged_in


def test_a_token_signed_with_the_right_key_but_ten_years_long_is_refused(client) -> None:
    from scheduler.core.accounts import signing_key
    from scheduler.core.db import utcnow

    h = logged_in(client, {"prov": ("province-operator", None)})
    assert client.get("/api/v1/clouds", headers=h["prov"]).status_code == 200
    now = utcnow()
    forged = jwt.encode({"sub": "prov", "role": "province-operator", "scope": None, "iat": now,
                         "exp": now + timedelta(days=3650)}, signing_key(), algorithm="HS256")
    r = client.get("/api/v1/clouds", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and "longer" in r.json()["detail"]


def test_the_key_file_is_made_owner_only_and_a_wider_one_is_refused(tmp_path: Path, monkeypatch) -> None:
    from scheduler.core.accounts import KeyFileError, signing_key
    from scheduler.core.settings import get_settings

    key_file = tmp_path / "qianyun-secret.key"
    monkeypatch.delenv("QIANYUN_SECRET_KEY", raising=False)
    monkeypatch.setenv("QIANYUN_SECRET_KEY_FILE", str(key_file))
    get_settings.cache_clear()
    try:
        key = signing_key()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(key) >= 32
        assert signing_key() == key  # made once, read back after
        os.chmod(key_file, 0o644)
        with pytest.raises(KeyFileError, match="chmod 600"):
            signing_key()
    finally:
        get_settings.cache_clear()


def test_the_sqlite_database_files_are_owner_only(tmp_path: Path) -> None:
    """SQLite keeps accounts and the audit trail in files of ours (a PostgreSQL server keeps its own)."""
    from sqlalchemy import text

    from scheduler.core.db import engine_for

    url = f"sqlite:///{tmp_path / 'owner-only.db'}"
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("create table t (x int)"))
        with engine.connect() as conn:  # a new connection narrows what the first one created
            conn.execute(text("select 1"))
        assert stat.S_IMODE((tmp_path / "owner-only.db").stat().st_mode) == 0o600
    finally:
        engine.dispose()
        engine_for.cache_clear()


def test_the_signing_key_is_not_in_the_database(client) -> None:
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import ServiceSetting

    logged_in(client, {"prov": ("province-operator", None)})
    with session_scope() as session:
        assert "jwt_key" not in {s.key for s in session.exec(select(ServiceSetting))}
