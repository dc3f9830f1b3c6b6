"""The control loop: inventory sync and metrics rollups as APScheduler jobs in the API process."""

from __future__ import annotations

import logging

from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import select

from scheduler.db import session_scope
from scheduler.models import Cloud
from scheduler.registry import get_adapters
from scheduler.settings import get_settings
from scheduler.sync import sync_all
from scheduler.utilisation import rollup_all

log = logging.getLogger(__name__)


def run_sync() -> None:
    sync_all(get_adapters().all())


def run_metrics() -> None:
    adapters = get_adapters()
    with session_scope() as session:
        clouds = [c.id for c in session.exec(select(Cloud)) if c.status != "failed"]
    rollup_all({c: adapters.metrics_for(c) for c in clouds}, get_settings().metrics_window_s)


def run_scheduled_proposal(spec: dict[str, Any]) -> int | None:
    """Propose a plan on a schedule; execute it only if the policy auto-approves that scope and kind."""
    from scheduler import executor, plans

    with session_scope() as session:
        plan = plans.propose(session, plans.SYSTEM, spec.get("kind", "rebalance"), spec["scope"],
                             spec.get("objective", "consolidate"), spec.get("max_migrations"))
        approved = plans.auto_approve(session, plan)
        if approved:
            plans.start_execution(session, plans.SYSTEM, plan)
        plan_id = plan.id
    if approved:
        executor.start(plan_id)  # type: ignore[arg-type]
    return plan_id


def start() -> BackgroundScheduler:
    """Jobs never overlap themselves (max_instances=1) and a late run is merged, not queued."""
    settings = get_settings()
    sched = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    sched.add_job(run_sync, "interval", seconds=settings.sync_interval_s, id="inventory-sync")
    sched.add_job(run_metrics, "interval", seconds=settings.metrics_interval_s, id="metrics-rollup")
    for i, spec in enumerate(settings.rebalance_schedules):
        trigger = CronTrigger.from_crontab(spec["cron"], timezone="Asia/Shanghai")
        sched.add_job(run_scheduled_proposal, trigger, args=[spec], id=f"scheduled-plan-{i}")
    sched.start()
    return sched
