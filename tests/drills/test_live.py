"""A live drill end to end: clouds failed, restarts measured, failback home, clouds up, drill closed."""

from __future__ import annotations

from tests.support import cloud_of_hosts, placements, wait_drill


def test_live_drill_fails_over_measures_and_fails_back(client, people, service) -> None:
    from sqlmodel import select

    from scheduler.core import audit

    from scheduler.core.models import AuditEvent, Cloud
    from scheduler.core.registry import get_adapters
    from scheduler.plans.models import Plan, PlanApproval

    before = placements()
    r = client.post("/api/v1/drills", json={"clouds": ["gy"], "mode": "live"}, headers=people["prov"])
    assert r.status_code == 202, r.text
    drill = wait_drill(client, people["prov"], r.json()["id"])
    assert drill["state"] == "closed", drill["state_reason"]
    assert drill["failover_plan"] and drill["failback_plan"] and drill["failed_over_at"] and drill["closed_at"]
    assert drill["progress"]["failover"]["state"] == "succeeded" and drill["progress"]["failback"]["state"] == "succeeded"

    report = client.get(f"/api/v1/drills/{drill['id']}/report", headers=people["dr"]).json()
    assert report["basis"] == "measured"
    rows = report["systems"]
    restarted = [x for x in rows if x["to_host"]]
    assert restarted, "gy has protected workloads that fit elsewhere"
    assert all(x["measured_minutes"] is not None and x["measured_minutes"] > 0 for x in restarted)
    assert all(x["to_cloud"] in ("gz-gov", "gz-backup") for x in restarted), "never another city's cloud"
    assert all(x["failback_state"] == "done" and x["failback_host"] for x in restarted)
    assert report["failback"]["state"] == "succeeded" and report["failback"]["done"] == len(restarted)
    assert report["by_priority"]["measured"] and report["by_priority"]["predicted"]

    # The adapters saw each restart and each return once; everything is back where it ran.
    hc = cloud_of_hosts()
    history = get_adapters().simulated.history()
    restarts = [h for h in history if h["action"] == "restart"]
    returns = [h for h in history if h["action"] == "migrate"]
    assert sorted(h["workload"] for h in restarts) == sorted(x["workload"] for x in restarted)
    assert sorted(h["workload"] for h in returns) == sorted(x["workload"] for x in restarted)
    assert all(hc[h["from_host"]] == "gy" for h in restarts) and all(hc[h["to_host"]] == "gy" for h in returns)
    assert placements() == before

    with service.session() as session:
        assert session.get(Cloud, "gy").status == "healthy"
        kinds = {p.id: p.kind for p in session.exec(select(Plan))}
        assert kinds == {drill["failover_plan"]: "failover", drill["failback_plan"]: "failback"}
        approvals = session.exec(select(PlanApproval)).all()
        assert approvals and all(a.username == "system:drill-runbook" and a.role == "drill-runbook" for a in approvals)
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "drill")
                                                  .order_by(AuditEvent.id))]
    assert actions[0] == "drill.started" and actions[-1] == "drill.closed"
    assert "drill.failing-over" in actions and "drill.failed-over" in actions and "drill.failing-back" in actions
    assert actions.count("drill.runbook.approved") == 2
    with service.session() as session:  # each runbook approval has its event: the chain verifies after a drill
        verdict = audit.verify(session)
    assert verdict.intact, verdict

    listing = client.get("/api/v1/drills", headers=people["prov"]).json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == drill["id"]
