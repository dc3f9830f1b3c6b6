"""Open data: the public listing, one data set, the count against the targets and the objection form
(no login), publishing (login), and the open-data tenant."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response, status
from sqlmodel import col, select

from api.deps import ActorDep, PageDep, RowId, SessionDep, allow, only_params
from api.errors import refusals
from api.routers.catalog import ENTRY_COLUMNS, page_of
from api.sorting import Sort, sorting
from api.schemas import PageOut
from api.schemas.catalog import EntryOut, TenantOut
from api.schemas.opendata import (
    DatasetOut,
    ObjectionReceiptOut,
    PublicObjectionCreate,
    PublicObjectionOut,
    PublishIn,
    StatsOut,
)
from scheduler.core.models import Department
from scheduler.tenants import catalog, objections, opendata
from scheduler.tenants import platform as data_tenants
from scheduler.tenants.models import CatalogEntry

router = APIRouter(prefix="/api/v1/opendata", tags=["opendata"])
DATASET_SORTS = ("code", "name", "owner_department", "category", "update_frequency", "published_at")  # nothing unpublished


@router.get("/datasets", responses=refusals(400, 422), response_model=PageOut[DatasetOut],
            dependencies=[Depends(only_params("q", "category", "department", "sort", "order"))])
def datasets(session: SessionDep, pg: PageDep, sort: Annotated[Sort, Depends(sorting(DATASET_SORTS, "code"))], q: str | None = None, category: str | None = None,
             department: str | None = None) -> dict[str, Any]:
    """Published data sets; no login."""
    stmt = sort.apply(catalog.search(session, q, department, category, published_only=True), ENTRY_COLUMNS,
                      col(CatalogEntry.id))

    def out(rows: Any) -> list[dict[str, Any]]:
        names = {d.id: d.name for d in session.exec(select(Department).where(
            col(Department.id).in_({e.owner_department_id for e in rows})))}
        return [opendata.dataset_out(e, names) for e in rows]

    return page_of(session, stmt, pg, out)


@router.get("/datasets/{code}", responses=refusals(404), response_model=DatasetOut)
def dataset(code: str, session: SessionDep) -> dict[str, Any]:
    return opendata.dataset(session, code)


@router.get("/datasets/{code}/fields.csv", responses={**refusals(404), 200: {"content": {"text/csv": {}}, "description": "CSV"}},
            response_class=Response)
def dataset_dictionary(code: str, session: SessionDep) -> Response:
    """A published data set's data dictionary (its fields and their sensitivity) as CSV; no login."""
    return Response(opendata.dictionary_csv(session, code), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{code}-fields.csv"'})


@router.get("/stats", response_model=StatsOut)
def stats(session: SessionDep) -> dict[str, Any]:
    return opendata.stats(session)


@router.post("/objections", responses=refusals(404, 409, 422, 429), response_model=ObjectionReceiptOut,
             status_code=status.HTTP_201_CREATED)
def public_objection(request: Request, body: PublicObjectionCreate, session: SessionDep) -> dict[str, Any]:
    """An objection from the public: validated, rate-limited per client address; no login."""
    client = request.client.host if request.client else "unknown"
    o, token = objections.raise_by_public(session, client, body.model_dump(mode="json", exclude_unset=True))
    session.commit()
    return {"id": o.id, "token": token, "state": o.state}


@router.get("/objections/{objection_id}", responses=refusals(400, 403, 404), response_model=PublicObjectionOut, dependencies=[Depends(only_params())])
def public_objection_status(objection_id: RowId, session: SessionDep,
                            token: Annotated[str | None, Header(alias="X-Objection-Token", max_length=200)] = None) -> dict[str, Any]:
    """The answer to one's own objection: the access token goes in the `X-Objection-Token` header,
    never in the URL (where access logs and browser histories would keep it)."""
    return objections.public_view(session, objection_id, token)


def _publish(session: Any, a: Any, body: PublishIn, on: bool) -> dict[str, Any]:
    e = (opendata.publish if on else opendata.unpublish)(session, a, body.model_dump(mode="json", exclude_unset=True))
    session.commit()
    return catalog.entry_out(session, e)


@router.post("/publish", responses=refusals(403, 404, 409, 422), response_model=EntryOut)
def publish(body: PublishIn, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    return _publish(session, a, body, True)


@router.post("/unpublish", responses=refusals(403, 404, 409, 422), response_model=EntryOut)
def unpublish(body: PublishIn, session: SessionDep, a: ActorDep) -> dict[str, Any]:
    return _publish(session, a, body, False)


@router.get("/tenant", response_model=TenantOut, responses=refusals(403), dependencies=[Depends(allow("data.read"))])
def tenant(session: SessionDep, a: ActorDep) -> dict[str, Any]:
    return data_tenants.tenant_out(session, "opendata", a)
