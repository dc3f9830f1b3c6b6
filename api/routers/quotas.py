"""Department quotas: standing and usage (JSON or CSV), requests and their decisions, reclaims.

Scopes as everywhere: a department admin sees its own department (and its county offices), a city
or industry operator its own cloud, the province-wide roles everything. Refusals carry the field
and, where numbers matter (feasibility, a reclaim), the numbers.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from api.deps import MAX_OFFSET, ActorDep, RowId, SessionDep, allow, only_params
from api.errors import refusals
from api.schemas import PageOut
from api.schemas.quotas import QuotaRequestOut, QuotasOut, ReclaimListOut, ReclaimOut, UsageListOut
from scheduler import quotas
from scheduler.core import messages
from scheduler.core.access import may
from scheduler.core.accounts import Scope
from scheduler.core.models import RESOURCES, Cloud, Department
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.core.visibility import department_ids
from scheduler.quotas import Actor
from scheduler.quotas import requests as quota_requests
from scheduler.quotas.models import QuotaReclaim, QuotaRequest

router = APIRouter(prefix="/api/v1", tags=["quotas"], dependencies=[Depends(allow("quotas.read"))])


class QuotaRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department: str
    cloud: str
    amount: dict[str, Any] = Field(description="vcpu, memory_gib, gpu, storage_gib (any subset, not negative)")
    justification: str
    expires_at: datetime | None = None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = ""


class ReclaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department: str
    cloud: str
    amount: dict[str, Any] | None = None


# ------------------------------------------------------------------------------------------ scope


def _scope_filters(session: Session, a: Actor, department: str | None, cloud: str | None) -> tuple[set[str] | None, list[str]]:
    """The departments (None: all) and clouds this actor may read, narrowed by the filters."""
    scope: Scope = a.scope_obj()
    if cloud is not None and session.get(Cloud, cloud) is None:
        raise Refusal(422, "cloud", msg("cloud.unknown", cloud=cloud))
    if department is not None and session.get(Department, department) is None:
        raise Refusal(422, "department", msg("department.unknown", department=department))
    depts = department_ids(session, scope) if scope.department is not None else None
    if department is not None:
        if depts is not None and department not in depts:
            raise Refusal(403, "department", msg("department.outside_scope", department=department,
                                                          scope=scope.describe()))
        depts = {department}
    if scope.cloud is not None and cloud is not None and cloud != scope.cloud:
        raise Refusal(403, "cloud", msg("cloud.outside_scope", cloud=cloud, scope=scope.describe()))
    all_clouds = [c.id for c in session.exec(select(Cloud).where(Cloud.kind != "backup").order_by(Cloud.id))]
    clouds = [cloud] if cloud else [scope.cloud] if scope.cloud else all_clouds
    return depts, clouds


def _rows(session: Session, a: Actor, department: str | None, cloud: str | None) -> list[quotas.Standing]:
    depts, clouds = _scope_filters(session, a, department, cloud)
    out = []
    for c in clouds:
        for s in quotas.standings(session, c).values():
            if depts is None or s.department in depts:
                out.append(s)
    return out


# ------------------------------------------------------------------------------------------ quotas and usage


@router.get("/quotas", responses=refusals(400, 403, 422), response_model=QuotasOut, dependencies=[Depends(only_params("department", "cloud"))])
def list_quotas(session: SessionDep, a: ActorDep, department: str | None = None, cloud: str | None = None) -> dict[str, Any]:
    """Each department's quota on each cloud with its use, borrowing and headroom (Kueue-style cohorts)."""
    rows = _rows(session, a, department, cloud)
    out: dict[str, Any] = {"items": [s.to_dict() for s in rows], "total": len(rows)}
    if may(a, "quotas.read_clouds"):
        _, clouds = _scope_filters(session, a, None, cloud)
        out["clouds"] = [quotas.summary(session, c) for c in clouds]
    return out


USAGE_COLUMNS = ("department", "parent", "cloud", "resource", "quota", "used", "borrowed", "lent", "headroom", "used_share")


@router.get("/quotas/usage", responses={**refusals(400, 403, 422), 200: {
    "description": "usage per department, cloud and resource", "content": {"text/csv": {"schema": {"type": "string"}}}}},
            response_model=UsageListOut, dependencies=[Depends(only_params("department", "cloud", "format"))])
def quota_usage(session: SessionDep, a: ActorDep, department: str | None = None, cloud: str | None = None,
                format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json") -> Any:
    """Usage against quota per department and cloud; `?format=csv` for a spreadsheet."""
    flat = []
    items = []
    for s in _rows(session, a, department, cloud):
        res = {}
        for r in RESOURCES:
            share = s.used[r] / s.nominal[r] if s.nominal[r] > 0 else (None if s.used[r] == 0 else float("inf"))
            res[r] = {"quota": round(s.nominal[r], 3), "used": round(s.used[r], 3), "borrowed": round(s.borrowed[r], 3),
                      "lent": round(s.lent[r], 3), "headroom": round(s.headroom[r], 3),
                      "used_share": None if share is None or share == float("inf") else round(share, 4)}
            flat.append({"department": s.department, "parent": s.parent or "", "cloud": s.cloud, "resource": r, **res[r]})
        items.append({"department": s.department, "parent": s.parent, "cloud": s.cloud,
                      "over_quota": any(s.used[r] > s.nominal[r] + quotas.EPS for r in RESOURCES), "resources": res})
    if format == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=USAGE_COLUMNS, lineterminator="\n")
        w.writeheader()
        for row in flat:
            w.writerow({k: ("" if row[k] is None else row[k]) for k in USAGE_COLUMNS})
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="quota-usage.csv"'})
    return {"items": items, "total": len(items)}


@router.post("/quotas/reclaim", responses=refusals(403, 404, 409, 422), response_model=ReclaimOut,
             status_code=status.HTTP_201_CREATED)
def reclaim(body: ReclaimIn, session: SessionDep, a: ActorDep) -> Any:
    """The owner wants its lent quota back: the borrowers' excess, and the workloads marked to return it."""
    dept = quotas.department(session, body.department)
    quotas.check_cloud_for(session, dept, body.cloud)
    if not quotas.may_act_for(session, a, dept, body.cloud):
        raise Refusal(403, "department", msg("quota.reclaim_quota", username=a.username, dept=dept.id, cloud=body.cloud))
    need = quotas.check_amount(session, body.amount, body.cloud) if body.amount is not None else None
    quotas.lock_cloud(session, body.cloud)
    rc = quotas.reclaim(session, a.username, dept.id, body.cloud, need)
    session.commit()
    return reclaim_out(rc)


def reclaim_out(rc: QuotaReclaim) -> dict[str, Any]:
    return {"id": rc.id, "department": rc.department_id, "cloud": rc.cloud_id, "shortfall": rc.shortfall,
            "covered": rc.covered, "state": rc.state, "requested_by": rc.requested_by, "created_at": rc.created_at,
            "workloads": [{**i, "text": in_words(i, "quota.reclaim.")} for i in rc.items]}


@router.get("/quotas/reclaims", responses=refusals(400, 403, 422), response_model=ReclaimListOut, dependencies=[Depends(only_params("department", "cloud"))])
def list_reclaims(session: SessionDep, a: ActorDep, department: str | None = None, cloud: str | None = None) -> dict[str, Any]:
    depts, clouds = _scope_filters(session, a, department, cloud)
    q = select(QuotaReclaim).where(col(QuotaReclaim.cloud_id).in_(clouds)).order_by(col(QuotaReclaim.id).desc())
    rows = session.exec(q).all()
    mine = [r for r in rows if depts is None or r.department_id in depts
            or any(i["department"] in depts for i in r.items)]
    return {"items": [reclaim_out(r) for r in mine[:200]], "total": len(mine)}


# ------------------------------------------------------------------------------------------ requests


def feasibility_in_words(f: dict[str, Any] | None) -> dict[str, Any] | None:
    """The optimizer's answer with its `text` in the caller's language (`message` stays English)."""
    if not f:
        return f
    if isinstance(f.get("code"), str):
        return {**f, "text": messages.text(f["code"], f.get("params"))}
    return {**f, "text": messages.words(f.get("message", ""), "quota.")}


def in_words(r: dict[str, Any], prefix: str) -> str:
    """A stored reason ({reason, code, params}) in the reader's language; one stored as English only
    (before reasons were data) is read back from the catalog's templates."""
    if isinstance(r.get("code"), str):
        return messages.text(r["code"], r.get("params"))
    return messages.words(r.get("reason", ""), prefix)


def request_out(session: Session, req: QuotaRequest, a: Actor) -> dict[str, Any]:
    pending = quota_requests.pending_keys(req) if req.state == "pending" else []
    return {
        "id": req.id, "department": req.department_id, "cloud": req.cloud_id,
        "amount": quotas.amounts_of(req), "justification": req.justification, "expires_at": req.expires_at,
        "state": req.state, "requester": req.requester, "created_at": req.created_at, "updated_at": req.updated_at,
        "required_approvals": [{**r, "text": in_words(r, "quota.route."),
                                "approved_by": next((x["username"] for x in req.approvals or [] if x["key"] == r["key"]), None)}
                               for r in req.required_approvals],
        "pending_approvals": pending, "approvals": req.approvals or [],
        "decided_by": req.decided_by, "decided_at": req.decided_at, "decision_reason": req.decision_reason,
        "feasibility": feasibility_in_words(req.feasibility),
        "may_decide": bool(pending) and any(quota_requests.can_decide(a, k) for k in pending),
    }


def load(session: Session, a: Actor, request_id: int) -> QuotaRequest:
    req = session.get(QuotaRequest, request_id)
    if req is None or not quota_requests.visible_to(session, req, a):
        raise Refusal(404, "request_id", msg("quota.request_none", request=request_id))
    return req


@router.post("/quota-requests", responses=refusals(403, 404, 409, 422), response_model=QuotaRequestOut,
             status_code=status.HTTP_201_CREATED)
def create_request(body: QuotaRequestIn, session: SessionDep, a: ActorDep) -> Any:
    """Ask for more quota on a cloud; routed to its approvers with the optimizer's feasibility answer."""
    req = quota_requests.create(session, a, body.department, body.cloud, body.amount, body.justification,
                                body.expires_at)
    session.commit()
    return request_out(session, req, a)


@router.get("/quota-requests", responses=refusals(400, 403), response_model=PageOut[QuotaRequestOut], dependencies=[Depends(only_params("state", "department", "cloud", "awaiting"))])
def list_requests(session: SessionDep, a: ActorDep,
                  state: Annotated[str | None, Query(pattern="^(pending|approved|rejected|expired)$")] = None,
                  department: str | None = None, cloud: str | None = None,
                  awaiting: Annotated[str | None, Query(pattern="^me$", description="'me': pending ones I may decide")] = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> dict[str, Any]:
    """The requests in scope, newest first; `awaiting=me` is an approver's inbox."""
    q = select(QuotaRequest).order_by(col(QuotaRequest.id).desc())
    for column, value in ((QuotaRequest.state, state), (QuotaRequest.department_id, department), (QuotaRequest.cloud_id, cloud)):
        if value is not None:
            q = q.where(column == value)
    if awaiting:
        q = q.where(QuotaRequest.state == "pending")
    rows = [r for r in session.exec(q) if quota_requests.visible_to(session, r, a)]
    if awaiting:
        rows = [r for r in rows if any(quota_requests.can_decide(a, k) for k in quota_requests.pending_keys(r))]
    return {"items": [request_out(session, r, a) for r in rows[offset: offset + limit]], "total": len(rows),
            "limit": limit, "offset": offset}


@router.get("/quota-requests/{request_id}", responses=refusals(403, 404), response_model=QuotaRequestOut)
def get_request(request_id: RowId, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    return request_out(session, load(session, a, request_id), a)


@router.post("/quota-requests/{request_id}/approve", responses=refusals(403, 404, 409, 422), response_model=QuotaRequestOut)
def approve_request(request_id: RowId, session: SessionDep, a: ActorDep, body: DecisionIn | None = None) -> Any:
    req = load(session, a, request_id)

    quota_requests.approve(session, a, req, (body.reason if body else "") or "")
    session.commit()
    session.refresh(req)
    return request_out(session, req, a)


@router.post("/quota-requests/{request_id}/reject", responses=refusals(403, 404, 409, 422), response_model=QuotaRequestOut)
def reject_request(request_id: RowId, body: DecisionIn, session: SessionDep, a: ActorDep) -> Any:
    req = load(session, a, request_id)

    quota_requests.reject(session, a, req, body.reason)
    session.commit()
    session.refresh(req)
    return request_out(session, req, a)

