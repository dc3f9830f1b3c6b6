"""Quota requests: a department asks, the policy routes, the optimizer checks for room, approvers decide once.

```
pending ──approve (every required scope)──> approved ──(expires_at passes)──> expired
   └──reject (with a reason)──> rejected
```

The feasibility answer is computed when the request is filed, so approvers read it before they
decide, and again when the last approval would grant it, because the ground may have moved since:
a grant the cloud can no longer hold is refused (409) instead of being promised. Every change is a
compare-and-set on `version` and an audit event; a second decision on the same request is a 409.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from policies import approvals as approval_rules
from scheduler.core import audit
from scheduler.core.access import may
from scheduler.core.db import as_utc, utcnow
from scheduler.core.models import RESOURCES, Cloud, Department
from scheduler.core.policy import get_policy
from scheduler.core.messages import Msg, msg
from scheduler.core.refusal import Refusal
from scheduler.core.visibility import department_ids
from scheduler.quotas import ledger as quotas
from scheduler.quotas.feasibility import feasibility
from scheduler.quotas.ledger import Actor, Amounts, check_amount, may_act_for
from scheduler.quotas.ledger import department as _department
from scheduler.quotas.ledger import who as _who
from scheduler.quotas.models import QuotaRequest

STATES = ("pending", "approved", "rejected", "expired")
MAX_JUSTIFICATION = 2000


SYSTEM = Actor("system:quotas", "system", None)


# ------------------------------------------------------------------------------------------ routing


def route(cloud: Cloud, amount: Amounts) -> list[dict[str, Any]]:
    """Who must approve: the cloud's operator (the province centre for the province cloud), and the
    province centre as well for a request above the policy's review size."""
    q = get_policy().quotas
    if cloud.kind == "province":
        out = [needs("province", msg("quota.route.province_cloud"))]
    else:
        out = [needs(f"{cloud.kind}:{cloud.id}", msg("quota.route.operator", cloud=cloud.id))]
    limit = q.province_review_above.as_dict()
    above = {r: amount[r] for r in RESOURCES if amount[r] > limit[r]}
    if above and all(a["key"] != "province" for a in out):
        out.append(needs("province", msg("quota.route.review_size", amounts=above,
                                         limit_amounts={r: limit[r] for r in above})))
    return out


def needs(key: str, why: Msg) -> dict[str, Any]:
    """A required approval: its English reason as stored before reasons were data, and the message."""
    return {"key": key, "reason": why.text, **why.to_json()}


def can_decide(actor: Actor, key: str) -> bool:
    return approval_rules.can_approve(get_policy(), actor.role, actor.scope, key)


def pending_keys(req: QuotaRequest) -> list[str]:
    done = {a["key"] for a in req.approvals or []}
    return [a["key"] for a in req.required_approvals if a["key"] not in done]


def visible_to(session: Session, req: QuotaRequest, actor: Actor) -> bool:
    if may(actor, "quotas.read_all"):
        return True
    scope = actor.scope_obj()
    if scope.cloud is not None:
        return req.cloud_id == actor.scope or any(can_decide(actor, a["key"]) for a in req.required_approvals)
    if scope.department is not None:
        return req.department_id in (department_ids(session, scope) or set())
    return False


# ------------------------------------------------------------------------------------------ lifecycle


def create(session: Session, actor: Actor, department: Any, cloud_id: Any, amount: Any, justification: Any,
           expires_at: datetime | None) -> QuotaRequest:
    dept = _department(session, department)
    if not isinstance(cloud_id, str) or not cloud_id:
        raise Refusal(422, "cloud", msg("quota.must_cloud_id"))
    cloud = quotas.check_cloud_for(session, dept, cloud_id)
    if not may_act_for(session, actor, dept, cloud_id):
        raise Refusal(403, "department", msg("quota.may_not_ask", who=_who(actor), department=dept.id, cloud=cloud_id))
    amt = check_amount(session, amount, cloud_id)
    if not isinstance(justification, str) or len(justification.strip()) < 10:
        raise Refusal(422, "justification", msg("quota.say_sentence_least_characters"))
    if len(justification) > MAX_JUSTIFICATION:
        raise Refusal(422, "justification", msg("quota.most_characters", MAX_JUSTIFICATION=MAX_JUSTIFICATION))
    if expires_at is not None:
        expires_at = as_utc(expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=timezone.utc))
        now = utcnow()
        if expires_at <= now:  # type: ignore[operator]
            raise Refusal(422, "expires_at", msg("quota.must_future"))
        limit = get_policy().quotas.max_expiry_days
        if expires_at > now + timedelta(days=limit):  # type: ignore[operator]
            raise Refusal(422, "expires_at", msg("quota.most_days_ahead", limit=limit))
    req = QuotaRequest(department_id=dept.id, cloud_id=cloud.id, **amt, justification=justification.strip(),
                       expires_at=expires_at, requester=actor.username, required_approvals=route(cloud, amt),
                       approvals=[], feasibility=feasibility(session, dept, cloud.id, amt))
    session.add(req)
    session.flush()
    audit.record(session, actor.username, "quota_request.created", "quota_request", str(req.id), None,
                 {"department": dept.id, "cloud": cloud.id, "amount": amt, "expires_at": expires_at,
                  "required": [a["key"] for a in req.required_approvals], "feasibility": req.feasibility["message"]})
    return req


def _cas(session: Session, req: QuotaRequest, actor: str, action: str, values: dict[str, Any],
         before: dict[str, Any], after: dict[str, Any]) -> None:
    """Compare-and-set on the request's version: of two deciders at once exactly one wins (409 for the other)."""
    try:
        result = session.execute(update(QuotaRequest).where(col(QuotaRequest.id) == req.id,
                                                            col(QuotaRequest.version) == req.version)
                                 .values(**values, version=req.version + 1, updated_at=utcnow()))
    except OperationalError as exc:
        raise Refusal(409, "state", msg("quota.quota_request_being_decided", req=req.id)) from exc
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Refusal(409, "state", msg("quota.quota_request_was_decided", req=req.id))
    session.expire(req)
    audit.record(session, actor, action, "quota_request", str(req.id), before, after)


def _must_be_pending(req: QuotaRequest) -> None:
    if req.state != "pending":
        by = f" by {req.decided_by}" if req.decided_by else ""
        raise Refusal(409, "state", msg("quota.quota_request_already_can", req=req.id, state=req.state, by=by))


def approve(session: Session, actor: Actor, req: QuotaRequest, reason: str = "") -> QuotaRequest:
    _must_be_pending(req)
    mine = [k for k in pending_keys(req) if can_decide(actor, k)]
    if not mine:
        raise Refusal(403, "scope", msg("quota.approves_none", who=_who(actor), scopes=", ".join(pending_keys(req))))
    if actor.username == req.requester:
        raise Refusal(403, "requester", msg("quota.asked_quota_request_nobody", username=actor.username, req=req.id))
    reason = (reason or "").strip() or "approved"
    approvals = [*(req.approvals or []), *({"key": k, "username": actor.username, "at": utcnow().isoformat(),
                                             "reason": reason} for k in mine)]
    complete = len(pending_keys(req)) == len(mine)
    amount = quotas.amounts_of(req)
    values: dict[str, Any] = {"approvals": approvals}
    if complete:
        quotas.lock_cloud(session, req.cloud_id)
        dept = session.get(Department, req.department_id)
        assert dept is not None
        check = feasibility(session, dept, req.cloud_id, amount)
        if check["verdict"] == "short":
            raise Refusal(409, "feasibility", msg("quota.cannot_grant_now", check=check['message']), {"feasibility": check})
        values.update(state="approved", decided_by=actor.username, decided_at=utcnow(), decision_reason=reason,
                      feasibility=check)
    _cas(session, req, actor.username, "quota_request.approved" if complete else "quota_request.approval", values,
         {"state": "pending"}, {"state": "approved" if complete else "pending", "scopes": mine, "reason": reason})
    if complete:
        quotas.grant(session, actor.username, req.department_id, req.cloud_id, amount, f"quota request {req.id}")
    return req


def reject(session: Session, actor: Actor, req: QuotaRequest, reason: str) -> QuotaRequest:
    if not isinstance(reason, str) or not reason.strip():
        raise Refusal(422, "reason", msg("quota.say_why_request_rejected"))
    _must_be_pending(req)
    if not any(can_decide(actor, a["key"]) for a in req.required_approvals):
        needed = ", ".join(a["key"] for a in req.required_approvals)
        raise Refusal(403, "scope", msg("quota.outside_deciders", who=_who(actor), scopes=needed))
    _cas(session, req, actor.username, "quota_request.rejected",
         {"state": "rejected", "decided_by": actor.username, "decided_at": utcnow(), "decision_reason": reason.strip()},
         {"state": "pending"}, {"state": "rejected", "reason": reason.strip()})
    return req


def expire_due(session: Session, now: datetime | None = None) -> list[int]:
    """Approved requests whose expiry has passed give their quota back (a scheduled job)."""
    now = now or utcnow()
    done: list[int] = []
    for req in session.exec(select(QuotaRequest).where(QuotaRequest.state == "approved",
                                                       col(QuotaRequest.expires_at).is_not(None),
                                                       col(QuotaRequest.expires_at) <= now).order_by(QuotaRequest.id)):
        amount = quotas.amounts_of(req)
        _cas(session, req, SYSTEM.username, "quota_request.expired", {"state": "expired"},
             {"state": "approved"}, {"state": "expired", "returned": amount})
        quotas.grant(session, SYSTEM.username, req.department_id, req.cloud_id, {r: -v for r, v in amount.items()},
                     f"quota request {req.id} expired")
        done.append(req.id)  # type: ignore[arg-type]
    return done
