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

from adapters.protocol import AdapterError
from policies.model import Execution
from scheduler.core import audit, leader, telemetry
from scheduler.core.messages import msg
from scheduler.core.background import Runner, after_commit
from scheduler.core.db import get_background_engine, utcnow
from scheduler.core.models import Cloud, Host, Workload
from scheduler.core.policy import get_policy
from scheduler.core.registry import get_adapters
from scheduler.plans import actions
from scheduler.plans.batching import Batch
from scheduler.plans.models import Plan, PlanAction
from scheduler.plans.reconcile import reconcile
from scheduler.plans.state import ACTIVE_STATES, PlanState, transition

log = logging.getLogger(__name__)
ACTOR = "system:executor"


@dataclass(frozen=True)
class Outcome:
    action_id: int
    ok: bool
    error: str = ""


def run_action(action_id: int) -> Outcome:
    policy = get_policy().execution
    with Session(get_background_engine(), expire_on_commit=False) as session:
        action = session.get(PlanAction, action_id)
        assert action is not None
        leader.fence(session)  # the leader's epoch is still current, in the transaction that starts the move
        action.state, action.started_at = "running", utcnow()
        action.attempts += 1
        session.add(action)
        session.commit()  # written before the call
        error = ""
        for attempt in range(policy.retries + 1):
            try:
                leader.check()  # and its lease has not run out since (a pause, SIGSTOP)
                actions.execute(session, action, get_adapters().for_cloud)
                error = ""
                break
            except AdapterError as exc:
                error = str(exc)
                log.warning("plan %s step %s attempt %s: %s", action.plan_id, action.step, attempt + 1, exc)
                if attempt < policy.retries:
                    time.sleep(policy.backoff_s * (2 ** attempt))
        leader.fence(session)  # a replica fenced out while the call ran leaves the record to its successor
        action = session.get(PlanAction, action_id)
        assert action is not None
        action.finished_at = utcnow()
        if error:
            action.state, action.error = "failed", error
        elif action.kind != "move":  # a host switched off for new work, or on again
            action.state = "done"
            host = session.get(Host, action.to_host)
            if host is not None:
                host.schedulable = action.kind == "enable-host"
                session.add(host)
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
                     {"phase": action.phase, "step": action.step, "kind": action.kind, "workload": action.workload_id or None,
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
        if a.kind != "move":  # a host switched on or off runs alone: a move back may need it enabled first
            return out or [a]
        if not batch.admits(a.from_host, a.to_host):
            break
        batch.add(a.from_host, a.to_host)
        out.append(a)
    return out


def run_plan(plan_id: int) -> str:
    """Drive a plan in `executing` or `rolling back` to its end; return the final state."""
    limits = get_policy().execution
    while True:
        with Session(get_background_engine(), expire_on_commit=False) as session:
            plan = session.get(Plan, plan_id)
            if plan is None or plan.state not in ACTIVE_STATES:
                return plan.state if plan else "missing"
            phase = "forward" if plan.state == PlanState.EXECUTING else "rollback"
            batch = _next_batch(session, plan_id, phase, limits)
            if not batch:
                done_state = PlanState.SUCCEEDED if phase == "forward" else PlanState.ROLLED_BACK
                reconcile(session, plan_id)
                leader.fence(session)  # last before the commit: the lease row stays locked only briefly
                transition(session, plan, done_state, ACTOR, msg("state.every_move_done").text if phase == "forward"
                           else msg("state.rolled_back_all").text)
                session.commit()
                return done_state
        with ThreadPoolExecutor(max_workers=len(batch)) as pool:
            outcomes = list(pool.map(run_action, [a.id for a in batch]))
        failed = [o for o in outcomes if not o.ok]
        if failed:
            with Session(get_background_engine(), expire_on_commit=False) as session:
                plan = session.get(Plan, plan_id)
                step = session.get(PlanAction, failed[0].action_id)
                reconcile(session, plan_id)
                leader.fence(session)
                said = (msg("state.step_failed", phase=phase, step=step.step, workload=step.workload_id,  # type: ignore[union-attr]
                            host=step.to_host, error=failed[0].error) if step.kind == "move"  # type: ignore[union-attr]
                        else msg("state.step_failed_switch", phase=phase, step=step.step, step_kind=step.kind,  # type: ignore[union-attr]
                                 host=step.to_host, error=failed[0].error))  # type: ignore[union-attr]
                transition(session, plan, PlanState.FAILED, ACTOR, said.text)  # type: ignore[arg-type]
                session.commit()
            return PlanState.FAILED


_runner = Runner("plan", run_plan)


def start(plan_id: int) -> threading.Thread | None:
    """Run the plan in a background thread, once per process (a no-op while it runs here; on a
    follower too, where the leader's watchdog picks it up)."""
    return _runner.start(plan_id)


def queue(session: Session, plan_id: int) -> None:
    """Run the plan once the caller's transaction, which wrote its pending actions, commits."""
    after_commit(session, _runner, plan_id)


def resume_all() -> list[int]:
    """After a restart: pick up every plan that was executing or rolling back."""
    with Session(get_background_engine()) as session:
        ids = [p.id for p in session.exec(select(Plan).where(col(Plan.state).in_(ACTIVE_STATES)))]
    return _runner.resume(ids)  # type: ignore[arg-type]
