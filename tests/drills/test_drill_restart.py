"""A service killed in the middle of a live drill resumes it at its next start and finishes it cleanly."""

from __future__ import annotations

import os
import signal
import time

import httpx

from tests.support import free_port, make_user, placements, serve


def test_a_live_drill_killed_mid_failover_resumes_and_closes(service, tmp_path) -> None:
    from scheduler.core.registry import get_adapters

    make_user("dr", "dr-coordinator")
    before = placements()
    env = {**os.environ, "QIANYUN_SIM_ACTION_DELAY_S": "0.3", "QIANYUN_SYNC_INTERVAL_S": "3600",
           "QIANYUN_METRICS_INTERVAL_S": "3600", "QIANYUN_SCHEDULER_ENABLED": "true"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = serve(port, env, tmp_path)
    try:
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "dr", "password": "correct-horse-9"}).json()
        h = {"Authorization": f"Bearer {token['access_token']}"}
        r = httpx.post(f"{base}/api/v1/drills", json={"clouds": ["gy"], "mode": "live"}, headers=h, timeout=60)
        assert r.status_code == 202, r.text
        drill_id = r.json()["id"]
        deadline = time.monotonic() + 60
        body: dict = {}
        while time.monotonic() < deadline:
            body = httpx.get(f"{base}/api/v1/drills/{drill_id}", headers=h).json()
            if body["progress"].get("failover", {}).get("done", 0) >= 2:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        total = body["progress"]["failover"]["total"]
        assert body["state"] == "failing-over" and 2 <= body["progress"]["failover"]["done"] < total, body.get("state_reason")
        proc = serve(port, env, tmp_path)
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            body = httpx.get(f"{base}/api/v1/drills/{drill_id}", headers=h).json()
            if body["state"] in ("closed", "aborted"):
                break
            time.sleep(0.2)
        assert body["state"] == "closed", body["state_reason"]
        report = httpx.get(f"{base}/api/v1/drills/{drill_id}/report", headers=h).json()
    finally:
        proc.kill()
        proc.wait(timeout=10)
    restarted = sorted(x["workload"] for x in report["systems"] if x["to_host"])
    history = get_adapters().simulated.history()
    assert sorted(x["workload"] for x in history if x["action"] == "restart") == restarted, "each restart once"
    assert sorted(x["workload"] for x in history if x["action"] == "migrate") == restarted, "each return once"
    assert all(x["measured_minutes"] for x in report["systems"] if x["to_host"])
    after = placements()  # the service also placed the data platform's own services at its start
    assert {w: after[w] for w in before} == before, "every system is home and the clouds are up"
    with service.session() as session:
        from scheduler.core.models import Cloud

        assert session.get(Cloud, "gy").status == "healthy"
