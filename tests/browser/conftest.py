"""A real `qianyun serve` on a small fleet, and Debian's Chromium driven by Playwright, for the console.

The server runs as a subprocess in a temp folder, with users made by `qianyun users add
--password-stdin`, exactly as an operator would. Playwright brings its driver but never a browser:
it starts /usr/bin/chromium (Debian's package), headless, with --no-sandbox. Where Chromium is
missing the tests are skipped locally and FAIL under CI=true, so a missing browser never passes as green.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = os.environ.get("QIANYUN_TEST_CHROMIUM", "/usr/bin/chromium")
QIANYUN = str(Path(sys.executable).with_name("qianyun"))
PASSWORD = "console-test-9"
# Flags that keep Chromium quiet on a closed network: no phoning home, no sandbox (root in CI).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def _need(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests need it under CI: {why}")
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Console:
    """The running service: its address, folder, users and where screenshots go."""

    url: str
    folder: Path
    shots: Path
    users: dict[str, str] = field(default_factory=dict)  # username -> role
    env: dict[str, str] = field(default_factory=dict)  # the service's environment, for `qianyun` commands


def _wait_for_utilisation(url: str, deadline: float) -> None:
    """The first metrics rollup runs one interval after the start: wait for it, so pages show real figures."""
    token = httpx.post(url + "/api/v1/auth/token", data={"username": "province", "password": PASSWORD}).json()["access_token"]
    while time.monotonic() < deadline:
        u = httpx.get(url + "/api/v1/clouds/gy/utilisation", headers={"Authorization": f"Bearer {token}"}).json()
        if u["resources"] and u["resources"][0]["latest"] is not None:
            return
        time.sleep(0.5)


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    folder = tmp_path_factory.mktemp("console")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANYUN_")}
    env.update({
        "QIANYUN_DATABASE_URL": f"sqlite:///{folder / 'qianyun.db'}",
        "QIANYUN_SIM_STATE_PATH": str(folder / "sim.db"),
        "QIANYUN_SIM_HOSTS": "60", "QIANYUN_SIM_WORKLOADS": "500",
        "QIANYUN_PLAN_TIME_LIMIT_S": "2", "QIANYUN_SIM_ACTION_DELAY_S": "0.1",
        "QIANYUN_METRICS_INTERVAL_S": "5",  # utilisation rollups appear within the test's life
        "QIANYUN_SECRET_KEY": secrets.token_urlsafe(32),
        # a lab's policy (tests/lab-policy.yaml): the console's users log in with a password alone
        "QIANYUN_POLICY_FILE": str(Path(__file__).resolve().parents[1] / "lab-policy.yaml"),
    })

    def add(username: str, role: str, scope: str | None = None) -> None:
        cmd = [QIANYUN, "users", "add", username, "--role", role, "--password-stdin"] + (["--scope", scope] if scope else [])
        r = subprocess.run(cmd, input=PASSWORD + "\n", text=True, capture_output=True, cwd=folder, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
        users[username] = role

    users: dict[str, str] = {}
    add("province", "province-operator")  # the first command also migrates and syncs the fleet
    with sqlite3.connect(folder / "qianyun.db") as db:  # a Guiyang county office makes the department admin
        dept = db.execute("SELECT id FROM department WHERE city = 'guiyang' ORDER BY level = 'county' DESC, id LIMIT 1").fetchone()[0]
    add("gy-operator", "city-operator", "gy")
    add("dept-admin", "department-admin", dept)
    add("auditor", "auditor")

    log = open(folder / "serve.log", "w")
    proc = subprocess.Popen([QIANYUN, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=folder, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"qianyun serve did not start: {(folder / 'serve.log').read_text()[-2000:]}")
        time.sleep(0.3)
    _wait_for_utilisation(url, deadline=time.monotonic() + 30)
    shots = folder / "screenshots"
    shots.mkdir()
    try:
        yield Console(url, folder, shots, users, env)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        print(f"\nconsole screenshots in {shots}")


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    _need(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright is not installed (pip install -e '.[test]')")
        return
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser, console: Console):  # type: ignore[no-untyped-def]
    """open_page(width) -> a page in a fresh browser context (own sessionStorage and localStorage) that
    may reach only the service; checked when the test ends.

    Any request to another address is refused and recorded: the console must load nothing from outside.
    """
    opened: list[tuple[Any, list[str], list[str]]] = []

    def _open(width: int = 1440):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        outside: list[str] = []

        def guard(route) -> None:  # type: ignore[no-untyped-def]
            if route.request.url.startswith(console.url) or route.request.url.startswith("data:"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        context.set_default_timeout(15_000)
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        opened.append((context, outside, errors))
        return pg

    yield _open
    for context, outside, errors in opened:
        context.close()
        assert not outside, f"the page tried to load from outside: {outside}"
        assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def page(open_page):  # type: ignore[no-untyped-def]
    return open_page()
