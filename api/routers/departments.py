"""Departments at province, city and county level, within the caller's scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func
from sqlmodel import select

from api.deps import PageDep, ScopeDep, SessionDep, only_params
from api.errors import refusals
from api.schemas import DepartmentOut, PageOut
from scheduler.core.models import Department
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.core.visibility import departments_condition

router = APIRouter(prefix="/api/v1/departments", tags=["departments"])


def _out(d: Department) -> DepartmentOut:
    return DepartmentOut(id=d.id, name=d.name, name_en=d.name_en, level=d.level, city=d.city,
                         industry=d.industry, parent=d.parent_id)


@router.get("", responses=refusals(400), response_model=PageOut[DepartmentOut], dependencies=[Depends(only_params("level", "city", "industry", "parent"))])
def list_departments(session: SessionDep, scope: ScopeDep, pg: PageDep,
                     level: Annotated[str | None, Query(pattern="^(province|city|county)$")] = None,
                     city: str | None = None, industry: str | None = None, parent: str | None = None) -> PageOut[DepartmentOut]:
    q = select(Department).where(departments_condition(session, scope))
    for column, value in ((Department.level, level), (Department.city, city), (Department.industry, industry),
                          (Department.parent_id, parent)):
        if value is not None:
            q = q.where(column == value)
    total = session.exec(select(func.count()).select_from(q.subquery())).one()
    rows = session.exec(q.order_by(Department.id).offset(pg.offset).limit(pg.limit)).all()
    return PageOut(items=[_out(d) for d in rows], total=total, limit=pg.limit, offset=pg.offset)


@router.get("/{department_id}", responses=refusals(404), response_model=DepartmentOut)
def get_department(department_id: str, session: SessionDep, scope: ScopeDep) -> DepartmentOut:
    d = session.exec(select(Department).where(Department.id == department_id, departments_condition(session, scope))).first()
    if d is None:
        raise Refusal(404, "department_id", msg("department.department_scope", department_id=department_id, scope=scope.describe()))
    return _out(d)
