"""Utilisation rollups: the latest p50/p95 per host and workload, and per cloud on demand.

The optimizer may size workloads by p95 use instead of requested size, so the rollup keeps p95;
the console shows latest and p95 side by side.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from adapters.protocol import AdapterError, MetricsSource
from scheduler.core.db import session_scope, utcnow
from scheduler.core.models import RESOURCES, Cloud, Host, Utilisation

log = logging.getLogger(__name__)
USAGE_RESOURCES = ("vcpu", "memory_gib")


def rollup_cloud(session: Session, source: MetricsSource, cloud_id: str, window_s: int) -> int:
    end = utcnow()
    start = end - timedelta(seconds=window_s)
    rollups = source.utilisation(cloud_id, start, end)
    # a subject's row is found wherever it was last seen: after a failover or a move across clouds the
    # workload's row is carried over to this cloud, not inserted a second time
    subjects = sorted({r.subject for r in rollups})
    existing = {(u.kind, u.subject, u.resource): u.id
                for u in session.exec(select(Utilisation).where(Utilisation.cloud_id == cloud_id))}
    for i in range(0, len(subjects), 500):
        existing.update({(u.kind, u.subject, u.resource): u.id for u in session.exec(
            select(Utilisation).where(col(Utilisation.subject).in_(subjects[i:i + 500])))})
    updates, inserts = [], []
    for r in rollups:
        values = {"kind": r.kind, "subject": r.subject, "resource": r.resource, "cloud_id": cloud_id,
                  "latest": r.latest, "p50": r.p50, "p95": r.p95, "window_start": start, "window_end": end}
        key = (r.kind, r.subject, r.resource)
        if key in existing:
            updates.append({"id": existing.pop(key), **values})
        else:
            inserts.append(values)
    if updates:
        session.execute(update(Utilisation), updates)
    if inserts:
        session.execute(insert(Utilisation), inserts)
    for stale in existing.values():  # subjects that left this cloud
        row = session.get(Utilisation, stale)
        if row is not None:
            session.delete(row)
    return len(rollups)


def rollup_all(sources: dict[str, MetricsSource], window_s: int) -> dict[str, str]:
    """Per cloud, 'ok' or the error; a metrics error marks the cloud degraded like a sync error."""
    outcome: dict[str, str] = {}
    for cloud_id, source in sources.items():
        with session_scope(background=True) as session:
            try:
                rollup_cloud(session, source, cloud_id, window_s)
                outcome[cloud_id] = "ok"
            except AdapterError as exc:
                log.warning("metrics for %s failed: %s", cloud_id, exc)
                session.rollback()
                cloud = session.get(Cloud, cloud_id)
                if cloud is not None and cloud.status == "healthy":
                    cloud.status, cloud.status_detail = "degraded", f"metrics unavailable: {exc}"
                outcome[cloud_id] = str(exc)
    return outcome


@dataclass(frozen=True)
class ResourceUse:
    resource: str
    capacity: float
    latest: float | None
    p95: float | None


def host_usage(session: Session, host_id: str) -> list[ResourceUse]:
    host = session.get(Host, host_id)
    assert host is not None
    rows = {u.resource: u for u in session.exec(select(Utilisation).where(Utilisation.kind == "host", Utilisation.subject == host_id))}
    return [ResourceUse(r, getattr(host, r), rows[r].latest if r in rows else None, rows[r].p95 if r in rows else None)
            for r in RESOURCES if r in USAGE_RESOURCES]


def cloud_usage(session: Session, cloud_id: str) -> list[ResourceUse]:
    """Capacity-weighted shares over the cloud's up hosts: what share of the cloud is busy."""
    hosts = {h.id: h for h in session.exec(select(Host).where(Host.cloud_id == cloud_id, Host.up == True))}  # noqa: E712
    rows = session.exec(select(Utilisation).where(Utilisation.cloud_id == cloud_id, Utilisation.kind == "host")).all()
    out = []
    for r in USAGE_RESOURCES:
        cap = sum(getattr(h, r) for h in hosts.values())
        mine = [u for u in rows if u.resource == r and u.subject in hosts]
        if not mine or cap <= 0:
            out.append(ResourceUse(r, cap, None, None))
            continue
        latest = sum(u.latest * getattr(hosts[u.subject], r) for u in mine) / cap
        p95 = sum(u.p95 * getattr(hosts[u.subject], r) for u in mine) / cap
        out.append(ResourceUse(r, cap, round(latest, 4), round(p95, 4)))
    return out
