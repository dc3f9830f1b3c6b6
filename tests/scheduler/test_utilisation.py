"""Utilisation rollups keep one row per subject and resource, wherever the subject runs now."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from adapters.protocol import UsageRollup


class Fixed:
    """A metrics source that reports the same rollups for whichever cloud it is asked about."""

    def __init__(self, rollups: list[UsageRollup]) -> None:
        self.rollups = rollups

    def utilisation(self, cloud: str, start: datetime, end: datetime) -> list[UsageRollup]:
        return self.rollups


def test_a_workload_failed_over_to_another_cloud_keeps_its_rollup(service) -> None:
    """After a failover the workload's metrics come from the backup cloud: the rollup moves its row
    there (it used to insert a second row and fail every run on the unique constraint)."""
    from scheduler.core.db import session_scope
    from scheduler.core.models import Utilisation
    from scheduler.core.utilisation import rollup_all

    one = [UsageRollup("w-failover", "workload", "vcpu", 0.5, 0.4, 0.6)]
    assert rollup_all({"gy": Fixed(one)}, 300) == {"gy": "ok"}
    later = [UsageRollup("w-failover", "workload", "vcpu", 0.7, 0.6, 0.9)]
    assert rollup_all({"gz-backup": Fixed(later)}, 300) == {"gz-backup": "ok"}
    assert rollup_all({"gz-backup": Fixed(later)}, 300) == {"gz-backup": "ok"}  # and every run after
    with session_scope() as session:
        rows = session.exec(select(Utilisation).where(Utilisation.subject == "w-failover")).all()
        assert [(u.cloud_id, u.latest, u.p95) for u in rows] == [("gz-backup", 0.7, 0.9)]
