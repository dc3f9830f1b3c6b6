"""The power model on a three-host fleet, against figures computed by hand.

Hosts: h1 and h2 of model A (idle 100 W, full 300 W, 10 vCPU), h3 of a model the policy does not
name (the default: idle 200 W, full 500 W, 20 vCPU). w1 (4 vCPU) runs on h1, w2 (2 vCPU) on h2.
Before: h1 100 + 200 x 4/10 = 180 W, h2 100 + 200 x 2/10 = 140 W, h3 idle 200 W: 520 W.
The plan moves w2 to h1: h1 100 + 200 x 6/10 = 220 W.
"""

from __future__ import annotations

import pytest

from policies.loader import parse_policy
from policies.power import Power, Watts
from scheduler.core.energy import energy
from scheduler.plans import freed

POWER = Power(host_types={"A": Watts(100, 300)}, default=Watts(200, 500), tariff_yuan_per_kwh=0.5, hours_per_year=8760)
MODELS = {"h1": "A", "h2": "A", "h3": "Z-unlisted"}


def fleet(failed: list[str] | None = None) -> dict:
    cap = {"vcpu": 10, "memory_gib": 64, "gpu": 0, "storage_gib": 100}
    return {"resources": ["vcpu", "memory_gib", "gpu", "storage_gib"],
            "clouds": [{"id": "c1"}, {"id": "c2"}],
            "hosts": [{"id": "h1", "cloud": "c1", "capacity": cap}, {"id": "h2", "cloud": "c1", "capacity": cap},
                      {"id": "h3", "cloud": "c2", "capacity": {**cap, "vcpu": 20}}],
            "workloads": [{"id": "w1", "host": "h1", "demand": {"vcpu": 4, "memory_gib": 8}},
                          {"id": "w2", "host": "h2", "demand": {"vcpu": 2, "memory_gib": 8}}],
            "failed_clouds": failed or []}


PLAN = {"assignments": {"w1": "h1", "w2": "h1"}, "unplaced": [],
        "moves": [{"step": 1, "workload": "w2", "from": "h2", "to": "h1", "reason": "empties h2"}], "stats": {}}


def test_a_freed_host_the_plan_does_not_disable_stays_idle_and_powered() -> None:
    e = energy(POWER, fleet(), fleet(), PLAN, MODELS)
    # 520 W = 0.52 kW; x 8760 h = 4,555.2 kWh = 4.5552 MWh; x 0.5 yuan/kWh = 2,277.60 yuan
    assert e["before"] == {"kw": 0.52, "mwh_per_year": 4.555, "yuan_per_year": 2277.6, "hosts_on": 3}
    # after: h1 220 W + h2 idle 100 W + h3 idle 200 W = 520 W: nothing saved
    assert e["after"] == {"kw": 0.52, "mwh_per_year": 4.555, "yuan_per_year": 2277.6, "hosts_on": 3}
    assert e["saving"] == {"kw": 0.0, "mwh_per_year": 0.0, "yuan_per_year": 0.0}
    assert e["freed_hosts"] == 1 and e["empty_hosts_on"] == 2 and e["empty_hosts_state"] == "idle, still powered"
    # were both empty hosts off: 220 W = 0.22 kW, 1.9272 MWh, 963.60 yuan
    assert e["if_empty_hosts_off"] == {"kw": 0.22, "mwh_per_year": 1.927, "yuan_per_year": 963.6, "hosts_on": 1}


def test_a_host_the_plan_disables_is_off() -> None:
    plan = {**PLAN, freed.KEY: freed.disable_steps(7, fleet(), PLAN)}  # what a proposed plan stores: h2, freed
    e = energy(POWER, fleet(), fleet(), plan, MODELS)
    # after: h1 220 W + h3 idle 200 W = 420 W: 3.6792 MWh, 1,839.60 yuan; saved 100 W: 0.876 MWh, 438.00 yuan
    assert e["after"] == {"kw": 0.42, "mwh_per_year": 3.679, "yuan_per_year": 1839.6, "hosts_on": 2}
    assert e["saving"] == {"kw": 0.1, "mwh_per_year": 0.876, "yuan_per_year": 438.0}
    assert e["powered_off"] == ["h2"] and e["freed_hosts"] == 1 and e["empty_hosts_on"] == 1


def test_the_hosts_of_a_failed_cloud_are_down_after() -> None:
    e = energy(POWER, fleet(), fleet(["c2"]), PLAN, MODELS)
    # after: h1 220 W + h2 idle 100 W; h3 down
    assert e["after"]["kw"] == 0.32 and e["after"]["hosts_on"] == 2 and e["down"] == 1


def test_a_full_host_draws_full_watts_and_shares_are_exact() -> None:
    doc = fleet()
    doc["workloads"] = [{"id": "w1", "host": "h1", "demand": {"vcpu": 10}}, {"id": "w2", "host": "h2", "demand": {"vcpu": 1 / 3}}]
    e = energy(POWER, doc, doc, {"assignments": {"w1": "h1", "w2": "h2"}}, MODELS)
    # h1 300 W; h2 100 + 200/30 = 106.666... W; h3 200 W: 606.666... W
    assert e["before"]["kw"] == round((300 + 100 + 200 / 30 + 200) / 1000, 3) == 0.607
    assert e["before"]["yuan_per_year"] == round((300 + 100 + 200 / 30 + 200) * 8760 / 1000 * 0.5, 2)


def test_a_site_overrides_its_models_and_tariff() -> None:
    p = parse_policy("power:\n  host_types:\n    A: {idle_w: 90, full_w: 250}\n  tariff_yuan_per_kwh: 0.38\n", "site.yaml")
    assert p.power.watts("A") == Watts(90, 250) and p.power.tariff_yuan_per_kwh == 0.38
    assert p.power.watts("Inspur NF5270M6") == Watts(170, 500)  # the default's other models stay
    for bad, field in [("power: {default: {idle_w: 300, full_w: 100}}", "power.default.full_w"),
                       ("power: {tariff_yuan_per_kwh: -1}", "power.tariff_yuan_per_kwh"),
                       ("power: {hours_per_year: 9000}", "power.hours_per_year"),
                       ("power: {watts: 3}", "power.watts")]:
        with pytest.raises(Exception) as exc:
            parse_policy(bad, "site.yaml")
        assert field in str(exc.value)


def test_a_site_chooses_what_consolidation_minimises() -> None:
    """power.minimise: hosts by default; a site may set power; anything else is refused naming the field."""
    assert parse_policy("", "site.yaml").power.minimise == "hosts"
    assert parse_policy("power: {minimise: power}", "site.yaml").power.minimise == "power"
    for bad in ("power: {minimise: watts}", "power: {minimise: [power]}"):
        with pytest.raises(Exception) as exc:
            parse_policy(bad, "site.yaml")
        assert "power.minimise" in str(exc.value)
