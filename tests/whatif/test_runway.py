"""The capacity runway through the API and /metrics, on a stored synthetic history with a known trend."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np


def _store_history(cloud: str, resource: str, days: int, level: float, slope: float) -> None:
    from scheduler.core.db import session_scope
    from scheduler.whatif import runway
    from scheduler.whatif.models import UtilisationDay

    end = runway.today()
    rng = np.random.default_rng(7)
    with session_scope() as session:
        for i in range(days):
            t = i - days + 1  # the last stored day is today
            v = level + slope * i + 0.02 * math.sin(2 * math.pi * i / 7) + float(rng.normal(0, 0.004))
            session.add(UtilisationDay(cloud_id=cloud, resource=resource, day=end + timedelta(days=t), p95=v))


def test_runway_finds_the_known_crossing_within_its_interval(client, who, monkeypatch) -> None:
    from scheduler.core.db import session_scope
    from scheduler.core.policy import get_policy
    from scheduler.whatif import runway

    # 0.40 rising 0.003 a day for 8 weeks: the allottable share (1 - 0.1 - 0.05 = 0.85) is reached
    # about (0.85 - 0.40 - 0.02) / 0.003 = 143 days after the first stored day, ~88 days after today
    _store_history("gy", "vcpu", 56, 0.40, 0.003)
    r = client.get("/api/v1/runway", headers=who["prov"])
    assert r.status_code == 200, r.text
    items = {(i["cloud"], i["resource"]): i for i in r.json()["items"]}
    gy = items[("gy", "vcpu")]
    assert gy["history_days"] == 56 and gy["thresholds"]["allottable"] == 0.85
    assert abs(gy["forecast"]["trend_per_day"] - 0.003) < 0.0007
    c = gy["crossings"]["allottable"]
    start = runway.today()
    t = np.arange(1000)
    true_i = int(np.flatnonzero(0.40 + 0.003 * t + 0.02 * np.sin(2 * np.pi * t / 7) >= 0.85)[0])
    true_days = true_i - 55  # days after the last stored day (today)
    assert c["earliest"]["days"] <= true_days <= c["latest"]["days"], (c, true_days)
    assert c["earliest"]["days"] <= c["expected"]["days"] <= c["latest"]["days"]
    assert c["expected"]["date"] == (start + timedelta(days=c["expected"]["days"])).isoformat()
    # a cloud without history says why there is no forecast
    assert "needs at least" in items[("zy", "vcpu")]["note"]
    # the fill target is the policy's placement.fill_target, per resource
    assert gy["thresholds"]["fill_target"] == 0.85 and items[("gy", "memory_gib")]["thresholds"]["fill_target"] == 0.90
    assert gy["crossings"]["fill_target"]["threshold"] == 0.85
    # the request read the runway; the gauges are the leader's, set when its metrics job publishes
    line = f'qianyun_runway_days{{bound="expected",cloud="gy",resource="vcpu",threshold="allottable"}} {float(c["expected"]["days"])}'
    runway.RUNWAY_DAYS.clear()
    assert "qianyun_runway_days{" not in client.get("/metrics").text
    monkeypatch.setattr(runway, "_published_on", None)
    with session_scope() as session:
        assert runway.publish_daily(session, get_policy())  # what the leader's metrics job does once a day
    assert line in client.get("/metrics").text


def test_the_leader_publishes_the_runway_after_a_restart_though_todays_rows_exist(client, who, monkeypatch) -> None:
    from scheduler import loop
    from scheduler.whatif import runway

    for cloud in ("gy", "zy"):
        for resource in ("vcpu", "memory_gib"):
            _store_history(cloud, resource, 30, 0.40, 0.003)
    loop.run_metrics()  # today's rows are there already: nothing new recorded
    runway.RUNWAY_DAYS.clear()
    monkeypatch.setattr(runway, "_published_on", None)  # a restarted (or newly elected) leader
    loop.run_metrics()
    metrics = client.get("/metrics").text
    assert 'qianyun_runway_days{bound="expected",cloud="gy",resource="vcpu",threshold="allottable"}' in metrics
    assert 'qianyun_runway_days{bound="latest",cloud="zy",resource="memory_gib",threshold="fill_target"}' in metrics
    runway.RUNWAY_DAYS.clear()
    loop.run_metrics()  # the same day again: not published twice
    assert "qianyun_runway_days{" not in client.get("/metrics").text


def test_runway_is_scoped_and_refuses_an_unknown_cloud(client, who) -> None:
    r = client.get("/api/v1/runway", headers=who["gy"])
    assert r.status_code == 200 and {i["cloud"] for i in r.json()["items"]} == {"gy"}
    assert client.get("/api/v1/runway?cloud=zy", headers=who["gy"]).json()["items"] == []
    r = client.get("/api/v1/runway?cloud=mars", headers=who["prov"])
    assert r.status_code == 422 and r.json()["field"] == "cloud"
    assert client.get("/api/v1/runway", headers=who["dept"]).status_code == 403


def test_the_metrics_job_records_the_days_busiest_p95(service) -> None:
    from sqlmodel import select

    from scheduler import loop
    from scheduler.core.db import session_scope
    from scheduler.whatif.models import UtilisationDay

    loop.run_metrics()
    loop.run_metrics()
    with session_scope() as session:
        rows = session.exec(select(UtilisationDay)).all()
    assert rows and len({(r.cloud_id, r.resource, r.day) for r in rows}) == len(rows)  # one row a day
    assert all(0 <= r.p95 <= 1 for r in rows)
