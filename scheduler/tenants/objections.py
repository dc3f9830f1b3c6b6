"""Objections to catalog entries: a user or the public disputes, the owner answers, the data authority closes.

Public objections need no login, so they are held to more: a published data set only, bounded text,
a per-client rate limit counted in the database (it holds across processes and restarts), and an
access token of their own, of which only a hash is kept, that reaches that one objection and nothing
else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from scheduler.core import audit
from scheduler.core.access import may
from scheduler.core.accounts import Actor
from scheduler.core.db import as_utc, utcnow
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.tenants.catalog import EDITABLE, departments_of, get, may_maintain
from scheduler.tenants.models import CatalogEntry, CatalogObjection, ObjectionClient

PUBLIC_PER_HOUR = 5
RETRY_AFTER_S = 3600
TEXT_MIN, TEXT_MAX = 10, 2000
PUBLIC_ACTOR = "public"
RESOLUTIONS = ("upheld", "dismissed")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _text(body: dict[str, Any], key: str = "text", lo: int = TEXT_MIN, hi: int = TEXT_MAX) -> str:
    v = body.get(key)
    if not isinstance(v, str) or not v.strip():
        raise Refusal(422, key, msg("objection.text_required"))
    v = v.strip()
    if not lo <= len(v) <= hi:
        raise Refusal(422, key, msg("objection.length_between", lo=lo, hi=hi, n=len(v)))
    return v


def raise_by_user(session: Session, actor: Actor, entry_id: int, body: Any) -> CatalogObjection:
    entry = get(session, entry_id)
    if not isinstance(body, dict):
        raise Refusal(422, None, msg("objection.body_user"))
    field = body.get("field")
    if field is not None and field not in (*EDITABLE, *(f["name"] for f in entry.fields)):
        raise Refusal(422, "field", msg("objection.not_a_field", got=repr(field)))
    o = CatalogObjection(entry_id=entry.id, source="user", raised_by=actor.username, field=field,  # type: ignore[arg-type]
                         text=_text(body))
    session.add(o)
    session.flush()
    audit.record(session, actor.username, "objection.raise", "catalog_objection", str(o.id), None,
                 {"entry": entry.code, "field": field, "text": o.text})
    return o


def _lock_client(session: Session, client_hash: str) -> None:
    """Hold the address's row until the transaction ends: the count and the insert that follow are then
    serialised per address. An upsert locks on both databases: PostgreSQL locks the row (a concurrent
    upsert of it waits for the commit, and its next statement sees what was committed); SQLite takes its
    write lock with this first write, so the count that follows is the newest."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(ObjectionClient).values(client_hash=client_hash, last_at=utcnow())
    session.execute(stmt.on_conflict_do_update(index_elements=["client_hash"], set_={"last_at": stmt.excluded.last_at}))


def raise_by_public(session: Session, client: str, body: Any) -> tuple[CatalogObjection, str]:
    """A public objection to a published data set; returns it and its access token (shown once)."""
    if not isinstance(body, dict):
        raise Refusal(422, None, msg("objection.body_public"))
    unknown = set(body) - {"dataset", "text", "contact"}
    if unknown:
        raise Refusal(422, sorted(unknown)[0], msg("invalid.unknown_field_allowed", allowed=["dataset", "text", "contact"]))
    code = body.get("dataset")
    if not isinstance(code, str) or not code:
        raise Refusal(422, "dataset", msg("objection.dataset_required"))
    entry = session.exec(select(CatalogEntry).where(CatalogEntry.code == code)).first()
    if entry is None or entry.published_at is None or entry.state != "active":
        raise Refusal(404, "dataset", msg("opendata.no_dataset", dataset=repr(code)))
    text = _text(body)
    contact = body.get("contact", "") or ""
    if not isinstance(contact, str) or len(contact) > 200:
        raise Refusal(422, "contact", msg("catalog.text_at_most", hi=200))
    client_hash = _hash("client:" + client)
    _lock_client(session, client_hash)
    since = utcnow() - timedelta(hours=1)
    recent = session.exec(select(func.count()).select_from(CatalogObjection).where(
        CatalogObjection.client_hash == client_hash, col(CatalogObjection.created_at) >= since)).one()
    if recent >= PUBLIC_PER_HOUR:
        raise Refusal(429, None, msg("objection.rate_limited", n=PUBLIC_PER_HOUR), headers={"Retry-After": str(RETRY_AFTER_S)})
    token = secrets.token_urlsafe(24)
    o = CatalogObjection(entry_id=entry.id, source="public", text=text, contact=contact.strip(),  # type: ignore[arg-type]
                         token_hash=_hash(token), client_hash=client_hash)
    session.add(o)
    session.flush()
    audit.record(session, PUBLIC_ACTOR, "objection.raise", "catalog_objection", str(o.id), None,
                 {"entry": entry.code, "text": text, "source": "public"})
    return o, token


def public_view(session: Session, objection_id: int, token: str | None) -> dict[str, Any]:
    """One public objection, for the holder of its token; anything else is the same 404."""
    o = session.get(CatalogObjection, objection_id)
    if o is None or o.token_hash is None or not token or not hmac.compare_digest(o.token_hash, _hash(token)):
        raise Refusal(404, "objection_id", msg("objection.not_for_token"))
    entry = session.get(CatalogEntry, o.entry_id)
    return {"id": o.id, "dataset": entry.code if entry else None, "text": o.text, "state": o.state, "answer": o.answer,
            "answered_at": as_utc(o.answered_at), "resolution": o.resolution, "note": o.note,
            "created_at": as_utc(o.created_at)}


def _load(session: Session, objection_id: int) -> tuple[CatalogObjection, CatalogEntry]:
    o = session.get(CatalogObjection, objection_id)
    if o is None:
        raise Refusal(404, "objection_id", msg("objection.none", objection=objection_id))
    return o, get(session, o.entry_id)


def answer(session: Session, actor: Actor, objection_id: int, body: Any) -> CatalogObjection:
    """The owning department answers an open objection (or revises its answer before it is closed)."""
    o, entry = _load(session, objection_id)
    if not may(actor, "objections.answer") or not may_maintain(session, actor, entry.owner_department_id):
        raise Refusal(403, "role", msg("objection.owner_answers", department=entry.owner_department_id,
                                                  entry=entry.code))
    if o.state == "closed":
        raise Refusal(409, "state", msg("objection.closed", objection=o.id))
    text = _text(body if isinstance(body, dict) else {}, "answer", 1, TEXT_MAX)
    before = {"state": o.state, "answer": o.answer}
    o.answer, o.answered_by, o.answered_at, o.state = text, actor.username, utcnow(), "answered"
    session.add(o)
    audit.record(session, actor.username, "objection.answer", "catalog_objection", str(o.id), before,
                 {"state": o.state, "answer": text})
    return o


def close(session: Session, actor: Actor, objection_id: int, body: Any) -> CatalogObjection:
    """The data authority closes an answered objection: upheld (the entry must change) or dismissed."""
    o, entry = _load(session, objection_id)
    if not may(actor, "objections.close"):
        raise Refusal(403, "role", msg("objection.authority_closes"))
    if o.state != "answered":
        raise Refusal(409, "state", msg("objection.answer_first", objection=o.id, state=o.state))
    b = body if isinstance(body, dict) else {}
    resolution = b.get("resolution")
    if resolution not in RESOLUTIONS:
        raise Refusal(422, "resolution", msg("objection.resolution", allowed=list(RESOLUTIONS), got=repr(resolution)))
    note = _text(b, "note", 1, TEXT_MAX)
    o.resolution, o.note, o.closed_by, o.closed_at, o.state = resolution, note, actor.username, utcnow(), "closed"
    session.add(o)
    audit.record(session, actor.username, "objection.close", "catalog_objection", str(o.id), {"state": "answered"},
                 {"state": "closed", "resolution": resolution, "note": note, "entry": entry.code})
    return o


def visible(session: Session, actor: Actor) -> Any:
    """Objections the actor may list: all for province-wide roles; a department admin's own and those
    against its departments' entries; any other user's own."""
    stmt = select(CatalogObjection)
    if may(actor, "catalog.read_all"):
        return stmt
    mine = departments_of(session, actor)
    if mine:
        owned = select(CatalogEntry.id).where(col(CatalogEntry.owner_department_id).in_(mine))
        return stmt.where((CatalogObjection.raised_by == actor.username) | col(CatalogObjection.entry_id).in_(owned))
    return stmt.where(CatalogObjection.raised_by == actor.username)
