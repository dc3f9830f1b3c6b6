"""The control loop: every capability's background work as APScheduler jobs, run by the leader only.

The composition root of the scheduler: the one module that may import every capability, so that it
can schedule their work and so that the hooks they register (the first quotas after a sync, the
catalog's scan when its job starts) are in place whenever the service runs.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import select

import scheduler.plans  # noqa: F401  (the approvals' audit cross-check)
import scheduler.quotas  # noqa: F401  (after a sync: the first quotas)
import scheduler.tenants.platform  # noqa: F401  (when the catalog's scan job starts: the scan)
import scheduler.tenants.sharing  # noqa: F401  (the sharing decisions' audit cross-check)
from scheduler.core import leader, telemetry
from scheduler.core.db import session_scope
from scheduler.core.migrate import exclusive
from scheduler.core.models import Cloud
from scheduler.core.registry import get_adapters
from scheduler.core.settings import get_settings
from scheduler.core.sync import sync_all
from scheduler.core.utilisation import rollup_all

log = logging.getLogger(__name__)


def run_sync() -> None:
    """Inventory of every cloud; then department quotas carried to the clouds that enforce their own."""
    adapters = get_adapters()
    sync_all(adapters.all())
    # a tenant service a transient cloud error left unplaced is placed now; under the same advisory lock as
    # a replica's start-up placement (api/cli.py serve), so the two never place the same service twice
    with exclusive("tenants"), session_scope(background=True) as session:
        scheduler.tenants.platform.ensure(session)
    if adapters.real:
        from scheduler.quotas import push as quota_push

        with session_scope(background=True) as session:
            for result in quota_push.push_all(session, adapters.real):
                for problem in result.problems:
                    log.warning("quota push: %s", problem)


def run_metrics() -> None:
    adapters = get_adapters()
    with session_scope(background=True) as session:
        clouds = [c.id for c in session.exec(select(Cloud)) if c.status != "failed"]
    rollup_all({c: adapters.metrics_for(c) for c in clouds}, get_settings().metrics_window_s)
    from scheduler.core.policy import get_policy
    from scheduler.whatif import runway

    with session_scope(background=True) as session:
        runway.record_today(session)  # the day's busiest p95, for the capacity runway
    with session_scope(background=True) as session:
        runway.publish_daily(session, get_policy())  # the forecast once a day, on the leader: gauges on /metrics


def run_scheduled_proposal(spec: dict[str, Any]) -> int | None:
    """Propose a plan on a schedule; execute it only if the policy auto-approves that scope and kind."""
    from scheduler import plans

    with session_scope(background=True) as session:
        plan = plans.propose(session, plans.SYSTEM, spec.get("kind", "rebalance"), spec["scope"],
                             spec.get("objective", "consolidate"), spec.get("max_migrations"))
        if plans.auto_approve(session, plan):
            plans.start_execution(session, plans.SYSTEM, plan)  # runs once this transaction commits
        return plan.id


def run_scheduled_drill(spec: dict[str, Any]) -> int | None:
    """Start a drill on a schedule, as the system under the drill runbook."""
    from scheduler import plans
    from scheduler.dr import drills

    with session_scope(background=True) as session:
        run = drills.tabletop if spec.get("mode", "tabletop") == "tabletop" else drills.start_live
        drill = run(session, plans.SYSTEM, list(spec["clouds"]), spec["cron"])  # a live one runs after the commit
        return drill.id


def run_quota_expiry() -> None:
    """Approved quota requests past their expiry give their quota back."""
    from scheduler.quotas.requests import expire_due

    with session_scope(background=True) as session:
        expire_due(session)


def run_watchdog() -> list[int]:
    """Every plan executing or rolling back, every live drill in progress and every pending scenario has a runner: one whose
    thread gave up (or never started) is started again; a running one is left alone."""
    from scheduler import whatif
    from scheduler.dr import drills
    from scheduler.plans import executor

    return [*executor.resume_all(), *drills.resume_all(), *whatif.resume_all()]


def _leader_only(job_id: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A job fires on the leader only, and is counted there (qianyun_job_runs_total)."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        if not leader.is_leader():
            return None
        telemetry.JOB_RUNS.labels(job_id).inc()
        try:
            return func(*args, **kwargs)
        except leader.NotLeader as exc:
            log.warning("job %s stopped: %s", job_id, exc)
            return None

    return run


def start() -> BackgroundScheduler:
    """Jobs never overlap themselves (max_instances=1) and a late run is merged, not queued."""
    settings = get_settings()
    sched = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    sched.add_job(run_sync, "interval", seconds=settings.sync_interval_s, id="inventory-sync")
    sched.add_job(run_metrics, "interval", seconds=settings.metrics_interval_s, id="metrics-rollup")
    sched.add_job(run_quota_expiry, "interval", seconds=60, id="quota-expiry")
    sched.add_job(run_watchdog, "interval", seconds=settings.watchdog_interval_s, id="watchdog")
    for i, spec in enumerate(settings.rebalance_schedules):
        trigger = CronTrigger.from_crontab(spec["cron"], timezone="Asia/Shanghai")
        sched.add_job(run_scheduled_proposal, trigger, args=[spec], id=f"scheduled-plan-{i}")
    for i, spec in enumerate(settings.drill_schedules):
        trigger = CronTrigger.from_crontab(spec["cron"], timezone="Asia/Shanghai")
        sched.add_job(run_scheduled_drill, trigger, args=[spec], id=f"scheduled-drill-{i}")
    from scheduler.jobs import dispatch  # data-zone jobs: fire at planned starts, poll, re-plan
    dispatch.install(sched)
    for job in sched.get_jobs():
        job.modify(func=_leader_only(job.id.split("-")[0] if job.id.startswith("datajob-") else job.id, job.func))
    sched.start()
    return sched


class Background:
    """The leader's work, started when this replica is elected and stopped when it is not (the
    callbacks of scheduler.core.leader.Elector): plans and live drills resumed where they stopped,
    then the scheduled jobs. A follower runs none of it."""

    def __init__(self) -> None:
        self.sched: BackgroundScheduler | None = None
        self._lock = threading.Lock()

    def lead(self) -> None:
        with self._lock:
            run_watchdog()  # plans and drills a dead or paused leader left go on where they stopped
            if get_settings().scheduler_enabled and self.sched is None:
                self.sched = start()

    def follow(self) -> None:
        from scheduler.jobs import dispatch

        with self._lock:
            if self.sched is not None:
                self.sched.shutdown(wait=False)
                self.sched = None
            dispatch.uninstall()
