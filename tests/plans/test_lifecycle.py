"""A plan's whole life as operators live it: propose, read, approve, execute, roll back."""

from __future__ import annotations

from sqlmodel import select

from optimizer import check_plan
from tests.support import placements, wait_state


def _propose(client, headers, **body):
    r = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy", "objective": "consolidate", **body},
                    headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_city_operator_proposes_approves_and_executes_a_rebalance(client, ops, service) -> None:
    from scheduler.core.models import AuditEvent, Workload
    from scheduler.core.registry import get_adapters

    plan = _propose(client, ops["gy1"])
    assert plan["state"] == "proposed" and plan["scope"] == "gy" and plan["proposer"] == "gy1"
    assert plan["moves"], "a scattered Guiyang cloud must have something to consolidate"
    assert plan["pending_approvals"] == ["city:gy"]
    assert [a["key"] for a in plan["approvals"]] == ["city:gy"]
    stats = plan["stats"]
    assert stats["lower_bound_hosts"] <= stats["active_hosts"]
    for i, m in enumerate(plan["moves"], 1):
        assert m["step"] == i and m["reason"] and m["to"].startswith("gy-") and m["state"] is None
    assert plan["hosts"] and all(set(h["before"]) == set(h["after"]) for h in plan["hosts"])
    emptied = [h for h in plan["hosts"] if all(v == 0 for v in h["after"].values())]
    assert len(emptied) >= 1

    doc = client.get(f"/api/v1/plans/{plan['id']}/document", headers=ops["gy1"]).json()
    assert set(doc) >= {"assignments", "unplaced", "moves", "stats", "fleet"}
    assert check_plan(doc["fleet"], {k: doc[k] for k in ("assignments", "unplaced", "moves", "stats")}) == []

    approved = client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"]).json()
    assert approved["state"] == "approved" and approved["approvals"][0]["approved_by"] == "gy1"
    r = client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"])
    assert r.status_code == 202 and r.json()["state"] == "executing"
    done = wait_state(client, ops["gy1"], plan["id"], ("succeeded", "failed"))
    assert done["state"] == "succeeded", done["state_reason"]
    assert all(m["state"] == "done" for m in done["moves"])
    assert done["progress"]["forward_done"] == len(done["moves"]) + len(done["host_actions"]) == done["progress"]["total"]

    truth = placements()
    with service.session() as session:
        db = {w.id: w.host_id for w in session.exec(select(Workload))}
    for w, host in doc["assignments"].items():
        assert truth[w] == host and db[w] == host
    history = get_adapters().simulated.history()
    assert sorted((h["workload"], h["to_host"]) for h in history) == sorted((m["workload"], m["to"]) for m in doc["moves"])

    with service.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.entity == "plan",
                                                                           AuditEvent.entity_id == str(plan["id"])).order_by(AuditEvent.id))]
    assert actions[:1] == ["plan.proposed"] and "plan.approved" in actions and "plan.executing" in actions
    freed = [x["host"] for x in doc["disable_hosts"]]  # emptied: disabled after the last move
    assert freed and set(freed) <= {h["host"] for h in emptied}
    assert [(x["action"], x["to_host"]) for x in get_adapters().simulated.host_history()] == [("disable", h) for h in freed]
    assert actions.count("plan.action.done") == len(doc["moves"]) + len(freed) and actions[-1] == "plan.succeeded"


def test_rollback_restores_the_original_placement(client, ops) -> None:
    before = placements("gy")
    plan = _propose(client, ops["gy1"])
    client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"])
    client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"])
    wait_state(client, ops["gy1"], plan["id"], ("succeeded",))
    assert placements("gy") != before
    r = client.post(f"/api/v1/plans/{plan['id']}/rollback", headers=ops["gy1"])
    assert r.status_code == 202 and r.json()["state"] == "rolling back"
    back = wait_state(client, ops["gy1"], plan["id"], ("rolled back", "failed"))
    assert back["state"] == "rolled back", back["state_reason"]
    enabled = [m["to"] for m in back["rollback"] if m["kind"] == "enable-host"]
    assert enabled == [m["to"] for m in reversed(back["host_actions"])]
    assert len(back["rollback"]) == sum(1 for m in back["moves"] if m["from"]) + len(enabled)
    assert all(m["state"] == "done" for m in back["rollback"])
    after = placements()
    assert {w: after[w] for w in before} == before
    assert client.post(f"/api/v1/plans/{plan['id']}/rollback", headers=ops["gy1"]).status_code == 409


def test_drain_empties_the_host_and_moves_nothing_else(client, ops) -> None:
    gy = placements("gy")
    host = max({h for h in gy.values() if h}, key=lambda h: sum(1 for x in gy.values() if x == h))
    on_it = {w for w, h in gy.items() if h == host}
    r = client.post("/api/v1/plans", json={"kind": "drain", "scope": "gy", "hosts": [host]}, headers=ops["gy1"])
    assert r.status_code == 201, r.text
    plan = r.json()
    assert {m["workload"] for m in plan["moves"]} >= on_it - {u["workload"] for u in plan["unplaced"]}
    # a drain's migration budget is what the host holds: only its workloads migrate; the only other
    # moves are placements of workloads that were waiting for a host
    assert {m["workload"] for m in plan["moves"] if m["from"] is not None} <= on_it
    assert all(gy.get(m["workload"]) is None for m in plan["moves"] if m["from"] is None)
    assert any("drain" in m["reason"] for m in plan["moves"])
    client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"])
    client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"])
    wait_state(client, ops["gy1"], plan["id"], ("succeeded",))
    assert host not in placements("gy").values()


def test_place_pending_places_waiting_workloads_without_migrations(client, ops) -> None:
    waiting = [w for w, h in placements().items() if h is None]
    r = client.post("/api/v1/plans", json={"kind": "place-pending", "scope": "all"}, headers=ops["prov"])
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["stats"]["migrations"] == 0 and all(m["from"] is None for m in plan["moves"])
    placed = {m["workload"] for m in plan["moves"]}
    unplaced = {u["workload"]: u["reason"] for u in plan["unplaced"]}
    assert set(waiting) <= placed | set(unplaced) and all(unplaced.values())


def test_dry_run_touches_no_cloud_and_sees_a_stale_snapshot(client, ops) -> None:
    from scheduler.core.registry import get_adapters
    from scheduler.core.sync import sync_all

    plan = _propose(client, ops["gy1"])
    report = client.post(f"/api/v1/plans/{plan['id']}/dry-run", headers=ops["gy1"]).json()["dry_run"]
    assert report["ok"] is True and report["violations"] == [] and report["stale"] is None
    adapter = get_adapters().simulated
    assert adapter.history() == []
    mover = plan["moves"][0]
    adapter.migrate(mover["workload"], mover["to"])
    sync_all(adapter and [adapter])
    report = client.post(f"/api/v1/plans/{plan['id']}/dry-run", headers=ops["gy1"]).json()["dry_run"]
    assert report["ok"] is False and mover["workload"] in report["stale"]
