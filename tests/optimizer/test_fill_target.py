"""Fill targets (objective.fill_target): no host that receives a workload ends a move above its target.

The property is checked twice: by the checker, and here by a replay written for this test alone
(the share of capacity each destination holds after each move, and whether it was above its
target before the plan).
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import optimizer
from optimizer.fleet import FleetError
from tests.optimizer.test_properties import CLOUDS, SETTINGS, fleets, stuck_swap

TARGETS = st.fixed_dictionaries({}, optional={"vcpu": st.sampled_from([0.5, 0.7, 0.85, 1.0]),
                                              "memory_gib": st.sampled_from([0.6, 0.9])})


def receivers_above_target(doc: dict, plan: dict) -> list[str]:
    """Every move whose destination is above its fill target after the move, or was before the plan."""
    target = doc["objective"].get("fill_target") or {}
    cap = {h["id"]: h["capacity"] for h in doc["hosts"]}
    dem = {w["id"]: w["demand"] for w in doc["workloads"]}
    where = {w["id"]: w["host"] for w in doc["workloads"] if w["host"]}
    load = {h: {r: 0.0 for r in doc["resources"]} for h in cap}
    for w, h in where.items():
        for r, x in dem[w].items():
            load[h][r] += x
    above_before = {h for h in cap if any(load[h][r] > t * cap[h].get(r, 0) + 1e-6 for r, t in target.items())}
    gone = {u["workload"] for u in plan["unplaced"]}
    for w in gone:
        h = where.pop(w, None)
        for r, x in dem[w].items():
            if h is not None:
                load[h][r] -= x
    bad = []
    for m in plan["moves"]:
        w, dst = m["workload"], m["to"]
        if where.get(w):
            for r, x in dem[w].items():
                load[where[w]][r] -= x
        where[w] = dst
        for r, x in dem[w].items():
            load[dst][r] += x
        if dst in above_before:
            bad.append(f"step {m['step']}: {dst} was above its target before the plan")
        for r, t in target.items():
            if load[dst][r] > t * cap[dst].get(r, 0) + 1e-6:
                bad.append(f"step {m['step']}: {dst} at {load[dst][r]:g} {r} of {cap[dst][r]:g} (target {t})")
    return bad


@SETTINGS
@given(fleets(), TARGETS, st.sampled_from(["consolidate", "balance"]))
def test_no_plan_puts_a_receiving_host_above_its_target(doc: dict, target: dict, mode: str) -> None:
    doc["objective"]["mode"] = mode
    doc["objective"]["fill_target"] = target
    assume(not stuck_swap(doc))
    plan = optimizer.optimize(doc, time_limit_s=0.4).to_document()
    assert receivers_above_target(doc, plan) == []
    assert optimizer.check_plan(doc, plan) == []
    assert plan["stats"]["lower_bound_hosts"] <= plan["stats"]["active_hosts"]


def _host(i: int, cloud: str = "gy") -> dict:
    return {"id": f"{cloud}-h{i}", "cloud": cloud, "schedulable": True, "capacity": {"vcpu": 100, "memory_gib": 400}}


def _wl(i: int, host: str | None, vcpu: float, mem: float = 10) -> dict:
    return {"id": f"w-{i}", "department": "d", "tier": "city", "city": "guiyang", "industry": None,
            "classification": "internal", "mlps_level": 2, "demand": {"vcpu": vcpu, "memory_gib": mem},
            "host": host, "spread_group": None, "pinned": False, "role": "primary", "dr": {"protected": False}}


def _fleet(hosts: list[dict], workloads: list[dict], target: dict | None) -> dict:
    obj: dict = {"mode": "consolidate", "max_migrations": None, "time_limit_s": 2}
    if target is not None:
        obj["fill_target"] = target
    return {"resources": ["vcpu", "memory_gib"], "clouds": [c for c in copy.deepcopy(CLOUDS) if c["id"] == "gy"],
            "hosts": hosts, "workloads": workloads, "objective": obj, "failed_clouds": []}


def test_consolidation_stops_at_the_target_that_without_it_fills_hosts_full() -> None:
    """Six hosts at 30 % vCPU: without a target two hosts hold everything (90 %), with 0.85 three (60 %)."""
    hosts = [_host(i) for i in range(6)]
    wls = [_wl(i, f"gy-h{i}", 30) for i in range(6)]
    full = optimizer.optimize(_fleet(hosts, wls, None)).to_document()
    assert full["stats"]["active_hosts"] == 2 and full["stats"]["peak_utilisation"] == pytest.approx(0.9)
    doc = _fleet(hosts, wls, {"vcpu": 0.85})
    plan = optimizer.optimize(doc).to_document()
    assert plan["stats"]["active_hosts"] == 3
    assert plan["stats"]["peak_utilisation"] == pytest.approx(0.6)  # of the capacity, as the contract says
    assert plan["stats"]["lower_bound_hosts"] == 3  # the bound is on the targeted capacities
    assert optimizer.check_plan(doc, plan) == [] and receivers_above_target(doc, plan) == []


def test_a_host_above_its_target_keeps_its_load_and_receives_nothing() -> None:
    """gy-h0 at 95 % is not invalid: nothing leaves it. It may not receive, so the small ones go to gy-h1."""
    hosts = [_host(0), _host(1), _host(2)]
    wls = [_wl(0, "gy-h0", 95), _wl(1, "gy-h1", 20), _wl(2, "gy-h2", 3)]
    doc = _fleet(hosts, wls, {"vcpu": 0.85})
    plan = optimizer.optimize(doc).to_document()
    assert plan["assignments"]["w-0"] == "gy-h0"
    assert plan["assignments"]["w-2"] == "gy-h1" and plan["stats"]["active_hosts"] == 2
    assert optimizer.check_plan(doc, plan) == []


def test_the_checker_refuses_a_move_onto_a_host_above_target_and_one_that_ends_above() -> None:
    hosts = [_host(0), _host(1), _host(2)]
    wls = [_wl(0, "gy-h0", 90), _wl(1, "gy-h1", 80), _wl(2, "gy-h2", 10)]
    doc = _fleet(hosts, wls, {"vcpu": 0.85})

    def plan(to: str, load: float) -> dict:
        assignments = {"w-0": "gy-h0", "w-1": "gy-h1", "w-2": to}
        return {"assignments": assignments, "unplaced": [],
                "moves": [{"step": 1, "workload": "w-2", "from": "gy-h2", "to": to, "reason": "empties gy-h2"}],
                "stats": {"active_hosts": 2, "migrations": 1, "lower_bound_hosts": 2, "peak_utilisation": load,
                          "solve_seconds": 0.1, "status": "feasible"}}

    onto_full = optimizer.check_plan(doc, plan("gy-h0", 1.0))
    assert onto_full == ["move 1: w-2 moves onto host gy-h0, above its fill target before the plan"]
    above = optimizer.check_plan(doc, plan("gy-h1", 0.9))
    assert above == ["move 1: host gy-h1 above its fill target on vcpu after moving w-2"]
    del doc["objective"]["fill_target"]  # the contract as it was: both plans are valid
    assert optimizer.check_plan(doc, plan("gy-h0", 1.0)) == []
    assert optimizer.check_plan(doc, plan("gy-h1", 0.9)) == []


@pytest.mark.parametrize("value, message", [
    (1.5, "objective.fill_target.vcpu: must be a number > 0 and <= 1, got 1.5"),
    (0, "objective.fill_target.vcpu: must be a number > 0 and <= 1, got 0"),
    ("0.8", "objective.fill_target.vcpu: must be a number > 0 and <= 1, got '0.8'"),
])
def test_a_bad_fill_target_is_refused_naming_the_field(value: object, message: str) -> None:
    doc = _fleet([_host(0)], [], {"vcpu": value})
    with pytest.raises(FleetError) as e:
        optimizer.parse_fleet(doc)
    assert str(e.value) == message


def test_a_fill_target_of_an_unknown_resource_or_not_an_object_is_refused() -> None:
    with pytest.raises(FleetError, match=r"^objective.fill_target.gpu: unknown resource name"):
        optimizer.parse_fleet(_fleet([_host(0)], [], {"gpu": 0.5}))
    with pytest.raises(FleetError, match=r"^objective.fill_target: must be an object"):
        optimizer.parse_fleet(_fleet([_host(0)], [], [0.8]))  # type: ignore[arg-type]


@SETTINGS
@given(fleets(), TARGETS, st.sets(st.sampled_from(["gz-gov", "gy", "lps", "edu", "gz-backup"]), min_size=1, max_size=2))
def test_failover_restarts_respect_the_targets_too(doc: dict, target: dict, failed: set[str]) -> None:
    doc["objective"]["fill_target"] = target
    plan = optimizer.failover(doc, sorted(failed), time_limit_s=0.4).to_document()
    doc["failed_clouds"] = sorted(failed)
    assert receivers_above_target(doc, plan) == []
    assert optimizer.check_plan(doc, plan) == []
