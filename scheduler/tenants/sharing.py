"""Sharing between departments: a request, the approvals its share attribute needs, a scheduled delivery.

Unconditional resources are granted at once; conditional ones need the owner's admin and then the
data authority; resources that may not be shared are refused before anything is stored. Each
decision is an audit event, and the approval keeps that event's hash as its signature: the chain
(`qianyun audit verify`) proves nobody rewrote who approved what. Delivery is a data-zone job set of
the sharing tenant, recurring as often as the resource is updated.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from scheduler import jobs
from scheduler.core import audit, messages
from scheduler.core.access import may
from scheduler.core.accounts import Actor, Scope
from scheduler.core.db import as_utc, utcnow
from scheduler.core.messages import msg
from scheduler.core.models import AuditEvent, Department
from scheduler.core.refusal import Refusal
from scheduler.core.registry import get_adapters
from scheduler.jobs import JobSet
from scheduler.tenants import platform as data_tenants
from scheduler.tenants.catalog import departments_of, get, may_maintain
from scheduler.tenants.models import CatalogEntry, ShareApproval, ShareRequest

EXCHANGE_CLOUD = "gz-gov"
# How often an exchange runs, by the resource's update frequency (cron, Asia/Shanghai); None: once.
RECURRENCE: dict[str, str | None] = {
    "realtime": "0 * * * *", "daily": "30 1 * * *", "weekly": "30 1 * * 1", "monthly": "30 1 1 * *",
    "quarterly": "30 1 1 1,4,7,10 *", "yearly": "30 1 1 1 *", "irregular": None,
}
STATES = ("pending-owner", "pending-authority", "approved", "rejected")


def request(session: Session, actor: Actor, body: Any) -> ShareRequest:
    if not isinstance(body, dict):
        raise Refusal(422, None, msg("sharing.body"))
    unknown = set(body) - {"entry_id", "requester_department", "purpose", "fields"}
    if unknown:
        raise Refusal(422, sorted(unknown)[0], msg("invalid.unknown_field_allowed",
                                                  allowed=["entry_id", "requester_department", "purpose", "fields"]))
    entry_id = body.get("entry_id")
    if not isinstance(entry_id, int) or isinstance(entry_id, bool):
        raise Refusal(422, "entry_id", msg("catalog.entry_id_required"))
    try:
        entry = get(session, entry_id)
    except Refusal as exc:
        raise Refusal(422, "entry_id", exc.said or exc.message) from exc
    dept_id = body.get("requester_department")
    if not isinstance(dept_id, str) or session.get(Department, dept_id) is None:
        raise Refusal(422, "requester_department", msg("department.unknown", department=dept_id))
    if not may(actor, "sharing.request") or not may_maintain(session, actor, dept_id):
        raise Refusal(403, "requester_department", msg("sharing.not_requester_admin", department=dept_id, role=actor.role,
                                                        username=actor.username))
    if dept_id == entry.owner_department_id:
        raise Refusal(422, "requester_department", msg("sharing.owns_it", department=dept_id, entry=entry.code))
    if entry.state != "active":
        raise Refusal(409, "entry_id", msg("catalog.retired", entry=entry.code))
    if entry.share_attribute == "none":
        raise Refusal(409, "entry_id", msg("sharing.not_shared", entry=entry.code, condition=entry.share_condition))
    purpose = body.get("purpose")
    if not isinstance(purpose, str) or not 10 <= len(purpose.strip()) <= 1000:
        raise Refusal(422, "purpose", msg("sharing.purpose_required"))
    names = [f["name"] for f in entry.fields]
    fields = body.get("fields") or names
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise Refusal(422, "fields", msg("sharing.fields_list"))
    missing = [f for f in fields if f not in names]
    if missing:
        raise Refusal(422, "fields", msg("sharing.not_a_field", got=repr(missing[0]), entry=entry.code, fields=names))
    open_dup = session.exec(select(ShareRequest).where(
        ShareRequest.entry_id == entry.id, ShareRequest.requester_department_id == dept_id,
        col(ShareRequest.state).in_(("pending-owner", "pending-authority", "approved")))).first()
    if open_dup is not None:
        raise Refusal(409, "entry_id", msg("sharing.duplicate", department=dept_id, request=open_dup.id, entry=entry.code,
                                            state=open_dup.state))
    req = ShareRequest(entry_id=entry.id, requester_department_id=dept_id, purpose=purpose.strip(),  # type: ignore[arg-type]
                       fields=list(dict.fromkeys(fields)), requested_by=actor.username,
                       state="pending-owner" if entry.share_attribute == "conditional" else "approved")
    session.add(req)
    session.flush()
    audit.record(session, actor.username, "share.request", "share_request", str(req.id), None,
                 {"entry": entry.code, "requester": dept_id, "purpose": req.purpose, "fields": req.fields,
                  "share_attribute": entry.share_attribute})
    if req.state == "approved":
        _sign(session, req, "auto", "system:sharing", "approve", msg("sharing.auto.unconditional").text)
        _deliver(session, req, entry)
    return req


def _sign(session: Session, req: ShareRequest, stage: str, username: str, decision: str, reason: str) -> ShareApproval:
    event = audit.record(session, username, f"share.{decision}", "share_request", str(req.id),
                         {"state": req.state}, {"stage": stage, "decision": decision, "reason": reason,
                                                "entry_id": req.entry_id, "requester": req.requester_department_id})
    approval = ShareApproval(request_id=req.id, stage=stage, username=username, decision=decision,  # type: ignore[arg-type]
                             reason=reason, signature=event.hash)
    session.add(approval)
    session.flush()
    return approval


@audit.cross_check
def decisions_are_signed(session: Session, anchored_at: datetime) -> Iterator[str]:
    """Each sharing decision carries the code of the audit event that recorded it; the event must say
    the same (who, which request, which stage, which decision)."""
    signed = {e.hash: e for e in session.exec(select(AuditEvent).where(col(AuditEvent.action).startswith("share.")))}
    for a in session.exec(select(ShareApproval).order_by(ShareApproval.id)):
        e = signed.get(a.signature)
        after = (e.after or {}) if e is not None else {}
        if e is None or (e.actor, e.entity_id, after.get("stage"), after.get("decision")) != (
                a.username, str(a.request_id), a.stage, a.decision):
            yield (f"share request {a.request_id}'s {a.stage} decision by {a.username} does not match its signed "
                   "audit event: it was added or changed outside the service")


def decide(session: Session, actor: Actor, request_id: int, approve: bool, body: Any) -> ShareRequest:
    req = session.get(ShareRequest, request_id)
    if req is None:
        raise Refusal(404, "request_id", msg("sharing.none", request=request_id))
    entry = get(session, req.entry_id)
    reason = (body or {}).get("reason", "") if isinstance(body, dict) else ""
    if not isinstance(reason, str) or len(reason) > 1000:
        raise Refusal(422, "reason", msg("catalog.text_at_most", hi="1,000"))
    if not approve and not reason.strip():
        raise Refusal(422, "reason", msg("sharing.reason_required"))
    if approve and actor.username == req.requested_by:
        raise Refusal(403, "requested_by", msg("sharing.own_request", username=actor.username, request=req.id))
    if req.state == "pending-owner":
        if not may(actor, "sharing.approve_owner") or not may_maintain(session, actor, entry.owner_department_id):
            raise Refusal(403, "role", msg("sharing.waits_for_owner", request=req.id, department=entry.owner_department_id,
                                            entry=entry.code))
        stage, nxt = "owner", "pending-authority"
    elif req.state == "pending-authority":
        if not may(actor, "sharing.approve_authority"):
            raise Refusal(403, "role", msg("sharing.waits_for_authority", request=req.id))
        stage, nxt = "authority", "approved"
    else:
        raise Refusal(409, "state", msg("sharing.decided", request=req.id, state=req.state))
    _sign(session, req, stage, actor.username, "approve" if approve else "reject", reason.strip())
    req.state = nxt if approve else "rejected"
    req.version += 1
    req.updated_at = utcnow()
    session.add(req)
    if req.state == "approved":
        _deliver(session, req, entry)
    return req


def _deliver(session: Session, req: ShareRequest, entry: CatalogEntry) -> JobSet:
    """The exchange as a data-zone job set of the sharing tenant, planned now by the data-zone scheduler."""
    width = max(1, len(req.fields))
    body = {"name": f"exchange {entry.code} -> {req.requester_department_id} (share {req.id})",
            "cloud": EXCHANGE_CLOUD, "department": data_tenants.ensure_department(session, "sharing"), "recurrence": RECURRENCE[entry.update_frequency],
            "horizon": 1440, "resources": {"vcpu": 8, "memory_gib": 32},
            "jobs": [{"id": "extract", "duration": 5 + width, "demand": {"vcpu": 2, "memory_gib": 4}},
                     {"id": "mask", "duration": 5, "demand": {"vcpu": 1, "memory_gib": 2}, "after": ["extract"]},
                     {"id": "deliver", "duration": 5, "demand": {"vcpu": 1, "memory_gib": 2}, "after": ["mask"]}]}
    scope = Scope("province-operator")
    try:
        js, _run = jobs.create(session, "system:sharing", scope, body, get_adapters().metrics_for(EXCHANGE_CLOUD))
    except Refusal as exc:  # the request stays approved; the delivery is what failed
        raise Refusal(503, "delivery", msg("sharing.delivery_failed", why=exc.said or exc.message)) from exc
    req.jobset_id = js.id
    session.add(req)
    return js


def visible(session: Session, actor: Actor) -> Any:
    """Requests by or to the actor's departments; all of them for province-wide roles."""
    stmt = select(ShareRequest)
    if may(actor, "catalog.read_all"):
        return stmt
    mine = departments_of(session, actor) or set()
    owned = select(CatalogEntry.id).where(col(CatalogEntry.owner_department_id).in_(mine))
    return stmt.where(col(ShareRequest.requester_department_id).in_(mine) | col(ShareRequest.entry_id).in_(owned))


def request_out(session: Session, req: ShareRequest) -> dict[str, Any]:
    entry = session.get(CatalogEntry, req.entry_id)
    approvals = session.exec(select(ShareApproval).where(ShareApproval.request_id == req.id)
                             .order_by(ShareApproval.id)).all()
    delivery = None
    if req.jobset_id is not None:
        runs = jobs.runs_of(session, req.jobset_id)
        delivery = {"state": runs[-1].state if runs else "planned", "runs": len(runs),
                    "last_anchor": as_utc(runs[-1].anchor) if runs else None}
    return {"id": req.id, "entry_id": req.entry_id, "entry_code": entry.code if entry else None,
            "entry_name": entry.name if entry else None,
            "owner_department": entry.owner_department_id if entry else None,
            "requester_department": req.requester_department_id, "purpose": req.purpose, "fields": req.fields,
            "share_attribute": entry.share_attribute if entry else None, "state": req.state,
            "approvals": [{"stage": a.stage, "username": a.username, "decision": a.decision,
                           "reason": messages.words(a.reason, "sharing.auto."),  # the service's words: the reader's language
                           "at": as_utc(a.at), "signature": a.signature} for a in approvals],
            "jobset_id": req.jobset_id, "delivery": delivery, "requested_by": req.requested_by,
            "created_at": as_utc(req.created_at), "version": req.version}
