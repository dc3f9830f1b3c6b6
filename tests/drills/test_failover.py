"""Real failover: a cloud declared down by an operator fails over; declared up, it fails back.
A cloud that merely misses health checks is degraded and never fails over."""

from __future__ import annotations

from tests.support import cloud_of_hosts, placements, wait_state


def test_a_degraded_cloud_never_fails_over(client, people, service) -> None:
    from sqlmodel import select

    from scheduler.core.fleet import fleet_document
    from scheduler.core.models import Cloud
    from scheduler.core.registry import get_adapters
    from scheduler.core.sync import sync_all
    from scheduler.dr.models import Drill
    from scheduler.plans.models import Plan

    sim = get_adapters().simulated
    before = placements()
    for mode in ("error", "degraded"):
        sim.inject_fault("zy", True, mode)  # type: ignore[arg-type]
        for _ in range(3):  # a flapping signal: several missed checks in a row
            sync_all(get_adapters().all())
        with service.session() as session:
            assert session.get(Cloud, "zy").status == "degraded"
            assert fleet_document(session)["failed_clouds"] == []
            assert session.exec(select(Plan)).all() == [] and session.exec(select(Drill)).all() == []
        sim.inject_fault("zy", False)
    assert sim.history() == [] and placements() == before


def test_declare_down_proposes_the_failover_and_declare_up_the_failback(client, people, service) -> None:
    from sqlmodel import select

    from scheduler.core.models import AuditEvent, Cloud
    from scheduler.core.registry import get_adapters

    before = placements()
    r = client.post("/api/v1/clouds/gy/declare-down", json={"reason": "power lost at the Guiyang site"},
                    headers=people["dr"])
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["kind"] == "failover" and plan["state"] == "proposed" and plan["proposer"] == "dr"
    assert plan["pending_approvals"] == ["province"] and plan["moves"]
    assert all(m["from"].startswith("gy-") and not m["to"].startswith("gy-") for m in plan["moves"])
    assert any("not DR-protected" in u["reason"] for u in plan["unplaced"])
    with service.session() as session:
        assert session.get(Cloud, "gy").status == "failed"
    assert get_adapters().simulated.history() == [], "proposed, not executed"
    assert client.post("/api/v1/clouds/gy/declare-down", headers=people["prov"]).status_code == 409
    assert client.post("/api/v1/clouds/gz-backup/declare-down", headers=people["prov"]).status_code == 422
    assert client.post("/api/v1/clouds/nowhere/declare-down", headers=people["prov"]).status_code == 404
    assert client.post("/api/v1/clouds/zy/declare-up", headers=people["prov"]).status_code == 409
    assert client.post(f"/api/v1/failover-plans/{plan['id']}/approve", headers=people["gy1"]).status_code == 403

    r = client.post(f"/api/v1/failover-plans/{plan['id']}/approve", headers=people["dr"])
    assert r.status_code == 202, r.text
    done = wait_state(client, people["prov"], plan["id"], ("succeeded", "failed"))
    assert done["state"] == "succeeded", done["state_reason"]
    assert done["approvals"][0]["approved_by"] == "dr"
    hc = cloud_of_hosts()
    truth = placements()
    for m in plan["moves"]:
        assert hc[truth[m["workload"]]] != "gy"

    r = client.post("/api/v1/clouds/gy/declare-up", headers=people["prov"])
    assert r.status_code == 201, r.text
    back = r.json()
    assert back["kind"] == "failback" and back["state"] == "proposed"
    assert sorted(m["workload"] for m in back["moves"]) == sorted(m["workload"] for m in plan["moves"])
    assert all(hc[m["to"]] == "gy" for m in back["moves"])
    with service.session() as session:
        assert session.get(Cloud, "gy").status == "healthy"
    client.post(f"/api/v1/plans/{back['id']}/approve", headers=people["prov"])
    assert client.post(f"/api/v1/plans/{back['id']}/execute", headers=people["prov"]).status_code == 202
    assert wait_state(client, people["prov"], back["id"], ("succeeded", "failed"))["state"] == "succeeded"
    assert placements() == before
    with service.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "cloud",
                                                                           AuditEvent.entity_id == "gy"))]
    assert "cloud.declared-down" in actions and "cloud.declared-up" in actions
