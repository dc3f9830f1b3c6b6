"""Plans under tiered control: propose on a fresh snapshot, approve by scope, execute, roll back.

A plan keeps the fleet document it was built on and a fingerprint of it. Before anyone approves or
executes, the snapshot is rebuilt: if the ground moved underneath (a host gone, a workload moved),
the plan is superseded instead, because an approval of yesterday's state must not move today's.
Every state change is a compare-and-set on `version`, so of two operators acting at once exactly one
wins, and every change is an audit event.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

import optimizer
from adapters.protocol import AdapterError
from policies import approvals as approval_rules
from policies.power import MINIMISE
from scheduler.core import audit, telemetry
from scheduler.core.access import authorize, may
from scheduler.core.accounts import ROLES, Actor
from scheduler.core.db import utcnow
from scheduler.core.models import Cloud, User
from scheduler.core.policy import get_policy
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.core.registry import get_adapters
from scheduler.plans import actions, evidence, executor, freed
from scheduler.plans.document import PlanDocument, document_of
from scheduler.plans.inputs import fingerprint, fleet_host, plan_input, snapshot
from scheduler.plans.kinds import PROPOSABLE, PlanKind, PlanRequest
from scheduler.plans.models import Plan, PlanAction, PlanApproval
from scheduler.plans.state import OPEN_STATES, UNDER_WAY, PlanState, transition

KINDS = tuple(PROPOSABLE)
OBJECTIVES = ("consolidate", "balance")




SYSTEM = Actor("system:schedule", "system", None)


# ------------------------------------------------------------------------------------------ propose


def may_propose(actor: Actor, scope: str) -> bool:
    return authorize(actor, "plans.propose", scope).allowed


def _validate(session: Session, actor: Actor, kind: str, req: PlanRequest) -> PlanKind:
    """The common fields, then what the kind itself accepts; the kind that will build the plan."""
    plan_kind = PROPOSABLE.get(kind)
    if plan_kind is None:
        raise Refusal(422, "kind", msg("plan.must_one_got", KINDS=', '.join(KINDS), kind=kind))
    if req.objective not in OBJECTIVES:
        raise Refusal(422, "objective", msg("plan.must_one_got_2", OBJECTIVES=', '.join(OBJECTIVES), objective=req.objective))
    if req.scope != "all" and session.get(Cloud, req.scope) is None:
        raise Refusal(422, "scope", msg("plan.must_cloud_id_all", scope=req.scope))
    if not may_propose(actor, req.scope):
        raise Refusal(403, "scope", msg("plan.may_not_propose", role=actor.role, own=actor.scope, scope=req.scope)
                      if actor.scope else msg("plan.role_may_not_propose", role=actor.role, scope=req.scope))
    if req.minimise is not None and req.minimise not in MINIMISE:
        raise Refusal(422, "minimise", msg("plan.minimise_one_of", choices=", ".join(MINIMISE), got=req.minimise))
    if req.minimise == "power" and req.objective != "consolidate":
        raise Refusal(422, "minimise", msg("plan.minimise_power_consolidate_only", objective=req.objective))
    if req.max_migrations is not None and req.max_migrations < 0:
        raise Refusal(422, "max_migrations", msg("plan.must_got", max_migrations=req.max_migrations))
    plan_kind.validate(session, req)
    return plan_kind


def required_approvals_for(session: Session, doc: dict[str, Any], plan_doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Which scopes must approve the plan's moves, by the policy's approval rules."""
    host_cloud = {h["id"]: h["cloud"] for h in doc["hosts"]}
    clouds = {c.id: c for c in session.exec(select(Cloud))}
    pairs = [(host_cloud.get(src) if src else None, host_cloud[dst])
             for src, dst in PlanDocument.from_json(plan_doc).host_pairs()]
    return [{"key": r.key, "rules": list(r.rules), "reasons": list(r.reasons), "moves": len(r.moves)}
            for r in approval_rules.required_approvals(get_policy(), clouds, pairs)]


def auto_approve(session: Session, plan: Plan) -> bool:
    """Approve as the system when the policy allows it for this scope and kind (scheduled plans only)."""
    if not approval_rules.auto_approvable(get_policy(), plan.scope, plan.kind, len(document_of(plan).moves),
                                          [r["key"] for r in plan.required_approvals]):
        return False
    for r in plan.required_approvals:
        evidence.add_approval(session, plan.id, r["key"], SYSTEM.username, "auto-approve")  # type: ignore[arg-type]
    transition(session, plan, PlanState.APPROVED, SYSTEM.username, msg("state.auto_approved").text, allowed_from=(PlanState.PROPOSED,))
    return True


def propose(session: Session, actor: Actor, kind: str, scope: str, objective: str = "consolidate",
            max_migrations: int | None = None, hosts: list[str] | None = None,
            time_limit_s: float | None = None, minimise: str | None = None) -> Plan:
    req = PlanRequest(scope=scope, objective=objective, max_migrations=max_migrations, hosts=hosts,
                      time_limit_s=time_limit_s, minimise=minimise)
    plan_kind = _validate(session, actor, kind, req)
    doc, fp, notes = plan_kind.solver_input(session, req)
    req = replace(req, max_migrations=plan_kind.default_max_migrations(doc, req))
    plan_doc = plan_kind.solve(session, doc, req)
    telemetry.SOLVE_SECONDS.labels(kind).observe(plan_doc["stats"].get("solve_seconds") or 0)
    plan = Plan(kind=kind, scope=scope, objective=objective, max_migrations=req.max_migrations,
                drain_hosts=sorted(hosts) if hosts else None, proposer=actor.username, fingerprint=fp,
                fleet=doc, document=plan_doc, required_approvals=required_approvals_for(session, doc, plan_doc), notes=notes or None)
    session.add(plan)
    session.flush()
    steps = freed.disable_steps(plan.id, doc, plan_doc) if kind in OPERATIONAL else []  # type: ignore[arg-type]
    if steps:  # after the flush: the plan's id names it in each host's reason
        plan.document = {**plan_doc, freed.KEY: steps}
        session.add(plan)
        session.flush()
    audit.record(session, actor.username, "plan.proposed", "plan", str(plan.id), None,
                 {"kind": kind, "scope": scope, "objective": objective,
                  "minimise": doc["objective"].get("minimise", "hosts"), "max_migrations": req.max_migrations,
                  "moves": len(plan_doc["moves"]), "stats": plan_doc["stats"], "notes": len(notes)})
    return plan


# ------------------------------------------------------------------------------------------ state changes


def stale_reason(session: Session, plan: Plan) -> str | None:
    """Why the plan's snapshot no longer holds, or None if it still does."""
    now = snapshot(session, plan.scope)
    if fingerprint(now) == plan.fingerprint:
        return None
    old_h = {h["id"]: fleet_host(h) for h in plan.fleet["hosts"]}
    new_h = {h["id"]: fleet_host(h) for h in now["hosts"]}
    old_w = {w["id"]: w["host"] for w in plan.fleet["workloads"]}
    new_w = {w["id"]: w["host"] for w in now["workloads"]}
    drained = set(plan.drain_hosts or [])
    for h in sorted(set(old_h) - set(new_h)):
        return msg("state.stale.host_gone", host=h).text
    for h in sorted(set(new_h) - set(old_h)):
        return msg("state.stale.host_appeared", host=h).text
    for h in sorted(old_h):
        if h not in drained and old_h[h] != new_h[h]:
            return msg("state.stale.host_changed", host=h).text
    for w in sorted(set(old_w) | set(new_w)):
        if old_w.get(w, "?") != new_w.get(w, "?"):
            if w not in new_w:
                return msg("state.stale.workload_gone", workload=w).text
            if w not in old_w:
                return msg("state.stale.workload_appeared", workload=w).text
            return msg("state.stale.workload_moved", workload=w, source=old_w[w], host=new_w[w]).text
    return msg("state.stale.inventory").text


def supersede_if_stale(session: Session, plan: Plan, actor: str) -> None:
    reason = stale_reason(session, plan)
    if reason is not None:
        transition(session, plan, PlanState.SUPERSEDED, actor, msg("state.superseded", why=reason).text)
        session.commit()
        raise Refusal(409, "state", msg("plan.plan_superseded_snapshot_changed", plan=plan.id, reason=reason))


def approvals_of(session: Session, plan: Plan) -> list[PlanApproval]:
    return list(session.exec(select(PlanApproval).where(PlanApproval.plan_id == plan.id).order_by(PlanApproval.id)))


def pending_scopes(session: Session, plan: Plan) -> list[str]:
    done = {a.scope_key for a in approvals_of(session, plan)}
    return [r["key"] for r in plan.required_approvals if r["key"] not in done]


def next_approvers(session: Session, plan: Plan) -> list[dict[str, Any]]:
    """Who must approve next: each scope still missing, the role that holds it, and the active accounts
    with that role and scope (the proposer left out when the policy does not count their approval)."""
    pending = pending_scopes(session, plan)
    if not pending or plan.state != PlanState.PROPOSED:
        return []
    policy = get_policy()
    users = session.exec(select(User).where(col(User.disabled).is_(False)).order_by(User.username)).all()
    own_counts = policy.separation_of_duties.proposer_may_approve_own_scope
    out = []
    for key in pending:
        scope = approval_rules.ApprovalScope.parse(key)
        out.append({"scope": key, "role": approval_rules.SCOPE_ROLES.get(scope.kind),
                    "accounts": [u.username for u in users if approval_rules.can_approve(policy, u.role, u.scope, scope)
                                 and (own_counts or u.username != plan.proposer)]})
    return out


def _scope_objects(plan: Plan) -> list[approval_rules.ApprovalScope]:
    return [approval_rules.ApprovalScope.parse(r["key"]) for r in plan.required_approvals]


def approvable_by(plan: Plan, actor: Actor) -> list[str]:
    policy = get_policy()
    return [s.key for s in _scope_objects(plan) if approval_rules.can_approve(policy, actor.role, actor.scope, s)]


def approve(session: Session, actor: Actor, plan: Plan) -> Plan:
    if plan.state != PlanState.PROPOSED:
        raise Refusal(409, "state", msg("plan.plan_only_proposed_plan", plan=plan.id, state=plan.state))
    if not plan.required_approvals:  # no moves: nothing any scope must consent to
        if not _may_run(plan, actor):
            raise Refusal(403, "scope", msg("plan.approve_plan", username=actor.username, plan=plan.id))
        supersede_if_stale(session, plan, actor.username)
        transition(session, plan, PlanState.APPROVED, actor.username, msg("state.no_moves").text)
        return plan
    could = approvable_by(plan, actor)
    mine = [k for k in could if k in pending_scopes(session, plan)]
    if could and not mine:  # someone else approved this scope first (or just now)
        raise Refusal(409, "state", msg("plan.plan_already_approved_someone", plan=plan.id, could=', '.join(could)))
    if not mine:
        needed = ", ".join(pending_scopes(session, plan)) or "none"
        raise Refusal(403, "scope", msg("plan.approves_none", username=actor.username, role=actor.role,
                                        own=actor.scope, scopes=needed) if actor.scope else
                      msg("plan.role_approves_none", username=actor.username, role=actor.role, scopes=needed))
    supersede_if_stale(session, plan, actor.username)
    for key in mine:
        session.add(PlanApproval(plan_id=plan.id, scope_key=key, username=actor.username, role=actor.role))
    try:
        session.flush()
    except (IntegrityError, OperationalError) as exc:
        session.rollback()
        raise Refusal(409, "state", msg("plan.plan_was_approved_someone", plan=plan.id)) from exc
    for key in mine:  # after the flush that may lose the race, so a loser's 409 is not an audit error
        evidence.record_approval(session, plan.id, key, actor.username, actor.role)  # type: ignore[arg-type]
    approvals = [(a.username, a.role, approval_rules.ApprovalScope.parse(a.scope_key).cloud)
                 for a in approvals_of(session, plan)]
    complete, _missing, why = approval_rules.approval_complete(get_policy(), _scope_objects(plan), approvals, plan.proposer)
    if complete:
        transition(session, plan, PlanState.APPROVED, actor.username, f"approved for {', '.join(mine)}")
    else:
        transition(session, plan, PlanState.PROPOSED, actor.username, f"approved for {', '.join(mine)}; {why}")
    return plan


def reject(session: Session, actor: Actor, plan: Plan, reason: str) -> Plan:
    if not reason.strip():
        raise Refusal(422, "reason", msg("plan.say_why_plan_rejected"))
    if not approvable_by(plan, actor) and not may(actor, "plans.decide_any"):
        raise Refusal(403, "scope", msg("plan.decide_plan", username=actor.username, plan=plan.id))
    transition(session, plan, PlanState.REJECTED, actor.username, reason.strip(), allowed_from=OPEN_STATES)
    return plan


def cancel(session: Session, actor: Actor, plan: Plan) -> Plan:
    if actor.username != plan.proposer and not may(actor, "plans.decide_any"):
        raise Refusal(403, "proposer", msg("plan.only_proposer_province_centre"))
    transition(session, plan, PlanState.CANCELLED, actor.username, msg("state.cancelled_by", user=actor.username).text, allowed_from=OPEN_STATES)
    return plan


def _may_run(plan: Plan, actor: Actor) -> bool:
    return may(actor, "plans.run_any") or bool(approvable_by(plan, actor)) or (
        actor.username == plan.proposer and may(actor, "plans.propose"))


OPERATIONAL = ("rebalance", "drain", "place-pending")  # the kinds an operator plans; DR plans are never held


def busy_with(session: Session, plan: Plan) -> Plan | None:
    """Another operational plan executing on the same ground (the same cloud, or all clouds): two such
    plans at once would each move workloads on a snapshot the other is changing."""
    if plan.kind not in OPERATIONAL:
        return None
    q = select(Plan).where(col(Plan.state).in_(UNDER_WAY), col(Plan.kind).in_(OPERATIONAL), Plan.id != plan.id)
    if plan.scope != "all":
        q = q.where(col(Plan.scope).in_((plan.scope, "all")))
    return session.exec(q.order_by(col(Plan.id))).first()


def start_execution(session: Session, actor: Actor, plan: Plan) -> Plan:
    """Write every move as a pending action; the executor starts on them once the caller commits."""
    if not _may_run(plan, actor):
        raise Refusal(403, "scope", msg("plan.execute_plan", username=actor.username, plan=plan.id))
    if plan.state != PlanState.APPROVED:
        raise Refusal(409, "state", msg("plan.plan_only_approved_plan", plan=plan.id, state=plan.state))
    busy = busy_with(session, plan)
    if busy is not None:
        raise Refusal(409, "scope", msg("plan.plan_same_ground_execute", busy=busy.id, kind=busy.kind, scope=busy.scope, state=busy.state, plan=plan.id))
    supersede_if_stale(session, plan, actor.username)
    moves = document_of(plan).moves
    # the compare-and-set first: of two executes at once one wins, the other is a 409 before it writes
    transition(session, plan, PlanState.EXECUTING, actor.username, msg("state.moves", n=len(moves)).text, allowed_from=(PlanState.APPROVED,))
    for m in moves:
        session.add(PlanAction(plan_id=plan.id, phase="forward", step=m.step, workload_id=m.workload,
                               from_host=m.from_host, to_host=m.to, reason=m.reason))
    freed.add_disable_actions(session, plan.id, plan.document, len(moves) + 1)  # type: ignore[arg-type]
    executor.queue(session, plan.id)  # type: ignore[arg-type]
    return plan


def start_rollback(session: Session, actor: Actor, plan: Plan) -> Plan:
    """The compensation of every step that was done (or in flight), newest first; the steps that have
    none (placements, restarts away from hosts still down) are named in the plan's reason."""
    if not _may_run(plan, actor):
        raise Refusal(403, "scope", msg("plan.roll_back_plan", username=actor.username, plan=plan.id))
    if plan.state not in (PlanState.SUCCEEDED, PlanState.FAILED, PlanState.PAUSED):
        raise Refusal(409, "state", msg("plan.plan_only_succeeded_failed", plan=plan.id, state=plan.state))
    earlier = session.exec(select(PlanAction).where(PlanAction.plan_id == plan.id, PlanAction.phase == "rollback")
                           .order_by(col(PlanAction.step))).all()
    if earlier:  # a rollback that failed before: its steps not done are tried again, nothing is written twice
        retry = [a for a in earlier if a.state != "done"]
        transition(session, plan, PlanState.ROLLING_BACK, actor.username,
                   msg("state.rollback_resumed", left=len(retry), total=len(earlier)).text,
                   allowed_from=(PlanState.SUCCEEDED, PlanState.FAILED, PlanState.PAUSED))
        for a in retry:
            a.state, a.error = "pending", ""
            session.add(a)
        executor.queue(session, plan.id)  # type: ignore[arg-type]
        return plan
    done = session.exec(select(PlanAction).where(PlanAction.plan_id == plan.id, PlanAction.phase == "forward",
                                                 col(PlanAction.state).in_(("done", "running")))
                        .order_by(col(PlanAction.step).desc())).all()
    is_up = actions.host_is_up(session)
    undos: list[tuple[int, actions.Action]] = []
    kept: list[str] = []
    for a in done:
        try:
            undo = actions.action_of(session, a).compensate(is_up)
        except AdapterError as exc:  # the workload is gone: nothing left to move back
            undo = actions.NoCompensation(a.workload_id, msg("state.kept.gone", step=a.step, error=str(exc)).text)
        if isinstance(undo, actions.NoCompensation):
            kept.append(undo.reason)
            continue
        undos.append((a.step, undo))
    reason = msg("state.compensating", n=len(undos)).text
    if kept:
        more = [msg("state.kept.more", n=len(kept) - 3).text] if len(kept) > 3 else []
        reason = msg("state.compensating_some_none", n=len(undos), k=len(kept), which="; ".join(kept[:3] + more)).text
    # the compare-and-set first: of two rollbacks at once one wins, the other is a 409 before it writes
    transition(session, plan, PlanState.ROLLING_BACK, actor.username, reason,
               allowed_from=(PlanState.SUCCEEDED, PlanState.FAILED, PlanState.PAUSED))
    for step, (undone, undo) in enumerate(undos, start=1):
        session.add(PlanAction(plan_id=plan.id, phase="rollback", step=step, kind=undo.kind, workload_id=undo.workload,
                               from_host=undo.source, to_host=undo.to_host, reason=msg("rollback.undoes", step=undone).text))
    executor.queue(session, plan.id)  # type: ignore[arg-type]
    return plan


def pause(session: Session, actor: Actor, plan: Plan) -> Plan:
    """Stop an executing plan after the steps in flight; nothing more starts until it is resumed."""
    if not _may_run(plan, actor):
        raise Refusal(403, "scope", msg("plan.may_not_pause", username=actor.username, plan=plan.id))
    if plan.kind not in OPERATIONAL:
        raise Refusal(409, "kind", msg("plan.dr_not_paused", plan=plan.id, kind=plan.kind))
    running = _in_flight(session, plan)
    said = (msg("state.paused_in_flight", user=actor.username, n=running) if running
            else msg("state.paused_by", user=actor.username))
    transition(session, plan, PlanState.PAUSED, actor.username, said.text,
               allowed_from=(PlanState.EXECUTING,))
    return plan


def resume(session: Session, actor: Actor, plan: Plan) -> Plan:
    """Carry on from the first step not done, on the ground as it is now."""
    if not _may_run(plan, actor):
        raise Refusal(403, "scope", msg("plan.may_not_resume", username=actor.username, plan=plan.id))
    if plan.state != PlanState.PAUSED:
        raise Refusal(409, "state", msg("plan.only_paused_resumed", plan=plan.id, state=plan.state))
    left = session.exec(select(PlanAction).where(PlanAction.plan_id == plan.id, PlanAction.phase == "forward",
                                                 col(PlanAction.state).in_(("pending", "running")))).all()
    transition(session, plan, PlanState.EXECUTING, actor.username,
               msg("state.resumed_by", user=actor.username, n=len(left)).text, allowed_from=(PlanState.PAUSED,))
    executor.queue(session, plan.id)  # type: ignore[arg-type]
    return plan


def _in_flight(session: Session, plan: Plan) -> int:
    return len(session.exec(select(PlanAction).where(PlanAction.plan_id == plan.id,
                                                     PlanAction.state == "running")).all())


def dry_run(session: Session, plan: Plan) -> dict[str, Any]:
    """Replay the moves on a copy of today's state: would every step hold? Touches no cloud."""
    now, _, _ = plan_input(session, plan.scope, plan.drain_hosts)
    now["objective"] = plan.fleet["objective"]
    violations = optimizer.check_plan(now, plan.document, get_adapters().isolated_clouds())
    stale = stale_reason(session, plan)
    pdoc = document_of(plan)
    report = {"at": utcnow().isoformat(), "ok": not violations and stale is None, "stale": stale,
              "violations": violations[:50], "moves": len(pdoc.moves), "stats": pdoc.stats}
    plan.dry_run = report
    session.add(plan)
    return report


# ------------------------------------------------------------------------------------------ reading


def host_changes(plan: Plan) -> list[dict[str, Any]]:
    """Per touched host, the used share of each resource before and after the plan."""
    doc, pdoc = plan.fleet, document_of(plan)
    touched = pdoc.touched_hosts()
    hosts = {h["id"]: h for h in doc["hosts"] if h["id"] in touched}
    before: dict[str, dict[str, float]] = {h: {r: 0.0 for r in doc["resources"]} for h in hosts}
    after: dict[str, dict[str, float]] = {h: {r: 0.0 for r in doc["resources"]} for h in hosts}
    for w in doc["workloads"]:
        if w["host"] in before:
            for r in doc["resources"]:
                before[w["host"]][r] += w["demand"].get(r, 0)
        final = pdoc.assignments.get(w["id"])
        if final in after:
            for r in doc["resources"]:
                after[final][r] += w["demand"].get(r, 0)
    out = []
    for h_id in sorted(hosts):
        cap = hosts[h_id]["capacity"]
        out.append({"host": h_id, "cloud": hosts[h_id]["cloud"],
                    "before": {r: round(before[h_id][r] / cap[r], 4) for r in doc["resources"] if cap.get(r)},
                    "after": {r: round(after[h_id][r] / cap[r], 4) for r in doc["resources"] if cap.get(r)}})
    return out


def document_for(plan: Plan, actor: Actor) -> dict[str, Any]:
    """The plan document with its fleet, as far as the reader may see: a province-wide reader sees all;
    a city or industry operator who must approve part of a wider plan sees its own cloud's hosts, the
    workloads on them, and the moves into or out of them, not the province's fleet."""
    doc, fleet = plan.document, plan.fleet
    if may(actor, "plans.read_fleet"):
        return {**doc, "fleet": fleet}
    hosts = {h["id"] for h in fleet["hosts"] if h["cloud"] == actor.scope}
    moves = [m for m in doc["moves"] if m["to"] in hosts or m.get("from") in hosts]
    keep = {w["id"] for w in fleet["workloads"] if w["host"] in hosts} | {m["workload"] for m in moves}
    return {**doc, "moves": moves,
            "assignments": {w: h for w, h in doc.get("assignments", {}).items() if w in keep},
            "unplaced": [u for u in doc.get("unplaced", []) if u["workload"] in keep],
            "fleet": {**fleet, "clouds": [c for c in fleet["clouds"] if c["id"] == actor.scope],
                      "hosts": [h for h in fleet["hosts"] if h["id"] in hosts],
                      "workloads": [w for w in fleet["workloads"] if w["id"] in keep]}}


def visible_to(plan: Plan, actor: Actor) -> bool:
    if may(actor, "plans.read_all"):
        return True
    if not may(actor, "plans.read"):
        return False
    if plan.scope == actor.scope:
        return True
    return any(r["key"] == f"{ROLES.get(actor.role)}:{actor.scope}" for r in plan.required_approvals)
