"""Requests that cannot get a database connection in time are told to come back (503, Retry-After),
and the background work's own pool is untouched by them."""

from __future__ import annotations

from sqlalchemy import text

from tests.support import make_user


def test_an_exhausted_api_pool_answers_503_and_leaves_the_background_pool_free(service, monkeypatch) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from scheduler.core.db import engine_for, get_background_engine, get_engine
    from scheduler.core.settings import get_settings

    for k, v in {"QIANYUN_DB_POOL_SIZE": "1", "QIANYUN_DB_MAX_OVERFLOW": "0", "QIANYUN_DB_POOL_TIMEOUT_S": "0.2"}.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    engine_for.cache_clear()
    make_user("prov", "province-operator")
    with TestClient(create_app()) as client:
        token = client.post("/api/v1/auth/token", data={"username": "prov", "password": "correct-horse-9"}).json()
        h = {"Authorization": f"Bearer {token['access_token']}"}
        held = get_engine().connect()  # the API's only connection, taken
        try:
            r = client.get("/api/v1/clouds", headers=h)
            assert r.status_code == 503 and r.headers["Retry-After"] == "1", r.text
            assert r.json()["field"] is None and "busy" in r.json()["detail"]
            with get_background_engine().connect() as conn:  # the plan runner's pool is not the API's
                assert conn.execute(text("select 1")).scalar_one() == 1
        finally:
            held.close()
        assert client.get("/api/v1/clouds", headers=h).status_code == 200
    engine_for.cache_clear()
