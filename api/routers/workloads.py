"""Workloads in scope: a department admin sees its own, an operator what runs or waits on its cloud."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlmodel import col, select

from api.deps import PageDep, ScopeDep, SessionDep, UserDep, only_params
from api.errors import refusals
from api.sorting import Sort, contains, sorting
from api.schemas import DrOut, PageOut, Resources, ResourceUseOut, UtilisationOut, WorkloadOut
from api.schemas.quotas import RegisteredOut
from scheduler.core import names
from scheduler.core.models import RESOURCES, Host, Utilisation, Workload
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.core.visibility import department_ids, workloads_condition
from scheduler.quotas import Actor, register

router = APIRouter(prefix="/api/v1/workloads", tags=["workloads"])


def to_out(w: Workload) -> WorkloadOut:
    return WorkloadOut(id=w.id, name=w.name, department=w.department_id, cloud=w.cloud_id, host=w.host_id,
                       tier=w.tier, city=w.city, industry=w.industry, classification=w.classification,
                       mlps_level=w.mlps_level, demand=Resources(**{r: getattr(w, r) for r in RESOURCES}),
                       spread_group=w.spread_group, pinned=w.pinned, role=w.role,
                       dr=DrOut(protected=w.dr_protected, priority=w.dr_priority, rto_minutes=w.dr_rto_minutes),
                       department_name=names.name_of("department", w.department_id))


SORTS = ("id", "name", "department", "cloud", "host", "tier", "classification", "vcpu", "memory_gib", "gpu", "storage_gib")
_COLUMNS = {"id": col(Workload.id), "name": col(Workload.name), "department": col(Workload.department_id),
            "cloud": col(Workload.cloud_id), "host": col(Workload.host_id), "tier": col(Workload.tier),
            "classification": col(Workload.classification), "vcpu": col(Workload.vcpu),
            "memory_gib": col(Workload.memory_gib), "gpu": col(Workload.gpu), "storage_gib": col(Workload.storage_gib)}


@router.get("", responses=refusals(400, 403, 422), response_model=PageOut[WorkloadOut],
            dependencies=[Depends(only_params("cloud", "city", "department", "tier", "host", "classification", "placed",
                                              "q", "sort", "order"))])
def list_workloads(session: SessionDep, scope: ScopeDep, pg: PageDep,
                   sort: Annotated[Sort, Depends(sorting(SORTS, "id"))], cloud: str | None = None,
                   city: str | None = None, department: str | None = None,
                   tier: Annotated[str | None, Query(pattern="^(province|city|county)$")] = None,
                   host: str | None = None,
                   classification: Annotated[str | None, Query(pattern="^(public|internal|sensitive|classified)$")] = None,
                   placed: bool | None = None,
                   q: Annotated[str | None, Query(max_length=100, description="part of the workload's id or name")] = None) -> PageOut[WorkloadOut]:
    if department is not None:
        allowed = department_ids(session, scope)
        if allowed is not None and department not in allowed and scope.department is not None:
            raise Refusal(403, "department", msg("workload.department_outside_your_scope", department=department, scope=scope.describe()))
    if cloud is not None and scope.cloud is not None and cloud != scope.cloud:
        raise Refusal(403, "cloud", msg("workload.cloud_outside_your_scope", cloud=cloud, scope=scope.describe()))
    stmt = select(Workload).where(workloads_condition(session, scope))
    if cloud is not None:
        stmt = stmt.where(col(Workload.host_id).in_(select(Host.id).where(Host.cloud_id == cloud)) | (Workload.cloud_id == cloud))
    for column, value in ((Workload.city, city), (Workload.department_id, department), (Workload.tier, tier),
                          (Workload.host_id, host), (Workload.classification, classification)):
        if value is not None:
            stmt = stmt.where(column == value)
    if placed is not None:
        stmt = stmt.where(col(Workload.host_id).is_not(None) if placed else col(Workload.host_id).is_(None))
    if q:
        stmt = stmt.where(contains(Workload.id, q) | contains(Workload.name, q))
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(sort.apply(stmt, _COLUMNS, col(Workload.id)).offset(pg.offset).limit(pg.limit)).all()
    return PageOut(items=[to_out(w) for w in rows], total=total, limit=pg.limit, offset=pg.offset)


def visible_workload(session: SessionDep, scope: ScopeDep, workload_id: str) -> Workload:
    w = session.exec(select(Workload).where(Workload.id == workload_id, workloads_condition(session, scope))).first()
    if w is None:
        raise Refusal(404, "workload_id", msg("workload.workload_scope", workload_id=workload_id, scope=scope.describe()))
    return w


@router.get("/{workload_id}", responses=refusals(404), response_model=WorkloadOut)
def get_workload(workload_id: str, session: SessionDep, scope: ScopeDep) -> WorkloadOut:
    return to_out(visible_workload(session, scope, workload_id))


@router.get("/{workload_id}/utilisation", responses=refusals(404), response_model=UtilisationOut)
def workload_utilisation(workload_id: str, session: SessionDep, scope: ScopeDep) -> UtilisationOut:
    w = visible_workload(session, scope, workload_id)
    rows = {u.resource: u for u in session.exec(select(Utilisation).where(Utilisation.kind == "workload", Utilisation.subject == w.id))}
    return UtilisationOut(subject=w.id, kind="workload", window_end=max((u.window_end for u in rows.values()), default=None),
                          resources=[ResourceUseOut(resource=r, capacity=getattr(w, r), latest=rows[r].latest if r in rows else None,
                                                    p95=rows[r].p95 if r in rows else None) for r in ("vcpu", "memory_gib")])


class DrIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    protected: bool = False
    priority: int = Field(3, ge=1, le=5)
    rto_minutes: int = Field(240, ge=1, le=100_000)
    rpo_minutes: int = Field(60, ge=0, le=100_000)


class WorkloadCreate(BaseModel):
    """A system a department registers; its tier, city and industry come from the department."""

    model_config = ConfigDict(extra="forbid")
    department: str
    name: str
    cloud: str
    demand: dict[str, Any] = Field(description="vcpu, memory_gib, gpu, storage_gib")
    classification: str = "internal"
    mlps_level: int = 2
    spread_group: str | None = Field(None, max_length=96)
    dr: DrIn | None = None


@router.post("", responses=refusals(403, 404, 409, 422, 502), response_model=RegisteredOut, status_code=status.HTTP_201_CREATED)
def register_workload(body: WorkloadCreate, session: SessionDep, user: UserDep) -> Any:
    """Register a workload within its department's quota (borrowing included): placed by the
    incremental placer on today's state and created on its cloud. Beyond quota: 403 with the numbers."""
    reg = register(session, Actor.of(user), {**body.model_dump(exclude={"dr"}), "dr": body.dr.model_dump() if body.dr else None})
    session.commit()
    return {"workload": to_out(reg.workload).model_dump(), "host": reg.host, "quota": reg.standing.to_dict()}
