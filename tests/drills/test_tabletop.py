"""Tabletop drills: the failover plan, the capacity check and predicted recovery times; nothing executed."""

from __future__ import annotations

import pytest

from optimizer import check_plan


@pytest.mark.parametrize("cloud", ["gz-gov", "gy"])
def test_tabletop_plans_predicts_and_executes_nothing(client, people, service, cloud) -> None:
    from sqlmodel import select

    from scheduler.core.models import AuditEvent, Cloud
    from scheduler.core.registry import get_adapters
    from scheduler.plans.models import Plan

    r = client.post("/api/v1/drills", json={"clouds": [cloud], "mode": "tabletop"}, headers=people["dr"])
    assert r.status_code == 201, r.text
    drill = r.json()
    assert drill["state"] == "closed" and drill["mode"] == "tabletop" and drill["clouds"] == [cloud]
    assert drill["progress"]["protected"] > 0

    report = client.get(f"/api/v1/drills/{drill['id']}/report", headers=people["dr"]).json()
    assert report["basis"] == "predicted"
    rows = report["systems"]
    assert rows and all(x["cloud"] == cloud for x in rows)
    placed = [x for x in rows if x["to_host"]]
    assert placed and all(x["predicted_minutes"] > 0 for x in placed)
    # The recovery model: restart time by size is the floor of each prediction; urgent ones come first.
    first = min(placed, key=lambda x: x["step"])
    assert first["priority"] == min(x["priority"] for x in placed)
    assert all(x["to_cloud"] != cloud for x in placed)
    if cloud == "gz-gov":
        assert {x["to_cloud"] for x in placed} == {"gz-backup"}
    else:
        assert {x["to_cloud"] for x in placed} <= {"gy", "gz-gov", "gz-backup"}
    by_p = report["by_priority"]["predicted"]
    assert sum(p["systems"] for p in by_p) == len(rows)
    assert report["summary"]["within_rto"] == sum(p["within_rto"] for p in by_p)
    assert report["capacity"]["protected"] == len(rows)
    assert report["capacity"]["holds"] == (not report["did_not_fit"])
    assert report["by_priority"]["measured"] is None and report["failback"] is None

    # The contract's rules, the failover priority rule included, hold for the plan on its fleet.
    with service.session() as session:
        assert session.exec(select(Plan)).all() == [], "a tabletop drill stores no plan"
        assert session.get(Cloud, cloud).status == "healthy"
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "drill"))]
    assert actions == ["drill.started", "drill.closed"]
    assert get_adapters().simulated.history() == [], "nothing executed"


def test_tabletop_plan_holds_the_priority_rule(service) -> None:
    from scheduler import plans
    from scheduler.dr import drills
    from scheduler.plans import Actor

    with service.session() as session:
        drill = drills.tabletop(session, Actor("dr", "dr-coordinator", None), ["gz-gov", "zy"])
        doc, _, _ = plans.plan_input(session, "all", None)
        plan = drill.report["plan"]
    doc["failed_clouds"] = sorted({"gz-gov", "zy"})
    doc["workloads"] = [w for w in doc["workloads"] if w["host"] is not None]  # a failover places no newcomers
    assert check_plan(doc, plan) == []
    assert all(m["from"] is not None for m in plan["moves"])
    steps = [m["step"] for m in plan["moves"]]
    assert steps == list(range(1, len(steps) + 1))
