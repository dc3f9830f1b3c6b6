"""Disaster-recovery drills: fail clouds on paper (tabletop) or for real (live), measure, fail back.

A drill answers, with numbers, "if these clouds went down now, which systems would be back within
their RTO, in what order, and which would not fit". A tabletop drill plans the failover on a fresh
snapshot with the drilled clouds treated as failed and predicts each protected system's recovery
time; nothing is executed. A live drill fails the clouds in the adapters, runs the failover plan
through the executor under the pre-authorised drill runbook (a policy; every approval is still
audited), measures when each system is back, then brings the clouds up and runs the failback plan.

A live drill is a small state machine stored in the database (planned -> failing-over ->
failed-over -> failing-back -> closed, or aborted), driven by one thread per process; every step is
idempotent, so a service killed mid-drill resumes it at its next start.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from policies.model import Execution
from scheduler import plans
from scheduler.core import audit, energy, leader
from scheduler.core.background import Runner, after_commit
from scheduler.core.db import get_background_engine, session_scope, utcnow
from scheduler.core.models import Cloud, Workload
from scheduler.core.policy import get_policy
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.core.registry import get_adapters
from scheduler.core.sync import sync_cloud
from scheduler.dr import recovery
from scheduler.dr.kinds import FAILBACK, FAILOVER
from scheduler.dr.models import Drill, DrillRecovery
from scheduler.plans import Actor, PlanState, evidence, executor
from scheduler.plans.document import document_of
from scheduler.plans.kinds import PlanKind, PlanRequest
from scheduler.plans.models import Plan, PlanAction

log = logging.getLogger(__name__)
MODES = ("tabletop", "live")
STATES = ("planned", "failing-over", "failed-over", "failing-back", "aborting", "closed", "aborted")
ACTIVE = ("planned", "failing-over", "failed-over", "failing-back", "aborting")
RUNBOOK = Actor("system:drill-runbook", "system", None)
POLL_S = 0.2




# ------------------------------------------------------------------------------------------ checks


def _check_clouds(session: Session, clouds: list[str], live: bool) -> list[str]:
    if not clouds:
        raise Refusal(422, "clouds", msg("drill.give_least_one_cloud"))
    known = {c.id: c for c in session.exec(select(Cloud))}
    seen: list[str] = []
    for i, cid in enumerate(clouds):
        cloud = known.get(cid)
        if cloud is None:
            raise Refusal(422, "clouds", msg("drill.clouds_unknown_cloud_known", i=i, cid=cid, known=', '.join(sorted(known))))
        if cloud.kind == "backup":
            raise Refusal(422, "clouds", msg("drill.clouds_backup_node_where", i=i, cid=cid))
        if cid in seen:
            raise Refusal(422, "clouds", msg("drill.clouds_given_twice", i=i, cid=cid))
        if live and cloud.status == "failed":
            raise Refusal(409, "clouds", msg("drill.clouds_has_already_failed", i=i, cid=cid))
        seen.append(cid)
    return seen


def may_start(actor: Actor, mode: str) -> bool:
    runbook = get_policy().dr.drill_runbook
    return actor.role == "system" or actor.role in (runbook.live_roles if mode == "live" else runbook.tabletop_roles)


def _validate(session: Session, actor: Actor, clouds: list[str], mode: str) -> list[str]:
    if mode not in MODES:
        raise Refusal(422, "mode", msg("drill.must_one_got", MODES=', '.join(MODES), mode=mode))
    if not may_start(actor, mode):
        raise Refusal(403, "role", msg("drill.start_drill_drill_runbook", role=actor.role, mode=mode, value=', '.join(get_policy().dr.drill_runbook.live_roles if mode == 'live' else get_policy().dr.drill_runbook.tabletop_roles)))
    seen = _check_clouds(session, clouds, mode == "live")
    if mode == "live":
        busy = session.exec(select(Drill).where(Drill.mode == "live", col(Drill.state).in_(ACTIVE))).first()
        if busy is not None:
            raise Refusal(409, "mode", msg("drill.live_drill_still_one", busy=busy.id, state=busy.state))
    return seen


# ------------------------------------------------------------------------------------------ plans


def _limits() -> Execution:
    return get_policy().execution


def _store_plan(session: Session, kind: str, proposer: str, doc: dict[str, Any], fp: str,
                plan_doc: dict[str, Any], notes: list[str]) -> Plan:
    plan = Plan(kind=kind, scope="all", objective=kind, proposer=proposer, fingerprint=fp, fleet=doc,
                document=plan_doc, required_approvals=plans.required_approvals_for(session, doc, plan_doc), notes=notes or None)
    session.add(plan)
    session.flush()
    audit.record(session, proposer, "plan.proposed", "plan", str(plan.id), None,
                 {"kind": kind, "scope": "all", "moves": len(plan_doc["moves"]), "unplaced": len(plan_doc["unplaced"]),
                  "failed_clouds": doc["failed_clouds"], "stats": plan_doc["stats"]})
    return plan


def _propose(session: Session, kind: PlanKind, proposer: str, req: PlanRequest) -> Plan:
    doc, fp, notes = kind.solver_input(session, req)
    return _store_plan(session, kind.name, proposer, doc, fp, kind.solve(session, doc, req), notes)


def propose_failover(session: Session, proposer: str, clouds: list[str]) -> Plan:
    """The failover plan on today's snapshot (the clouds already failed there), restarts sequenced for recovery."""
    return _propose(session, FAILOVER, proposer, PlanRequest(clouds=list(clouds)))


def propose_failback(session: Session, proposer: str, failover_plan_id: int | None,
                     clouds: list[str] | None = None) -> Plan:
    """Return what a failover restarted to its home cloud (scheduler.dr.kinds.Failback)."""
    return _propose(session, FAILBACK, proposer, PlanRequest(clouds=list(clouds or []), failover_plan_id=failover_plan_id))


def runbook_approve(session: Session, plan: Plan, drill_id: int) -> None:
    """Approve a drill's plan under the pre-authorised runbook: recorded per scope as such, and audited."""
    for r in plan.required_approvals:
        evidence.add_approval(session, plan.id, r["key"], RUNBOOK.username, "drill-runbook")  # type: ignore[arg-type]
    plans.transition(session, plan, PlanState.APPROVED, RUNBOOK.username,
                     msg("state.runbook_approved", drill=drill_id).text, allowed_from=(PlanState.PROPOSED,))
    audit.record(session, RUNBOOK.username, "drill.runbook.approved", "drill", str(drill_id), None,
                 {"plan": plan.id, "kind": plan.kind, "scopes": [r["key"] for r in plan.required_approvals]})


def approve_real(session: Session, actor: Actor, plan: Plan) -> Plan:
    """A real failover or failback approved by someone the DR policy names, and set running at once."""
    if plan.kind not in ("failover", "failback"):
        raise Refusal(422, "plan_id", msg("drill.plan_plan_failover_failback", plan=plan.id, kind=plan.kind))
    roles = get_policy().dr.real_failover.approve_roles
    if actor.role not in roles:
        raise Refusal(403, "role", msg("drill.approve_real_dr_policy", role=actor.role, kind=plan.kind, roles=', '.join(roles)))
    if plan.state != PlanState.PROPOSED:
        raise Refusal(409, "state", msg("drill.plan_only_proposed_plan", plan=plan.id, state=plan.state))
    plans.supersede_if_stale(session, plan, actor.username)
    for key in plans.pending_scopes(session, plan):
        evidence.add_approval(session, plan.id, key, actor.username, actor.role)  # type: ignore[arg-type]
    plans.transition(session, plan, PlanState.APPROVED, actor.username,
                     msg("state.real_approved", kind=plan.kind, user=actor.username, role=actor.role).text)
    plans.start_execution(session, Actor(actor.username, "system", None), plan)
    return plan


# ------------------------------------------------------------------------------------------ drills


def _transition(session: Session, drill: Drill, to: str, actor: str, reason: str = "", **values: Any) -> None:
    """Compare-and-set the drill's state; a step that lost the race to another process changes nothing."""
    before = drill.state
    if actor == RUNBOOK.username:  # the runner's own steps: only while this replica's epoch is current
        leader.fence(session)
    result = session.execute(update(Drill).where(col(Drill.id) == drill.id, col(Drill.version) == drill.version)
                             .values(state=to, state_reason=reason, version=drill.version + 1, updated_at=utcnow(),
                                     **values))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Refusal(409, "state", msg("drill.drill_was_changed_someone", drill=drill.id))
    session.expire(drill)
    audit.record(session, actor, f"drill.{to}", "drill", str(drill.id), {"state": before},
                 {"state": to, "reason": reason, **{k: v.isoformat() if isinstance(v, datetime) else v
                                                     for k, v in values.items()}})


def _rows(session: Session, drill: Drill, predicted: list[dict[str, Any]]) -> None:
    rpo = {w.id: w.dr_rpo_minutes for w in session.exec(
        select(Workload).where(col(Workload.id).in_([p["workload"] for p in predicted])))}
    for p in predicted:
        session.add(DrillRecovery(drill_id=drill.id, workload_id=p["workload"], cloud_id=p["cloud"],  # type: ignore[arg-type]
                                  priority=p["priority"], rto_minutes=p["rto_minutes"],
                                  rpo_minutes=rpo.get(p["workload"], 60), from_host=p["from_host"],
                                  to_host=p["to_host"], to_cloud=p["to_cloud"], step=p["step"],
                                  predicted_minutes=p["predicted_minutes"], unplaced_reason=p["unplaced_reason"]))


def analyse(fleet: dict[str, Any], plan_doc: dict[str, Any]) -> dict[str, Any]:
    """Predictions and the capacity check of a failover plan under the site's DR policy."""
    dr = get_policy().dr
    return {"predicted": recovery.predictions(fleet, plan_doc, dr.restart_minutes, _limits()),
            "capacity": recovery.capacity_check(fleet, plan_doc, dr.backup_reserve_share)}


def tabletop(session: Session, actor: Actor, clouds: list[str], schedule: str | None = None) -> Drill:
    """Plan the failover on a snapshot with `clouds` failed, predict recovery, execute nothing."""
    clouds = _validate(session, actor, clouds, "tabletop")
    now = utcnow()
    drill = Drill(mode="tabletop", clouds=clouds, starter=actor.username, schedule=schedule, started_at=now,
                  progress={"phase": "planning"})
    session.add(drill)
    session.flush()
    audit.record(session, actor.username, "drill.started", "drill", str(drill.id), None,
                 {"mode": "tabletop", "clouds": clouds, "schedule": schedule})
    doc, _fp, notes = FAILOVER.solver_input(session, PlanRequest(clouds=list(clouds)))
    t0 = time.monotonic()
    plan_doc = FAILOVER.solve(session, doc, PlanRequest(clouds=list(clouds)))
    seconds = round(time.monotonic() - t0, 3)
    found = analyse(doc, plan_doc)
    _rows(session, drill, found["predicted"])
    drill.report = {"plan": {k: plan_doc[k] for k in ("assignments", "moves", "unplaced", "stats")}, "capacity": found["capacity"],
                    "plan_seconds": seconds, "failed_clouds": doc["failed_clouds"], "notes": notes,
                    "energy": energy.of_plan(session, doc, plan_doc)}
    drill.progress = {"phase": "closed", "moves": len(plan_doc["moves"]), "protected": len(found["predicted"])}
    session.add(drill)
    session.flush()
    _transition(session, drill, "closed", actor.username, msg("drill.tabletop_done").text,
                closed_at=utcnow())
    return drill


def start_live(session: Session, actor: Actor, clouds: list[str], schedule: str | None = None) -> Drill:
    """Record a live drill; it starts running once the caller commits."""
    clouds = _validate(session, actor, clouds, "live")
    drill = Drill(mode="live", clouds=clouds, starter=actor.username, schedule=schedule, progress={"phase": "planned"})
    session.add(drill)
    session.flush()
    audit.record(session, actor.username, "drill.started", "drill", str(drill.id), None,
                 {"mode": "live", "clouds": clouds, "schedule": schedule,
                  "runbook": get_policy().dr.drill_runbook.to_dict()})
    after_commit(session, _runner, drill.id)  # type: ignore[arg-type]
    return drill


def _set_clouds(clouds: list[str], failed: bool) -> None:
    """Fail (or restore) the clouds in their adapters, then sync them so the database agrees."""
    adapters = get_adapters()
    with Session(get_background_engine()) as session:
        leader.fence(session)
        session.commit()
    for c in clouds:
        leader.check()
        adapters.for_cloud(c).set_cloud_failed(c, failed)
    for c in clouds:
        with session_scope(background=True) as session:
            sync_cloud(session, adapters.for_cloud(c), c)


def _aware(t: datetime | None) -> datetime | None:
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def _step_planned(drill_id: int) -> None:
    with Session(get_background_engine(), expire_on_commit=False) as session:
        drill = session.get(Drill, drill_id)
        assert drill is not None
        clouds = list(drill.clouds)
        if drill.started_at is None:
            _transition(session, drill, "planned", RUNBOOK.username, msg("drill.failing").text, started_at=utcnow())
            session.commit()
    _set_clouds(clouds, True)
    with Session(get_background_engine(), expire_on_commit=False) as session:
        drill = session.get(Drill, drill_id)
        assert drill is not None
        up = [c for c in clouds if session.get(Cloud, c).status != "failed"]  # type: ignore[union-attr]
        if up:
            _transition(session, drill, "aborting", RUNBOOK.username, msg("drill.not_failed", clouds=up).text)
            session.commit()
            return
        plan = propose_failover(session, f"drill:{drill_id}", clouds)
        found = analyse(plan.fleet, plan.document)
        for old in session.exec(select(DrillRecovery).where(DrillRecovery.drill_id == drill_id)):
            session.delete(old)
        session.flush()
        _rows(session, drill, found["predicted"])
        drill.report = {"capacity": found["capacity"], "failed_clouds": plan.fleet["failed_clouds"]}
        session.add(drill)
        session.flush()
        _transition(session, drill, "failing-over", RUNBOOK.username, msg("drill.failover_plan", plan=plan.id).text,
                    failover_plan_id=plan.id)
        _run_if_runbook(session, plan, drill_id)
        session.commit()


def _run_if_runbook(session: Session, plan: Plan, drill_id: int) -> None:
    if plan.state == PlanState.PROPOSED and get_policy().dr.drill_runbook.auto_approve_drill_plans:
        runbook_approve(session, plan, drill_id)
    if plan.state == PlanState.APPROVED:
        plans.start_execution(session, RUNBOOK, plan)


def _wait_plan(session: Session, plan: Plan, drill_id: int) -> str:
    """Where a drill's plan got to: 'running' (keep waiting), 'succeeded', or why it ended otherwise."""
    if plan.state in plans.OPEN_STATES:
        try:
            _run_if_runbook(session, plan, drill_id)
            session.commit()
        except Refusal as exc:
            session.rollback()
            return msg("drill.plan_refused", plan=plan.id, why=exc.message).text
        return "running"
    if plan.state in plans.ACTIVE_STATES:
        executor.start(plan.id)  # type: ignore[arg-type]  # after a restart; a no-op while it runs here
        return "running"
    if plan.state == PlanState.SUCCEEDED:
        return PlanState.SUCCEEDED
    return msg("drill.plan_state", plan=plan.id, state=plan.state, why=plan.state_reason).text


def _measure(session: Session, drill: Drill) -> None:
    start = _aware(drill.started_at)
    actions = {a.workload_id: a for a in session.exec(select(PlanAction).where(
        PlanAction.plan_id == drill.failover_plan_id, PlanAction.phase == "forward"))}
    for row in session.exec(select(DrillRecovery).where(DrillRecovery.drill_id == drill.id)):
        a = actions.get(row.workload_id)
        if a is not None and a.state == "done" and a.finished_at is not None and start is not None:
            row.measured_minutes = round((_aware(a.finished_at) - start).total_seconds() / 60.0, 4)  # type: ignore[operator]
            session.add(row)


def _step_failing_over(drill_id: int) -> None:
    with Session(get_background_engine(), expire_on_commit=False) as session:
        drill = session.get(Drill, drill_id)
        assert drill is not None
        plan = session.get(Plan, drill.failover_plan_id) if drill.failover_plan_id else None
        if plan is None:  # killed between failing the clouds and storing the plan: plan again
            _transition(session, drill, "planned", RUNBOOK.username, msg("drill.replanning").text)
            session.commit()
            return
        where = _wait_plan(session, plan, drill_id)
        if where == "running":
            return
        drill = session.get(Drill, drill_id)
        _measure(session, drill)  # type: ignore[arg-type]
        if where == PlanState.SUCCEEDED:
            _transition(session, drill, "failed-over", RUNBOOK.username, msg("drill.every_restart_done").text, failed_over_at=utcnow())  # type: ignore[arg-type]
        else:
            _transition(session, drill, "aborting", RUNBOOK.username, msg("drill.failover_incomplete", why=where).text)  # type: ignore[arg-type]
        session.commit()


def _step_failed_over(drill_id: int) -> None:
    """Bring the clouds back and propose (under the runbook: run) the failback."""
    with Session(get_background_engine(), expire_on_commit=False) as session:
        drill = session.get(Drill, drill_id)
        assert drill is not None
        clouds, aborting = list(drill.clouds), drill.state == "aborting"
    _set_clouds(clouds, False)
    with Session(get_background_engine(), expire_on_commit=False) as session:
        drill = session.get(Drill, drill_id)
        assert drill is not None
        if drill.failback_plan_id is not None:
            return
        if drill.failover_plan_id is None:  # nothing was restarted: restoring the clouds is all there is
            _transition(session, drill, "aborted", RUNBOOK.username, msg("drill.restored", why=drill.state_reason).text,
                        closed_at=utcnow())
            session.commit()
            return
        plan = propose_failback(session, f"drill:{drill_id}", drill.failover_plan_id, clouds)
        reason = drill.state_reason if aborting else msg("drill.failback_plan", plan=plan.id).text
        _transition(session, drill, "aborting" if aborting else "failing-back", RUNBOOK.username, reason,
                    failback_plan_id=plan.id)
        if aborting or get_policy().dr.drill_runbook.failback == "auto":
            _run_if_runbook(session, plan, drill_id)
        session.commit()


def _step_failing_back(drill_id: int) -> None:
    with Session(get_background_engine(), expire_on_commit=False) as session:
        drill = session.get(Drill, drill_id)
        assert drill is not None
        plan = session.get(Plan, drill.failback_plan_id)
        assert plan is not None
        aborting = drill.state == "aborting"
        if plan.state in plans.OPEN_STATES and not aborting and get_policy().dr.drill_runbook.failback != "auto":
            return  # the failback waits for people (policy: propose)
        where = _wait_plan(session, plan, drill_id)
        if where == "running":
            return
        moved = {a.workload_id: a for a in session.exec(select(PlanAction).where(
            PlanAction.plan_id == plan.id, PlanAction.phase == "forward"))}
        stayed = {s.workload for s in document_of(plan).stayed or ()}
        for row in session.exec(select(DrillRecovery).where(DrillRecovery.drill_id == drill_id)):
            a = moved.get(row.workload_id)
            row.failback_host = a.to_host if a else None
            row.failback_state = a.state if a else ("stayed" if row.workload_id in stayed else "")
            session.add(row)
        drill = session.get(Drill, drill_id)
        assert drill is not None
        if aborting:
            _transition(session, drill, "aborted", RUNBOOK.username,
                        msg("drill.restored_failback", why=drill.state_reason, where=where).text, closed_at=utcnow())
        else:
            outcome = (msg("drill.all_home") if where == PlanState.SUCCEEDED else msg("drill.failback_incomplete", why=where)).text
            _transition(session, drill, "closed", RUNBOOK.username, outcome, closed_at=utcnow())
        session.commit()


def _step_aborting(drill_id: int) -> None:
    with Session(get_background_engine(), expire_on_commit=False) as session:
        drill = session.get(Drill, drill_id)
        assert drill is not None
        failover = session.get(Plan, drill.failover_plan_id) if drill.failover_plan_id else None
        if failover is not None and failover.state in plans.ACTIVE_STATES:
            executor.start(failover.id)  # type: ignore[arg-type]  # let the moves in flight land first
            return
        if failover is not None and failover.state in plans.OPEN_STATES:
            plans.transition(session, failover, PlanState.CANCELLED, RUNBOOK.username, msg("state.drill_aborted", drill=drill_id).text)
            session.commit()
        has_failback = drill.failback_plan_id is not None
    if has_failback:
        _step_failing_back(drill_id)
    else:
        _step_failed_over(drill_id)


STEPS = {"planned": _step_planned, "failing-over": _step_failing_over, "failed-over": _step_failed_over,
         "failing-back": _step_failing_back, "aborting": _step_aborting}


def run(drill_id: int) -> str:
    """Drive a live drill to closed or aborted; every step may be repeated after a crash."""
    while True:
        with Session(get_background_engine()) as session:
            drill = session.get(Drill, drill_id)
            if drill is None or drill.state not in ACTIVE:
                return drill.state if drill else "missing"
            state = drill.state
            version = drill.version
        try:
            STEPS[state](drill_id)
        except Refusal:
            continue  # another process moved it on; read again
        with Session(get_background_engine()) as session:
            drill = session.get(Drill, drill_id)
            if drill is not None and drill.version == version:
                time.sleep(POLL_S)  # nothing changed: a plan is running or waits for people


_runner = Runner("drill", run)


def start(drill_id: int) -> threading.Thread:
    """Run the live drill in a background thread, once per process."""
    return _runner.start(drill_id)


def resume_all() -> list[int]:
    """After a restart: pick up every live drill a killed process left in the middle."""
    with Session(get_background_engine()) as session:
        ids = [d.id for d in session.exec(select(Drill).where(Drill.mode == "live", col(Drill.state).in_(ACTIVE)))]
    return _runner.resume(ids)  # type: ignore[arg-type]


def progress(session: Session, drill: Drill) -> dict[str, Any]:
    """Where a drill is: its phase and, for each of its plans, how many moves are done."""
    out: dict[str, Any] = {"phase": drill.state}
    for name, plan_id in (("failover", drill.failover_plan_id), ("failback", drill.failback_plan_id)):
        if plan_id is None:
            continue
        plan = session.get(Plan, plan_id)
        counts: dict[str, int] = {}
        for a in session.exec(select(PlanAction).where(PlanAction.plan_id == plan_id, PlanAction.phase == "forward")):
            counts[a.state] = counts.get(a.state, 0) + 1
        out[name] = {"plan": plan_id, "state": plan.state if plan else None,
                     "total": len(document_of(plan).moves) if plan else 0, **counts}
    if drill.mode == "tabletop":
        out.update(drill.progress or {})
        out["phase"] = drill.state
    return out


# ------------------------------------------------------------------------------------------ real failover


def declare(session: Session, actor: Actor, cloud_id: str, down: bool, reason: str = "") -> Plan:
    """A cloud declared down (failover proposed) or up again (failback proposed) by an authorised operator.

    Only a person's declaration fails a cloud over: a cloud that misses health checks is degraded,
    keeps its workloads, and never triggers a failover by itself.
    """
    roles = get_policy().dr.real_failover.declare_roles
    if actor.role not in roles:
        raise Refusal(403, "role", msg("drill.declare_cloud_dr_policy", role=actor.role, value='down' if down else 'up', roles=', '.join(roles)))
    cloud = session.get(Cloud, cloud_id)
    if cloud is None:
        raise Refusal(404, "cloud_id", msg("drill.cloud", cloud_id=cloud_id))
    if cloud.kind == "backup":
        raise Refusal(422, "cloud_id", msg("drill.backup_node_where_failover", cloud_id=cloud_id))
    if down and cloud.status == "failed":
        raise Refusal(409, "cloud_id", msg("drill.already_failed", cloud_id=cloud_id))
    if not down and cloud.status != "failed":
        raise Refusal(409, "cloud_id", msg("drill.failed_nothing_declare_up", cloud_id=cloud_id, status=cloud.status))
    live = session.exec(select(Drill).where(Drill.mode == "live", col(Drill.state).in_(ACTIVE))).all()
    for d in live:
        if cloud_id in d.clouds:
            raise Refusal(409, "cloud_id", msg("drill.failed_live_drill_drill", cloud_id=cloud_id, d=d.id))
    adapter = get_adapters().for_cloud(cloud_id)
    detail = f"declared {'down' if down else 'up'} by {actor.username}" + (f": {reason}" if reason else "")
    try:
        adapter.set_cloud_failed(cloud_id, down)
    except Exception as exc:  # an unreachable cloud is declared all the same
        detail += f" (its adapter could not be told: {exc})"
    before = cloud.status
    cloud.status, cloud.status_detail = ("failed" if down else "healthy"), detail
    session.add(cloud)
    audit.record(session, actor.username, "cloud.declared-down" if down else "cloud.declared-up", "cloud", cloud_id,
                 {"status": before}, {"status": cloud.status, "detail": detail})
    session.flush()
    sync_cloud(session, adapter, cloud_id)
    session.flush()
    if down:
        return propose_failover(session, actor.username, [cloud_id])
    return propose_failback(session, actor.username, None, [cloud_id])
