"""Capacity runway: per cloud and resource, the forecast of the busiest daily p95 share and the day it
crosses the cloud's fill target (where the policy has one) or its allottable share (what quotas may
add up to: 1 - quotas.headroom_share - quotas.dr_reserve_share).

The history is the daily table `utilisation_day`, written by the leader's metrics job from the
rollups (`record_today`). The runway is published as `qianyun_runway_days` on /metrics.
"""

from __future__ import annotations

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
from scheduler.whatif.forecast import NotEnoughHistory, crossing, forecast
from scheduler.whatif.models import UtilisationDay

log = logging.getLogger(__name__)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
HORIZON_DAYS = 365
HISTORY_DAYS = 182  # the forecast reads at most the last half year
LEVEL = 0.9
RUNWAY_DAYS = Gauge("qianyun_runway_days", "Days until the forecast busiest p95 share of a cloud's resource first "
                    "reaches a threshold (+Inf: not within a year; 0: already there)",
                    ["cloud", "resource", "threshold", "bound"], registry=REGISTRY)


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


def fill_target(policy: Policy, cloud_id: str) -> float | None:
    """The policy's fill target for the cloud, wherever the policy keeps one (a number, or per cloud with
    a default); None when the policy has none."""
    def find(node: Any) -> Any:
        if isinstance(node, dict):
            for k, v in node.items():
                if "fill_target" in str(k):
                    return v
                hit = find(v)
                if hit is not None:
                    return hit
        return None

    found = find(policy.to_dict())
    if isinstance(found, (int, float)) and not isinstance(found, bool):
        return float(found)
    if isinstance(found, dict):
        for key in (cloud_id, "default"):
            v = found.get(key)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return float(v)
        clouds = found.get("clouds")
        if isinstance(clouds, dict) and isinstance(clouds.get(cloud_id), (int, float)):
            return float(clouds[cloud_id])
    return None


def _when(d: date | None, start: date) -> dict[str, Any]:
    return {"date": d.isoformat() if d else None, "days": (d - start).days if d else None}


def runway(session: Session, policy: Policy, clouds: list[str] | None = None) -> list[dict[str, Any]]:
    """Per cloud and resource: the history's length and last value, the forecast's trend and interval,
    and the crossing of each threshold (expected, earliest, latest)."""
    q = policy.quotas
    allottable = 1.0 - q.headroom_share - q.dr_reserve_share
    since = today() - timedelta(days=HISTORY_DAYS)
    rows = session.exec(select(UtilisationDay).where(col(UtilisationDay.day) >= since)
                        .order_by(UtilisationDay.cloud_id, UtilisationDay.resource, UtilisationDay.day)).all()
    series: dict[tuple[str, str], list[UtilisationDay]] = {}
    for r in rows:
        series.setdefault((r.cloud_id, r.resource), []).append(r)
    out = []
    ids = clouds if clouds is not None else [c.id for c in session.exec(select(Cloud).order_by(Cloud.id)) if c.kind != "backup"]
    for cid in ids:
        thresholds = {"allottable": allottable}
        ft = fill_target(policy, cid)
        if ft is not None:
            thresholds["fill_target"] = ft
        for res in USAGE_RESOURCES:
            hist = series.get((cid, res), [])
            item: dict[str, Any] = {"cloud": cid, "resource": res, "history_days": len(hist),
                                    "last": {"date": hist[-1].day.isoformat(), "p95": hist[-1].p95} if hist else None,
                                    "thresholds": thresholds, "forecast": None, "crossings": {}, "note": None}
            try:
                f = forecast([h.day for h in hist], [h.p95 for h in hist], HORIZON_DAYS, LEVEL)
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
            for name, th in thresholds.items():
                c = crossing(f, th, hist[-1].p95)
                item["crossings"][name] = {"threshold": th, "already": c.already, "expected": _when(c.expected, start),
                                           "earliest": _when(c.earliest, start), "latest": _when(c.latest, start)}
                for bound, d in (("expected", c.expected), ("earliest", c.earliest), ("latest", c.latest)):
                    days = 0.0 if c.already else (float((d - start).days) if d else float("inf"))
                    RUNWAY_DAYS.labels(cid, res, name, bound).set(days)
            out.append(item)
    return out
