"""Three `qianyun serve` replicas on one real PostgreSQL: one leads, the leader's loss is survived,
a paused leader is fenced out, and scheduled jobs fire once across the replicas.

Multiple replicas need PostgreSQL (SQLite is the single-process embedded default, where the one
process leads), so these tests run on the server `make test` starts. The suite runs two kill trials;
bench/ha_trials.py runs twenty and BENCHMARKS.md has their takeover times.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ha.cluster import (
    LEASE_S,
    Cluster,
    applied_once,
    audit_verify,
    cloud_history,
    drop_database,
    fresh_database,
    plan_state,
    propose_and_execute,
    wait_done,
)

PG_URL = os.environ.get("QIANYUN_TEST_POSTGRES_URL")
HANG_GUARD_S = 10 * LEASE_S  # a takeover takes about one lease; this only stops a hang (bench/ha_trials.py times it)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    if not PG_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the HA tests: QIANYUN_TEST_POSTGRES_URL is not set")
        pytest.skip("QIANYUN_TEST_POSTGRES_URL not set (make test starts PostgreSQL)")
    url = fresh_database(PG_URL)
    c = Cluster(url, tmp_path, extra_env={"QIANYUN_SYNC_INTERVAL_S": "5"})
    try:
        yield c
    finally:
        c.stop()
        drop_database(PG_URL, url)


def test_one_leader_jobs_once_and_kill_trials(cluster: Cluster) -> None:
    cluster.start(3)
    leader = cluster.leader()
    status = cluster.status()
    assert status["leader"] is not None and status["epoch"] >= 1
    assert len(status["replicas"]) == 3 and sum(r["leader"] for r in status["replicas"]) == 1

    # Scheduled jobs fire on the leader only, once per schedule (sync every 5 s).
    before = {r.port: r.job_runs("inventory-sync") for r in cluster.live()}
    time.sleep(21)  # about four 5 s schedules
    after = {r.port: r.job_runs("inventory-sync") for r in cluster.live()}
    fired = {p: after[p] - before[p] for p in after}
    assert all(n == 0 for p, n in fired.items() if p != leader.port), fired  # followers fire nothing
    assert 2 <= fired[leader.port] <= 6, fired  # the leader fires each schedule once (4 expected; 2 s of slack)

    rng = random.Random(15)
    operators = {"gy": cluster.login("city-operator", "gy"), "zy": cluster.add_user("zy-op", "city-operator", "zy")}
    for trial, (cloud, h) in enumerate(operators.items()):
        plan = propose_and_execute(cluster, cloud, h)
        assert len(plan["moves"]) >= 10, "a plan with moves to kill the leader in"
        kill_after = rng.randint(1, len(plan["moves"]) - 2)
        wait_done(cluster, plan["id"], h, at_least=kill_after)
        old = cluster.leader()
        epoch = cluster.status(via=cluster.any(but=old))["epoch"]
        old.proc.send_signal(signal.SIGKILL)
        old.proc.wait(timeout=30)
        new = cluster.leader(timeout=HANG_GUARD_S, but=old)
        assert cluster.status(via=new)["epoch"] > epoch
        body = wait_done(cluster, plan["id"], h)
        assert body["state"] == "succeeded", body["state_reason"]
        ok, why = applied_once(cluster, plan)
        assert ok, f"trial {trial}: {why}"
    verdict = audit_verify(cluster)
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr


def test_paused_leader_is_fenced_out(cluster: Cluster) -> None:
    cluster.start(2)
    h = cluster.login("city-operator", "gy")
    plan = propose_and_execute(cluster, "gy", h)
    wait_done(cluster, plan["id"], h, at_least=3)
    old = cluster.leader()
    old.pause()  # a pause past the lease: GC, a hung disk, a debugger
    new = cluster.leader(timeout=HANG_GUARD_S, but=old)
    before = plan_state(cluster, plan["id"], h)["progress"]["forward_done"]
    wait_done(cluster, plan["id"], h, at_least=min(before + 3, len(plan["moves"])))  # the new leader moves on
    woke_seq = max((x["seq"] for x in cloud_history(cluster)), default=0)
    old.resume()
    body = wait_done(cluster, plan["id"], h)
    assert body["state"] == "succeeded", body["state_reason"]
    time.sleep(LEASE_S)  # the woken replica has had its chance to act
    late = [x for x in cloud_history(cluster) if x["seq"] > woke_seq and x["caller_pid"] == old.pid]
    assert late == [], f"the paused leader acted after waking: {late}"
    assert not old.leads() and new.leads()
    ok, why = applied_once(cluster, plan)
    assert ok, why
