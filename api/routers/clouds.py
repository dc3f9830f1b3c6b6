"""The 14 clouds: health, capacity, allocation and utilisation, within the caller's scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.deps import PageDep, ScopeDep, SessionDep, only_params
from api.errors import refusals
from api.schemas import CloudOut, PageOut, Resources, ResourceUseOut, UtilisationOut
from scheduler.core.models import RESOURCES, Cloud, Host, Utilisation, Workload
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.core.utilisation import cloud_usage
from scheduler.core.visibility import cloud_ids, clouds_condition

router = APIRouter(prefix="/api/v1/clouds", tags=["clouds"])


def _totals(session: Session, ids: list[str]) -> tuple[dict, dict, dict, dict]:
    host_rows = session.exec(select(Host.cloud_id, func.count(), *[func.sum(getattr(Host, r)) for r in RESOURCES])
                             .where(col(Host.cloud_id).in_(ids)).group_by(Host.cloud_id)).all()
    load_rows = session.exec(select(Host.cloud_id, func.count(), *[func.sum(getattr(Workload, r)) for r in RESOURCES])
                             .join(Host, Workload.host_id == Host.id)
                             .where(col(Host.cloud_id).in_(ids)).group_by(Host.cloud_id)).all()
    hosts = {r[0]: r[1] for r in host_rows}
    capacity = {r[0]: dict(zip(RESOURCES, r[2:])) for r in host_rows}
    workloads = {r[0]: r[1] for r in load_rows}
    allocated = {r[0]: dict(zip(RESOURCES, r[2:])) for r in load_rows}
    return hosts, capacity, workloads, allocated


def _out(c: Cloud, hosts: dict, capacity: dict, workloads: dict, allocated: dict) -> CloudOut:
    return CloudOut(id=c.id, name=c.name, name_en=c.name_en, kind=c.kind, city=c.city, industry=c.industry,
                    mlps_level=c.mlps_level, adapter=c.adapter, status=c.status, status_detail=c.status_detail,
                    last_sync_at=c.last_sync_at, hosts=hosts.get(c.id, 0), workloads=workloads.get(c.id, 0),
                    capacity=Resources(**{k: v or 0 for k, v in capacity.get(c.id, {}).items()}),
                    allocated=Resources(**{k: v or 0 for k, v in allocated.get(c.id, {}).items()}))


@router.get("", responses=refusals(400), response_model=PageOut[CloudOut], dependencies=[Depends(only_params("kind", "city", "industry", "status"))])
def list_clouds(session: SessionDep, scope: ScopeDep, pg: PageDep,
                kind: Annotated[str | None, Query(pattern="^(province|city|industry|backup)$")] = None,
                city: str | None = None, industry: str | None = None,
                status: Annotated[str | None, Query(pattern="^(healthy|degraded|failed)$")] = None) -> PageOut[CloudOut]:
    q = select(Cloud).where(clouds_condition(session, scope))
    for column, value in ((Cloud.kind, kind), (Cloud.city, city), (Cloud.industry, industry), (Cloud.status, status)):
        if value is not None:
            q = q.where(column == value)
    total = session.exec(select(func.count()).select_from(q.subquery())).one()
    rows = session.exec(q.order_by(Cloud.id).offset(pg.offset).limit(pg.limit)).all()
    totals = _totals(session, [c.id for c in rows])
    return PageOut(items=[_out(c, *totals) for c in rows], total=total, limit=pg.limit, offset=pg.offset)


def visible_cloud(session: Session, scope: ScopeDep, cloud_id: str) -> Cloud:
    cloud = session.get(Cloud, cloud_id)
    ids = cloud_ids(session, scope)
    if cloud is None or (ids is not None and cloud_id not in ids):
        raise Refusal(404, "cloud_id", msg("cloud.cloud_scope", cloud_id=cloud_id, scope=scope.describe()))
    return cloud


@router.get("/{cloud_id}", responses=refusals(404), response_model=CloudOut)
def get_cloud(cloud_id: str, session: SessionDep, scope: ScopeDep) -> CloudOut:
    cloud = visible_cloud(session, scope, cloud_id)
    return _out(cloud, *_totals(session, [cloud.id]))


@router.get("/{cloud_id}/utilisation", responses=refusals(404), response_model=UtilisationOut)
def cloud_utilisation(cloud_id: str, session: SessionDep, scope: ScopeDep) -> UtilisationOut:
    cloud = visible_cloud(session, scope, cloud_id)
    end = session.exec(select(func.max(Utilisation.window_end)).where(Utilisation.cloud_id == cloud.id)).one()
    return UtilisationOut(subject=cloud.id, kind="cloud", window_end=end,
                          resources=[ResourceUseOut(**u.__dict__) for u in cloud_usage(session, cloud.id)])
