"""Plans operators can trust: within the fill targets, freed hosts disabled last and enabled again by
a rollback, pause and resume, one count of moves, and who must approve next named."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from optimizer import check_plan
from tests.support import placements, wait_state


def _propose(client, headers, scope: str = "gy") -> dict:
    r = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": scope, "objective": "consolidate"},
                    headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _run(client, ops, plan: dict) -> None:
    assert client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"]).status_code == 200
    assert client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"]).status_code == 202


def _schedulable() -> dict[str, bool]:
    from scheduler.core.registry import get_adapters

    return {h["id"]: h["schedulable"] for h in get_adapters().simulated.fleet_document()["hosts"]}


def test_the_plan_stays_within_the_policys_fill_targets(client, ops) -> None:
    plan = _propose(client, ops["gy1"])
    doc = client.get(f"/api/v1/plans/{plan['id']}/document", headers=ops["gy1"]).json()
    fleet = doc["fleet"]
    assert fleet["objective"]["fill_target"] == {"vcpu": 0.85, "memory_gib": 0.9}  # policies/default.yaml
    body = {k: doc[k] for k in ("assignments", "unplaced", "moves", "stats")}
    assert check_plan(fleet, body) == []
    cap = {h["id"]: h["capacity"] for h in fleet["hosts"]}
    dem = {w["id"]: w["demand"] for w in fleet["workloads"]}
    receivers = {m["to"] for m in doc["moves"]}
    for h in receivers:
        for r, t in (("vcpu", 0.85), ("memory_gib", 0.9)):
            used = sum(dem[w][r] for w, x in doc["assignments"].items() if x == h)
            assert used <= t * cap[h][r] + 1e-6, (h, r, used, cap[h][r])


def test_freed_hosts_are_disabled_last_and_enabled_again_by_the_rollback(client, ops, service) -> None:
    from scheduler.core.models import Host
    from scheduler.core.registry import get_adapters

    before = placements("gy")
    plan = _propose(client, ops["gy1"])
    freed = [x["to"] for x in plan["host_actions"]]
    assert freed and all(x["kind"] == "disable-host" and x["state"] is None for x in plan["host_actions"])
    assert [x["step"] for x in plan["host_actions"]] == list(range(len(plan["moves"]) + 1,
                                                                   len(plan["moves"]) + len(freed) + 1))
    assert all(_schedulable()[h] for h in freed)
    _run(client, ops, plan)
    done = wait_state(client, ops["gy1"], plan["id"], ("succeeded", "failed"))
    assert done["state"] == "succeeded", done["state_reason"]
    assert all(x["state"] == "done" for x in done["host_actions"])
    assert not any(_schedulable()[h] for h in freed)  # the cloud's own view
    with service.session() as session:
        assert not any(session.get(Host, h).schedulable for h in freed)
    assert [x["to_host"] for x in get_adapters().simulated.host_history()] == freed
    assert not any(w in freed for w in placements("gy").values())

    assert client.post(f"/api/v1/plans/{plan['id']}/rollback", headers=ops["gy1"]).status_code == 202
    back = wait_state(client, ops["gy1"], plan["id"], ("rolled back", "failed"))
    assert back["state"] == "rolled back", back["state_reason"]
    kinds = [m["kind"] for m in back["rollback"]]
    assert kinds[:len(freed)] == ["enable-host"] * len(freed) and set(kinds[len(freed):]) == {"move"}
    assert all(_schedulable()[h] for h in freed)
    with service.session() as session:
        assert all(session.get(Host, h).schedulable for h in freed)
    after = placements()
    assert {w: after[w] for w in before} == before


def test_a_host_disabled_before_the_plan_is_not_touched_so_the_rollback_never_enables_it(client, ops) -> None:
    from scheduler.core.registry import get_adapters
    from scheduler.core.sync import sync_all

    plan = _propose(client, ops["gy1"])
    freed = [x["to"] for x in plan["host_actions"]]
    sim = get_adapters().simulated
    sim.set_host_schedulable(freed[0], False, "under repair")  # by someone else, before execution
    # the snapshot changed (the host is now unschedulable): the plan is superseded, a new one is proposed
    sync_all(get_adapters().all())
    plan = _propose(client, ops["gy1"])
    listed = [x["to"] for x in plan["host_actions"]]
    _run(client, ops, plan)
    assert wait_state(client, ops["gy1"], plan["id"], ("succeeded", "failed"))["state"] == "succeeded"
    assert [x["to_host"] for x in sim.host_history() if x["action"] == "disable"].count(freed[0]) == 1
    if freed[0] in listed:
        skipped = next(x for x in client.get(f"/api/v1/plans/{plan['id']}", headers=ops["gy1"]).json()["host_actions"]
                       if x["to"] == freed[0])
        assert skipped["state"] == "skipped" and "already disabled" in skipped["error"]
    assert client.post(f"/api/v1/plans/{plan['id']}/rollback", headers=ops["gy1"]).status_code == 202
    assert wait_state(client, ops["gy1"], plan["id"], ("rolled back", "failed"))["state"] == "rolled back"
    assert _schedulable()[freed[0]] is False  # still under repair
    assert all(_schedulable()[h] for h in listed if h != freed[0])


@pytest.fixture
def slow_moves(monkeypatch):
    from tests.conftest import _reset_caches

    monkeypatch.setenv("QIANYUN_SIM_ACTION_DELAY_S", "0.3")  # moves take time, as real migrations do
    _reset_caches()


def _wait(client, headers, plan_id: int, ok, timeout: float = 60) -> dict:
    end = time.monotonic() + timeout
    while True:
        p = client.get(f"/api/v1/plans/{plan_id}", headers=headers).json()
        if ok(p):
            return p
        assert time.monotonic() < end, p
        time.sleep(0.05)


def test_a_paused_plan_stops_after_the_move_in_flight_and_resumes_where_it_stopped(client, ops, service,
                                                                                 slow_moves) -> None:
    from scheduler.core.models import AuditEvent
    from scheduler.core.registry import get_adapters

    plan = _propose(client, ops["gy1"])
    assert len(plan["moves"]) >= 4
    _run(client, ops, plan)
    _wait(client, ops["gy1"], plan["id"], lambda p: p["progress"].get("forward_done", 0) >= 1)
    r = client.post(f"/api/v1/plans/{plan['id']}/pause", headers=ops["gy1"])
    assert r.status_code == 200 and r.json()["state"] == "paused", r.text
    settled = _wait(client, ops["gy1"], plan["id"], lambda p: not p["progress"].get("forward_running"))
    left = [m for m in settled["moves"] if m["state"] == "pending"]
    assert left, "paused before the end"
    seen = len(get_adapters().simulated.history())
    time.sleep(1.0)  # three moves' time: none starts while paused
    assert len(get_adapters().simulated.history()) == seen
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=ops["gy1"]).json()["state"] == "paused"

    r = client.post(f"/api/v1/plans/{plan['id']}/resume", headers=ops["gy1"])
    assert r.status_code == 202 and r.json()["state"] == "executing", r.text
    assert r.json()["state_reason"] == f"resumed by gy1: {len(left) + len(plan['host_actions'])} step(s) left"
    done = wait_state(client, ops["gy1"], plan["id"], ("succeeded", "failed"), timeout=120)
    assert done["state"] == "succeeded", done["state_reason"]
    assert len(get_adapters().simulated.history()) == len(plan["moves"])  # each move exactly once
    with service.session() as session:
        trail = [(e.action, e.actor) for e in session.exec(select(AuditEvent).where(
            AuditEvent.entity == "plan", AuditEvent.entity_id == str(plan["id"])).order_by(AuditEvent.id))
            if e.action in ("plan.paused", "plan.executing")]
    assert trail == [("plan.executing", "gy1"), ("plan.paused", "gy1"), ("plan.executing", "gy1")]


def test_a_paused_plan_may_be_rolled_back(client, ops, slow_moves) -> None:
    before = placements("gy")
    plan = _propose(client, ops["gy1"])
    _run(client, ops, plan)
    _wait(client, ops["gy1"], plan["id"], lambda p: p["progress"].get("forward_done", 0) >= 1)
    assert client.post(f"/api/v1/plans/{plan['id']}/pause", headers=ops["gy1"]).status_code == 200
    r = client.post(f"/api/v1/plans/{plan['id']}/rollback", headers=ops["gy1"])
    assert r.status_code == 202 and r.json()["state"] == "rolling back", r.text
    back = wait_state(client, ops["gy1"], plan["id"], ("rolled back", "failed"), timeout=120)
    assert back["state"] == "rolled back", back["state_reason"]
    assert not [m for m in back["moves"] if m["state"] == "running"]
    after = placements()
    assert {w: after[w] for w in before} == before


def test_pause_and_resume_refusals_name_the_field(client, ops, service) -> None:
    plan = _propose(client, ops["gy1"])
    for verb, word in (("pause", "executing"), ("resume", "paused")):
        r = client.post(f"/api/v1/plans/{plan['id']}/{verb}", headers=ops["gy1"])
        assert r.status_code == 409 and r.json()["field"] == "state", r.text
        assert r.json()["detail"] == f"state: plan {plan['id']} is proposed; " + (
            "this needs it executing" if verb == "pause" else "only a paused plan can be resumed")
        assert word in r.json()["detail"]
    r = client.post(f"/api/v1/plans/{plan['id']}/pause", headers=ops["aud"])
    assert r.status_code == 403
    r = client.post(f"/api/v1/plans/{plan['id']}/resume", headers=ops["zy1"])
    assert r.status_code == 404 and r.json()["field"] == "plan_id"  # another city's plan: as if it did not exist
    assert client.get(f"/api/v1/plans/{plan['id']}", headers=ops["gy1"]).json()["state"] == "proposed"

    from scheduler.core.accounts import Actor
    from scheduler.core.refusal import Refusal
    from scheduler.plans import pause
    from scheduler.plans.models import Plan

    with service.session() as session:  # a drill's failover is aborted, not paused
        p = Plan(kind="failover", scope="all", proposer="prov", fingerprint="x", fleet={}, document={"moves": []},
                 required_approvals=[], state="executing")
        session.add(p)
        session.commit()
        with pytest.raises(Refusal) as refused:
            pause(session, Actor("prov", "province-operator", None), p)
        assert (refused.value.status, refused.value.field) == (409, "kind")


def test_one_count_of_moves_in_the_stats_the_approvals_and_the_list(client, ops) -> None:
    plan = _propose(client, ops["gy1"])
    c = plan["move_counts"]
    assert c["moves"] == len(plan["moves"]) == plan["progress"]["total"] - len(plan["host_actions"])
    assert c["migrations"] + c["placements"] + c["restarts"] == c["moves"]
    assert c["migrations"] == plan["stats"]["migrations"] == sum(1 for m in plan["moves"] if m["from"])
    assert c["hosts_disabled"] == len(plan["host_actions"])
    # one scope: its approval covers every move of the plan
    assert [a["moves"] for a in plan["approvals"]] == [c["moves"]]
    listed = client.get("/api/v1/plans", headers=ops["gy1"]).json()["items"]
    assert next(p["moves"] for p in listed if p["id"] == plan["id"]) == c["moves"]


def test_who_must_approve_next_is_named_and_cleared_once_approved(client, ops) -> None:
    plan = _propose(client, ops["gy1"])
    assert plan["next_approvers"] == [{"scope": "city:gy", "role": "city-operator", "accounts": ["gy1", "gy2"]}]
    cross = _propose(client, ops["prov"], scope="all")
    if cross["pending_approvals"]:
        named = {n["scope"]: n for n in cross["next_approvers"]}
        assert set(named) == set(cross["pending_approvals"])
        if "province" in named:
            assert named["province"]["role"] == "province-operator" and "prov" in named["province"]["accounts"]
    approved = client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy2"]).json()
    assert approved["state"] == "approved" and approved["next_approvers"] == []


def test_a_step_that_fails_while_the_plan_is_paused_fails_the_plan(client, ops, monkeypatch) -> None:
    """Paused during a step's retries, the step then failing: the plan fails (naming the step) instead of
    staying paused, where a resume would have passed over the failed step."""
    from tests.conftest import _reset_caches

    plan = _propose(client, ops["gy1"])
    assert client.post(f"/api/v1/plans/{plan['id']}/approve", headers=ops["gy1"]).status_code == 200
    monkeypatch.setenv("QIANYUN_SIM_FAIL_RATE", "1.0")  # every attempt fails; the retries back off 0.5+1+2 s
    _reset_caches()
    assert client.post(f"/api/v1/plans/{plan['id']}/execute", headers=ops["gy1"]).status_code == 202
    r = client.post(f"/api/v1/plans/{plan['id']}/pause", headers=ops["gy1"])
    assert r.status_code == 200 and r.json()["state"] == "paused", r.text
    end = _wait(client, ops["gy1"], plan["id"], lambda p: p["state"] != "paused")
    assert end["state"] == "failed" and "forward step 1" in end["state_reason"], end["state_reason"]
    assert end["moves"][0]["state"] == "failed"
    assert client.post(f"/api/v1/plans/{plan['id']}/resume", headers=ops["gy1"]).status_code == 409
