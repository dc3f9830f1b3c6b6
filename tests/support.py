"""Helpers the tests share: accounts and logins, a real service process, and waiting on plans."""

from __future__ import annotations

from typing import Any


PASSWORD = "correct-horse-9"
"""The test users' password (the policy's rules: length and three character classes)."""


def make_user(username: str, role: str, scope: str | None = None, password: str = PASSWORD) -> str:
    from scheduler.core.accounts import add_user
    from scheduler.core.db import session_scope

    with session_scope() as session:
        add_user(session, username, role, scope, password)
    return password


def login(client, username: str, password: str = PASSWORD) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


QIANYUN = str(__import__("pathlib").Path(__import__("sys").executable).with_name("qianyun"))


def wait_healthy(base: str, proc, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    """Until the service answers /healthz; fail early if its process died."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the service exited with {proc.returncode} before it answered")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the service did not answer {base}/healthz within {timeout}s")


def serve(port: int, env: dict[str, str], cwd, *args: str, capture: bool = False):  # type: ignore[no-untyped-def]
    """A real `qianyun serve` on 127.0.0.1:port, answering before this returns.

    With `capture`, its output is kept for `communicate()`; keep such a run short, since a pipe
    nobody reads fills up and stalls the server."""
    import subprocess

    out = subprocess.PIPE if capture else subprocess.DEVNULL
    proc = subprocess.Popen([QIANYUN, "serve", "--port", str(port), *args], env=env, cwd=cwd,
                            stdout=out, stderr=subprocess.STDOUT, text=True)
    wait_healthy(f"http://127.0.0.1:{port}", proc)
    return proc


def logged_in(client, users: dict[str, tuple[str, str | None]]) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Make the users (name -> (role, scope)) plus `dept`, an admin of a Guiyang department; return their headers."""
    from sqlmodel import select

    from scheduler.core.db import session_scope
    from scheduler.core.models import Department

    for name, (role, scope) in users.items():
        make_user(name, role, scope)
    with session_scope() as session:
        dept = session.exec(select(Department.id).where(Department.city == "guiyang")).first()
    make_user("dept", "department-admin", dept)
    return {name: login(client, name) for name in [*users, "dept"]}


def wait_for(client, headers: dict[str, str], url: str, states: tuple[str, ...], timeout: float) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Poll a plan or drill until it reaches one of `states`; fail with where it stuck."""
    import time

    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(url, headers=headers).json()
        if body["state"] in states:
            return body
        time.sleep(0.1)
    raise AssertionError(f"{url} still {body.get('state')} after {timeout}s: {body.get('state_reason')}")


def wait_state(client, headers: dict[str, str], plan_id: int, states: tuple[str, ...], timeout: float = 60) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return wait_for(client, headers, f"/api/v1/plans/{plan_id}", states, timeout)


def wait_drill(client, headers: dict[str, str], drill_id: int,  # type: ignore[no-untyped-def]
               states: tuple[str, ...] = ("closed", "aborted"), timeout: float = 90) -> dict[str, Any]:
    return wait_for(client, headers, f"/api/v1/drills/{drill_id}", states, timeout)


def cloud_of_hosts() -> dict[str, str]:
    """The simulated clouds' own view: which cloud every host is on."""
    from scheduler.core.registry import get_adapters

    return {h["id"]: h["cloud"] for h in get_adapters().simulated.fleet_document()["hosts"]}


def placements(cloud: str | None = None) -> dict[str, str | None]:
    """The simulated clouds' own view: where every workload runs."""
    from scheduler.core.registry import get_adapters

    doc = get_adapters().simulated.fleet_document()
    hosts = {h["id"]: h["cloud"] for h in doc["hosts"]}
    return {w["id"]: w["host"] for w in doc["workloads"] if cloud is None or hosts.get(w["host"]) == cloud}


def running_prometheus(state, targets: list[str]):  # type: ignore[no-untyped-def]
    """Debian's Prometheus (tests/servers/prometheus.sh) scraping `targets` every second; a context manager.

    Locally a missing `prometheus` binary skips the test; under CI=true it fails it (`.ci/run` installs it)."""
    import contextlib
    import json
    import os
    import shutil
    import subprocess
    from pathlib import Path

    import pytest

    script = Path(__file__).resolve().parent / "servers" / "prometheus.sh"
    if shutil.which("prometheus") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the Prometheus tests: the `prometheus` binary is missing (see .ci/run)")
        pytest.skip("Debian's prometheus is not installed (apt-get install prometheus; CI does)")

    @contextlib.contextmanager
    def _run():  # type: ignore[no-untyped-def]
        (Path(state) / "targets.json").write_text(json.dumps([{"targets": targets}]))
        started = subprocess.run(["bash", str(script), "start", str(state), str(free_port())],
                                 capture_output=True, text=True, timeout=120)
        try:
            assert started.returncode == 0, started.stderr
            yield started.stdout.strip().splitlines()[-1]
        finally:
            subprocess.run(["bash", str(script), "stop", str(state)], capture_output=True, timeout=60)

    return _run()


def otp(secret: str, step: int = 0) -> str:
    """The TOTP code of `secret` for this 30-second step (`step` 1: the next one, which the service
    also takes for clock drift); a code is accepted once, so a second login in one step uses the next."""
    from datetime import UTC, datetime, timedelta

    import pyotp

    return pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30 * step))


def site_policy(monkeypatch, folder, text: str) -> str:  # type: ignore[no-untyped-def]
    """Run under a site policy of `text` (in place of the lab policy the suite runs under); its path."""
    from pathlib import Path

    from scheduler.core.settings import get_settings

    path = Path(folder) / "site-policy.yaml"
    path.write_text(text)
    monkeypatch.setenv("QIANYUN_POLICY_FILE", str(path))
    get_settings.cache_clear()
    return str(path)


LAB = (__import__("pathlib").Path(__file__).resolve().with_name("lab-policy.yaml")).read_text()
"""The suite's lab policy as text: a test writing its own site file appends it to keep the suite's logins."""


def in_own_loop(make):  # type: ignore[no-untyped-def]
    """asyncio.run(make()) in a thread of its own: the test's thread may already run an event loop
    (Playwright's sync API leaves one in the worker that ran a browser test)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
