"""Data-zone job sets: create (and plan), list, read with job states, and the contract's schedule.

Province operators see every job set; a city or industry operator those on its cloud; a department
admin its own department's; everyone else gets 403. Every write is an audit event.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, status
from sqlmodel import col, select

from api.deps import PageDep, RowId, ScopeDep, SessionDep, UserDep, only_params
from api.errors import refusals
from api.schemas import PageOut
from api.schemas.jobs import JobSetCreate, JobSetCreatedOut, JobSetDetailOut, JobSetOut, ScheduleOut
from scheduler.core import messages, names
from scheduler import jobs
from scheduler.core.access import require
from scheduler.core.accounts import Scope
from scheduler.core.db import as_utc
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.core.registry import get_adapters
from scheduler.core.settings import get_settings
from scheduler.jobs import dispatch
from scheduler.jobs.models import JobSet

router = APIRouter(prefix="/api/v1/jobsets", tags=["jobsets"])


def _allowed(scope: Scope) -> Scope:
    require(scope, "jobs.use")
    return scope


def _load(session: Any, scope: Scope, jobset_id: int) -> JobSet:
    js = session.get(JobSet, jobset_id)
    if js is None:
        raise Refusal(404, "jobset_id", msg("jobs.job_set", jobset_id=jobset_id))
    if not jobs.visible(scope, js):
        raise Refusal(404, "jobset_id", msg("jobs.job_set", jobset_id=jobset_id))  # out of scope is as if it did not exist
    return js


def _summary(session: Any, js: JobSet) -> dict[str, Any]:
    run = jobs.latest_run(session, js.id)  # type: ignore[arg-type]
    return {"id": js.id, "name": js.name, "cloud": js.cloud_id, "clouds": js.clouds, "department": js.department_id,
            # a job set the service made itself (the data platform's) by its name in the caller's language
            "name_text": messages.words(js.name, "jobset.name."),
            "department_name": names.name_of("department", js.department_id) if js.department_id else None,
            "recurrence": js.recurrence, "objective": js.objective, "owner": js.owner, "active": js.active,
            "jobs": len(js.document["jobs"]), "created_at": js.created_at,
            "run": None if run is None else {"id": run.id, "anchor": run.anchor, "state": run.state,
                                             "makespan": run.schedule.get("makespan"), "replans": len(run.replans or [])}}


@router.post("", responses=refusals(403, 404, 409, 422), response_model=JobSetCreatedOut,
             status_code=status.HTTP_201_CREATED)
def create_jobset(body: JobSetCreate, session: SessionDep, user: UserDep, scope: ScopeDep) -> dict[str, Any]:
    """The contract's job-set JSON plus `cloud` (id or list) and `recurrence` (cron, Asia/Shanghai, or null)."""
    _allowed(scope)
    js, run = jobs.create(session, user.username, scope, body.model_dump(mode="json", exclude_unset=True),
                          get_adapters().metrics_for(body.cloud if isinstance(body.cloud, str) else ""))
    session.commit()
    dispatch.schedule_run(session, run)
    return {**_summary(session, js), "schedule": run.schedule}


@router.get("", responses=refusals(400, 403), response_model=PageOut[JobSetOut], dependencies=[Depends(only_params("cloud"))])
def list_jobsets(session: SessionDep, scope: ScopeDep, pg: PageDep, cloud: str | None = None) -> dict[str, Any]:
    _allowed(scope)
    q = select(JobSet).order_by(col(JobSet.id))
    if cloud:
        q = q.where(JobSet.cloud_id == cloud)
    rows = [js for js in session.exec(q) if jobs.visible(scope, js)]
    return {"total": len(rows), "limit": pg.limit, "offset": pg.offset,
            "items": [_summary(session, js) for js in rows[pg.offset:pg.offset + pg.limit]]}


@router.get("/{jobset_id}", responses=refusals(403, 404), response_model=JobSetDetailOut)
def get_jobset(session: SessionDep, scope: ScopeDep, jobset_id: RowId) -> dict[str, Any]:
    """The job set, its latest run's jobs (state, planned against actual start) and re-plan history."""
    _allowed(scope)
    js = _load(session, scope, jobset_id)
    run = jobs.latest_run(session, jobset_id)
    out = {**_summary(session, js), "document": js.document}
    if run is not None:
        out["schedule"] = run.schedule
        out["forecast"] = run.forecast
        out["replans"] = run.replans or []
        out["minute_s"] = get_settings().jobs_minute_s  # wall-clock seconds per schedule minute (for the console's chart)
        out["job_states"] = [{"id": d.job_id, "state": d.state, "cloud": d.cloud_id, "duration_min": d.duration_min,
                              "planned_start": as_utc(d.planned_start), "first_planned_start": as_utc(d.first_planned_start),
                              "actual_start": as_utc(d.actual_start), "finished_at": as_utc(d.finished_at),
                              "attempts": d.attempts, "error": d.error or None}
                             for d in jobs.run_jobs(session, run.id)]  # type: ignore[arg-type]
    return out


@router.get("/{jobset_id}/schedule", responses=refusals(403, 404), response_model=ScheduleOut)
def get_schedule(session: SessionDep, scope: ScopeDep, jobset_id: RowId) -> dict[str, Any]:
    """The contract's schedule document of the latest run: starts (minutes), makespan, status, lower_bound."""
    _allowed(scope)
    _load(session, scope, jobset_id)
    run = jobs.latest_run(session, jobset_id)
    if run is None:
        raise Refusal(404, "jobset_id", msg("jobs.job_set_has_schedule", jobset_id=jobset_id))
    return {k: run.schedule[k] for k in ("starts", "makespan", "status", "lower_bound")}
