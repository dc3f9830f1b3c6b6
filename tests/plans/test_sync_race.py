"""An inventory sync that read the cloud before a plan's moves cannot undo them when it writes afterwards.

Deterministic: the adapter hands the sync a snapshot taken before the moves and holds it back until
the executor has recorded every move; only then does the sync write. Without the rule that a sync
replaces only placements it observed after they were written, the database would put the moved
workloads back on their old hosts while the cloud runs them on the new ones.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlmodel import select

from tests.support import placements, wait_state


class HeldInventory:
    """The cloud's inventory as it was when asked, handed over only when the test says so."""

    def __init__(self, real: Any) -> None:
        self.real, self.read, self.release = real, threading.Event(), threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def inventory(self, cloud: str) -> Any:
        snapshot = self.real.inventory(cloud)
        self.read.set()
        assert self.release.wait(120), "hang guard: the test never released the held inventory"
        return snapshot


def _database_placements(cloud_hosts: set[str]) -> dict[str, str | None]:
    from scheduler.core.db import session_scope
    from scheduler.core.models import Workload

    with session_scope() as session:
        return {w.id: w.host_id for w in session.exec(select(Workload)) if w.host_id in cloud_hosts or w.host_id is None}


def test_a_sync_that_read_before_the_moves_does_not_undo_them(client, ops) -> None:
    from scheduler.core.db import session_scope
    from scheduler.core.registry import get_adapters
    from scheduler.core.sync import sync_cloud

    before = placements("gy")
    host = max({h for h in before.values() if h}, key=lambda h: sum(1 for x in before.values() if x == h))
    plan = client.post("/api/v1/plans", json={"kind": "drain", "scope": "gy", "hosts": [host]}, headers=ops["gy1"]).json()
    assert plan["moves"], plan
    assert client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"]).status_code == 200

    held = HeldInventory(get_adapters().for_cloud("gy"))
    outcome: dict[str, Any] = {}

    def stale_sync() -> None:
        with session_scope() as session:
            outcome["sync"] = sync_cloud(session, held, "gy")

    t = threading.Thread(target=stale_sync)
    t.start()
    assert held.read.wait(60), "hang guard: the sync never read the inventory"
    assert client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"]).status_code == 202
    done = wait_state(client, ops["gy1"], plan["id"], ("succeeded", "failed"))
    assert done["state"] == "succeeded", done["state_reason"]
    moved = {m["workload"]: m["to"] for m in done["moves"] if m["from"]}
    held.release.set()
    t.join(60)
    assert not t.is_alive(), "hang guard: the held sync did not finish"

    cloud = placements("gy")
    assert {w: cloud[w] for w in moved} == moved  # the cloud ran every move
    stored = _database_placements(set(cloud.values()) | set(before.values()))
    assert {w: stored[w] for w in moved} == moved  # and the stale sync did not put any back
    assert outcome["sync"].moved == {}  # it replaced no placement with its older view
    assert {w: stored.get(w) for w in cloud} == cloud


def test_the_end_of_a_plan_reads_each_move_back_from_the_cloud(client, ops) -> None:
    """What the database says after a plan is what the cloud runs; a wrong row is corrected and audited."""
    from scheduler.core.db import session_scope
    from scheduler.core.models import AuditEvent, Workload
    from scheduler.plans.reconcile import reconcile

    before = placements("gy")
    host = max({h for h in before.values() if h}, key=lambda h: sum(1 for x in before.values() if x == h))
    plan = client.post("/api/v1/plans", json={"kind": "drain", "scope": "gy", "hosts": [host]}, headers=ops["gy1"]).json()
    client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"])
    client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"])
    done = wait_state(client, ops["gy1"], plan["id"], ("succeeded", "failed"))
    assert done["state"] == "succeeded", done["state_reason"]
    moved = {m["workload"]: m["to"] for m in done["moves"] if m["from"]}
    with session_scope() as session:
        assert reconcile(session, plan["id"]) == []  # nothing to correct after a clean run
        victim = sorted(moved)[0]
        w = session.get(Workload, victim)
        w.host_id, w.placed_at = host, None  # a lost write: the database still has it on the drained host
        session.add(w)
    with session_scope() as session:
        assert reconcile(session, plan["id"]) == [{"workload": victim, "stored": host, "cloud": moved[victim]}]
    with session_scope() as session:
        assert session.get(Workload, victim).host_id == moved[victim]
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "plan.reconciled")).one()
        assert event.after["corrected"][0]["workload"] == victim
