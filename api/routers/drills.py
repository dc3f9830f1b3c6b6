"""Drills and real failover: start a drill, watch it, read its report; declare a cloud down or up.

Outside checks call these paths; keep them exactly: POST /api/v1/drills, GET /api/v1/drills/{id},
GET /api/v1/drills/{id}/report (?format=html), POST /api/v1/clouds/{id}/declare-down and /declare-up.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from api.deps import ActorDep, PageDep, RowId, SessionDep, allow, only_params
from api.errors import refusals
from api.routers.plans import detail as plan_detail
from api.schemas import PageOut, PlanOut, UtcDatetime
from api.schemas.drills import DrillReportOut
from scheduler.core import messages
from scheduler.core.access import may
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.dr import drills
from scheduler.dr import report as drill_report
from scheduler.dr.models import Drill
from scheduler.plans import Actor
from scheduler.plans.models import Plan

router = APIRouter(prefix="/api/v1", tags=["drills"], dependencies=[Depends(allow("drills.read"))])


class DrillCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clouds: list[str] = Field(description="the clouds to fail, e.g. [\"gz-gov\"]; never the backup node")
    mode: Literal["tabletop", "live"] = Field(description="tabletop: plan and predict only; live: fail, measure, fail back")


class DeclareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=500, description="what happened, for the audit trail")


class DrillOut(BaseModel):
    id: int
    mode: str
    clouds: list[str]
    state: str
    state_reason: str
    state_text: str = ""  # state_reason in the caller's language
    starter: str
    schedule: str | None
    progress: dict[str, Any]
    failover_plan: int | None
    failback_plan: int | None
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    failed_over_at: UtcDatetime | None
    closed_at: UtcDatetime | None
    report: str


def _out(session: Session, d: Drill) -> DrillOut:
    return DrillOut(id=d.id, mode=d.mode, clouds=d.clouds, state=d.state, state_reason=d.state_reason,  # type: ignore[arg-type]
                    state_text=messages.words(d.state_reason, "drill."),
                    starter=d.starter, schedule=d.schedule, progress=drills.progress(session, d),
                    failover_plan=d.failover_plan_id, failback_plan=d.failback_plan_id, created_at=d.created_at,
                    started_at=d.started_at, failed_over_at=d.failed_over_at, closed_at=d.closed_at,
                    report=f"/api/v1/drills/{d.id}/report")


def _visible(d: Drill, a: Actor) -> bool:
    return may(a, "drills.read_all") or a.scope in d.clouds


def _load(session: Session, a: Actor, drill_id: int) -> Drill:
    d = session.get(Drill, drill_id)
    if d is None or not _visible(d, a):
        raise Refusal(404, "drill_id", msg("drill.drill", drill_id=drill_id))
    session.refresh(d)
    return d


@router.post("/drills", responses=refusals(403, 404, 409, 422), response_model=DrillOut, status_code=status.HTTP_201_CREATED)
def start_drill(body: DrillCreate, session: SessionDep, a: ActorDep, response: Response) -> DrillOut:
    """A tabletop drill answers at once (201, closed); a live drill runs in the background (202)."""
    if body.mode == "tabletop":
        drill = drills.tabletop(session, a, body.clouds)
    else:
        drill = drills.start_live(session, a, body.clouds)
    session.commit()
    if drill.mode == "live":
        response.status_code = status.HTTP_202_ACCEPTED
    return _out(session, _load(session, a, drill.id))  # type: ignore[arg-type]


@router.get("/drills", responses=refusals(400, 403), response_model=PageOut[DrillOut], dependencies=[Depends(only_params("state", "mode"))])
def list_drills(session: SessionDep, a: ActorDep, pg: PageDep,
                state: Annotated[str | None, Query(pattern="^(" + "|".join(drills.STATES) + ")$")] = None,
                mode: Annotated[str | None, Query(pattern="^(tabletop|live)$")] = None) -> PageOut[DrillOut]:
    """The drill history, newest first."""
    q = select(Drill).order_by(col(Drill.id).desc())
    if state is not None:
        q = q.where(Drill.state == state)
    if mode is not None:
        q = q.where(Drill.mode == mode)
    mine = [d for d in session.exec(q) if _visible(d, a)]
    page = mine[pg.offset: pg.offset + pg.limit]
    return PageOut(items=[_out(session, d) for d in page], total=len(mine), limit=pg.limit, offset=pg.offset)


@router.get("/drills/{drill_id}", responses=refusals(403, 404), response_model=DrillOut)
def get_drill(drill_id: RowId, session: SessionDep, a: ActorDep) -> DrillOut:
    return _out(session, _load(session, a, drill_id))


@router.get("/drills/{drill_id}/report", responses={**refusals(400, 403, 404), 200: {
    "description": "the report (JSON, or a printable page with ?format=html)",
    "content": {"text/html": {"schema": {"type": "string"}}}}}, response_model=DrillReportOut, dependencies=[Depends(only_params("format"))])
def get_report(drill_id: RowId, session: SessionDep, a: ActorDep,
               format: Annotated[Literal["json", "html"], Query(description="json (default) or html")] = "json",
               ) -> dict[str, Any] | HTMLResponse:
    report = drill_report.build(session, _load(session, a, drill_id))
    if format == "html":
        return HTMLResponse(drill_report.render_html(report))
    return report


def _declare(cloud_id: str, body: DeclareIn | None, session: Session, a: Actor, down: bool) -> PlanOut:
    plan = drills.declare(session, a, cloud_id, down, body.reason if body else "")
    session.commit()
    return plan_detail(session, plan)


@router.post("/clouds/{cloud_id}/declare-down", responses=refusals(403, 404, 409, 422), response_model=PlanOut, status_code=status.HTTP_201_CREATED)
def declare_down(cloud_id: str, session: SessionDep, a: ActorDep, body: DeclareIn | None = None) -> PlanOut:
    """Mark the cloud failed and propose the failover plan; it runs once approved (policy: dr.real_failover)."""
    return _declare(cloud_id, body, session, a, True)


@router.post("/clouds/{cloud_id}/declare-up", responses=refusals(403, 404, 409, 422), response_model=PlanOut, status_code=status.HTTP_201_CREATED)
def declare_up(cloud_id: str, session: SessionDep, a: ActorDep, body: DeclareIn | None = None) -> PlanOut:
    """Mark the cloud up again and propose the failback of what the failover restarted elsewhere."""
    return _declare(cloud_id, body, session, a, False)


@router.post("/failover-plans/{plan_id}/approve", responses=refusals(403, 404, 409, 422), response_model=PlanOut, status_code=status.HTTP_202_ACCEPTED)
def approve_failover(plan_id: RowId, session: SessionDep, a: ActorDep) -> PlanOut:
    """Approve a real failover or failback under the DR policy (dr-coordinator or province centre) and run it."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise Refusal(404, "plan_id", msg("drill.plan", plan_id=plan_id))
    drills.approve_real(session, a, plan)
    session.commit()
    return plan_detail(session, plan)
