"""The contract's example fleets and plans (copied into data/): the examples pass the checker,
and our own plans for the same fleets pass it too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import optimizer

DATA = Path(__file__).parent / "data"
NAMES = ["maintenance", "failover"]


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text())


@pytest.mark.parametrize("name", NAMES)
def test_example_plan_passes_check(name: str) -> None:
    assert optimizer.check_plan(load(f"fleet-tiny-{name}.json"), load(f"plan-tiny-{name}.json")) == []


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("mode", ["consolidate", "balance"])
def test_our_plan_passes_check_and_beats_example(name: str, mode: str) -> None:
    fleet = load(f"fleet-tiny-{name}.json")
    plan = optimizer.optimize(fleet, mode=mode, time_limit_s=2).to_document()
    assert optimizer.check_plan(fleet, plan) == []
    ex = load(f"plan-tiny-{name}.json")["stats"]
    if mode == "consolidate":
        assert plan["stats"]["active_hosts"] <= ex["active_hosts"]
    else:
        assert plan["stats"]["peak_utilisation"] <= ex["peak_utilisation"] + 1e-9


def test_checker_catches_broken_plans() -> None:
    fleet = load("fleet-tiny-maintenance.json")
    good = load("plan-tiny-maintenance.json")
    bad = json.loads(json.dumps(good))
    bad["stats"]["active_hosts"] += 1
    assert any("active_hosts" in v for v in optimizer.check_plan(fleet, bad))
    bad = json.loads(json.dumps(good))
    bad["moves"][0]["step"] = 7
    assert any("step" in v for v in optimizer.check_plan(fleet, bad))
    bad = json.loads(json.dumps(good))
    bad["moves"] = bad["moves"][1:]
    assert optimizer.check_plan(fleet, bad)  # replay no longer reaches the assignments
    bad = json.loads(json.dumps(good))
    bad["stats"]["lower_bound_hosts"] = 999
    assert any("lower_bound" in v for v in optimizer.check_plan(fleet, bad))
    # drop a running workload
    bad = json.loads(json.dumps(good))
    w = next(w for w in fleet["workloads"] if w["host"] and w["host"].startswith("gz-gov") and not
             any(m["workload"] == w["id"] for m in good["moves"]) and w["classification"] != "classified")
    del bad["assignments"][w["id"]]
    bad["unplaced"].append({"workload": w["id"], "reason": "x"})
    assert any("dropped" in v for v in optimizer.check_plan(fleet, bad))


def test_check_placement() -> None:
    fleet = load("fleet-tiny-maintenance.json")
    out = optimizer.check_placement(fleet)
    assert out and all("unschedulable" in v or "classified" in v for v in out)
    for w in fleet["workloads"]:
        if w["classification"] == "classified":
            w["host"] = None
    for h in fleet["hosts"]:
        h["schedulable"] = True
    assert optimizer.check_placement(fleet) == []
    fleet["workloads"][0]["demand"]["vcpu"] = 10_000
    assert any("over capacity" in v for v in optimizer.check_placement(fleet))


@pytest.mark.parametrize("mode", ["consolidate", "balance"])
@pytest.mark.parametrize("limit", [0.05, 0.3, 0.5, 0.8])
def test_a_plan_cut_short_by_its_time_limit_still_keeps_every_rule(mode: str, limit: float) -> None:
    """A solver stopped early must never hand a waiting protected workload's room to a lower priority."""
    fleet = load("fleet-tiny-failover.json")
    plan = optimizer.optimize(fleet, mode=mode, time_limit_s=limit).to_document()
    assert optimizer.check_plan(fleet, plan) == []


def test_checker_reports_a_plan_for_a_fleet_that_changed() -> None:
    """A plan made before the fleet changed gets violations, never a KeyError from the replay."""
    fleet = load("fleet-tiny-maintenance.json")
    plan = load("plan-tiny-maintenance.json")
    wl = {w["id"]: w for w in fleet["workloads"]}
    m = next(m for m in plan["moves"] if wl[m["workload"]].get("spread_group") and m["from"])
    # the workload has since moved to another host: the plan's move starts from the wrong one
    other = next(h["id"] for h in fleet["hosts"] if h["id"] not in (m["from"], m["to"]))
    changed = json.loads(json.dumps(fleet))
    next(w for w in changed["workloads"] if w["id"] == m["workload"])["host"] = other
    out = optimizer.check_plan(changed, plan)
    assert any(f"{m['workload']} moves from {m['from']!r} but is on {other!r}" in v for v in out), out
    # the workload has left the fleet's hosts list: its move starts from a host that no longer exists
    gone = json.loads(json.dumps(fleet))
    gone["hosts"] = [h for h in gone["hosts"] if h["id"] != m["from"]]
    for w in gone["workloads"]:
        if w["host"] == m["from"]:
            w["host"] = None
    out = optimizer.check_plan(gone, plan)
    assert any("not a host" in v for v in out), out
    # a workload listed unplaced that still moves (spread group member)
    bad = json.loads(json.dumps(plan))
    del bad["assignments"][m["workload"]]
    bad["unplaced"].append({"workload": m["workload"], "reason": "x"})
    out = optimizer.check_plan(fleet, bad)
    assert any("listed unplaced but moves" in v for v in out), out
