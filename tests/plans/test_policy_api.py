"""The policy as the service applies it: served, explained, refused when malformed, and scheduled plans."""

from __future__ import annotations

import os
import subprocess

from tests.support import LAB, QIANYUN, login, make_user


def test_the_effective_policy_is_served(client, ops) -> None:
    body = client.get("/api/v1/policy", headers=ops["gy1"]).json()
    names = [r["name"] for r in body["approvals"]]
    assert len(names) >= 5 and body["execution"]["max_concurrent_moves_per_cloud"] >= 1
    assert client.get("/api/v1/policy").status_code == 401


def test_explain_says_which_rule_says_no(client, ops, service) -> None:
    from sqlmodel import select

    from scheduler.core.models import Workload

    with service.session() as session:
        w = session.exec(select(Workload).where(Workload.city == "guiyang", Workload.industry.is_(None),  # type: ignore[union-attr]
                                                Workload.classification != "classified")).first()
    yes = client.get("/api/v1/policy/explain", params={"workload": w.id, "cloud": "gy"}, headers=ops["prov"]).json()
    assert yes["allowed"] is True
    no = client.get("/api/v1/policy/explain", params={"workload": w.id, "cloud": "zy"}, headers=ops["prov"]).json()
    assert no["allowed"] is False
    refusing = [c for c in no["checks"] if not c["passed"]]
    assert refusing and "zy" in refusing[0]["message"]
    every = client.get("/api/v1/policy/explain", params={"workload": w.id}, headers=ops["prov"]).json()
    assert "gy" in every["eligible"] and "zy" not in every["eligible"] and len(every["clouds"]) == 14
    r = client.get("/api/v1/policy/explain", params={"workload": w.id, "cloud": "mars"}, headers=ops["prov"])
    assert r.status_code == 422 and r.json()["field"] == "cloud"
    r = client.get("/api/v1/policy/explain", params={"workload": w.id}, headers=ops["zy1"])
    assert r.status_code == 404


def test_a_malformed_site_policy_stops_the_service_at_start(tmp_path, service) -> None:
    bad = tmp_path / "site.yaml"
    bad.write_text("execution:\n  retries: 3\n  max_concurrent_moves_per_cloud: -2\n")
    env = {**os.environ, "QIANYUN_POLICY_FILE": str(bad)}
    r = subprocess.run([QIANYUN, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    line = r.stderr.strip()
    assert len(line.splitlines()) == 1 and "line 3" in line and "max_concurrent_moves_per_cloud" in line


def test_scheduled_rebalancing_proposes_but_never_executes_without_auto_approval(service) -> None:
    from scheduler.core.db import session_scope
    from scheduler.core.registry import get_adapters
    from scheduler.loop import run_scheduled_proposal
    from scheduler.plans.models import Plan

    plan_id = run_scheduled_proposal({"scope": "gy", "kind": "rebalance", "objective": "consolidate"})
    with session_scope() as session:
        plan = session.get(Plan, plan_id)
        assert plan.state == "proposed" and plan.proposer == "system:schedule"
    assert get_adapters().simulated.history() == []


def test_scheduled_rebalancing_runs_when_the_policy_auto_approves_it(service, monkeypatch, tmp_path) -> None:
    import time

    from scheduler.core.db import session_scope
    from scheduler.core.policy import _policy_for
    from scheduler.core.registry import get_adapters
    from scheduler.loop import run_scheduled_proposal
    from scheduler.plans.models import Plan

    site = tmp_path / "site.yaml"
    site.write_text("auto_approve:\n  - {scope: gy, kinds: [rebalance], max_moves: 500}\n" + LAB)
    monkeypatch.setenv("QIANYUN_POLICY_FILE", str(site))
    from scheduler.core.settings import get_settings

    get_settings.cache_clear()
    _policy_for.cache_clear()
    plan_id = run_scheduled_proposal({"scope": "gy", "kind": "rebalance", "objective": "consolidate"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with session_scope() as session:
            state = session.get(Plan, plan_id).state
        if state not in ("approved", "executing"):
            break
        time.sleep(0.1)
    assert state == "succeeded"
    assert get_adapters().simulated.history()


def test_moves_run_together_only_when_no_host_is_left_and_entered_and_within_the_per_cloud_cap(client, ops, service) -> None:
    """The executor's batches: a move never runs beside one that leaves the host it enters (it may
    need that room), and no cloud has more moves in flight than the policy allows."""
    from dataclasses import replace

    from scheduler.core.db import session_scope
    from scheduler.core.policy import get_policy
    from scheduler.plans.executor import _next_batch
    from scheduler.plans.models import Plan, PlanAction

    make_user("prov2", "province-operator")
    h = login(client, "prov2")
    plan = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "all"}, headers=h).json()
    with session_scope() as session:
        p = session.get(Plan, plan["id"])
        for m in p.document["moves"]:
            session.add(PlanAction(plan_id=p.id, step=m["step"], workload_id=m["workload"], from_host=m["from"],
                                   to_host=m["to"], reason=m["reason"]))
    cloud_of = {h["id"]: h["cloud"] for h in p.fleet["hosts"]}
    with session_scope() as session:
        for cap in (1, 2, 3):
            limits = replace(get_policy().execution, max_concurrent_moves_per_cloud=cap)
            batch = _next_batch(session, plan["id"], "forward", limits)
            assert [a.step for a in batch] == list(range(1, len(batch) + 1))
            sources = {a.from_host for a in batch if a.from_host}
            targets = {a.to_host for a in batch}
            assert not sources & targets
            per_cloud: dict[str, int] = {}
            for a in batch:
                for c in {cloud_of[x] for x in (a.from_host, a.to_host) if x}:
                    per_cloud[c] = per_cloud.get(c, 0) + 1
            assert max(per_cloud.values()) <= cap
            if cap == 1:
                assert len(batch) == 1



def test_a_site_deny_entry_keeps_its_workloads_off_the_denied_cloud(client, ops, service, monkeypatch, tmp_path) -> None:
    from sqlmodel import select

    from scheduler.core.models import Workload
    from scheduler.core.policy import _policy_for
    from scheduler.core.settings import get_settings

    with service.session() as session:
        gy_depts = {w.department_id for w in session.exec(select(Workload).where(Workload.cloud_id == "gy"))}
    dept = sorted(gy_depts)[0]
    site = tmp_path / "site.yaml"
    site.write_text(f"placement:\n  deny:\n    - {{department: {dept}, cloud: gy, reason: audit pending}}\n" + LAB)
    monkeypatch.setenv("QIANYUN_POLICY_FILE", str(site))
    get_settings.cache_clear()
    _policy_for.cache_clear()
    plan = client.post("/api/v1/plans", json={"kind": "rebalance", "scope": "gy"}, headers=ops["gy1"]).json()
    with service.session() as session:
        denied = {w.id for w in session.exec(select(Workload).where(Workload.department_id == dept))}
    assert denied and not {m["workload"] for m in plan["moves"]} & denied
    assert plan["notes"] and all("audit pending" in n for n in plan["notes"])
    w = sorted(denied)[0]
    why = client.get("/api/v1/policy/explain", params={"workload": w, "cloud": "gy"}, headers=ops["prov"]).json()
    assert why["allowed"] is False and any(c["rule"] == "deny" and not c["passed"] for c in why["checks"])
