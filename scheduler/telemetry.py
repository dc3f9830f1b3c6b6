"""The service's own Prometheus metrics, exposed by the API at /metrics.

The metric objects live here so that the places where events happen (plans, executor, sync, login)
need one line each. Plans by state are read from the database at scrape time rather than counted,
so every API replica reports the same, true numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import Session, select

log = logging.getLogger(__name__)

disable_created_metrics()  # the *_created series only add noise to every dashboard
# A registry of our own, so re-creating the app in tests never registers a metric twice.
REGISTRY = CollectorRegistry(auto_describe=True)

PLAN_STATES = ("proposed", "approved", "executing", "succeeded", "failed", "rolling back", "rolled back",
               "rejected", "cancelled", "superseded")

SOLVE_SECONDS = Histogram(
    "qianyun_plan_solve_seconds", "Optimizer solve time of a proposed plan", ["kind"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600), registry=REGISTRY)
MOVES_EXECUTED = Counter(
    "qianyun_moves_executed_total", "Plan moves run through the adapters, by phase and outcome",
    ["phase", "outcome"], registry=REGISTRY)
ADAPTER_ERRORS = Counter(
    "qianyun_adapter_errors_total", "Adapter errors during inventory sync, by cloud", ["cloud"], registry=REGISTRY)
LOGINS_REFUSED = Counter(
    "qianyun_logins_refused_total", "Logins refused for a wrong username or password", registry=REGISTRY)


class PlansByState(Collector):
    """qianyun_plans{state=...}: how many plans are in each state, counted in the database when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from scheduler.db import get_engine  # late: the registry is importable without a database
        from scheduler.models import Plan

        family = GaugeMetricFamily("qianyun_plans", "Plans by state", labels=["state"])
        counts = {s: 0 for s in PLAN_STATES}
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
for _phase in ("forward", "rollback"):  # zero series from the start, so rate() has a baseline
    for _outcome in ("done", "failed"):
        MOVES_EXECUTED.labels(_phase, _outcome)


def render() -> bytes:
    """The text exposition format of every metric above."""
    return generate_latest(REGISTRY)
