"""What a scope may see, as SQL conditions: one place, so every endpoint filters the same way.

A city or industry operator sees its own cloud, its hosts and what runs or waits there, and the
departments of its city or industry. A department admin sees its department and the county
offices under it, their workloads, and the clouds those may use. Province-wide roles see all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, true
from sqlmodel import Session, col, select

from scheduler.core.accounts import Scope
from scheduler.core.models import Cloud, Department, Host, Workload


def department_ids(session: Session, scope: Scope) -> set[str] | None:
    """The departments in scope, or None for all."""
    if scope.province_wide:
        return None
    if scope.cloud is not None:
        cloud = session.get(Cloud, scope.cloud)
        if cloud is None:
            return set()
        cond = Department.city == cloud.city if cloud.kind == "city" else Department.industry == cloud.industry
        return set(session.exec(select(Department.id).where(cond)))
    children: dict[str | None, list[str]] = {}
    for d in session.exec(select(Department)):
        children.setdefault(d.parent_id, []).append(d.id)
    seen, todo = set(), [scope.department]
    while todo:
        d = todo.pop()
        if d is not None and d not in seen:
            seen.add(d)
            todo.extend(children.get(d, []))
    return seen


def cloud_ids(session: Session, scope: Scope) -> set[str] | None:
    if scope.province_wide:
        return None
    if scope.cloud is not None:
        return {scope.cloud}
    depts = department_ids(session, scope) or set()
    used = set(session.exec(select(Workload.cloud_id).where(col(Workload.department_id).in_(depts))))
    clouds = session.exec(select(Cloud)).all()
    home: set[str] = {c.id for c in clouds if c.kind == "province"}
    for d in session.exec(select(Department).where(col(Department.id).in_(depts))):
        home |= {c.id for c in clouds
                 if (d.industry and c.industry == d.industry) or (not d.industry and d.city and c.city == d.city)}
    return used | home


def clouds_condition(session: Session, scope: Scope) -> Any:
    ids = cloud_ids(session, scope)
    return true() if ids is None else col(Cloud.id).in_(ids)


def hosts_condition(scope: Scope) -> Any:
    if scope.province_wide:
        return true()
    if scope.cloud is not None:
        return Host.cloud_id == scope.cloud
    return false()  # department admins see their workloads, not the operators' hosts


def workloads_condition(session: Session, scope: Scope) -> Any:
    if scope.province_wide:
        return true()
    if scope.cloud is not None:
        on_cloud = select(Host.id).where(Host.cloud_id == scope.cloud)
        return or_(col(Workload.host_id).in_(on_cloud), Workload.cloud_id == scope.cloud)
    return col(Workload.department_id).in_(department_ids(session, scope) or set())


def departments_condition(session: Session, scope: Scope) -> Any:
    ids = department_ids(session, scope)
    return true() if ids is None else col(Department.id).in_(ids)
