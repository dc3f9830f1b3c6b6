"""The audit trail for auditors and the province centre: events and the chain's verification."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import col, select

from api.deps import PageDep, ScopeDep, SessionDep, UserDep, only_params
from api.errors import refusals
from api.sorting import Sort, sorting
from api.schemas import PageOut, UtcDatetime
from scheduler.core import messages
from scheduler.core import audit, audit_export
from scheduler.core.access import require
from scheduler.core.accounts import Scope
from scheduler.core.models import AuditEvent
from scheduler.core.refusal import Refusal

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


def auditors(scope: ScopeDep) -> Scope:
    require(scope, "audit.read")
    return scope


AuditorScope = Annotated[Scope, Depends(auditors)]


class EventOut(BaseModel):
    id: int
    at: UtcDatetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: Any
    after: Any
    hash: str
    summary: str = ""  # who did what to which, in the caller's language
    reason_text: str | None = None  # the service's reason (`after.reason`), in the caller's language


class VerdictOut(BaseModel):
    intact: bool
    events: int
    broken_at: int | None
    reason: str
    reason_text: str = ""  # the reason in the caller's language


def reason_text(e: AuditEvent) -> str | None:
    """A reason the service recorded (a session ended because ...) in the caller's language; one a
    person wrote is shown as written."""
    why = e.after.get("reason") if isinstance(e.after, dict) else None
    return messages.words(why, "session.end.") if isinstance(why, str) else None


def summary(e: AuditEvent) -> str:
    """One line an auditor reads: the action and the entity by name where the catalog has one."""
    return messages.text("audit.summary", {"actor": e.actor, "action": e.action, "entity": e.entity,
                                           "entity_id": e.entity_id})


BEIJING = ZoneInfo("Asia/Shanghai")
SORTS = ("id", "at", "actor", "action", "entity")
_COLUMNS = {"id": col(AuditEvent.id), "at": col(AuditEvent.at), "actor": col(AuditEvent.actor),
            "action": col(AuditEvent.action), "entity": col(AuditEvent.entity)}
FILTERS = ("action", "entity", "entity_id", "actor", "since", "until")


def _filtered(action: str | None, entity: str | None, entity_id: str | None, actor: str | None, since: date | None,
              until: date | None) -> Any:
    """Events matching every filter given; `since` and `until` are days in Beijing time, both included."""
    if since is not None and until is not None and until < since:
        raise Refusal(422, "until", messages.msg("audit.until_before_since", until=str(until), since=str(since)))
    q = select(AuditEvent)
    for column, value in ((AuditEvent.action, action), (AuditEvent.entity, entity), (AuditEvent.entity_id, entity_id),
                          (AuditEvent.actor, actor)):
        if value is not None:
            q = q.where(column == value)
    if since is not None:
        q = q.where(col(AuditEvent.at) >= datetime.combine(since, time(), BEIJING))
    if until is not None:
        q = q.where(col(AuditEvent.at) < datetime.combine(until + timedelta(days=1), time(), BEIJING))
    return q


Day = Annotated[date | None, Query(description="a day in Beijing time, YYYY-MM-DD")]


@router.get("/events", responses=refusals(400, 403, 422), response_model=PageOut[EventOut],
            dependencies=[Depends(only_params(*FILTERS, "sort", "order"))])
def events(session: SessionDep, _: AuditorScope, pg: PageDep, sort: Annotated[Sort, Depends(sorting(SORTS, "id", "desc"))],
           action: str | None = None, entity: str | None = None, entity_id: str | None = None,
           actor: str | None = None, since: Day = None, until: Day = None) -> PageOut[EventOut]:
    q = _filtered(action, entity, entity_id, actor, since, until)
    total = session.exec(select(func.count()).select_from(q.subquery())).one()
    rows = session.exec(sort.apply(q, _COLUMNS, col(AuditEvent.id)).offset(pg.offset).limit(pg.limit)).all()
    return PageOut(items=[EventOut(**r.model_dump(), summary=summary(r), reason_text=reason_text(r)) for r in rows],
                   total=total, limit=pg.limit,
                   offset=pg.offset)


@router.get("/export", responses={**refusals(400, 403), 200: {"content": {"text/csv": {}}, "description": "CSV"}},
            response_class=StreamingResponse, dependencies=[Depends(only_params(*FILTERS))])
def export(session: SessionDep, who: AuditorScope, user: UserDep, action: str | None = None, entity: str | None = None,
           entity_id: str | None = None, actor: str | None = None, since: Day = None, until: Day = None) -> StreamingResponse:
    """The chosen events as CSV, oldest first (at most 100,000); the export is itself an audit event."""
    q = _filtered(action, entity, entity_id, actor, since, until)
    rows = list(session.exec(q.order_by(AuditEvent.id).limit(100_000)).all())  # type: ignore[arg-type]
    body = "".join(audit_export.csv_rows(session, user.username, rows))
    session.commit()
    return StreamingResponse(iter([body]), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="qianyun-audit.csv"'})


@router.get("/verify", responses=refusals(403), response_model=VerdictOut)
def verify(session: SessionDep, _: AuditorScope) -> VerdictOut:
    v = audit.verify(session)
    return VerdictOut(intact=v.intact, events=v.events, broken_at=v.broken_at, reason=v.reason,
                      reason_text=messages.words(v.reason or "", "audit.verify."))
