"""The public objection limit (5 an hour per client address) holds under a burst, on a served process:
the count and the insert are serialised per address (issue 22: 50 posts at once let 13-19 through)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from scheduler.tenants.objections import PUBLIC_PER_HOUR
from tests.support import free_port, in_own_loop, serve

ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3")  # loopback only: Linux routes all of 127/8 to lo
BURST = 50  # posts per address, all in flight together


async def _burst(base: str, address: str, body: dict[str, str]) -> list[httpx.Response]:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    limits = httpx.Limits(max_connections=BURST, max_keepalive_connections=0)
    async with httpx.AsyncClient(transport=transport, limits=limits, timeout=60) as client:  # hang guard: a post takes ms
        return list(await asyncio.gather(*(client.post(base + "/api/v1/opendata/objections", json=body)
                                           for _ in range(BURST))))


async def _all(base: str, body: dict[str, str]) -> dict[str, list[httpx.Response]]:
    results = await asyncio.gather(*(_burst(base, a, body) for a in ADDRESSES))
    return dict(zip(ADDRESSES, results))


@contextlib.contextmanager
def _served(db_url: str, tmp_path, extra: dict[str, str] | None = None) -> Iterator[tuple[str, dict[str, str]]]:
    """`qianyun serve --demo` on the small fleet (its demo catalog publishes data sets); yields its base
    address and a valid objection body, and stops it afterwards."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANYUN_")}
    env.update({"QIANYUN_DATABASE_URL": db_url, "QIANYUN_SIM_STATE_PATH": str(tmp_path / "sim.db"),
                "QIANYUN_SIM_HOSTS": "60", "QIANYUN_SIM_WORKLOADS": "500", "QIANYUN_SCHEDULER_ENABLED": "false",
                "QIANYUN_SECRET_KEY": secrets.token_urlsafe(32), **(extra or {})})
    proc = serve(port, env, tmp_path, "--demo")
    try:
        base = f"http://127.0.0.1:{port}"
        code = httpx.get(base + "/api/v1/opendata/datasets", params={"limit": 1}).json()["items"][0]["code"]
        yield base, {"dataset": code, "text": "the figures of this data set are a year old"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_burst_from_three_addresses_gets_exactly_the_limit_each(db_url: str, tmp_path) -> None:
    from sqlalchemy import func
    from sqlmodel import Session, select

    from scheduler.core.db import engine_for
    from scheduler.tenants.models import CatalogObjection

    with _served(db_url, tmp_path) as (base, body):
        answers = in_own_loop(lambda: _all(base, body))
    for address, responses in answers.items():
        codes = Counter(r.status_code for r in responses)
        assert codes == {201: PUBLIC_PER_HOUR, 429: BURST - PUBLIC_PER_HOUR}, (address, codes)
        refused = [r for r in responses if r.status_code == 429]
        assert all(r.headers.get("Retry-After") == "3600" for r in refused), address
        assert all(r.json()["code"] == "objection.rate_limited" and r.json()["params"] == {"n": PUBLIC_PER_HOUR}
                   for r in refused), address
        tokens = [r.json()["token"] for r in responses if r.status_code == 201]
        assert len(set(tokens)) == PUBLIC_PER_HOUR
    # what is stored agrees: five per address, none beyond
    engine = engine_for(db_url)
    try:
        with Session(engine) as session:
            per_client = session.exec(select(CatalogObjection.client_hash, func.count())
                                      .where(CatalogObjection.source == "public")
                                      .group_by(CatalogObjection.client_hash)).all()
    finally:
        engine.dispose()
    assert sorted(n for _, n in per_client) == [PUBLIC_PER_HOUR] * len(ADDRESSES)


@pytest.fixture(autouse=True)
def _loopback_aliases() -> None:
    """127.0.0.2 and .3 must be bindable (they are on Linux, where lo holds all of 127/8)."""
    import socket

    for a in ADDRESSES:
        with socket.socket() as s:
            s.bind((a, 0))


def _post_with_forwarded(db_url: str, tmp_path, extra: dict[str, str], n: int) -> Counter:
    """n objections from 127.0.0.1, each claiming another client address in X-Forwarded-For."""
    with _served(db_url, tmp_path, extra) as (base, body):
        return Counter(httpx.post(base + "/api/v1/opendata/objections", json=body,
                                  headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(n))


def test_x_forwarded_for_is_not_believed_from_a_client_that_is_no_configured_proxy(db_url: str, tmp_path) -> None:
    """The issue sent 50 objections with varied headers from loopback and all 50 were accepted."""
    codes = _post_with_forwarded(db_url, tmp_path, {}, 8)
    assert codes == {201: PUBLIC_PER_HOUR, 429: 8 - PUBLIC_PER_HOUR}


def test_x_forwarded_for_is_believed_from_a_configured_proxy(db_url: str, tmp_path) -> None:
    codes = _post_with_forwarded(db_url, tmp_path, {"QIANYUN_TRUSTED_PROXIES": "127.0.0.1"}, 8)
    assert codes == {201: 8}  # eight clients behind the proxy, one objection each
