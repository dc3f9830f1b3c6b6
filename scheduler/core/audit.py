"""The audit trail: every write appends an event to a keyed chain that cannot be silently edited.

Each event's code is an HMAC-SM3 (GB/T 32905, the national hash, as government systems are expected
to use) over its own fields and the previous event's code, keyed with a secret kept outside the
database (`QIANYUN_AUDIT_KEY` or an owner-only key file): changing, removing or reordering any row
breaks every link after it, and whoever can write the database but lacks the key cannot write a
chain that verifies. Events written before the key existed keep their plain SHA-256 links; one
`audit.anchored` event, the first keyed one, closes them, and no unkeyed event may follow it.
`verify` walks the chain, names the first break, and cross-checks rows that stand for a decision
(plan approvals, sharing decisions) against the events that recorded them. Appends take the write
lock on the single `audit_head` row before reading it, which serialises writers on every database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from scheduler.core.db import as_utc, utcnow
from scheduler.core.keyfile import key_from_file
from scheduler.core.models import AuditEvent, AuditHead
from scheduler.core.settings import get_settings

GENESIS = "0" * 64
KEYED, PLAIN = "hmac-sm3", "sha256"
ANCHOR = "audit.anchored"


def audit_key() -> bytes:
    """The chain's key: QIANYUN_AUDIT_KEY, else the owner-only key file (made once)."""
    s = get_settings()
    return _key(s.audit_key, str(Path(s.audit_key_file).resolve()))  # one key per file, wherever the process runs


@lru_cache(maxsize=4)
def _key(value: str | None, path: str) -> bytes:
    return (value or key_from_file(Path(path))).encode()


def _canonical_time(at: datetime) -> str:
    return as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # type: ignore[union-attr]


def event_hash(prev_hash: str, at: datetime, actor: str, action: str, entity: str, entity_id: str,
               before: Any, after: Any, algorithm: str = KEYED, key: bytes | None = None) -> str:
    body = json.dumps(
        [prev_hash, _canonical_time(at), actor, action, entity, entity_id, before, after],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    ).encode()
    if algorithm == PLAIN:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key if key is not None else audit_key(), body, "sm3").hexdigest()


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
    if head.anchor_id is None:  # a new chain: its first keyed event is the anchor
        first = _append(session, head, "system:audit", ANCHOR, "audit", "chain", None,
                        {"algorithm": KEYED, "unkeyed_events_before": head.last_id})
        head.anchor_id = first.id
    return _append(session, head, actor, action, entity, entity_id, before, after)


def _append(session: Session, head: AuditHead, actor: str, action: str, entity: str, entity_id: str,
            before: Any, after: Any) -> AuditEvent:
    at = utcnow()
    before, after = _jsonable(before), _jsonable(after)
    event = AuditEvent(at=at, actor=actor, action=action, entity=entity, entity_id=entity_id,
                       before=before, after=after, prev_hash=head.last_hash, algorithm=KEYED,
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


CrossCheck = Callable[[Session, datetime], Iterator[str]]
_cross_checks: list[CrossCheck] = []


def cross_check(check: CrossCheck) -> CrossCheck:
    """Register a check that every row standing for a decision made since `anchored_at` has the event
    that recorded it (capabilities register theirs, so the core never imports them)."""
    if check not in _cross_checks:
        _cross_checks.append(check)
    return check


def events(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = session.exec(select(AuditEvent).where(AuditEvent.id > last_id)  # type: ignore[operator]
                            .order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id or 0


def verify(session: Session, batch: int = 5000) -> Verdict:
    """Recompute the chain from the start; the first event whose link or code fails is the break.
    Then every registered cross-check over the decisions made since the anchor."""
    key = audit_key()
    prev, count, last_id = GENESIS, 0, 0
    anchored_at: datetime | None = None
    for ev in events(session, batch):
        if ev.prev_hash != prev:
            return Verdict(False, count, ev.id, f"event {ev.id} does not link to the event before it")
        if ev.algorithm not in (KEYED, PLAIN) or (ev.algorithm == PLAIN and anchored_at is not None):
            return Verdict(False, count, ev.id, f"event {ev.id} was written without the audit key after the chain was anchored")
        if ev.algorithm == KEYED and anchored_at is None:
            if ev.action != ANCHOR:
                return Verdict(False, count, ev.id, f"event {ev.id} is keyed but the chain was never anchored before it")
            anchored_at = as_utc(ev.at)
        expect = event_hash(ev.prev_hash, ev.at, ev.actor, ev.action, ev.entity, ev.entity_id, ev.before, ev.after,
                            ev.algorithm, key)
        if not hmac.compare_digest(ev.hash, expect):
            return Verdict(False, count, ev.id, f"event {ev.id} was changed after it was written, or written without the key")
        prev, count, last_id = ev.hash, count + 1, ev.id or 0
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id != last_id or head.last_hash != prev):
        return Verdict(False, count, last_id + 1 if head.last_id > last_id else head.last_id,
                       f"the chain ends at event {last_id} but its head names event {head.last_id}: events were removed")
    if count and anchored_at is None:
        return Verdict(False, count, None, "the chain has no keyed anchor: it was rewritten without the audit key")
    for check in _cross_checks:
        for problem in check(session, anchored_at or utcnow()):
            return Verdict(False, count, None, problem)
    return Verdict(True, count)
