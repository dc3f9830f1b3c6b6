"""Replicas of `qianyun serve` on one PostgreSQL, started as an operator would, for the HA tests and
bench/ha_trials.py: one working folder (the simulated clouds' state file is the clouds all replicas
act on), one database, one signing key, a short lease so a takeover fits in a test."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp

from tests.support import free_port, serve

LEASE_S = 4.0
POLL_S = 0.5


def fresh_database(admin_url: str) -> str:
    """A new, empty database on the server of `admin_url` (a SQLAlchemy psycopg URL)."""
    import psycopg

    name = "qy_ha_" + uuid.uuid4().hex[:10]
    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


def drop_database(admin_url: str, url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@dataclass
class Replica:
    port: int
    proc: subprocess.Popen[str]
    paused: bool = False

    def pause(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def leads(self) -> bool:
        return bool(httpx.get(f"{self.base}/healthz", timeout=5).json().get("leader"))

    def job_runs(self, job: str) -> float:
        text = httpx.get(f"{self.base}/metrics", timeout=5).text
        m = re.search(rf'^qianyun_job_runs_total\{{job="{re.escape(job)}"\}} ([0-9.e+]+)$', text, re.M)
        return float(m.group(1)) if m else 0.0


@dataclass
class Cluster:
    url: str
    cwd: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    replicas: list[Replica] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def env(self, url: str | None = None) -> dict[str, str]:
        return {**os.environ, "QIANYUN_DATABASE_URL": url or self.url, "QIANYUN_SECRET_KEY": "ha-test-" + self.url[-10:],
                "QIANYUN_LEADER_LEASE_S": str(LEASE_S), "QIANYUN_LEADER_POLL_S": str(POLL_S),
                "QIANYUN_SIM_ACTION_DELAY_S": "0.25", "QIANYUN_WATCHDOG_INTERVAL_S": "1", **self.extra_env}

    def start(self, n: int = 3, url: str | None = None) -> list[Replica]:
        """The first replica seeds the demo users; the others join the same database."""
        started = []
        for i in range(n):
            port = free_port()
            args = ("--demo",) if not self.replicas and i == 0 else ()
            r = Replica(port, serve(port, self.env(url), self.cwd, *args))
            self.replicas.append(r)
            started.append(r)
        return started

    def login(self, role: str = "city-operator", scope: str = "gy") -> dict[str, str]:
        for line in (self.cwd / "qianyun-demo-users.txt").read_text().splitlines():
            name, r, s, password, secret = line.split("\t")
            if r == role and (s == scope or scope == "-"):
                form = {"username": name, "password": password}
                if secret:  # enrolled by the demo (a policy whose second_factor_roles name the role)
                    form["otp"] = pyotp.TOTP(secret).now()
                token = httpx.post(f"{self.any().base}/api/v1/auth/token", data=form, timeout=30).json()
                return {"Authorization": f"Bearer {token['access_token']}"}
        raise AssertionError(f"no demo user {role} {scope}")

    def add_user(self, name: str, role: str, scope: str, password: str = "correct-horse-9") -> dict[str, str]:
        """An account made with the CLI, as an operator would; its bearer header."""
        from tests.support import QIANYUN

        subprocess.run([QIANYUN, "users", "add", name, "--role", role, "--scope", scope, "--password-stdin"],
                       input=password + "\n", env=self.env(), cwd=self.cwd, check=True, capture_output=True, text=True,
                       timeout=300)
        token = httpx.post(f"{self.any().base}/api/v1/auth/token", data={"username": name, "password": password},
                           timeout=30).json()
        return {"Authorization": f"Bearer {token['access_token']}"}

    def live(self) -> list[Replica]:
        """Running and answering: neither dead nor paused."""
        return [r for r in self.replicas if r.alive() and not r.paused]

    def any(self, but: Replica | None = None) -> Replica:
        return next(r for r in self.live() if r is not but)

    def status(self, via: Replica | None = None) -> dict[str, Any]:
        h = self.login("province-operator", "-") if "province" not in self.headers else self.headers["province"]
        self.headers.setdefault("province", h)  # type: ignore[arg-type]
        return httpx.get(f"{(via or self.any()).base}/api/v1/system/leader", headers=h, timeout=10).json()  # type: ignore[arg-type]

    def leader(self, timeout: float = 60, but: Replica | None = None) -> Replica:
        """The one live replica whose /healthz says it leads (waiting for a takeover if need be)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            leading = []
            for r in self.live():
                if r is but:
                    continue
                try:
                    if r.leads():
                        leading.append(r)
                except httpx.HTTPError:
                    pass
            if len(leading) == 1:
                return leading[0]
            assert len(leading) <= 1, f"{len(leading)} replicas lead at once"
            time.sleep(0.1)
        raise AssertionError(f"no replica led within {timeout} s")

    def stop(self) -> None:
        for r in self.replicas:
            if r.alive():
                if r.proc.returncode is None:
                    try:
                        r.proc.send_signal(signal.SIGCONT)
                    except ProcessLookupError:
                        pass
                r.proc.terminate()
        for r in self.replicas:
            try:
                r.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                r.proc.kill()


def propose_and_execute(c: Cluster, cloud: str, h: dict[str, str], max_moves: int = 40) -> dict[str, Any]:
    base = c.any().base
    plan = httpx.post(f"{base}/api/v1/plans", json={"kind": "rebalance", "scope": cloud, "max_migrations": max_moves},
                      headers=h, timeout=300).json()
    assert "moves" in plan, plan
    r = httpx.post(f"{base}/api/v1/plans/{plan['id']}/approve", headers=h, timeout=60)
    assert r.status_code == 200, r.text[:300]
    r = httpx.post(f"{base}/api/v1/plans/{plan['id']}/execute", headers=h, timeout=60)
    assert r.status_code in (200, 202) and r.json()["state"] == "executing", r.text[:300]
    return plan


def plan_state(c: Cluster, plan_id: int, h: dict[str, str]) -> dict[str, Any]:
    return httpx.get(f"{c.any().base}/api/v1/plans/{plan_id}", headers=h, timeout=30).json()


def wait_done(c: Cluster, plan_id: int, h: dict[str, str], at_least: int = 0, timeout: float = 600) -> dict[str, Any]:
    """Until `at_least` forward moves are done (or, with 0, until the plan leaves `executing`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            body = plan_state(c, plan_id, h)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        if body["state"] != "executing" or (at_least and body["progress"].get("forward_done", 0) >= at_least):
            return body
        time.sleep(0.05)
    raise AssertionError(f"plan {plan_id} did not get there within {timeout} s")


def cloud_history(c: Cluster) -> list[dict[str, Any]]:
    """Every action the simulated clouds applied, with the process that called it."""
    from adapters.simulated import SimulatedAdapter

    with SimulatedAdapter(c.cwd / "qianyun-sim.db") as sim:
        return sim.history()


def last_action(c: Cluster) -> int:
    """The clouds' history so far ends here; a plan's own actions come after it."""
    return max((x["seq"] for x in cloud_history(c)), default=0)


def applied_once(c: Cluster, plan: dict[str, Any], after: int = 0) -> tuple[bool, str]:
    """Each of the plan's moves appears exactly once in the clouds' history since `after` (and nothing
    else touches the plan's workloads there)."""
    ids = {m["workload"] for m in plan["moves"]}
    applied = sorted((x["workload"], x["to_host"]) for x in cloud_history(c) if x["workload"] in ids and x["seq"] > after)
    wanted = sorted((m["workload"], m["to"]) for m in plan["moves"])
    return applied == wanted, f"{len(applied)} actions for {len(wanted)} moves"


def stored_differs(c: Cluster) -> dict[str, tuple[str | None, str | None]]:
    """Workloads whose stored host is not where the cloud has them (issue 23's lost update)."""
    import psycopg

    from adapters.simulated import SimulatedAdapter

    with psycopg.connect(c.url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        stored = dict(conn.execute("SELECT id, host_id FROM workload").fetchall())
    with SimulatedAdapter(c.cwd / "qianyun-sim.db") as sim:
        truth = {w["id"]: w["host"] for w in sim.fleet_document()["workloads"]}
    return {w: (stored.get(w), h) for w, h in truth.items() if stored.get(w) != h}


def audit_verify(c: Cluster) -> subprocess.CompletedProcess[str]:
    from tests.support import QIANYUN

    return subprocess.run([QIANYUN, "audit", "verify"], env=c.env(), cwd=c.cwd, capture_output=True, text=True,
                          timeout=300)
