"""Data-zone job sets: store them, forecast the room online load leaves, plan and re-plan runs.

A job set is the contract's job-set document (times in schedule minutes) plus the cloud(s) it may
run on and a recurrence. Each occurrence is a run: minute 0 is its anchor. The capacity a run is
planned against is the job set's own limits, cut by the forecast of free room on its cloud, hour by
hour: the cloud's capacity minus its p95 online use at that hour of day, minus a headroom. Dispatch
(scheduler/jobs/dispatch.py) fires the jobs and calls `replan` when one fails or is late.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlmodel import Session, col, select

from adapters.protocol import MetricsSource
from optimizer.jobs import JobSetError, parse_jobset, solve, upper_bound
from scheduler.core import audit, optimizer_errors
from scheduler.core.access import may
from scheduler.core.accounts import Scope
from scheduler.core.db import as_utc, utcnow
from scheduler.core.models import Cloud, Department, Host
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.core.settings import get_settings
from scheduler.jobs.models import DataJob, HourlyLoad, JobRun, JobSet

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
FORECAST_RESOURCES = ("vcpu", "memory_gib")  # what the metrics source measures; others are static
CLOUD_RESOURCES = ("vcpu", "memory_gib", "gpu", "storage_gib")
MAX_PROFILE_HOURS = 14 * 24




def _from_jobset_error(exc: JobSetError, prefix: str = "") -> Refusal:
    return optimizer_errors.refusal(exc, 422, prefix)


# --------------------------------------------------------------------------------------------- access

def visible(scope: Scope, js: JobSet) -> bool:
    """Province operators: all; a city/industry operator: job sets on its cloud; a department admin: its own."""
    if may(scope, "jobs.read_all"):
        return True
    if scope.cloud is not None:
        return scope.cloud in (js.clouds or [js.cloud_id])
    if scope.department is not None:
        return js.department_id is not None and js.department_id == scope.department
    if may(scope, "jobs.read_tenants"):  # the data platform's own job sets (its tenants' departments)
        return (js.department_id or "").startswith("dp-")
    return False


def may_use_jobs(scope: Scope) -> bool:
    return may(scope, "jobs.use")


# --------------------------------------------------------------------------------------------- forecast

def hourly_p95(source: MetricsSource, session: Session, cloud_id: str, now: datetime) -> dict[tuple[str, int], float]:
    """p95 used share per (resource, local hour) over the past day, capacity-weighted over the cloud's hosts."""
    hosts = {h.id: h for h in session.exec(select(Host).where(Host.cloud_id == cloud_id))}
    out: dict[tuple[str, int], float] = {}
    end = now.replace(minute=0, second=0, microsecond=0)
    for k in range(24):
        start = end - timedelta(hours=24 - k)
        hour = start.astimezone(LOCAL_TZ).hour
        rollups = source.utilisation(cloud_id, start, start + timedelta(hours=1))
        for r in FORECAST_RESOURCES:
            rows = [u for u in rollups if u.kind == "host" and u.resource == r and u.subject in hosts]
            cap = sum(getattr(hosts[u.subject], r) for u in rows)
            out[(r, hour)] = round(sum(u.p95 * getattr(hosts[u.subject], r) for u in rows) / cap, 4) if cap else 0.0
    return out


def refresh_forecast(session: Session, source: MetricsSource, cloud_id: str, now: datetime | None = None) -> None:
    """Recompute and store the cloud's hourly p95 (the loop does this hourly; planning does it when missing)."""
    now = now or utcnow()
    values = hourly_p95(source, session, cloud_id, now)
    existing = {(h.resource, h.hour): h for h in session.exec(select(HourlyLoad).where(HourlyLoad.cloud_id == cloud_id))}
    for (r, hour), p95 in values.items():
        row = existing.get((r, hour)) or HourlyLoad(cloud_id=cloud_id, resource=r, hour=hour, p95=p95)
        row.p95, row.computed_at = p95, now
        session.add(row)
    session.flush()


def cloud_capacity(session: Session, cloud_id: str) -> dict[str, float]:
    hosts = session.exec(select(Host).where(Host.cloud_id == cloud_id, Host.up == True, Host.schedulable == True)).all()  # noqa: E712
    return {r: float(sum(getattr(h, r) for h in hosts)) for r in CLOUD_RESOURCES}


def capacity_profile(session: Session, cloud_id: str, limits: dict[str, float], anchor: datetime, hours: int,
                     source: MetricsSource | None = None) -> dict[str, Any]:
    """The contract's `capacity_profile`: free room per schedule hour from `anchor`, within the job set's limits.

    free(r, h) = min(limit_r, capacity_r * (1 - headroom) - p95_r(hour of day) * capacity_r), at least 0.
    """
    s = get_settings()
    rows = {(h.resource, h.hour): h.p95 for h in session.exec(select(HourlyLoad).where(HourlyLoad.cloud_id == cloud_id))}
    if len(rows) < 24 * len(FORECAST_RESOURCES) and source is not None:
        refresh_forecast(session, source, cloud_id)
        rows = {(h.resource, h.hour): h.p95 for h in session.exec(select(HourlyLoad).where(HourlyLoad.cloud_id == cloud_id))}
    cap = cloud_capacity(session, cloud_id)
    levels: dict[str, list[float]] = {}
    for r, limit in limits.items():
        vals = []
        for i in range(hours):
            hour = (anchor + timedelta(hours=i)).astimezone(LOCAL_TZ).hour
            used = rows.get((r, hour), 0.0) if r in FORECAST_RESOURCES else 0.0
            free = cap.get(r, 0.0) * (1 - s.jobs_headroom) - used * cap.get(r, 0.0)
            vals.append(math.floor(max(0.0, min(float(limit), free))))
        levels[r] = vals
    return {"slot": 60, "levels": levels}


# --------------------------------------------------------------------------------------------- job sets

CONTRACT_KEYS = ("horizon", "resources", "jobs", "objective", "time_limit_s")


@dataclass
class NewJobSet:
    document: dict[str, Any]
    clouds: list[str]
    recurrence: str | None
    name: str
    department: str | None


def read_request(session: Session, scope: Scope, body: Any) -> NewJobSet:
    """Validate a POST body: the contract's job-set JSON plus `cloud` and `recurrence` (422 naming the field)."""
    if not isinstance(body, dict):
        raise Refusal(422, None, msg("jobs.body_must_json_object"))
    cloud = body.get("cloud")
    clouds = [cloud] if isinstance(cloud, str) else cloud
    if not clouds or not isinstance(clouds, list) or not all(isinstance(c, str) and c for c in clouds):
        raise Refusal(422, "cloud", msg("jobs.required_cloud_id_list"))
    for c in clouds:
        if session.get(Cloud, c) is None:
            raise Refusal(422, "cloud", msg("jobs.unknown_cloud", c=c))
    recurrence = body.get("recurrence")
    if recurrence is not None:
        if not isinstance(recurrence, str):
            raise Refusal(422, "recurrence", msg("jobs.must_cron_expression_fields"))
        try:
            CronTrigger.from_crontab(recurrence, timezone=LOCAL_TZ)
        except ValueError as exc:
            raise Refusal(422, "recurrence", msg("jobs.valid_cron_expression", exc=exc)) from exc
    doc = {k: body[k] for k in CONTRACT_KEYS if k in body}
    for k in ("resources", "jobs"):
        if k not in doc:
            raise Refusal(422, k, msg("jobs.required"))
    if isinstance(doc.get("resources"), dict):
        for r in doc["resources"]:
            if r not in CLOUD_RESOURCES:
                raise Refusal(422, f"resources.{r}", msg("jobs.unknown_resource_one", CLOUD_RESOURCES=', '.join(CLOUD_RESOURCES)))
    try:
        parse_jobset(doc)
    except JobSetError as exc:
        raise _from_jobset_error(exc) from exc
    department = body.get("department")
    if scope.department is not None:  # a department admin
        if department not in (None, scope.department):
            raise Refusal(403, "department", msg("jobs.department_admin_creates_job", department=scope.department))
        department = scope.department
    elif department is not None and session.get(Department, department) is None:
        raise Refusal(422, "department", msg("jobs.unknown_department", department=department))
    if scope.cloud is not None and clouds[0] != scope.cloud:
        raise Refusal(403, "cloud", msg("jobs.plan_jobs", role=scope.role, cloud=scope.cloud, clouds=clouds[0]))
    if not may(scope, "jobs.create"):
        raise Refusal(403, "role", msg("jobs.create_job_sets", role=scope.role))
    name = body.get("name") or ""
    if not isinstance(name, str):
        raise Refusal(422, "name", msg("jobs.must_string"))
    return NewJobSet(doc, clouds, recurrence, name, department)


def next_anchor(recurrence: str | None, after: datetime) -> datetime:
    """Minute 0 of the next run: the next cron fire time, or the next whole minute."""
    if recurrence:
        fire = CronTrigger.from_crontab(recurrence, timezone=LOCAL_TZ).get_next_fire_time(None, after)
        return fire.astimezone(after.tzinfo)
    return (after + timedelta(minutes=1)).replace(second=0, microsecond=0)


def create(session: Session, actor: str, scope: Scope, body: Any, source: MetricsSource | None = None,
           now: datetime | None = None) -> tuple[JobSet, JobRun]:
    """Store a job set and plan its first run; one audit event for each."""
    req = read_request(session, scope, body)
    js = JobSet(name=req.name, cloud_id=req.clouds[0], clouds=req.clouds, department_id=req.department,
                recurrence=req.recurrence, objective=req.document.get("objective") or "makespan",
                document=req.document, owner=actor)
    session.add(js)
    session.flush()
    audit.record(session, actor, "jobset.create", "jobset", str(js.id), None,
                 {"cloud": req.clouds, "recurrence": req.recurrence, "jobs": len(req.document["jobs"])})
    run = plan_run(session, actor, js, next_anchor(js.recurrence, now or utcnow()), source)
    return js, run


def plan_run(session: Session, actor: str, js: JobSet, anchor: datetime, source: MetricsSource | None = None) -> JobRun:
    """Solve the job set against the forecast for a run from `anchor`, store the run and its jobs."""
    s = get_settings()
    base = parse_jobset(js.document)
    hours = min(MAX_PROFILE_HOURS, max(24, math.ceil(upper_bound(base) / 60) + 1))
    limits = {r: float(v) for r, v in js.document["resources"].items()}
    profile = capacity_profile(session, js.cloud_id, limits, anchor, hours, source)
    doc = {**js.document, "capacity_profile": profile}
    try:
        sched = solve(doc, time_limit_s=s.jobs_time_limit_s)
    except JobSetError as exc:
        raise _from_jobset_error(exc) from exc
    run = JobRun(jobset_id=js.id, anchor=anchor, schedule=sched.to_document(), forecast=profile, replans=[])
    session.add(run)
    session.flush()
    minute = timedelta(seconds=s.jobs_minute_s)
    for j in base.jobs:
        start = anchor + sched.starts[j.id] * minute
        session.add(DataJob(run_id=run.id, job_id=j.id, cloud_id=js.cloud_id, duration_min=j.duration,
                            planned_start=start, first_planned_start=start))
    audit.record(session, actor, "jobset.plan", "jobset", str(js.id), None,
                 {"run": run.id, "anchor": anchor.isoformat(), **run.schedule})
    session.flush()
    return run


def runs_of(session: Session, jobset_id: int) -> list[JobRun]:
    """Every run of a job set, oldest first."""
    return list(session.exec(select(JobRun).where(JobRun.jobset_id == jobset_id).order_by(JobRun.id)))


def latest_run(session: Session, jobset_id: int) -> JobRun | None:
    return session.exec(select(JobRun).where(JobRun.jobset_id == jobset_id).order_by(col(JobRun.id).desc())).first()


def run_jobs(session: Session, run_id: int) -> list[DataJob]:
    return list(session.exec(select(DataJob).where(DataJob.run_id == run_id).order_by(col(DataJob.id))))


# --------------------------------------------------------------------------------------------- re-plan

def _minutes(a: datetime, b: datetime) -> float:
    return (as_utc(b) - as_utc(a)).total_seconds() / get_settings().jobs_minute_s  # type: ignore[operator]


def replan(session: Session, run: JobRun, reason: str, now: datetime | None = None, actor: str = "system:dispatch") -> dict[str, Any]:
    """Re-plan what has not started, from now: done jobs drop out, running ones hold their room until
    their expected end, pending, late and retried jobs get new starts. Deadlines that can no longer be
    met become due dates (weighted tardiness). The change is appended to the run's history and audited."""
    s = get_settings()
    now = now or utcnow()
    js = session.get(JobSet, run.jobset_id)
    assert js is not None
    jobs = {d.job_id: d for d in run_jobs(session, run.id)}  # type: ignore[arg-type]
    anchor = as_utc(run.anchor)
    t0 = math.ceil(max(0.0, _minutes(anchor, now)))  # type: ignore[arg-type]
    src = {j["id"]: j for j in js.document["jobs"]}
    open_ids = [i for i, d in jobs.items() if d.state in ("pending", "late", "running")]
    sub_jobs, relaxed = [], False
    for i in open_ids:
        d, j = jobs[i], dict(src[i])
        j["after"] = [a for a in j.get("after", []) if a in open_ids]
        rel = max(0, int(j.get("release", 0) or 0) - t0)
        if d.state == "running":
            left = max(0, math.ceil(_minutes(now, as_utc(d.actual_start) + d.duration_min * timedelta(seconds=s.jobs_minute_s))))  # type: ignore[operator]
            j.update(duration=left, release=0, deadline=left, after=[])
            j.pop("due", None)
        else:
            j["release"] = rel
            if j.get("deadline") is not None:
                j["deadline"] = int(j["deadline"]) - t0
        sub_jobs.append(j)
    doc = {"horizon": max(0, int(js.document.get("horizon", 0)) - t0), "resources": js.document["resources"],
           "jobs": sub_jobs}
    base = parse_jobset({**doc, "jobs": [{**j, "deadline": None} for j in sub_jobs]})
    hours = min(MAX_PROFILE_HOURS, max(24, math.ceil(upper_bound(base) / 60) + 1))
    doc["capacity_profile"] = capacity_profile(session, js.cloud_id, {r: float(v) for r, v in doc["resources"].items()},
                                               anchor + t0 * timedelta(seconds=s.jobs_minute_s), hours)  # type: ignore[operator]
    try:
        sched = solve(doc, time_limit_s=s.jobs_time_limit_s)
    except JobSetError:
        relaxed = True   # deadlines can no longer all be met: minimise how late the jobs are instead
        for j in sub_jobs:
            if j.get("deadline") is not None and not (jobs[j["id"]].state == "running"):
                j["due"], j["deadline"] = j["deadline"], None
        sched = solve(doc, objective="tardiness", time_limit_s=s.jobs_time_limit_s)
    minute = timedelta(seconds=s.jobs_minute_s)
    changed: dict[str, dict[str, str]] = {}
    for i in open_ids:
        d = jobs[i]
        if d.state == "running":
            continue
        new = anchor + (t0 + sched.starts[i]) * minute  # type: ignore[operator]
        if as_utc(d.planned_start) != new:
            changed[i] = {"from": as_utc(d.planned_start).isoformat(), "to": new.isoformat()}  # type: ignore[union-attr]
        d.planned_start = new
        if d.state == "late":
            d.state = "pending"
        session.add(d)
    starts = dict(run.schedule.get("starts", {}))
    for i, d in jobs.items():
        at = d.actual_start if d.actual_start is not None and d.state != "pending" else d.planned_start
        starts[i] = max(0, round(_minutes(anchor, as_utc(at))))  # type: ignore[arg-type]
    ends = [starts[i] + jobs[i].duration_min for i in jobs if jobs[i].state != "failed"]
    makespan = max(ends, default=0)
    run.schedule = {"starts": starts, "makespan": makespan, "status": "feasible",  # optimality held for the sub-problem only
                    "lower_bound": min(makespan, t0 + sched.lower_bound)}
    entry = {"at": now.isoformat(), "reason": reason, "changed": changed, "from_minute": t0,
             "deadlines_relaxed": relaxed, "makespan": makespan, "status": sched.status}
    run.replans = [*(run.replans or []), entry]
    run.version += 1
    run.updated_at = now
    session.add(run)
    audit.record(session, actor, "jobset.replan", "jobset", str(js.id), None, {"run": run.id, **entry})
    session.flush()
    return entry
