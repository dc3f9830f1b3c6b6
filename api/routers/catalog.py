"""The public data catalog: entries, changes and the compliance rule, objections, the catalog tenant.

Every logged-in user reads the catalog (it is the directory all sharing starts from); writes are
the owning department's admin's or the data authority's, checked in scheduler/tenants/catalog.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.deps import MAX_ID, ActorDep, PageDep, RowId, SessionDep, only_params
from api.errors import refusals
from api.sorting import Sort, sorting
from api.schemas import PageOut
from api.schemas.catalog import (
    AnswerIn,
    ChangeCreate,
    ChangeOut,
    CloseIn,
    ComplianceOut,
    EntryCreate,
    EntryDetailOut,
    EntryOut,
    EntryUpdate,
    ObjectionCreate,
    ObjectionOut,
    ScanOut,
    TenantOut,
)
from scheduler.core.access import require
from scheduler.core.models import Department
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.tenants import catalog, objections
from scheduler.tenants import platform as data_tenants
from scheduler.tenants.models import CatalogChange, CatalogEntry, CatalogObjection

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog"])


def page_of(session: Session, stmt: Any, pg: Any, out: Any) -> dict[str, Any]:
    total = session.exec(select(func.count()).select_from(stmt.order_by(None).subquery())).one()
    rows = session.exec(stmt.offset(pg.offset).limit(pg.limit)).all()
    return {"items": out(rows), "total": total, "limit": pg.limit, "offset": pg.offset}


def entries_out(session: Session, rows: list[CatalogEntry]) -> list[dict[str, Any]]:
    counts = catalog.change_counts(session, [e.id for e in rows])  # type: ignore[misc]
    names = {d.id: d.name for d in session.exec(select(Department).where(
        col(Department.id).in_({e.owner_department_id for e in rows})))}
    return [catalog.entry_out(session, e, counts, names) for e in rows]


ENTRY_SORTS = ("id", "code", "name", "owner_department", "category", "grade", "update_frequency", "share_attribute",
               "open_attribute", "published_at", "updated_at")
ENTRY_COLUMNS = {k: col(getattr(CatalogEntry, "owner_department_id" if k == "owner_department" else k)) for k in ENTRY_SORTS}
EntrySort = Annotated[Sort, Depends(sorting(ENTRY_SORTS, "id"))]


@router.get("/entries", responses=refusals(400, 422), response_model=PageOut[EntryOut],
            dependencies=[Depends(only_params("q", "department", "category", "share", "open", "state", "sort", "order"))])
def list_entries(session: SessionDep, a: ActorDep, pg: PageDep, sort: EntrySort, q: str | None = None,
                 department: str | None = None, category: str | None = None, share: str | None = None,
                 open: str | None = None, state: str | None = None) -> dict[str, Any]:
    stmt = sort.apply(catalog.search(session, q, department, category, share, open, state), ENTRY_COLUMNS,
                      col(CatalogEntry.id))
    return page_of(session, stmt, pg, lambda rows: entries_out(session, list(rows)))


@router.post("/entries", responses=refusals(403, 404, 409, 422), response_model=EntryOut,
             status_code=status.HTTP_201_CREATED)
def create_entry(body: EntryCreate, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    e = catalog.create(session, a, body.model_dump(mode="json", exclude_unset=True))
    session.commit()
    return catalog.entry_out(session, e)


@router.get("/entries/{entry_id}", responses=refusals(404), response_model=EntryDetailOut)
def get_entry(entry_id: RowId, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    e = catalog.get(session, entry_id)
    changes = session.exec(select(CatalogChange).where(CatalogChange.entry_id == e.id).order_by(CatalogChange.id)).all()
    objs = session.exec(objections.visible(session, a).where(CatalogObjection.entry_id == e.id)
                        .order_by(CatalogObjection.id)).all()
    return {**catalog.entry_out(session, e), "changes": [catalog.change_out(c) for c in changes],
            "objections": [catalog.objection_out(o, e) for o in objs]}


@router.patch("/entries/{entry_id}", responses=refusals(403, 404, 409, 422), response_model=EntryOut)
def update_entry(entry_id: RowId, body: EntryUpdate, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    e = catalog.update(session, a, entry_id, body.model_dump(mode="json", exclude_unset=True))
    session.commit()
    return catalog.entry_out(session, e)


@router.post("/entries/{entry_id}/changes", responses=refusals(403, 404, 409, 422), response_model=ChangeOut,
             status_code=status.HTTP_201_CREATED)
def report_change(entry_id: RowId, body: ChangeCreate, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    c = catalog.report_change(session, a, entry_id, body.model_dump(mode="json", exclude_unset=True))
    session.commit()
    return catalog.change_out(c)


@router.get("/compliance", responses=refusals(403), response_model=ComplianceOut)
def compliance(session: SessionDep, a: ActorDep) -> dict[str, Any]:
    return catalog.compliance(session, a)


@router.post("/compliance/scan", responses=refusals(403), response_model=ScanOut)
def scan_now(session: SessionDep, a: ActorDep) -> dict[str, Any]:
    require(a, "catalog.scan")
    row = catalog.scan(session, a.username)
    session.commit()
    return {"id": row.id, "at": row.at, "today": row.today, "overdue": row.overdue, "newly_overdue": row.newly_overdue,
            "by_department": row.by_department}


@router.get("/objections", responses=refusals(400, 422), response_model=PageOut[ObjectionOut], dependencies=[Depends(only_params("state", "entry"))])
def list_objections(session: SessionDep, a: ActorDep, pg: PageDep, state: str | None = None,
                    entry: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> dict[str, Any]:
    stmt = objections.visible(session, a)
    if state is not None:
        if state not in ("open", "answered", "closed"):
            raise Refusal(422, "state", msg("invalid.not_allowed", got=repr(state), allowed=["open", "answered", "closed"]))
        stmt = stmt.where(CatalogObjection.state == state)
    if entry is not None:
        stmt = stmt.where(CatalogObjection.entry_id == entry)

    def out(rows: Any) -> list[dict[str, Any]]:
        entries = {e.id: e for e in session.exec(select(CatalogEntry).where(
            col(CatalogEntry.id).in_({o.entry_id for o in rows})))}
        return [catalog.objection_out(o, entries.get(o.entry_id)) for o in rows]

    return page_of(session, stmt.order_by(col(CatalogObjection.id).desc()), pg, out)


@router.post("/entries/{entry_id}/objections", responses=refusals(403, 404, 409, 422), response_model=ObjectionOut,
             status_code=status.HTTP_201_CREATED)
def raise_objection(entry_id: RowId, body: ObjectionCreate, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    o = objections.raise_by_user(session, a, entry_id, body.model_dump(mode="json", exclude_unset=True))
    session.commit()
    return catalog.objection_out(o, session.get(CatalogEntry, o.entry_id))


@router.post("/objections/{objection_id}/answer", responses=refusals(403, 404, 409, 422), response_model=ObjectionOut)
def answer_objection(objection_id: RowId, body: AnswerIn, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    o = objections.answer(session, a, objection_id, body.model_dump(mode="json", exclude_unset=True))
    session.commit()
    return catalog.objection_out(o, session.get(CatalogEntry, o.entry_id))


@router.post("/objections/{objection_id}/close", responses=refusals(403, 404, 409, 422), response_model=ObjectionOut)
def close_objection(objection_id: RowId, body: CloseIn, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    o = objections.close(session, a, objection_id, body.model_dump(mode="json", exclude_unset=True))
    session.commit()
    return catalog.objection_out(o, session.get(CatalogEntry, o.entry_id))


@router.get("/tenant", response_model=TenantOut)
def tenant(session: SessionDep, a: ActorDep) -> dict[str, Any]:
    return data_tenants.tenant_out(session, "catalog", a)
