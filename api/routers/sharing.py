"""Sharing between departments: requests, signed approvals, delivery by exchange job; the sharing tenant."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, status
from sqlmodel import col

from api.deps import ActorDep, PageDep, RowId, SessionDep, only_params
from api.errors import refusals
from api.routers.catalog import page_of
from api.schemas import PageOut
from api.schemas.catalog import TenantOut
from api.schemas.sharing import ShareApproveIn, ShareRejectIn, ShareRequestCreate, ShareRequestOut
from scheduler.core.access import require
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.tenants import platform as data_tenants
from scheduler.tenants import sharing
from scheduler.tenants.models import ShareRequest

router = APIRouter(prefix="/api/v1/sharing", tags=["sharing"])


@router.get("/requests", responses=refusals(400, 403, 422), response_model=PageOut[ShareRequestOut], dependencies=[Depends(only_params("state"))])
def list_requests(session: SessionDep, a: ActorDep, pg: PageDep, state: str | None = None) -> dict[str, Any]:
    require(a, "sharing.read")
    stmt = sharing.visible(session, a)
    if state is not None:
        if state not in sharing.STATES:
            raise Refusal(422, "state", msg("invalid.not_allowed", got=repr(state), allowed=list(sharing.STATES)))
        stmt = stmt.where(ShareRequest.state == state)
    return page_of(session, stmt.order_by(col(ShareRequest.id).desc()), pg,
                   lambda rows: [sharing.request_out(session, r) for r in rows])


@router.post("/requests", responses=refusals(403, 404, 409, 422), response_model=ShareRequestOut,
             status_code=status.HTTP_201_CREATED)
def create_request(body: ShareRequestCreate, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    r = sharing.request(session, a, body.model_dump(mode="json", exclude_unset=True))
    session.commit()
    return sharing.request_out(session, r)


def _decide(session: Any, a: Any, request_id: int, approve: bool, body: ShareApproveIn | ShareRejectIn | None) -> dict[str, Any]:
    r = sharing.decide(session, a, request_id, approve, body.model_dump(mode="json", exclude_unset=True) if body else None)
    session.commit()
    return sharing.request_out(session, r)


@router.post("/requests/{request_id}/approve", responses=refusals(403, 404, 409, 422, 503), response_model=ShareRequestOut)
def approve(request_id: RowId, session: SessionDep, a: ActorDep, body: ShareApproveIn | None = None) -> dict[str, Any]:
    return _decide(session, a, request_id, True, body)


@router.post("/requests/{request_id}/reject", responses=refusals(403, 404, 409, 422, 503), response_model=ShareRequestOut)
def reject(request_id: RowId, body: ShareRejectIn, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    return _decide(session, a, request_id, False, body)


@router.get("/tenant", response_model=TenantOut)
def tenant(session: SessionDep, a: ActorDep) -> dict[str, Any]:
    return data_tenants.tenant_out(session, "sharing", a)
