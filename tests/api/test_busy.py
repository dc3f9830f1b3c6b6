"""Requests that cannot get a database connection in time are told to come back (503, Retry-After),
and the background work's own pool is untouched by them."""

from __future__ import annotations

from sqlalchemy import text

from tests.support import in_own_loop, make_user


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
            assert r.json()["field"] is None and r.json()["code"] == "error.busy"  # no Accept-Language: Chinese
            with get_background_engine().connect() as conn:  # the plan runner's pool is not the API's
                assert conn.execute(text("select 1")).scalar_one() == 1
        finally:
            held.close()
        assert client.get("/api/v1/clouds", headers=h).status_code == 200
    engine_for.cache_clear()


def test_requests_beyond_the_connections_wait_their_turn_and_are_all_answered(service, tmp_path) -> None:
    """Two connections and two worker threads, thirty requests at once. Before the turns, a thread
    waiting in the pool for a connection kept the requests holding both connections from their next
    step until the pool's timeout: 503s. Now the waiting is done before a thread or connection is taken."""
    import asyncio
    import os

    import httpx

    from tests.support import free_port, serve

    make_user("prov", "province-operator")
    env = {**os.environ, "QIANYUN_DB_POOL_SIZE": "2", "QIANYUN_DB_MAX_OVERFLOW": "0", "QIANYUN_API_THREADS": "2",
           "QIANYUN_DB_POOL_TIMEOUT_S": "20", "QIANYUN_SCHEDULER_ENABLED": "false"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = serve(port, env, tmp_path)
    try:
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "prov", "password": "correct-horse-9"}).json()
        h = {"Authorization": f"Bearer {token['access_token']}"}

        async def burst() -> list[int]:
            async with httpx.AsyncClient(base_url=base, headers=h, timeout=120) as client:  # hang guard
                paths = ["/api/v1/hosts?limit=50", "/api/v1/workloads?limit=50", "/api/v1/clouds"] * 10
                return [r.status_code for r in await asyncio.gather(*(client.get(p) for p in paths))]

        codes = in_own_loop(lambda: burst())  # a browser test may have left this thread's loop running
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert codes == [200] * 30, codes
