"""The executor: runs a plan's moves in order through the adapters, and survives being killed.

Each action's state is committed before the adapter call (running) and after it (done or failed),
so a restarted service knows exactly where it stopped: done moves are not repeated, the move that
was running is issued again (adapter actions are idempotent: a workload already on its target is
done), and pending ones follow. Consecutive moves that share no host may run together, within the
per-cloud limits of scheduler.batching, so a plan never turns into a migration storm.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlmodel import Session, col, select

from adapters.protocol import AdapterError, DrProfile, WorkloadInfo
from policies.model import Execution
from scheduler.core import audit, telemetry
from scheduler.core.background import Runner
from scheduler.core.db import get_engine, utcnow
from scheduler.core.models import Cloud, Host, Workload
from scheduler.core.policy import get_policy
from scheduler.core.registry import get_adapters
from scheduler.plans.batching import Batch
from scheduler.plans.lifecycle import ACTIVE_STATES, transition
from scheduler.plans.models import Plan, PlanAction
from scheduler.plans.reconcile import reconcile

log = logging.getLogger(__name__)
ACTOR = "system:executor"


@dataclass(frozen=True)
class Outcome:
    action_id: int
    ok: bool
    error: str = ""


def _workload_info(w: Workload) -> WorkloadInfo:
    return WorkloadInfo(id=w.id, name=w.name, department=w.department_id, tier=w.tier, city=w.city,  # type: ignore[arg-type]
                        industry=w.industry, classification=w.classification, mlps_level=w.mlps_level,  # type: ignore[arg-type]
                        demand={r: getattr(w, r) for r in ("vcpu", "memory_gib", "gpu", "storage_gib")},
                        host=w.host_id, spread_group=w.spread_group, pinned=w.pinned, role=w.role,  # type: ignore[arg-type]
                        dr=DrProfile(w.dr_protected, w.dr_priority, w.dr_rto_minutes))


def _call(session: Session, action: PlanAction) -> None:
    """One adapter call for one move: place from nowhere, restart from a failed cloud, else migrate."""
    target = session.get(Host, action.to_host)
    if target is None:
        raise AdapterError(f"target host {action.to_host} no longer exists")
    adapter = get_adapters().for_cloud(target.cloud_id)
    if action.from_host is None:
        w = session.get(Workload, action.workload_id)
        if w is None:
            raise AdapterError(f"workload {action.workload_id} no longer exists")
        adapter.place(_workload_info(w), action.to_host)
        return
    source = session.get(Host, action.from_host)
    source_cloud = session.get(Cloud, source.cloud_id) if source else None
    if source is None or not source.up or (source_cloud is not None and source_cloud.status == "failed"):
        adapter.restart_elsewhere(action.workload_id, action.to_host)
    else:
        adapter.migrate(action.workload_id, action.to_host)


def run_action(action_id: int) -> Outcome:
    policy = get_policy().execution
    with Session(get_engine(), expire_on_commit=False) as session:
        action = session.get(PlanAction, action_id)
        assert action is not None
        action.state, action.started_at = "running", utcnow()
        action.attempts += 1
        session.add(action)
        session.commit()  # written before the call
        error = ""
        for attempt in range(policy.retries + 1):
            try:
                _call(session, action)
                error = ""
                break
            except AdapterError as exc:
                error = str(exc)
                log.warning("plan %s step %s attempt %s: %s", action.plan_id, action.step, attempt + 1, exc)
                if attempt < policy.retries:
                    time.sleep(policy.backoff_s * (2 ** attempt))
        action = session.get(PlanAction, action_id)
        assert action is not None
        action.finished_at = utcnow()
        if error:
            action.state, action.error = "failed", error
        else:
            action.state = "done"
            w = session.get(Workload, action.workload_id)
            if w is not None:
                w.host_id = action.to_host
                w.cloud_id = session.get(Host, action.to_host).cloud_id  # type: ignore[union-attr]
                w.placed_at = utcnow()  # newer than any inventory read before now: a sync may not undo it
                session.add(w)
        session.add(action)
        audit.record(session, ACTOR, f"plan.action.{action.state}", "plan", str(action.plan_id), None,
                     {"phase": action.phase, "step": action.step, "workload": action.workload_id,
                      "from": action.from_host, "to": action.to_host, "error": error or None})
        session.commit()  # written after the call
        telemetry.MOVES_EXECUTED.labels(action.phase, action.state).inc()
        return Outcome(action_id, not error, error)


def _next_batch(session: Session, plan_id: int, phase: str, limits: Execution) -> list[PlanAction]:
    """The next moves in order that may run together (scheduler.batching)."""
    todo = session.exec(select(PlanAction).where(PlanAction.plan_id == plan_id, PlanAction.phase == phase,
                                                 col(PlanAction.state).in_(("pending", "running")))
                        .order_by(PlanAction.step)).all()
    cloud_of = {h.id: h.cloud_id for h in session.exec(select(Host).where(
        col(Host.id).in_({a.to_host for a in todo} | {a.from_host for a in todo if a.from_host})))}
    dead = set(session.exec(select(Cloud.id).where(Cloud.status == "failed")))
    batch = Batch(cloud_of, dead, limits)
    out: list[PlanAction] = []
    for a in todo:
        if not batch.admits(a.from_host, a.to_host):
            break
        batch.add(a.from_host, a.to_host)
        out.append(a)
    return out


def run_plan(plan_id: int) -> str:
    """Drive a plan in `executing` or `rolling back` to its end; return the final state."""
    limits = get_policy().execution
    while True:
        with Session(get_engine(), expire_on_commit=False) as session:
            plan = session.get(Plan, plan_id)
            if plan is None or plan.state not in ACTIVE_STATES:
                return plan.state if plan else "missing"
            phase = "forward" if plan.state == "executing" else "rollback"
            batch = _next_batch(session, plan_id, phase, limits)
            if not batch:
                done_state = "succeeded" if phase == "forward" else "rolled back"
                reconcile(session, plan_id)
                transition(session, plan, done_state, ACTOR, "every move done")
                session.commit()
                return done_state
        with ThreadPoolExecutor(max_workers=len(batch)) as pool:
            outcomes = list(pool.map(run_action, [a.id for a in batch]))
        failed = [o for o in outcomes if not o.ok]
        if failed:
            with Session(get_engine(), expire_on_commit=False) as session:
                plan = session.get(Plan, plan_id)
                step = session.get(PlanAction, failed[0].action_id)
                reconcile(session, plan_id)
                transition(session, plan, "failed", ACTOR,  # type: ignore[arg-type]
                           f"{phase} step {step.step} ({step.workload_id} to {step.to_host}) failed: {failed[0].error}")  # type: ignore[union-attr]
                session.commit()
            return "failed"


_runner = Runner("plan", run_plan)


def start(plan_id: int) -> threading.Thread:
    """Run the plan in a background thread, once per process."""
    return _runner.start(plan_id)


def resume_all() -> list[int]:
    """After a restart: pick up every plan that was executing or rolling back."""
    with Session(get_engine()) as session:
        ids = [p.id for p in session.exec(select(Plan).where(col(Plan.state).in_(ACTIVE_STATES)))]
    return _runner.resume(ids)  # type: ignore[arg-type]
