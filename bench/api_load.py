"""Benchmark: the API's latency under concurrent reads beside a plan's execution, and the plan list
with 1,000 stored plans, on SQLite and PostgreSQL (issue 24).

    .venv/bin/python bench/api_load.py [--databases sqlite,postgresql] [--postgres URL]
                                       [--clients 10,50,200] [--plans 1000] [--moves 40]

Each phase is a fresh `qianyun serve --demo` (the default 300-host simulated fleet, a simulated move
taking 0.2 s) in an empty folder, on loopback; on PostgreSQL a fresh database of the server at
`--postgres` (else $QIANYUN_TEST_POSTGRES_URL), dropped afterwards. The Guiyang city operator
proposes, approves and executes a rebalance of `gy` of at most `--moves` moves.

- `idle`: one client reading hosts, workloads and plans in turn (`?limit=50`, `?limit=50`,
  `?limit=20`), one request at a time, before anything executes: the baseline every ratio is
  against (its p50, measured in the same run).
- `alone`: the plan's execution time (execute's 202 to `succeeded`) with no other load.
- `N clients`: N clients read the same mix, each one request in flight at a time, from just after
  execute's 202 until the plan ends: p50/p99 of every answer, answers per second, the answers that
  were not 200 and dropped connections, and the plan's execution time beside the load.
- `plans list`: `GET /api/v1/plans?limit=50` (one client, sequential) with the one plan the phase
  stored, then with 1,000 stored plans (copies of it with its whole document and fleet).

The load generator runs in this process, on the same cores as the server: at 200 clients it takes
a good share of them, which the ratios include.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QIANYUN = str(Path(sys.executable).with_name("qianyun"))
PATHS = ("/api/v1/hosts?limit=50", "/api/v1/workloads?limit=50", "/api/v1/plans?limit=20")
USER = "gy-operator"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of the values, in seconds; nan for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


@dataclass
class Server:
    base: str
    folder: Path
    url: str
    headers: dict[str, str] = field(default_factory=dict)


@contextmanager
def database(kind: str, pg_url: str | None) -> Iterator[tuple[str, Path]]:
    """A fresh database and an empty folder for one phase."""
    with tempfile.TemporaryDirectory(prefix="qianyun-api-load-") as tmp:
        folder = Path(tmp)
        if kind == "sqlite":
            yield f"sqlite:///{folder / 'qianyun.db'}", folder
            return
        import psycopg

        assert pg_url is not None
        name = "qy_bench_" + uuid.uuid4().hex[:10]
        admin = pg_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{pg_url.rsplit('/', 1)[0]}/{name}", folder
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def served(url: str, folder: Path) -> Iterator[Server]:
    env = {**os.environ, "QIANYUN_DATABASE_URL": url, "QIANYUN_SIM_STATE_PATH": str(folder / "sim.db"),
           "QIANYUN_SIM_ACTION_DELAY_S": "0.2", "QIANYUN_SECRET_KEY": secrets.token_urlsafe(32)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(folder / "server.log", "w") as log:
        proc = subprocess.Popen([QIANYUN, "serve", "--demo", "--port", str(port)], cwd=folder, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"qianyun serve exited with {proc.returncode}; see {folder / 'server.log'}")
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("qianyun serve did not answer within 300 s")
            time.sleep(0.3)
        passwords = {line.split("\t")[0]: line.split("\t")[3]
                     for line in (folder / "qianyun-demo-users.txt").read_text().splitlines()}
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": USER, "password": passwords[USER]},
                           timeout=60).json()["access_token"]
        yield Server(base, folder, url, {"Authorization": f"Bearer {token}"})
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def propose(s: Server, moves: int) -> dict:
    plan = httpx.post(f"{s.base}/api/v1/plans", json={"kind": "rebalance", "scope": "gy", "max_migrations": moves},
                      headers=s.headers, timeout=300).json()
    httpx.post(f"{s.base}/api/v1/plans/{plan['id']}/approve", headers=s.headers, timeout=60).raise_for_status()
    return plan


def execute(s: Server, plan_id: int) -> float:
    """Start the plan; the monotonic moment its execute answered 202."""
    r = httpx.post(f"{s.base}/api/v1/plans/{plan_id}/execute", headers=s.headers, timeout=60)
    r.raise_for_status()
    return time.monotonic()


async def wait_done(client: httpx.AsyncClient, plan_id: int, started: float) -> tuple[str, float]:
    while True:
        body = (await client.get(f"/api/v1/plans/{plan_id}")).json()
        if body["state"] not in ("approved", "executing"):
            return body["state"], time.monotonic() - started
        await asyncio.sleep(0.1)


@dataclass
class Load:
    latencies: list[float]
    outcomes: Counter
    seconds: float
    plan_state: str = ""
    plan_seconds: float = float("nan")


async def read_mix(s: Server, clients: int, *, until_plan: int | None = None, started: float = 0.0,
                   requests_each: int = 0) -> Load:
    """`clients` readers, each one request at a time, until the plan ends (or `requests_each` reads)."""
    limits = httpx.Limits(max_connections=clients + 1, max_keepalive_connections=clients + 1)
    latencies: list[float] = []
    outcomes: Counter = Counter()
    async with httpx.AsyncClient(base_url=s.base, headers=s.headers, limits=limits, timeout=300) as client:
        done = asyncio.Event()

        async def reader(i: int) -> None:
            n = 0
            while (requests_each and n < requests_each) or (not requests_each and (not done.is_set() or n == 0)):
                path = PATHS[(i + n) % len(PATHS)]
                t = time.perf_counter()
                try:
                    status: int | str = (await client.get(path)).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                if status == 200:
                    latencies.append(time.perf_counter() - t)
                outcomes[status] += 1
                n += 1

        t0 = time.perf_counter()
        readers = [asyncio.create_task(reader(i)) for i in range(clients)]
        state, plan_seconds = "", float("nan")
        if until_plan is not None:
            state, plan_seconds = await wait_done(client, until_plan, started)
            done.set()
        await asyncio.gather(*readers)
        return Load(latencies, outcomes, time.perf_counter() - t0, state, plan_seconds)


def sequential(s: Server, path: str, count: int) -> list[float]:
    out = []
    with httpx.Client(base_url=s.base, headers=s.headers, timeout=300) as client:
        client.get(path).raise_for_status()  # warm
        for _ in range(count):
            t = time.perf_counter()
            client.get(path).raise_for_status()
            out.append(time.perf_counter() - t)
    return out


def store_copies(url: str, plan_id: int, total: int) -> None:
    """Copies of the stored plan (its document and fleet whole) until `total` plans are stored."""
    from sqlmodel import Session, create_engine, func, select

    from scheduler.plans.models import Plan

    engine = create_engine(url)
    with Session(engine) as session:
        plan = session.get(Plan, plan_id)
        assert plan is not None
        have = session.exec(select(func.count()).select_from(Plan)).one()
        row = plan.model_dump(exclude={"id"})
        for i in range(total - have):
            session.add(Plan(**{**row, "state": ("succeeded", "rejected", "superseded", "failed")[i % 4]}))
            if i % 100 == 99:
                session.commit()
        session.commit()
    engine.dispose()


def run(kind: str, pg_url: str | None, clients: list[int], plans: int, moves: int) -> list[str]:
    lines = []

    def show(label: str, line: str) -> None:
        text = f"{kind:<10} {label:<18} {line}"
        print(text, flush=True)
        lines.append(text)

    with database(kind, pg_url) as (url, folder), served(url, folder) as s:
        idle = asyncio.run(read_mix(s, 1, requests_each=90))
        base = pct(idle.latencies, 0.5)
        show("idle (1 client)", f"p50 {base * 1000:7.1f} ms  p99 {pct(idle.latencies, 0.99) * 1000:7.1f} ms"
             f"  ({len(idle.latencies)} answers; the baseline)")
        plan = propose(s, moves)
        started = execute(s, plan["id"])
        state, alone = asyncio.run(_alone(s, plan["id"], started))
        show("plan alone", f"{len(plan['moves'])} moves, {state} in {alone:.1f} s")
        one = sequential(s, "/api/v1/plans?limit=50", 30)
        store_copies(url, plan["id"], plans)
        many = sequential(s, "/api/v1/plans?limit=50", 30)
        size = (folder / "qianyun.db").stat().st_size if kind == "sqlite" else None
        show("plans?limit=50", f"1 plan: p50 {pct(one, 0.5) * 1000:.1f} ms; {plans} plans: p50 "
             f"{pct(many, 0.5) * 1000:.1f} ms, p99 {pct(many, 0.99) * 1000:.1f} ms"
             f" ({pct(many, 0.5) / pct(one, 0.5):.2f} x one plan, {pct(many, 0.5) / base:.2f} x idle p50)"
             + (f"; database {size / 1e6:.0f} MB" if size else ""))
    for n in clients:
        with database(kind, pg_url) as (url, folder), served(url, folder) as s:
            plan = propose(s, moves)
            started = execute(s, plan["id"])
            load = asyncio.run(read_mix(s, n, until_plan=plan["id"], started=started))
            others = {k: v for k, v in load.outcomes.items() if k != 200}
            p50, p99 = pct(load.latencies, 0.5), pct(load.latencies, 0.99)
            show(f"{n} clients", f"p50 {p50 * 1000:7.1f} ms ({p50 / base:5.1f} x idle)  p99 {p99 * 1000:7.1f} ms "
                 f"({p99 / base:6.1f} x idle)  {len(load.latencies) / load.seconds:6.1f} answers/s  "
                 f"not 200: {others or 0}  plan: {len(plan['moves'])} moves, {load.plan_state} in "
                 f"{load.plan_seconds:.1f} s ({load.plan_seconds / alone:.2f} x alone)")
    return lines


async def _alone(s: Server, plan_id: int, started: float) -> tuple[str, float]:
    async with httpx.AsyncClient(base_url=s.base, headers=s.headers, timeout=300) as client:
        return await wait_done(client, plan_id, started)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--databases", default="sqlite,postgresql")
    ap.add_argument("--postgres", default=os.environ.get("QIANYUN_TEST_POSTGRES_URL"),
                    help="a PostgreSQL URL whose user may create databases (default $QIANYUN_TEST_POSTGRES_URL)")
    ap.add_argument("--clients", default="10,50,200")
    ap.add_argument("--plans", type=int, default=1000)
    ap.add_argument("--moves", type=int, default=40)
    args = ap.parse_args()
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if "postgresql" in kinds and not args.postgres:
        raise SystemExit("PostgreSQL needs --postgres URL (or $QIANYUN_TEST_POSTGRES_URL); "
                         "or run --databases sqlite")
    clients = [int(c) for c in args.clients.split(",") if c.strip()]
    out = []
    for kind in kinds:
        out += run(kind, args.postgres, clients, args.plans, args.moves)
    print("\n" + "\n".join(out))


if __name__ == "__main__":
    main()
