"""Capacity runway: per cloud and resource, the forecast of the busiest daily p95 share and the day it
crosses the resource's fill target (`placement.fill_target`, where the policy sets one) or the allottable
share (what quotas may add up to: 1 - quotas.headroom_share - quotas.dr_reserve_share).

The history is the daily table `utilisation_day`, written by the leader's metrics job from the
rollups (`record_today`); the same job publishes the runway as `qianyun_runway_days` on /metrics
once a day (`publish_daily`).
"""

from __future__ import annotations

import functools
import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client import Gauge
from sqlmodel import Session, col, select

from policies.model import Policy
from scheduler.core.models import Cloud
from scheduler.core.telemetry import REGISTRY
from scheduler.core.utilisation import USAGE_RESOURCES, cloud_usage
from scheduler.whatif.forecast import Forecast, NotEnoughHistory, crossing, forecast
from scheduler.whatif.models import UtilisationDay

log = logging.getLogger(__name__)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
HORIZON_DAYS = 365
HISTORY_DAYS = 182  # the forecast reads at most the last half year
LEVEL = 0.9
BOUNDS = ("expected", "earliest", "latest")
RUNWAY_DAYS = Gauge("qianyun_runway_days", "Days until the forecast busiest p95 share of a cloud's resource first "
                    "reaches a threshold (+Inf: not within a year; 0: already there)",
                    ["cloud", "resource", "threshold", "bound"], registry=REGISTRY)


_published_on: date | None = None  # the day this process last set the gauges (publish_daily)


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def record_today(session: Session, day: date | None = None) -> int:
    """Keep today's busiest p95 share per cloud and resource (the highest of the day's rollups)."""
    day = day or today()
    n = 0
    for cloud in session.exec(select(Cloud).where(Cloud.status != "failed")):
        for use in cloud_usage(session, cloud.id):
            if use.p95 is None:
                continue
            row = session.exec(select(UtilisationDay).where(UtilisationDay.cloud_id == cloud.id,
                                                            UtilisationDay.resource == use.resource,
                                                            UtilisationDay.day == day)).first()
            if row is None:
                session.add(UtilisationDay(cloud_id=cloud.id, resource=use.resource, day=day, p95=use.p95))
                n += 1
            elif use.p95 > row.p95:
                row.p95 = use.p95
                session.add(row)
    return n


def thresholds(policy: Policy, resource: str) -> dict[str, float]:
    """The shares a resource's runway counts down to: the allottable share, and the fill target
    (`placement.fill_target`) where the policy sets one for that resource."""
    q = policy.quotas
    out = {"allottable": 1.0 - q.headroom_share - q.dr_reserve_share}
    target = policy.placement.fill_targets().get(resource)
    if target is not None:
        out["fill_target"] = target
    return out


@functools.lru_cache(maxsize=256)
def _forecast(days: tuple[date, ...], values: tuple[float, ...]) -> Forecast:
    """One fit per distinct series (about a second each): a request or a job that finds the history
    unchanged since the last fit reads the answer instead of fitting again."""
    return forecast(list(days), list(values), HORIZON_DAYS, LEVEL)


def _when(d: date | None, start: date) -> dict[str, Any]:
    return {"date": d.isoformat() if d else None, "days": (d - start).days if d else None}


def runway(session: Session, policy: Policy, clouds: list[str] | None = None) -> list[dict[str, Any]]:
    """Per cloud and resource: the history's length and last value, the forecast's trend and interval,
    and the crossing of each threshold (expected, earliest, latest)."""
    since = today() - timedelta(days=HISTORY_DAYS)
    rows = session.exec(select(UtilisationDay).where(col(UtilisationDay.day) >= since)
                        .order_by(UtilisationDay.cloud_id, UtilisationDay.resource, UtilisationDay.day)).all()
    series: dict[tuple[str, str], list[UtilisationDay]] = {}
    for r in rows:
        series.setdefault((r.cloud_id, r.resource), []).append(r)
    out = []
    limits = {res: thresholds(policy, res) for res in USAGE_RESOURCES}
    ids = clouds if clouds is not None else [c.id for c in session.exec(select(Cloud).order_by(Cloud.id)) if c.kind != "backup"]
    for cid in ids:
        for res in USAGE_RESOURCES:
            hist = series.get((cid, res), [])
            item: dict[str, Any] = {"cloud": cid, "resource": res, "history_days": len(hist),
                                    "last": {"date": hist[-1].day.isoformat(), "p95": hist[-1].p95} if hist else None,
                                    "thresholds": limits[res], "forecast": None, "crossings": {}, "note": None}
            try:
                f = _forecast(tuple(h.day for h in hist), tuple(h.p95 for h in hist))
            except NotEnoughHistory as exc:
                item["note"] = str(exc)
                out.append(item)
                continue
            start = hist[-1].day
            item["forecast"] = {"level": LEVEL, "trend_per_day": round(f.trend_per_day, 6),
                                "in_30_days": {"mean": round(float(f.mean[29]), 4), "lower": round(float(f.lower[29]), 4),
                                               "upper": round(float(f.upper[29]), 4)},
                                "in_365_days": {"mean": round(float(f.mean[-1]), 4), "lower": round(float(f.lower[-1]), 4),
                                                "upper": round(float(f.upper[-1]), 4)}}
            for name, th in limits[res].items():
                c = crossing(f, th, hist[-1].p95)
                item["crossings"][name] = {"threshold": th, "already": c.already, "expected": _when(c.expected, start),
                                           "earliest": _when(c.earliest, start), "latest": _when(c.latest, start)}
            out.append(item)
    return out


def publish(session: Session, policy: Policy) -> list[dict[str, Any]]:
    """Every cloud's runway on the gauges: the leader's metrics job calls this once a day (a request
    reads the runway but never sets them, so every replica's /metrics says what the leader said)."""
    items = runway(session, policy)
    for item in items:
        for name, c in item["crossings"].items():
            for bound in BOUNDS:
                days = 0.0 if c["already"] else (float(c[bound]["days"]) if c[bound]["days"] is not None else float("inf"))
                RUNWAY_DAYS.labels(item["cloud"], item["resource"], name, bound).set(days)
    return items


def publish_daily(session: Session, policy: Policy) -> bool:
    """Publish unless this process already did today: the first metrics run of a day, and the first after
    a restart or a change of leader (today's rows may already be there)."""
    global _published_on
    day = today()
    if _published_on == day:
        return False
    publish(session, policy)
    _published_on = day
    return True
