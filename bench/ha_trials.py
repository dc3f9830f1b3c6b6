"""HA trials: three `qianyun serve` replicas on one PostgreSQL; in each trial a plan of up to 40 moves
executes and the leader is killed (SIGKILL) at a random moment; a follower must lead within the lease,
the plan must succeed, every move must reach the cloud exactly once, the database must agree with
the cloud on every workload once a sync has run after the plan, and the audit chain must verify.
A replacement replica is started after each kill, so three always run.

Also: API latency on a follower (GET /api/v1/hosts, 10 concurrent clients) while the leader executes
a plan, as a ratio to the same load with nothing executing, measured in the same run.

    QIANYUN_TEST_POSTGRES_URL=postgresql+psycopg://qianyun@127.0.0.1:54329/qianyun_test \\
        .venv/bin/python bench/ha_trials.py [--trials 20] [--lease 15] [--seed 1]

Plans alternate between consolidating and balancing Guiyang, so every trial has moves to kill in.
Loopback only; prints one line per trial and a summary; exit 1 if any trial failed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.ha.cluster import (  # noqa: E402
    Cluster,
    Replica,
    applied_once,
    audit_verify,
    drop_database,
    fresh_database,
    last_action,
    stored_differs,
    wait_done,
)


def plan(c: Cluster, h: dict[str, str], objective: str) -> dict[str, Any]:
    base = c.any().base
    p = httpx.post(f"{base}/api/v1/plans", json={"kind": "rebalance", "scope": "gy", "objective": objective,
                                                  "max_migrations": 40}, headers=h, timeout=300).json()
    if not p.get("moves"):
        return p
    assert httpx.post(f"{base}/api/v1/plans/{p['id']}/approve", headers=h, timeout=60).status_code == 200
    r = httpx.post(f"{base}/api/v1/plans/{p['id']}/execute", headers=h, timeout=60)
    assert r.status_code in (200, 202), r.text[:300]
    return p


def latencies(target: Replica, h: dict[str, str], clients: int, seconds: float) -> list[float]:
    """Seconds per GET /api/v1/hosts?limit=50 from `clients` threads for `seconds`; errors count as inf."""
    out: list[float] = []
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(timeout=30) as cl:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    ok = cl.get(f"{target.base}/api/v1/hosts?limit=50", headers=h).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    out.append(time.perf_counter() - t0 if ok else float("inf"))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--lease", type=float, default=15.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    admin = os.environ.get("QIANYUN_TEST_POSTGRES_URL")
    if not admin:
        raise SystemExit("QIANYUN_TEST_POSTGRES_URL: a PostgreSQL to make the trial database on")
    rng = random.Random(args.seed)
    url = fresh_database(admin)
    with tempfile.TemporaryDirectory(prefix="qianyun-ha-") as tmp:
        c = Cluster(url, Path(tmp), extra_env={"QIANYUN_LEADER_LEASE_S": str(args.lease), "QIANYUN_LEADER_POLL_S": "1",
                                               "QIANYUN_SYNC_INTERVAL_S": "5", "QIANYUN_WATCHDOG_INTERVAL_S": "5"})
        takeovers: list[float] = []
        bad = 0
        try:
            c.start(3)
            h = c.login("city-operator", "gy")
            leader = c.leader()
            follower = c.any(but=leader)
            idle = latencies(follower, h, 10, 10)
            p = plan(c, h, "consolidate")
            busy = latencies(follower, h, 10, 10)
            wait_done(c, p["id"], h)
            print(f"follower API, 10 clients: idle p50 {pct(idle, .5) * 1000:.0f} ms p99 {pct(idle, .99) * 1000:.0f} ms "
                  f"({len(idle)} requests); while the leader executes p50 {pct(busy, .5) * 1000:.0f} ms "
                  f"p99 {pct(busy, .99) * 1000:.0f} ms ({len(busy)} requests); p99 ratio "
                  f"{pct(busy, .99) / pct(idle, .99):.2f}", flush=True)
            for n in range(1, args.trials + 1):
                since = last_action(c)
                p = plan(c, h, "balance" if n % 2 else "consolidate")
                moves = len(p.get("moves") or [])
                if moves < 3:
                    print(f"trial {n}: only {moves} moves; skipped", flush=True)
                    continue
                at_kill = wait_done(c, p["id"], h, at_least=rng.randint(1, moves - 2))["progress"].get("forward_done", 0)
                old = c.leader()
                old.proc.send_signal(signal.SIGKILL)
                t0 = time.monotonic()
                old.proc.wait(timeout=30)
                joining = threading.Thread(target=c.start, args=(1,))  # a replacement joins as a follower
                joining.start()
                c.leader(timeout=args.lease * 4, but=old)
                took = time.monotonic() - t0
                takeovers.append(took)
                body = wait_done(c, p["id"], h)
                once, why = applied_once(c, p, since)
                time.sleep(6)  # one inventory sync (every 5 s) after the plan's end
                wrong = stored_differs(c)
                ok = body["state"] == "succeeded" and once and not wrong and took <= args.lease + 2
                bad += not ok
                print(f"{'ok  ' if ok else 'FAIL'} trial {n}: {moves} moves, killed after "
                      f"{at_kill} done, plan {body['state']}, takeover {took:.1f} s, "
                      f"{why}, {len(wrong)} workloads stored elsewhere than the cloud has them", flush=True)
                joining.join()
            verdict = audit_verify(c)
            audit_ok = verdict.returncode == 0
            bad += not audit_ok
            print(verdict.stdout.strip() or verdict.stderr.strip())
        finally:
            c.stop()
            drop_database(admin, url)
    if takeovers:
        print(f"{len(takeovers)} kills, lease {args.lease:.0f} s: takeover median {statistics.median(takeovers):.1f} s, "
              f"max {max(takeovers):.1f} s; {len(takeovers) - bad} trials passed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
