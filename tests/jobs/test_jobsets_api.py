"""The job-set API: create and plan, the contract's schedule, scoping, refusals, audit; and dispatch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support import login, make_user

PIPELINE = {"horizon": 600, "resources": {"vcpu": 16, "memory_gib": 64}, "jobs": [
    {"id": "collect", "duration": 30, "demand": {"vcpu": 8, "memory_gib": 16}},
    {"id": "clean", "duration": 20, "demand": {"vcpu": 8, "memory_gib": 32}, "after": ["collect"]},
    {"id": "catalog", "duration": 10, "demand": {"vcpu": 4}, "after": ["clean"]},
    {"id": "publish", "duration": 5, "demand": {"vcpu": 2}, "after": ["catalog", "clean"], "deadline": 600}]}


@pytest.fixture
def fast_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QIANYUN_JOBS_TIME_LIMIT_S", "3")


def _users(client) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    from scheduler.core.db import session_scope
    from scheduler.core.models import Department

    with session_scope() as s:
        dept = s.exec(select(Department).where(Department.city == "guiyang")).first().id
    make_user("prov", "province-operator")
    make_user("gyop", "city-operator", "gy")
    make_user("zyop", "city-operator", "zy")
    make_user("dept", "department-admin", dept)
    make_user("aud", "auditor")
    return {u: login(client, u) for u in ("prov", "gyop", "zyop", "dept", "aud")}


def test_create_schedule_scope_and_audit(client, fast_jobs) -> None:  # type: ignore[no-untyped-def]
    h = _users(client)
    r = client.post("/api/v1/jobsets", json={**PIPELINE, "cloud": "gy", "recurrence": "0 2 * * *"}, headers=h["gyop"])
    assert r.status_code == 201, r.text
    jid = r.json()["id"]
    s = client.get(f"/api/v1/jobsets/{jid}/schedule", headers=h["gyop"]).json()
    assert set(s) == {"starts", "makespan", "status", "lower_bound"}
    st = s["starts"]
    assert st["clean"] >= st["collect"] + 30 and st["catalog"] >= st["clean"] + 20 and st["publish"] + 5 <= 600
    assert s["lower_bound"] <= s["makespan"] and s["status"] in ("optimal", "feasible")
    detail = client.get(f"/api/v1/jobsets/{jid}", headers=h["prov"]).json()
    assert {j["id"]: j["state"] for j in detail["job_states"]} == dict.fromkeys(st, "pending")
    assert detail["recurrence"] == "0 2 * * *" and detail["forecast"]["slot"] == 60
    # forecast: capacity within the job set's limits at every hour
    assert all(0 <= v <= 16 for v in detail["forecast"]["levels"]["vcpu"])
    d = client.post("/api/v1/jobsets", json={**PIPELINE, "cloud": "gy", "recurrence": None}, headers=h["dept"])
    assert d.status_code == 201, d.text
    did = d.json()["id"]
    # scoping
    assert client.get(f"/api/v1/jobsets/{jid}", headers=h["zyop"]).status_code == 404  # as if it did not exist
    assert client.get(f"/api/v1/jobsets/{jid}/schedule", headers=h["dept"]).status_code == 404
    assert client.get(f"/api/v1/jobsets/{did}", headers=h["dept"]).status_code == 200
    assert client.get(f"/api/v1/jobsets/{did}", headers=h["gyop"]).status_code == 200
    assert client.get("/api/v1/jobsets", headers=h["aud"]).status_code == 403
    assert client.post("/api/v1/jobsets", json={**PIPELINE, "cloud": "gy"}, headers=h["aud"]).status_code == 403
    assert client.post("/api/v1/jobsets", json={**PIPELINE, "cloud": "gy"}, headers=h["zyop"]).status_code == 403
    assert client.get("/api/v1/jobsets/9999", headers=h["prov"]).status_code == 404
    assert client.get("/api/v1/jobsets").status_code == 401
    assert client.get("/api/v1/jobsets", headers=h["prov"]).json()["total"] == 2
    assert client.get("/api/v1/jobsets", headers=h["zyop"]).json()["total"] == 0
    assert client.get("/api/v1/jobsets", headers=h["dept"]).json()["total"] == 1
    from scheduler.core.db import session_scope
    from scheduler.core.models import AuditEvent

    with session_scope() as s2:
        actions = [(e.actor, e.action) for e in s2.exec(select(AuditEvent).where(AuditEvent.entity == "jobset"))]
    assert ("gyop", "jobset.create") in actions and ("gyop", "jobset.plan") in actions and ("dept", "jobset.create") in actions


@pytest.mark.parametrize("patch, field", [
    ({"cloud": None}, "cloud"),
    ({"cloud": "nowhere"}, "cloud"),
    ({"recurrence": "every day"}, "recurrence"),
    ({"resources": {"vcpu": 4, "tpu": 1}}, "resources.tpu"),
    ({"jobs": [{"id": "a", "duration": 1, "after": ["b"]}]}, "jobs[a].after"),
    ({"jobs": [{"id": "a", "duration": -1}]}, "jobs[a].duration"),
    ({"jobs": [{"id": "a", "duration": 1, "demand": {"vcpu": 99}}]}, "jobs[a].demand.vcpu"),
    ({"jobs": [{"id": "a", "duration": 9, "deadline": 3}]}, "jobs[a].deadline"),
])
def test_bad_input_is_422_naming_the_field(client, fast_jobs, patch, field) -> None:  # type: ignore[no-untyped-def]
    make_user("prov", "province-operator")
    h = login(client, "prov")
    body = {**PIPELINE, "cloud": "gy", **patch}
    r = client.post("/api/v1/jobsets", json=body, headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field, r.json()
    assert client.get("/api/v1/jobsets", headers=h).json()["total"] == 0


def test_dispatch_runs_jobs_and_replans_after_a_failure(service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Simulated clouds run each job for its duration; a failed job is retried by a re-plan, shown in history."""
    monkeypatch.setenv("QIANYUN_JOBS_MINUTE_S", "0.01")   # a schedule minute lasts 10 ms of wall time
    monkeypatch.setenv("QIANYUN_JOBS_TIME_LIMIT_S", "2")
    monkeypatch.setenv("QIANYUN_JOBS_GRACE_MIN", "1000")
    from scheduler.core.settings import get_settings

    get_settings.cache_clear()
    from scheduler import jobs
    from scheduler.core.accounts import Scope
    from scheduler.core.db import session_scope, utcnow
    from scheduler.core.models import AuditEvent
    from scheduler.core.registry import get_adapters
    from scheduler.jobs import dispatch
    from scheduler.jobs.models import DataJob, JobRun

    sim = get_adapters().simulated
    with session_scope() as s:
        js, run = jobs.create(s, "prov", Scope("province-operator"), {**PIPELINE, "cloud": "gy"}, sim)
        run_id = run.id
    # collect (first attempt) fails as soon as it starts
    sim.fail_job(f"qy-run{run_id}-collect-a1")
    t = utcnow() + timedelta(seconds=1)
    seen: list[str] = []
    import time
    # the simulator runs each job for its duration in real time (0.65 s for the whole pipeline), while the
    # schedule's clock `t` is advanced by the test: tick until the run ends; hang guard at 120 s, ~50x
    # the expected 2 s, as a count of ticks alone ran out on a loaded machine
    give_up = time.monotonic() + 120
    while time.monotonic() < give_up:
        with session_scope() as s:
            seen += dispatch.tick_run(s, s.get(JobRun, run_id), t)
            state = s.get(JobRun, run_id).state
        if state in ("done", "failed"):
            break
        t += timedelta(seconds=0.3)
        time.sleep(0.02)
    assert "collect failed, retry" in seen and "replanned" in seen
    with session_scope() as s:
        run = s.get(JobRun, run_id)
        rows = {d.job_id: d for d in s.exec(select(DataJob).where(DataJob.run_id == run_id))}
        assert run.state == "done", (seen, {k: (d.state, d.error) for k, d in rows.items()})
        assert all(d.state == "done" and d.actual_start is not None for d in rows.values())
        assert rows["collect"].attempts == 2
        assert run.replans and "collect failed" in run.replans[0]["reason"]
        assert run.replans[0]["changed"]
        acts = {e.action for e in s.exec(select(AuditEvent))}
        assert {"job.start", "job.fail", "jobset.replan", "jobrun.state"} <= acts
        # the starts respect precedence on actual times
        assert rows["clean"].actual_start >= rows["collect"].actual_start
