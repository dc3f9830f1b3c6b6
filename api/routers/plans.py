"""Plans: propose, read, approve, reject, cancel, dry-run, execute and roll back, each within scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from api.deps import ActorDep, PageDep, RowId, SessionDep, allow, only_params
from api.errors import refusals
from api.schemas import ApprovalNeedOut, HostChangeOut, MoveOut, PageOut, PlanCreate, PlanOut, PlanSummaryOut, RejectIn
from api.schemas.plans import PlanDocumentOut
from scheduler import plans
from scheduler.core import energy
from scheduler.core.access import require
from scheduler.core.refusal import Refusal
from scheduler.plans import Actor
from scheduler.plans.models import Plan, PlanAction

router = APIRouter(prefix="/api/v1/plans", tags=["plans"], dependencies=[Depends(allow("plans.read"))])


def load(session: Session, a: Actor, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise Refusal(404, "plan_id", f"no plan {plan_id}")
    if not plans.visible_to(plan, a):
        raise Refusal(404, "plan_id", f"no plan {plan_id}")  # out of scope is as if it did not exist
    return plan


def _moves(rows: list[PlanAction] | None, doc_moves: list[dict[str, Any]]) -> list[MoveOut]:
    by_step = {a.step: a for a in rows or []}
    return [MoveOut(step=m["step"], workload=m["workload"], from_host=m["from"], to_host=m["to"], reason=m["reason"],
                    state=by_step[m["step"]].state if m["step"] in by_step else None,
                    error=by_step[m["step"]].error or None if m["step"] in by_step else None) for m in doc_moves]


def summary(session: Session, p: Plan) -> PlanSummaryOut:
    return PlanSummaryOut(id=p.id, kind=p.kind, scope=p.scope, objective=p.objective, max_migrations=p.max_migrations,
                          state=p.state, state_reason=p.state_reason, proposer=p.proposer, created_at=p.created_at,
                          updated_at=p.updated_at, moves=p.move_count, stats=p.stats or {},
                          pending_approvals=plans.pending_scopes(session, p))


def detail(session: Session, p: Plan) -> PlanOut:
    session.refresh(p)
    actions = session.exec(select(PlanAction).where(PlanAction.plan_id == p.id).order_by(PlanAction.phase, PlanAction.step)).all()
    forward = [a for a in actions if a.phase == "forward"]
    back = [a for a in actions if a.phase == "rollback"]
    approvals = {a.scope_key: a for a in plans.approvals_of(session, p)}
    needs = [ApprovalNeedOut(key=r["key"], rules=r["rules"], reasons=r["reasons"], moves=r["moves"],
                             approved_by=approvals[r["key"]].username if r["key"] in approvals else None,
                             approved_at=approvals[r["key"]].at if r["key"] in approvals else None)
             for r in p.required_approvals]
    counts: dict[str, int] = {}
    for a in actions:
        counts[f"{a.phase}_{a.state}"] = counts.get(f"{a.phase}_{a.state}", 0) + 1
    base = summary(session, p).model_dump(exclude={"moves"})
    return PlanOut(**base, drain_hosts=p.drain_hosts, moves=_moves(forward, p.document["moves"]),
                   unplaced=p.document["unplaced"], approvals=needs,
                   hosts=[HostChangeOut(**h) for h in plans.host_changes(p)],
                   rollback=[MoveOut(step=a.step, workload=a.workload_id, from_host=a.from_host, to_host=a.to_host,
                                     reason=a.reason, state=a.state, error=a.error or None) for a in back],
                   dry_run=p.dry_run, notes=p.notes or [], progress={"total": len(p.document["moves"]), **counts},
                   energy=energy.of_plan(session, p.fleet, p.document))


@router.post("", responses=refusals(403, 404, 409, 422), response_model=PlanOut, status_code=status.HTTP_201_CREATED)
def propose(body: PlanCreate, session: SessionDep, a: ActorDep) -> PlanOut:
    plan = plans.propose(session, a, body.kind, body.scope, body.objective, body.max_migrations, body.hosts)
    session.commit()
    return detail(session, plan)


@router.get("", responses=refusals(400, 403), response_model=PageOut[PlanSummaryOut], dependencies=[Depends(only_params("state", "scope", "kind"))])
def list_plans(session: SessionDep, a: ActorDep, pg: PageDep,
               state: Annotated[str | None, Query(pattern="^(" + "|".join(plans.PlanState) + ")$")] = None,
               scope: str | None = None, kind: Annotated[str | None, Query(pattern="^(rebalance|drain|place-pending)$")] = None) -> PageOut[PlanSummaryOut]:
    q = select(Plan).options(defer(Plan.fleet), defer(Plan.document)).order_by(col(Plan.id).desc())  # type: ignore[arg-type]
    for column, value in ((Plan.state, state), (Plan.scope, scope), (Plan.kind, kind)):
        if value is not None:
            q = q.where(column == value)
    mine = [p for p in session.exec(q) if plans.visible_to(p, a)]
    page = mine[pg.offset: pg.offset + pg.limit]
    return PageOut(items=[summary(session, p) for p in page], total=len(mine), limit=pg.limit, offset=pg.offset)


@router.get("/{plan_id}", responses=refusals(403, 404), response_model=PlanOut)
def get_plan(plan_id: RowId, session: SessionDep, a: ActorDep) -> PlanOut:
    return detail(session, load(session, a, plan_id))


@router.get("/{plan_id}/document", responses=refusals(403, 404), response_model=PlanDocumentOut)
def get_document(plan_id: RowId, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    """The contract's plan document together with the fleet document it was built from."""
    return plans.document_for(load(session, a, plan_id), a)


def _act(session: Session, a: Actor, plan_id: int, step: Any) -> PlanOut:
    require(a, "plans.act")
    plan = load(session, a, plan_id)
    step(plan)
    session.commit()
    return detail(session, plan)


@router.post("/{plan_id}/approve", responses=refusals(403, 404, 409, 422), response_model=PlanOut)
def approve(plan_id: RowId, session: SessionDep, a: ActorDep) -> PlanOut:
    return _act(session, a, plan_id, lambda p: plans.approve(session, a, p))


@router.post("/{plan_id}/reject", responses=refusals(403, 404, 409, 422), response_model=PlanOut)
def reject(plan_id: RowId, body: RejectIn, session: SessionDep, a: ActorDep) -> PlanOut:
    return _act(session, a, plan_id, lambda p: plans.reject(session, a, p, body.reason))


@router.post("/{plan_id}/cancel", responses=refusals(403, 404, 409, 422), response_model=PlanOut)
def cancel(plan_id: RowId, session: SessionDep, a: ActorDep) -> PlanOut:
    return _act(session, a, plan_id, lambda p: plans.cancel(session, a, p))


@router.post("/{plan_id}/dry-run", responses=refusals(403, 404, 409, 422), response_model=PlanOut)
def dry_run(plan_id: RowId, session: SessionDep, a: ActorDep) -> PlanOut:
    return _act(session, a, plan_id, lambda p: plans.dry_run(session, p))


@router.post("/{plan_id}/execute", responses=refusals(403, 404, 409, 422), response_model=PlanOut, status_code=status.HTTP_202_ACCEPTED)
def execute(plan_id: RowId, session: SessionDep, a: ActorDep) -> PlanOut:
    return _act(session, a, plan_id, lambda p: plans.start_execution(session, a, p))


@router.post("/{plan_id}/rollback", responses=refusals(403, 404, 409, 422), response_model=PlanOut, status_code=status.HTTP_202_ACCEPTED)
def rollback(plan_id: RowId, session: SessionDep, a: ActorDep) -> PlanOut:
    return _act(session, a, plan_id, lambda p: plans.start_rollback(session, a, p))
