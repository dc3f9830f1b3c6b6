"""The service's own Prometheus metrics, exposed by the API at /metrics.

The metric objects live here so that the places where events happen (plans, executor, sync, login)
need one line each. Capabilities add collectors of their own to REGISTRY (plans by state: scheduler.plans.metrics).
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest

log = logging.getLogger(__name__)

disable_created_metrics()  # the *_created series only add noise to every dashboard
# A registry of our own, so re-creating the app in tests never registers a metric twice.
REGISTRY = CollectorRegistry(auto_describe=True)

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
LEADER = Gauge("qianyun_leader", "1 while this replica holds the leader's lease, else 0", registry=REGISTRY)
JOB_RUNS = Counter(
    "qianyun_job_runs_total", "Scheduled background jobs run by this replica (only the leader runs them)", ["job"],
    registry=REGISTRY)


for _phase in ("forward", "rollback"):  # zero series from the start, so rate() has a baseline
    for _outcome in ("done", "failed"):
        MOVES_EXECUTED.labels(_phase, _outcome)


def render() -> bytes:
    """The text exposition format of every metric above."""
    return generate_latest(REGISTRY)
