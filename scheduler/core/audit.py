"""The audit trail: every write appends an event to a hash chain that cannot be silently edited.

Each event's hash covers its own fields and the previous event's hash, so changing, removing or
reordering any row breaks every link after it; `verify` walks the chain and names the first break.
Appends take the write lock on the single `audit_head` row before reading it, which serialises
writers on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from scheduler.core.db import as_utc, utcnow
from scheduler.core.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _canonical_time(at: datetime) -> str:
    return as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # type: ignore[union-attr]


def event_hash(prev_hash: str, at: datetime, actor: str, action: str, entity: str, entity_id: str,
               before: Any, after: Any) -> str:
    body = json.dumps(
        [prev_hash, _canonical_time(at), actor, action, entity, entity_id, before, after],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON so the stored value and the hashed value are the same thing."""
    return None if value is None else json.loads(json.dumps(value, default=str))


def record(session: Session, actor: str, action: str, entity: str, entity_id: str,
           before: Any = None, after: Any = None) -> AuditEvent:
    """Append one event in the caller's transaction: it commits or rolls back with the change."""
    # Take the write lock before the head is read: a no-op UPDATE of the head row holds the row lock on
    # PostgreSQL and starts the write transaction on SQLite (where FOR UPDATE does nothing), so two
    # appends can never read the same head and fork the chain.
    bumped = session.execute(update(AuditHead).where(col(AuditHead.id) == 1)
                             .values(last_id=AuditHead.last_id).execution_options(synchronize_session=False))
    if bumped.rowcount == 0:  # type: ignore[attr-defined]  # the very first event
        session.add(AuditHead(id=1, last_id=0, last_hash=GENESIS))
        session.flush()
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()
                        .execution_options(populate_existing=True)).one()
    at = utcnow()
    before, after = _jsonable(before), _jsonable(after)
    event = AuditEvent(at=at, actor=actor, action=action, entity=entity, entity_id=entity_id,
                       before=before, after=after, prev_hash=head.last_hash,
                       hash=event_hash(head.last_hash, at, actor, action, entity, entity_id, before, after))
    session.add(event)
    session.flush()
    head.last_id = event.id or 0
    head.last_hash = event.hash
    session.add(head)
    return event


@dataclass(frozen=True)
class Verdict:
    intact: bool
    events: int
    broken_at: int | None = None
    reason: str = ""


def verify(session: Session, batch: int = 5000) -> Verdict:
    """Recompute the chain from the start; the first event whose link or hash fails is the break."""
    prev, count, last_id = GENESIS, 0, 0
    while True:
        rows = session.exec(select(AuditEvent).where(AuditEvent.id > last_id)  # type: ignore[operator]
                            .order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            break
        for ev in rows:
            if ev.prev_hash != prev:
                return Verdict(False, count, ev.id, f"event {ev.id} does not link to the event before it")
            expect = event_hash(ev.prev_hash, ev.at, ev.actor, ev.action, ev.entity, ev.entity_id, ev.before, ev.after)
            if ev.hash != expect:
                return Verdict(False, count, ev.id, f"event {ev.id} was changed after it was written")
            prev, count, last_id = ev.hash, count + 1, ev.id or 0
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id != last_id or head.last_hash != prev):
        return Verdict(False, count, last_id + 1 if head.last_id > last_id else head.last_id,
                       f"the chain ends at event {last_id} but its head names event {head.last_id}: events were removed")
    return Verdict(True, count)
