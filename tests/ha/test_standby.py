"""The province's deployment: a primary PostgreSQL with a Qianyun replica on gz-gov, a streaming
standby with a Qianyun follower on gz-backup, both replicas on a multi-host URL that asks for the
read-write server. gz-gov is lost (its PostgreSQL and its replica killed), the standby is promoted:
the follower reconnects, leads, and the DR coordinator declares gz-gov down from the backup node.

Real PostgreSQL servers from Debian's packages on loopback (make test installs them)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.ha.cluster import Cluster
from tests.servers import pg_pair
from tests.support import free_port

TAKEOVER_LIMIT_S = 60


@pytest.fixture
def pair() -> Iterator[tuple[pg_pair.Server, pg_pair.Server]]:
    if pg_pair.bindir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the standby test: PostgreSQL is not installed")
        pytest.skip("PostgreSQL binaries not installed (make test installs them)")
    root, primary, standby = pg_pair.make_pair(free_port(), free_port())
    try:
        yield primary, standby
    finally:
        pg_pair.remove(root, primary, standby)


def test_follower_at_the_backup_node_leads_after_the_primary_site_is_lost(
        pair: tuple[pg_pair.Server, pg_pair.Server], tmp_path: Path) -> None:
    primary, standby = pair
    url = (f"postgresql+psycopg://qianyun@/qianyun?host=127.0.0.1:{primary.port}&host=127.0.0.1:{standby.port}"
           "&target_session_attrs=read-write")
    c = Cluster(url, tmp_path, extra_env={"QIANYUN_SIM_HOSTS": "60", "QIANYUN_SIM_WORKLOADS": "500"})
    try:
        gov, backup = c.start(2)
        assert c.leader() is gov, "the first replica leads while both run"
        h = c.login("dr-coordinator", "-")

        gov.proc.send_signal(signal.SIGKILL)  # gz-gov is lost: its replica and its database
        primary.kill()
        gov.proc.wait(timeout=30)
        standby.promote()
        assert c.leader(timeout=TAKEOVER_LIMIT_S) is backup  # leads within 60 s of the promotion, or fails

        r = httpx.post(f"{backup.base}/api/v1/clouds/gz-gov/declare-down", json={"reason": "site lost"},
                       headers=h, timeout=120)
        assert r.status_code == 201, r.text[:300]
        assert r.json()["kind"] == "failover"
        status = c.status(via=backup)
        assert status["leader"] is not None and status["epoch"] >= 2
        clouds = httpx.get(f"{backup.base}/api/v1/clouds", headers=h, timeout=30).json()
        gov_cloud = next(x for x in clouds["items"] if x["id"] == "gz-gov")
        assert gov_cloud["status"] == "failed"
    finally:
        c.stop()
