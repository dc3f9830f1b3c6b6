"""Consolidation minimising power (objective.minimise "power", hosts' `power`): the plans keep every
rule of the contract, spend fewer watts than fewest-hosts plans on a mixed fleet, never more than
the fleet draws now, and state their watts by the model's formula.

The formula is written out here again on the raw documents (exact decimals), not taken from the
optimizer, so a wrong figure in the plan cannot agree with itself.
"""

from __future__ import annotations

import copy
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import optimizer
from optimizer.fleet import FleetError
from optimizer.rules import Rules, Status
from tests.optimizer.test_fill_target import TARGETS, receivers_above_target
from tests.optimizer.test_properties import CLOUDS, SETTINGS, fleets, stuck_swap

WATTS = [{"idle_w": 100, "full_w": 300}, {"idle_w": 200, "full_w": 350.5}, {"idle_w": 55.5, "full_w": 55.5}]


def with_power(doc: dict, picks: list[int]) -> dict:
    doc = copy.deepcopy(doc)
    for i, h in enumerate(doc["hosts"]):
        h["power"] = dict(WATTS[picks[i % len(picks)]])
    doc["objective"]["minimise"] = "power"
    return doc


def watts(doc: dict, where: dict[str, str]) -> Fraction:
    """The model, from the documents: an empty host 0 W; else idle + (full - idle) * vCPUs used / vCPUs."""
    used: dict[str, Fraction] = {}
    dem = {w["id"]: w["demand"] for w in doc["workloads"]}
    for w, h in where.items():
        used[h] = used.get(h, Fraction(0)) + Fraction(str(dem[w].get("vcpu", 0)))
    total = Fraction(0)
    for h in doc["hosts"]:
        if h["id"] not in used:
            continue
        idle, full = Fraction(str(h["power"]["idle_w"])), Fraction(str(h["power"]["full_w"]))
        share = min(Fraction(1), used[h["id"]] / Fraction(str(h["capacity"]["vcpu"])))
        total += idle + (full - idle) * share
    return total


def now(doc: dict) -> dict[str, str]:
    return {w["id"]: w["host"] for w in doc["workloads"] if w["host"]}


@SETTINGS
@given(fleets(), st.lists(st.integers(0, len(WATTS) - 1), min_size=1, max_size=4), TARGETS)
def test_power_plans_obey_the_contract_and_state_their_watts_exactly(doc: dict, picks: list[int],
                                                                     target: dict) -> None:
    assume(not stuck_swap(doc))
    doc = with_power(doc, picks)
    doc["objective"]["fill_target"] = target
    plan = optimizer.optimize(doc, time_limit_s=0.5).to_document()
    assert optimizer.check_plan(doc, plan) == []
    assert receivers_above_target(doc, plan) == []
    s = plan["stats"]
    assert s["lower_bound_hosts"] <= s["active_hosts"]
    assert {k: s["power_w"][k] for k in ("before", "after")} == {"before": round(float(watts(doc, now(doc))), 3),
                                                                  "after": round(float(watts(doc, plan["assignments"])), 3)}
    # a power plan states its proven watt bound, never above its own watts; optimal only at the bound
    if "bound" in s["power_w"]:
        assert s["power_w"]["bound"] <= s["power_w"]["after"]
    assert s["status"] != "optimal" or s["power_w"].get("bound") == s["power_w"]["after"]


@SETTINGS
@given(fleets(), st.lists(st.integers(0, len(WATTS) - 1), min_size=1, max_size=4))
def test_a_power_plan_that_only_moves_running_workloads_never_draws_more_than_now(doc: dict,
                                                                                 picks: list[int]) -> None:
    """Nothing to place and nothing that must move (only workloads running validly are kept): every
    move is a choice, and it is made for watts."""
    for h in doc["hosts"]:
        h["schedulable"] = True
    rules = Rules(optimizer.parse_fleet(doc))
    doc["workloads"] = [w for w, s in zip(doc["workloads"], rules.status) if s in (Status.RUNNING, Status.PINNED)]
    doc = with_power(doc, picks)
    plan = optimizer.optimize(doc, time_limit_s=0.5).to_document()
    assert optimizer.check_plan(doc, plan) == []
    assert plan["unplaced"] == []
    assert plan["stats"]["power_w"]["after"] <= plan["stats"]["power_w"]["before"]


def mixed_fleet(max_migrations: int | None = None) -> dict:
    """One province cloud: six old 32-vCPU hosts idling at 240 W (full 400 W), running two 8-vCPU
    systems each, and six new hosts of the same size idling at 120 W (full 280 W), each running one.
    Fewest hosts fills the hosts that are fullest (the old ones); fewest watts the new ones."""
    res = ["vcpu", "memory_gib"]
    hosts, workloads = [], []
    for i in range(6):
        hosts.append({"id": f"gz-gov-old{i}", "cloud": "gz-gov", "capacity": {"vcpu": 32, "memory_gib": 128},
                      "power": {"idle_w": 240, "full_w": 400}})
    for i in range(6):
        hosts.append({"id": f"gz-gov-new{i}", "cloud": "gz-gov", "capacity": {"vcpu": 32, "memory_gib": 128},
                      "power": {"idle_w": 120, "full_w": 280}})
    n = 0
    for h in hosts:
        for _ in range(2 if "old" in h["id"] else 1):
            workloads.append({"id": f"w-{n:03d}", "tier": "province", "classification": "internal",
                              "mlps_level": 2, "demand": {"vcpu": 8, "memory_gib": 16}, "host": h["id"]})
            n += 1
    return {"resources": res, "clouds": copy.deepcopy(CLOUDS[:1]), "hosts": hosts, "workloads": workloads,
            "objective": {"mode": "consolidate", "max_migrations": max_migrations, "time_limit_s": 3},
            "failed_clouds": []}


@pytest.mark.parametrize("budget", [None, 12])
def test_on_a_mixed_fleet_power_beats_host_count_in_watts(budget: int | None) -> None:
    doc = mixed_fleet(budget)
    hosts_plan = optimizer.optimize(doc).to_document()
    power_doc = copy.deepcopy(doc)
    power_doc["objective"]["minimise"] = "power"
    power_plan = optimizer.optimize(power_doc).to_document()
    for d, p in ((doc, hosts_plan), (power_doc, power_plan)):
        assert optimizer.check_plan(d, p) == []
        assert p["unplaced"] == []
    hp, pp = hosts_plan["stats"]["power_w"], power_plan["stats"]["power_w"]
    assert hp["before"] == pp["before"] == float(watts(doc, now(doc)))
    assert pp["after"] < hp["after"]
    assert pp["after"] <= pp["before"]
    assert pp["after"] == float(watts(doc, power_plan["assignments"]))
    # the work ends on the hosts that idle low: 18 systems of 8 vCPUs fill 4.5 new hosts
    used = set(power_plan["assignments"].values())
    assert used <= {h["id"] for h in doc["hosts"] if "new" in h["id"]} or budget is not None
    assert power_plan["stats"]["migrations"] <= (budget if budget is not None else 10**9)


def test_without_power_fields_the_plan_is_exactly_todays() -> None:
    """Hosts' `power` without `minimise: power` changes no move: the same plan as a document without
    it (the contract as it was), and only the stats gain `power_w`."""
    with_watts = mixed_fleet()
    bare = copy.deepcopy(with_watts)
    for h in bare["hosts"]:
        del h["power"]
    plan = optimizer.optimize(bare).to_document()
    assert "power_w" not in plan["stats"]
    again = optimizer.optimize(with_watts).to_document()
    assert again["assignments"] == plan["assignments"]
    assert [(m["workload"], m["from"], m["to"]) for m in again["moves"]] == \
        [(m["workload"], m["from"], m["to"]) for m in plan["moves"]]
    assert {k: v for k, v in again["stats"].items() if k not in ("power_w", "solve_seconds")} == \
        {k: v for k, v in plan["stats"].items() if k != "solve_seconds"}


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["hosts"][0].update(power={"idle_w": -1, "full_w": 300}),
     "hosts[gz-gov-old0].power.idle_w: must be a number >= 0"),
    (lambda d: d["hosts"][0].update(power={"idle_w": 300, "full_w": 200}),
     "hosts[gz-gov-old0].power.full_w: must be >= idle_w (300), got 200"),
    (lambda d: d["hosts"][1].update(power={"idle_w": 100}), "hosts[gz-gov-old1].power.full_w: required field is missing"),
    (lambda d: d["hosts"][1].update(power={"idle_w": 100, "full_w": "lots"}),
     "hosts[gz-gov-old1].power.full_w: must be a number"),
    (lambda d: d["hosts"][2].update(power=[100, 200]), "hosts[gz-gov-old2].power: must be an object"),
    (lambda d: d["hosts"][2].update(power={"idle_w": 1, "full_w": 2, "peak_w": 3}),
     "hosts[gz-gov-old2].power.peak_w: unknown field"),
    (lambda d: d["objective"].update(minimise="watts"), "objective.minimise: must be one of hosts, power, got 'watts'"),
    (lambda d: d["objective"].update(minimise="power", mode="balance"),
     "objective.minimise: 'power' applies to mode consolidate"),
    (lambda d: (d["objective"].update(minimise="power"), d["hosts"][3].pop("power")),
     "hosts[gz-gov-old3].power: required when objective.minimise is 'power'"),
])
def test_a_bad_power_or_minimise_is_refused_naming_the_field(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    doc = mixed_fleet()
    mutate(doc)
    with pytest.raises(FleetError) as e:
        optimizer.optimize(doc)
    assert message in str(e.value)


def test_the_policy_and_the_optimizer_share_one_formula() -> None:
    """policies/power.py (and so the energy report) computes a host's watts with the optimizer's formula."""
    from policies.power import Watts

    w = Watts(120.0, 280.5)
    for share in (Fraction(0), Fraction(1, 3), Fraction(1), Fraction(3, 2)):
        assert w.at(share) == optimizer.power.watts_at(Fraction("120"), Fraction("280.5"), share)
    assert w.at(Fraction(1, 2)) == Fraction("200.25")
