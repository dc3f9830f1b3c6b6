"""Registration of a workload within its department's quota: admitted, placed, created through the
cloud's adapter, stored and audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

import optimizer
from optimizer.fleet import FleetError
from scheduler.core import audit, optimizer_errors
from scheduler.core.accounts import Actor
from scheduler.core.db import utcnow
from scheduler.core.fleet import fleet_document
from scheduler.core.models import Workload
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.quotas.ledger import (
    Standing,
    admit,
    check_amount,
    check_cloud_for,
    department,
    lock_cloud,
    may_act_for,
    reclaim,
    who as _who,
    rounded,
    standing,
)

CLASSIFICATIONS = ("public", "internal", "sensitive", "classified")


@dataclass
class Registration:
    workload: Workload
    host: str
    standing: Standing


def register(session: Session, actor: Actor, body: dict[str, Any],
             before_place: Callable[[], object] | None = None) -> Registration:
    """Register a workload within quota: checked, placed by the incremental placer on today's state,
    created through the cloud's adapter, stored and audited. Beyond quota (borrowing included) it is
    refused with 403 and the numbers; an owner short because its quota is lent out gets a reclaim."""
    from adapters.protocol import AdapterError, DrProfile, WorkloadInfo
    from scheduler.core.registry import get_adapters

    dept = department(session, body.get("department"))
    cloud_id = body.get("cloud")
    if not isinstance(cloud_id, str) or not cloud_id:
        raise Refusal(422, "cloud", msg("quota.must_cloud_id"))
    cloud = check_cloud_for(session, dept, cloud_id)
    if not may_act_for(session, actor, dept, cloud_id):
        raise Refusal(403, "department", msg("quota.may_not_register", who=_who(actor), department=dept.id,
                                             cloud=cloud_id))
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        raise Refusal(422, "name", msg("quota.must_characters"))
    classification = body.get("classification", "internal")
    if classification not in CLASSIFICATIONS:
        raise Refusal(422, "classification", msg("quota.must_one", CLASSIFICATIONS=', '.join(CLASSIFICATIONS)))
    if classification == "classified":
        raise Refusal(422, "classification", msg("quota.classified_systems_never_placed"))
    mlps = body.get("mlps_level", 2)
    if isinstance(mlps, bool) or not isinstance(mlps, int) or not 1 <= mlps <= 4:
        raise Refusal(422, "mlps_level", msg("quota.must_integer_got", mlps=mlps))
    if mlps > cloud.mlps_level:
        raise Refusal(422, "mlps_level", msg("quota.has_mlps_level_below", cloud_id=cloud_id, mlps_level=cloud.mlps_level, mlps=mlps))
    demand = check_amount(session, body.get("demand"), cloud_id, field="demand")
    if demand["vcpu"] <= 0 or demand["memory_gib"] <= 0:
        raise Refusal(422, "demand", msg("quota.workload_needs_some_vcpu"))
    dr = body.get("dr") or {}
    profile = DrProfile(bool(dr.get("protected", False)), int(dr.get("priority", 3)), int(dr.get("rto_minutes", 240)),
                        int(dr.get("rpo_minutes", 60)))
    spread = body.get("spread_group")

    lock_cloud(session, cloud_id)
    try:
        admit(session, dept.id, cloud_id, demand)
    except Refusal as exc:
        if "reclaimable" in exc.extra:
            rc = reclaim(session, actor.username, dept.id, cloud_id, demand)
            session.commit()  # the reclaim stands even though the registration is refused
            exc.extra["reclaim"] = {"id": rc.id, "covered": rc.covered, "workloads": [i["workload"] for i in rc.items]}
            exc.message += f"; reclaim {rc.id} marks {len(rc.items)} borrowing workload(s) to give it back"
        raise
    wid = f"w-{uuid.uuid4().hex[:10]}"
    tier = dept.level if dept.level in ("province", "city", "county") else "city"
    wdoc = {"id": wid, "department": dept.id, "tier": tier, "city": dept.city, "industry": dept.industry,
            "classification": classification, "mlps_level": mlps, "demand": demand, "host": None,
            "spread_group": spread, "pinned": False, "role": "primary",
            "dr": {"protected": profile.protected, "priority": profile.priority, "rto_minutes": profile.rto_minutes}}
    try:
        placed = optimizer.IncrementalPlacer(fleet_document(session, scope=cloud_id),
                                             get_adapters().isolated_clouds()).place(wdoc, commit=False)
    except FleetError as exc:
        raise Refusal(422, "demand", optimizer_errors.said(exc)) from exc
    if placed.host is None:
        raise Refusal(409, "demand", msg("quota.within_quota_but_host", cloud_id=cloud_id, reason=placed.reason))
    info = WorkloadInfo(id=wid, name=name.strip(), department=dept.id, tier=tier, city=dept.city,  # type: ignore[arg-type]
                        industry=dept.industry, classification=classification, mlps_level=mlps, demand=demand,
                        host=None, spread_group=spread, dr=profile)
    if before_place is not None:  # background registrations: the leader's fence, last before the cloud call
        before_place()
    try:
        get_adapters().for_cloud(cloud_id).place(info, placed.host)
    except AdapterError as exc:
        raise Refusal(502, "cloud", msg("quota.refused_placement", cloud_id=cloud_id, host=placed.host, exc=exc)) from exc
    w = Workload(id=wid, name=name.strip(), department_id=dept.id, cloud_id=cloud_id, host_id=placed.host, tier=tier,
                 city=dept.city, industry=dept.industry, classification=classification, mlps_level=mlps, **demand,
                 spread_group=spread, dr_protected=profile.protected, dr_priority=profile.priority,
                 dr_rto_minutes=profile.rto_minutes, dr_rpo_minutes=profile.rpo_minutes, last_seen_at=utcnow(),
                 placed_at=utcnow())
    session.add(w)
    session.flush()
    audit.record(session, actor.username, "workload.registered", "workload", wid, None,
                 {"department": dept.id, "cloud": cloud_id, "host": placed.host, "demand": rounded(demand)})
    return Registration(w, placed.host, standing(session, dept.id, cloud_id))
