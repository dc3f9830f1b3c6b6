"""Hosts of the clouds in scope, with capacity, allocation and utilisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.deps import PageDep, SessionDep, only_params, operators_only
from api.errors import refusals
from api.sorting import Sort, contains, sorting
from api.schemas import HostOut, PageOut, Resources, ResourceUseOut, UtilisationOut
from scheduler.core.accounts import Scope
from scheduler.core.models import RESOURCES, Cloud, Host, Utilisation, Workload
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.core.utilisation import host_usage
from scheduler.core.visibility import hosts_condition

router = APIRouter(prefix="/api/v1/hosts", tags=["hosts"])
OperatorScope = Annotated[Scope, Depends(operators_only)]


def _out(h: Host, loads: dict) -> HostOut:
    count, *sums = loads.get(h.id, (0, 0, 0, 0, 0))
    return HostOut(id=h.id, cloud=h.cloud_id, model=h.model, schedulable=h.schedulable, up=h.up,
                   capacity=Resources(**{r: getattr(h, r) for r in RESOURCES}),
                   allocated=Resources(**{r: v or 0 for r, v in zip(RESOURCES, sums)}), workloads=count,
                   last_seen_at=h.last_seen_at)


def _loads(session: Session, ids: list[str]) -> dict:
    rows = session.exec(select(Workload.host_id, func.count(), *[func.sum(getattr(Workload, r)) for r in RESOURCES])
                        .where(col(Workload.host_id).in_(ids)).group_by(Workload.host_id)).all()
    return {r[0]: tuple(r[1:]) for r in rows}


SORTS = ("id", "cloud", "model", "schedulable", "up", "vcpu", "memory_gib", "workloads", "allocated_vcpu",
         "allocated_memory_gib")
SortDep = Annotated[Sort, Depends(sorting(SORTS, "id"))]


@router.get("", responses=refusals(400, 403, 422), response_model=PageOut[HostOut],
            dependencies=[Depends(only_params("cloud", "city", "schedulable", "up", "q", "sort", "order"))])
def list_hosts(session: SessionDep, scope: OperatorScope, pg: PageDep, sort: SortDep, cloud: str | None = None,
               city: str | None = None, schedulable: Annotated[bool | None, Query()] = None,
               up: Annotated[bool | None, Query()] = None,
               q: Annotated[str | None, Query(max_length=100, description="part of the host's id or model")] = None) -> PageOut[HostOut]:
    if cloud is not None and scope.cloud is not None and cloud != scope.cloud:
        raise Refusal(403, "cloud", msg("host.cloud_outside_your_scope", cloud=cloud, scope=scope.describe()))
    load = (select(Workload.host_id.label("host_id"), func.count().label("workloads"),  # type: ignore[union-attr]
                   func.sum(Workload.vcpu).label("vcpu"), func.sum(Workload.memory_gib).label("memory_gib"))
            .group_by(Workload.host_id).subquery())
    columns = {"id": col(Host.id), "cloud": col(Host.cloud_id), "model": col(Host.model), "schedulable": col(Host.schedulable),
               "up": col(Host.up), "vcpu": col(Host.vcpu), "memory_gib": col(Host.memory_gib),
               "workloads": func.coalesce(load.c.workloads, 0), "allocated_vcpu": func.coalesce(load.c.vcpu, 0),
               "allocated_memory_gib": func.coalesce(load.c.memory_gib, 0)}
    stmt = select(Host).where(hosts_condition(scope))
    if cloud is not None:
        stmt = stmt.where(Host.cloud_id == cloud)
    if city is not None:
        stmt = stmt.where(col(Host.cloud_id).in_(select(Cloud.id).where(Cloud.city == city)))
    if schedulable is not None:
        stmt = stmt.where(Host.schedulable == schedulable)
    if up is not None:
        stmt = stmt.where(Host.up == up)
    if q:
        stmt = stmt.where(contains(Host.id, q) | contains(Host.model, q))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    if sort.field in ("workloads", "allocated_vcpu", "allocated_memory_gib"):
        stmt = stmt.outerjoin(load, load.c.host_id == Host.id)
    rows = session.exec(sort.apply(stmt, columns, col(Host.id)).offset(pg.offset).limit(pg.limit)).all()
    loads = _loads(session, [h.id for h in rows])
    return PageOut(items=[_out(h, loads) for h in rows], total=total, limit=pg.limit, offset=pg.offset)


def visible_host(session: Session, scope: Scope, host_id: str) -> Host:
    host = session.get(Host, host_id)
    if host is None or (scope.cloud is not None and host.cloud_id != scope.cloud):
        raise Refusal(404, "host_id", msg("host.host_scope", host_id=host_id, scope=scope.describe()))
    return host


@router.get("/{host_id}", responses=refusals(403, 404), response_model=HostOut)
def get_host(host_id: str, session: SessionDep, scope: OperatorScope) -> HostOut:
    host = visible_host(session, scope, host_id)
    return _out(host, _loads(session, [host.id]))


@router.get("/{host_id}/utilisation", responses=refusals(403, 404), response_model=UtilisationOut)
def host_utilisation(host_id: str, session: SessionDep, scope: OperatorScope) -> UtilisationOut:
    host = visible_host(session, scope, host_id)
    end = session.exec(select(func.max(Utilisation.window_end))
                       .where(Utilisation.kind == "host", Utilisation.subject == host.id)).one()
    return UtilisationOut(subject=host.id, kind="host", window_end=end,
                          resources=[ResourceUseOut(**u.__dict__) for u in host_usage(session, host.id)])
