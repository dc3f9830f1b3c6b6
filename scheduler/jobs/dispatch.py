"""Dispatch of data-zone jobs: fire each job at its planned start, track it, re-plan on trouble.

APScheduler fires one date job per pending job at its planned start; a periodic tick polls the
running jobs, catches up on anything a stopped process missed, marks jobs late and plans the next
occurrence of recurring job sets. A job that fails (after its retries) or is late makes the run
re-plan what has not started (scheduler/jobs/jobsets.py `replan`); the change is kept in the run's history.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from adapters.protocol import AdapterError, JobRunner
from scheduler.core import audit, leader
from scheduler.core.db import as_utc, session_scope, utcnow
from scheduler.core.models import Cloud
from scheduler.core.registry import get_adapters
from scheduler.core.settings import get_settings
from scheduler.jobs import jobsets as jobs
from scheduler.jobs.models import DataJob, JobRun, JobSet

log = logging.getLogger(__name__)
ACTOR = "system:dispatch"
_scheduler: Any = None
StartHook = Callable[[Session, JobSet, DataJob], None]
_start_hooks: list[StartHook] = []


def on_job_started(hook: StartHook) -> StartHook:
    """Work a tenant does in the service itself when one of its jobs starts (the catalog's compliance scan).

    Tenants register here so that jobs never import them: the arrow points from the tenants to jobs.
    """
    if hook not in _start_hooks:
        _start_hooks.append(hook)
    return hook


def _runner(cloud_id: str) -> JobRunner:
    adapter = get_adapters().for_cloud(cloud_id)
    if not isinstance(adapter, JobRunner):
        raise AdapterError(f"the adapter of {cloud_id} cannot run batch jobs")
    return adapter


def external_id(d: DataJob) -> str:
    return f"qy-run{d.run_id}-{d.job_id}-a{d.attempts}"


def _start(session: Session, run: JobRun, d: DataJob, js: JobSet, now: datetime) -> None:
    """Start one job on the first of the job set's clouds that takes it."""
    s = get_settings()
    demand = next((j.get("demand", {}) for j in js.document["jobs"] if j["id"] == d.job_id), {})
    errors = []
    for cloud in js.clouds or [js.cloud_id]:
        c = session.get(Cloud, cloud)
        if c is not None and c.status == "failed":
            errors.append(f"{cloud}: failed")
            continue
        d.attempts += 1
        leader.fence(session)  # in the transaction that marks the job running: the leader's epoch holds
        try:
            leader.check()
            _runner(cloud).run_job(cloud, external_id(d), demand, d.duration_min * s.jobs_minute_s)
        except AdapterError as exc:
            errors.append(f"{cloud}: {exc}")
            d.attempts -= 1
            continue
        d.state, d.cloud_id, d.actual_start, d.external_id, d.error = "running", cloud, now, external_id(d), ""
        session.add(d)
        audit.record(session, ACTOR, "job.start", "data_job", f"{run.id}/{d.job_id}", None,
                     {"cloud": cloud, "planned": as_utc(d.planned_start).isoformat(), "actual": now.isoformat()})  # type: ignore[union-attr]
        for hook in _start_hooks:
            hook(session, js, d)
        return
    d.error = "; ".join(errors)
    session.add(d)


def tick_run(session: Session, run: JobRun, now: datetime | None = None) -> list[str]:
    """One pass over a run: poll, start what is due, mark late and failed; re-plan if needed.
    Returns what happened (for logs and tests)."""
    s = get_settings()
    now = now or utcnow()
    js = session.get(JobSet, run.jobset_id)
    assert js is not None
    rows = {d.job_id: d for d in jobs.run_jobs(session, run.id)}  # type: ignore[arg-type]
    after = {j["id"]: j.get("after", []) for j in js.document["jobs"]}
    events: list[str] = []
    trouble: list[str] = []
    grace = timedelta(seconds=s.jobs_grace_min * s.jobs_minute_s)
    for d in rows.values():                                     # 1. poll what runs
        if d.state != "running" or not d.external_id:
            continue
        try:
            st = _runner(d.cloud_id or js.cloud_id).job_state(d.external_id)
        except AdapterError as exc:
            log.warning("job %s: state unknown: %s", d.external_id, exc)
            continue
        if st.state == "done":
            d.state, d.finished_at = "done", now
            events.append(f"{d.job_id} done")
        elif st.state == "failed":
            d.error, d.finished_at = st.detail or "failed", now
            if d.attempts < s.jobs_max_attempts:
                d.state = "pending"                              # retried by the re-plan
                events.append(f"{d.job_id} failed, retry")
            else:
                d.state = "failed"
                events.append(f"{d.job_id} failed")
            trouble.append(f"job {d.job_id} failed: {d.error}")
            audit.record(session, ACTOR, "job.fail", "data_job", f"{run.id}/{d.job_id}", None,
                         {"error": d.error, "attempts": d.attempts})
        session.add(d)
    failed = {i for i, d in rows.items() if d.state == "failed"}
    changed = True
    while changed:                                              # successors of a failed job cannot run
        changed = False
        for i, d in rows.items():
            if d.state in ("pending", "late") and any(a in failed for a in after[i]):
                d.state, d.error = "failed", "a predecessor failed"
                failed.add(i)
                session.add(d)
                changed = True
    for i, d in rows.items():                                   # 2. start what is due
        if d.state not in ("pending", "late") or as_utc(d.planned_start) > now:  # type: ignore[operator]
            continue
        if all(rows[a].state == "done" for a in after[i]):
            _start(session, run, d, js, now)
            if d.state == "running":
                events.append(f"{i} started")
                continue
        if d.state == "pending" and as_utc(d.planned_start) + grace < now:  # type: ignore[operator]
            d.state = "late"
            session.add(d)
            events.append(f"{i} late")
            trouble.append(f"job {i} late: planned {as_utc(d.planned_start).isoformat()}, not started"  # type: ignore[union-attr]
                           + (f" ({d.error})" if d.error else ""))
    states = {d.state for d in rows.values()}
    if trouble and states & {"pending", "late"}:
        jobs.replan(session, run, "; ".join(trouble), now)
        events.append("replanned")
        schedule_run(session, run)
    new_state = ("done" if states == {"done"} else "failed" if states <= {"done", "failed"}
                 else "running" if states & {"running", "done", "failed"} else run.state)
    if new_state != run.state:
        audit.record(session, ACTOR, "jobrun.state", "job_run", str(run.id), {"state": run.state}, {"state": new_state})
        run.state, run.updated_at = new_state, now
        session.add(run)
    session.flush()
    return events


def tick(now: datetime | None = None) -> None:
    """The periodic pass: every open run, then the next occurrence of recurring job sets."""
    with session_scope(background=True) as session:
        ids = [r.id for r in session.exec(select(JobRun).where(col(JobRun.state).in_(["planned", "running"])))]
    for run_id in ids:
        try:
            with session_scope(background=True) as session:
                run = session.get(JobRun, run_id)
                if run is not None:
                    tick_run(session, run, now)
        except leader.NotLeader:
            return  # the new leader's dispatch carries on
        except Exception:  # one bad run must not stop the others
            log.exception("dispatch of run %s failed", run_id)
    plan_due_runs(now)


def plan_due_runs(now: datetime | None = None) -> list[int]:
    """Recurring job sets whose last run has begun get their next run planned."""
    now = now or utcnow()
    planned = []
    with session_scope(background=True) as session:
        for js in session.exec(select(JobSet).where(JobSet.active == True, col(JobSet.recurrence).is_not(None))):
            last = jobs.latest_run(session, js.id)  # type: ignore[arg-type]
            if last is not None and as_utc(last.anchor) > now:  # type: ignore[operator]
                continue
            after = max(now, as_utc(last.anchor)) if last is not None else now  # type: ignore[type-var]
            run = jobs.plan_run(session, ACTOR, js, jobs.next_anchor(js.recurrence, after),
                                get_adapters().metrics_for(js.cloud_id))
            schedule_run(session, run)
            planned.append(run.id)
    return planned


def fire(data_job_id: int) -> None:
    """The date job of one data-zone job: a tick of its run, at its planned start."""
    with session_scope(background=True) as session:
        d = session.get(DataJob, data_job_id)
        run = session.get(JobRun, d.run_id) if d is not None else None
        if run is not None and run.state in ("planned", "running"):
            tick_run(session, run)


def schedule_run(session: Session, run: JobRun) -> None:
    """One APScheduler date job per pending job at its planned start (replaced on a re-plan)."""
    if _scheduler is None:
        return
    for d in jobs.run_jobs(session, run.id):  # type: ignore[arg-type]
        if d.state in ("pending", "late"):
            _scheduler.add_job(fire, "date", run_date=as_utc(d.planned_start), args=[d.id], id=f"datajob-{d.id}",
                               replace_existing=True, misfire_grace_time=None)


def refresh_forecasts() -> None:
    """Hourly: the p95-by-hour load of every cloud an active job set is planned on."""
    with session_scope(background=True) as session:
        clouds = {js.cloud_id for js in session.exec(select(JobSet).where(JobSet.active == True))}
    for c in clouds:
        try:
            with session_scope(background=True) as session:
                jobs.refresh_forecast(session, get_adapters().metrics_for(c), c)
        except AdapterError as exc:
            log.warning("forecast for %s failed: %s", c, exc)


def uninstall() -> None:
    """This replica stopped leading: no more date jobs here."""
    global _scheduler
    _scheduler = None


def install(sched: Any) -> None:
    """Register dispatch with the loop's scheduler and re-arm the date jobs of open runs."""
    global _scheduler
    _scheduler = sched
    s = get_settings()
    sched.add_job(tick, "interval", seconds=s.jobs_tick_s, id="jobs-dispatch")
    sched.add_job(refresh_forecasts, "interval", hours=1, id="jobs-forecast")
    with session_scope(background=True) as session:
        for run in session.exec(select(JobRun).where(col(JobRun.state).in_(["planned", "running"]))):
            schedule_run(session, run)
