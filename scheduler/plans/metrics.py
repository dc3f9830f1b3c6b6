"""Plans by state as a Prometheus gauge, read from the database at scrape time rather than counted,
so every API replica reports the same, true numbers."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import Session, select

from scheduler.core.db import get_engine
from scheduler.core.telemetry import REGISTRY
from scheduler.plans.models import Plan
from scheduler.plans.state import PlanState

log = logging.getLogger(__name__)
PLAN_STATES = tuple(PlanState)


class PlansByState(Collector):
    """qianyun_plans{state=...}: how many plans are in each state, counted in the database when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("qianyun_plans", "Plans by state", labels=["state"])
        counts: dict[str, int] = {str(s): 0 for s in PLAN_STATES}
        try:
            with Session(get_engine()) as session:
                for state, n in session.exec(select(Plan.state, func.count()).group_by(Plan.state)):
                    counts[state] = n
        except Exception as exc:  # a scrape must never fail because the database is briefly away
            log.warning("plans by state not read: %s", exc.__class__.__name__)
            return
        for state, n in counts.items():
            family.add_metric([state], n)
        yield family

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # no database read when the collector is registered


REGISTRY.register(PlansByState())
