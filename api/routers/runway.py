"""Capacity runway: per cloud and resource, the forecast and the day it crosses the fill target or the allottable share."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlmodel import select

from api.deps import ActorDep, SessionDep, allow, only_params
from api.errors import refusals
from api.schemas.runway import RunwayOut
from scheduler.core.models import Cloud
from scheduler.core.policy import get_policy
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.whatif import runway as capacity

router = APIRouter(prefix="/api/v1/runway", tags=["runway"], dependencies=[Depends(allow("fleet.read"))])


@router.get("", responses=refusals(400, 403, 422), response_model=RunwayOut, dependencies=[Depends(only_params("cloud"))])
def get_runway(session: SessionDep, a: ActorDep, cloud: str | None = None) -> RunwayOut:
    """A city or industry operator sees its own cloud; the province centre and DR coordinators all. Read,
    not published: the gauges on /metrics are the leader's (scheduler.whatif.runway.publish_daily)."""
    known = [c.id for c in session.exec(select(Cloud).order_by(Cloud.id)) if c.kind != "backup"]
    if cloud is not None and cloud not in known:
        raise Refusal(422, "cloud", msg("runway.unknown_cloud", got=repr(cloud), known=known))
    clouds = [cloud] if cloud else known
    if a.scope is not None:
        clouds = [c for c in clouds if c == a.scope]
    return RunwayOut(horizon_days=capacity.HORIZON_DAYS, level=capacity.LEVEL, basis="busiest daily p95 share",
                     items=capacity.runway(session, get_policy(), clouds))
