"""Plans: propose, read, approve, reject, cancel, dry-run, execute, pause, resume and roll back, each within scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import func
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from api.deps import ActorDep, PageDep, RowId, SessionDep, allow, only_params
from api.errors import refusals
from api.sorting import Sort, sorting
from api.schemas import ApprovalNeedOut, HostChangeOut, MoveOut, PageOut, PlanCreate, PlanOut, PlanSummaryOut, RejectIn
from api.schemas.plans import MoveCountsOut, NextApproverOut, PlanDocumentOut
from scheduler import plans
from scheduler.core import messages
from scheduler.core import energy
from scheduler.core.access import require
from scheduler.core.refusal import Refusal
from scheduler.plans import Actor
from scheduler.plans.document import document_of
from scheduler.plans.freed import KEY as DISABLE_KEY
from scheduler.plans.models import Plan, PlanAction
from scheduler.plans.visibility import plans_condition

router = APIRouter(prefix="/api/v1/plans", tags=["plans"], dependencies=[Depends(allow("plans.read"))])


def load(session: Session, a: Actor, plan_id: int, *options: Any) -> Plan:
    plan = session.get(Plan, plan_id, options=options)
    if plan is None:
        raise Refusal(404, "plan_id", messages.msg("plan.none", plan=plan_id))
    if not plans.visible_to(plan, a):
        raise Refusal(404, "plan_id", messages.msg("plan.none", plan=plan_id))  # out of scope is as if it did not exist
    return plan


def _text(item: dict[str, Any], prefix: str = "move.") -> str:
    """A document's reason in the caller's language: from its code, else from its English words."""
    if isinstance(item.get("code"), str):
        return messages.text(item["code"], item.get("params"))
    return messages.words(item.get("reason", ""), prefix)


def _moves(rows: list[PlanAction] | None, doc_moves: list[dict[str, Any]]) -> list[MoveOut]:
    by_step = {a.step: a for a in rows or []}
    return [MoveOut(step=m["step"], workload=m["workload"], from_host=m["from"], to_host=m["to"], reason=m["reason"],
                    code=m.get("code"), params=m.get("params"), text=_text(m),
                    state=by_step[m["step"]].state if m["step"] in by_step else None,
                    error=by_step[m["step"]].error or None if m["step"] in by_step else None) for m in doc_moves]


def _stats(stats: dict[str, Any] | None) -> dict[str, Any]:
    out = dict(stats or {})
    if isinstance(out.get("status"), str) and f"solver.{out['status']}" in messages.catalog("en"):
        out["status_text"] = messages.text(f"solver.{out['status']}")
    return out


def _approval(r: dict[str, Any], approvals: dict[str, Any]) -> ApprovalNeedOut:
    """Who approves and why, in the caller's language: the default policy's reasons by their code; a
    site's own reason text as the site wrote it."""
    en = messages.catalog("en")
    said = [messages.said(f"approval.{rule}", {}) if en.get(f"approval.{rule}") == reason
            else {"code": "approval.site", "params": {"reason": reason}, "text": reason}
            for rule, reason in zip(r["rules"], r["reasons"])]
    kind, _, cloud = r["key"].partition(":")
    return ApprovalNeedOut(key=r["key"], rules=r["rules"], reasons=r["reasons"], moves=r["moves"],
                           label=messages.text(f"scope.{kind}", {"cloud": cloud} if cloud else {}),
                           rule_names=[messages.text(f"rule.{x}") if f"rule.{x}" in en else x for x in r["rules"]],
                           said=said,
                           approved_by=approvals[r["key"]].username if r["key"] in approvals else None,
                           approved_at=approvals[r["key"]].at if r["key"] in approvals else None)


def summary(session: Session, p: Plan) -> PlanSummaryOut:
    return PlanSummaryOut(id=p.id, kind=p.kind, scope=p.scope, objective=p.objective, max_migrations=p.max_migrations,
                          state=p.state, state_reason=p.state_reason, state_text=messages.words(p.state_reason, "state."),
                          proposer=p.proposer, created_at=p.created_at,
                          updated_at=p.updated_at, moves=p.move_count, stats=_stats(p.stats),
                          pending_approvals=plans.pending_scopes(session, p))


def detail(session: Session, p: Plan) -> PlanOut:
    session.refresh(p)
    actions = session.exec(select(PlanAction).where(PlanAction.plan_id == p.id).order_by(PlanAction.phase, PlanAction.step)).all()
    forward = [a for a in actions if a.phase == "forward"]
    back = [a for a in actions if a.phase == "rollback"]
    approvals = {a.scope_key: a for a in plans.approvals_of(session, p)}
    needs = [_approval(r, approvals) for r in p.required_approvals]
    counts: dict[str, int] = {}
    for a in actions:
        counts[f"{a.phase}_{a.state}"] = counts.get(f"{a.phase}_{a.state}", 0) + 1
    base = summary(session, p).model_dump(exclude={"moves"})
    switched = {a.to_host: a for a in forward if a.kind != "move"}
    listed = p.document.get(DISABLE_KEY) or []
    host_actions = [MoveOut(step=switched[x["host"]].step if x["host"] in switched else len(p.document["moves"]) + i + 1,
                            kind="disable-host", workload="", from_host=None, to_host=x["host"], reason=x["reason"],
                            text=messages.text("plan.host_disabled_reason", {"plan": p.id}),
                            state=switched[x["host"]].state if x["host"] in switched else None,
                            error=(switched[x["host"]].error or None) if x["host"] in switched else None)
                    for i, x in enumerate(listed)]
    return PlanOut(**base, drain_hosts=p.drain_hosts, moves=_moves([a for a in forward if a.kind == "move"], p.document["moves"]),
                   unplaced=[{**u, "text": _text(u, "unplaced.")} for u in p.document["unplaced"]], approvals=needs,
                   hosts=[HostChangeOut(**h) for h in plans.host_changes(p)], host_actions=host_actions,
                   rollback=[MoveOut(step=a.step, kind=a.kind, workload=a.workload_id, from_host=a.from_host,
                                     to_host=a.to_host, reason=a.reason, text=messages.words(a.reason, "rollback."),
                                     state=a.state, error=a.error or None)
                             for a in back],
                   move_counts=MoveCountsOut(**document_of(p).counts()),
                   next_approvers=[NextApproverOut(**x) for x in plans.next_approvers(session, p)],
                   dry_run=p.dry_run, notes=[messages.words(n, "note.plan.") for n in p.notes or []],
                   progress={"total": len(p.document["moves"]) + len(listed), **counts},
                   energy=energy.of_plan(session, p.fleet, p.document))


@router.post("", responses=refusals(403, 404, 409, 422), response_model=PlanOut, status_code=status.HTTP_201_CREATED)
def propose(body: PlanCreate, session: SessionDep, a: ActorDep) -> PlanOut:
    plan = plans.propose(session, a, body.kind, body.scope, body.objective, body.max_migrations, body.hosts,
                         minimise=body.minimise)
    session.commit()
    return detail(session, plan)


@router.get("", responses=refusals(400, 403), response_model=PageOut[PlanSummaryOut], dependencies=[Depends(only_params("state", "scope", "kind"))])
def list_plans(session: SessionDep, a: ActorDep, pg: PageDep,
               state: Annotated[str | None, Query(pattern="^(" + "|".join(plans.PlanState) + ")$")] = None,
               scope: str | None = None, kind: Annotated[str | None, Query(pattern="^(rebalance|drain|place-pending)$")] = None) -> PageOut[PlanSummaryOut]:
    q = select(Plan).where(plans_condition(a))
    for column, value in ((Plan.state, state), (Plan.scope, scope), (Plan.kind, kind)):
        if value is not None:
            q = q.where(column == value)
    total = session.exec(select(func.count()).select_from(q.subquery())).one()
    page = session.exec(q.options(defer(Plan.fleet), defer(Plan.document))  # type: ignore[arg-type]
                        .order_by(col(Plan.id).desc()).offset(pg.offset).limit(pg.limit)).all()
    return PageOut(items=[summary(session, p) for p in page], total=total, limit=pg.limit, offset=pg.offset)


@router.get("/{plan_id}", responses=refusals(403, 404), response_model=PlanOut)
def get_plan(plan_id: RowId, session: SessionDep, a: ActorDep) -> PlanOut:
    return detail(session, load(session, a, plan_id))


MOVE_SORTS = ("step", "workload", "from_host", "to_host", "state")
MOVE_STATES = ("planned", "pending", "running", "done", "failed", "skipped")  # planned: not yet part of a run


@router.get("/{plan_id}/moves", responses=refusals(400, 404, 422), response_model=PageOut[MoveOut],
            dependencies=[Depends(only_params("q", "state", "sort", "order"))])
def get_moves(plan_id: RowId, session: SessionDep, a: ActorDep, pg: PageDep,
              sort: Annotated[Sort, Depends(sorting(MOVE_SORTS, "step"))],
              q: Annotated[str | None, Query(max_length=100, description="part of the workload's or a host's id")] = None,
              state: str | None = None) -> PageOut[MoveOut]:
    """The plan's forward moves, filtered, sorted and a page at a time (a plan may move thousands)."""
    plan = load(session, a, plan_id, defer(Plan.fleet))  # type: ignore[arg-type]  # the fleet: not needed here
    if state is not None and state not in MOVE_STATES:
        raise Refusal(422, "state", messages.msg("invalid.not_allowed", got=repr(state), allowed=list(MOVE_STATES)))
    rows = {x.step: x for x in session.exec(select(PlanAction).where(
        PlanAction.plan_id == plan.id, PlanAction.phase == "forward", PlanAction.kind == "move"))}
    # filtered and sorted on the document's plain fields; only the page is rendered in the caller's language
    keyed = [({"step": m["step"], "workload": m["workload"], "from_host": m["from"], "to_host": m["to"],
               "state": rows[m["step"]].state if m["step"] in rows else None}, m) for m in plan.document["moves"]]
    if state is not None:
        keyed = [k for k in keyed if (k[0]["state"] or "planned") == state]
    if q:
        low = q.lower()
        keyed = [k for k in keyed if any(low in (k[0][f] or "").lower() for f in ("workload", "from_host", "to_host"))]
    keyed = sort.rows(keyed, lambda k: k[0][sort.field])
    page = _moves(list(rows.values()), [m for _, m in keyed[pg.offset: pg.offset + pg.limit]])
    return PageOut(items=page, total=len(keyed), limit=pg.limit, offset=pg.offset)


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


@router.post("/{plan_id}/pause", responses=refusals(403, 404, 409), response_model=PlanOut)
def pause(plan_id: RowId, session: SessionDep, a: ActorDep) -> PlanOut:
    """Stop an executing plan after the steps in flight (409 naming `state` unless it is executing)."""
    return _act(session, a, plan_id, lambda p: plans.pause(session, a, p))


@router.post("/{plan_id}/resume", responses=refusals(403, 404, 409), response_model=PlanOut, status_code=status.HTTP_202_ACCEPTED)
def resume(plan_id: RowId, session: SessionDep, a: ActorDep) -> PlanOut:
    """Carry on a paused plan from its first step not done (409 naming `state` unless it is paused)."""
    return _act(session, a, plan_id, lambda p: plans.resume(session, a, p))


@router.post("/{plan_id}/rollback", responses=refusals(403, 404, 409, 422), response_model=PlanOut, status_code=status.HTTP_202_ACCEPTED)
def rollback(plan_id: RowId, session: SessionDep, a: ActorDep) -> PlanOut:
    return _act(session, a, plan_id, lambda p: plans.start_rollback(session, a, p))
