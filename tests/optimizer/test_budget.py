"""A migration budget is spent on freeing hosts, not held back for steps aside the order does not need."""

from __future__ import annotations

import optimizer

CLOUD = [{"id": "gz-gov", "kind": "province", "city": None, "industry": None, "mlps_level": 3}]


def fleet(budget: int) -> dict:
    """One big host half full and ten small hosts with one small workload each: every move of a
    small workload onto the big host frees a host, and no move ever waits for another."""
    hosts = [{"id": "big", "cloud": "gz-gov", "capacity": {"cpu": 100}}]
    hosts += [{"id": f"s{i}", "cloud": "gz-gov", "capacity": {"cpu": 10}} for i in range(10)]
    ws = [{"id": "anchor", "tier": "province", "classification": "internal", "mlps_level": 1,
           "demand": {"cpu": 50}, "host": "big"}]
    ws += [{"id": f"w{i}", "tier": "province", "classification": "internal", "mlps_level": 1,
            "demand": {"cpu": 3}, "host": f"s{i}"} for i in range(10)]
    return {"resources": ["cpu"], "clouds": CLOUD, "hosts": hosts, "workloads": ws,
            "objective": {"mode": "consolidate", "max_migrations": budget, "time_limit_s": 2}}


def test_the_whole_budget_frees_hosts_when_no_move_needs_a_third_host() -> None:
    for budget in (1, 5, 9):
        doc = fleet(budget)
        plan = optimizer.optimize(doc).to_document()
        assert optimizer.check_plan(doc, plan) == []
        assert plan["stats"]["migrations"] == budget
        assert plan["stats"]["active_hosts"] == 11 - budget
