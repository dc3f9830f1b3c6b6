"""Move sequencing: every prefix is safe; swaps that cannot be ordered go through a third host."""

from __future__ import annotations

import pytest

import optimizer
from optimizer.rules import Rules
from optimizer.sequence import SequenceError, sequence

CLOUD = [{"id": "gz-gov", "kind": "province", "city": None, "industry": None, "mlps_level": 3}]


def fleet(n_hosts: int, ws: list[tuple[str, int, str | None, str | None]], cap: int = 10) -> dict:
    return {"resources": ["cpu"], "clouds": CLOUD,
            "hosts": [{"id": f"h{i}", "cloud": "gz-gov", "capacity": {"cpu": cap}} for i in range(n_hosts)],
            "workloads": [{"id": w, "tier": "province", "classification": "internal", "mlps_level": 1,
                           "demand": {"cpu": c}, "host": h, "spread_group": g} for w, c, h, g in ws]}


def test_swap_needs_a_third_host() -> None:
    doc = fleet(3, [("a", 8, "h0", None), ("b", 8, "h1", None)])
    rules = Rules(optimizer.parse_fleet(doc))
    steps = sequence(rules, {0: 0, 1: 1}, {0: 1, 1: 0}, extra_budget=5)
    assert len(steps) == 3 and sum(s.via for s in steps) == 1
    assert steps[0].dst == 2  # the step aside goes to the free third host
    # replay: capacity holds after every step
    load = {0: 8, 1: 8, 2: 0}
    for s in steps:
        load[s.src] -= 8
        load[s.dst] += 8
        assert max(load.values()) <= 10


def test_swap_without_third_host_or_budget_is_refused() -> None:
    doc = fleet(2, [("a", 8, "h0", None), ("b", 8, "h1", None)])
    rules = Rules(optimizer.parse_fleet(doc))
    with pytest.raises(SequenceError):
        sequence(rules, {0: 0, 1: 1}, {0: 1, 1: 0}, extra_budget=5)
    doc = fleet(3, [("a", 8, "h0", None), ("b", 8, "h1", None)])
    with pytest.raises(SequenceError):
        sequence(Rules(optimizer.parse_fleet(doc)), {0: 0, 1: 1}, {0: 1, 1: 0}, extra_budget=0)


def test_spread_group_swap_is_ordered_safely() -> None:
    # a and b share a spread group; both must trade places: never on one host at once
    doc = fleet(3, [("a", 1, "h0", "g"), ("b", 1, "h1", "g")])
    rules = Rules(optimizer.parse_fleet(doc))
    steps = sequence(rules, {0: 0, 1: 1}, {0: 1, 1: 0}, extra_budget=5)
    where = {0: 0, 1: 1}
    for s in steps:
        where[s.workload] = s.dst
        assert where[0] != where[1]
    assert where == {0: 1, 1: 0}


def test_chain_is_ordered_without_extra_moves() -> None:
    # h0 -> h1 must wait for h1 -> h2 to leave first
    doc = fleet(3, [("a", 6, "h0", None), ("b", 6, "h1", None)])
    rules = Rules(optimizer.parse_fleet(doc))
    steps = sequence(rules, {0: 0, 1: 1}, {0: 1, 1: 2}, extra_budget=0)
    assert [(s.workload, s.dst) for s in steps] == [(1, 2), (0, 1)]


def test_plan_with_third_host_counts_the_extra_move() -> None:
    """A full optimize whose best plan is a drain that needs a cycle broken still checks out."""
    doc = fleet(4, [("a", 8, "h0", None), ("b", 8, "h1", None), ("c", 3, "h2", None), ("d", 3, "h3", None)])
    plan = optimizer.optimize(doc, time_limit_s=1).to_document()
    assert optimizer.check_plan(doc, plan) == []
    assert plan["stats"]["migrations"] == sum(1 for m in plan["moves"] if m["from"])


def test_a_swap_with_no_third_host_inside_a_spread_group_still_gives_a_safe_plan() -> None:
    """Two workloads of one spread group must trade clouds and nothing else has room: the plan must
    not crash or order an unsafe step; one of them waits (unplaced, with a reason)."""
    doc = {
        "resources": ["vcpu", "memory_gib", "gpu"],
        "clouds": [{"id": "gz-gov", "kind": "province", "city": None, "industry": None, "mlps_level": 3},
                   {"id": "lps", "kind": "city", "city": "liupanshui", "industry": None, "mlps_level": 2},
                   {"id": "edu", "kind": "industry", "city": None, "industry": "education", "mlps_level": 2}],
        "hosts": [{"id": "lps-h00", "cloud": "lps", "capacity": {"vcpu": 16, "memory_gib": 64, "gpu": 0}},
                  {"id": "edu-h01", "cloud": "edu", "capacity": {"vcpu": 16, "memory_gib": 64, "gpu": 0}}],
        "workloads": [
            {"id": "w-a", "department": "d", "tier": "county", "city": "liupanshui", "industry": None,
             "classification": "public", "mlps_level": 1, "demand": {"vcpu": 2, "memory_gib": 8, "gpu": 0},
             "host": "edu-h01", "spread_group": "sys-2"},
            {"id": "w-b", "department": "d", "tier": "city", "city": None, "industry": "education",
             "classification": "public", "mlps_level": 1, "demand": {"vcpu": 2, "memory_gib": 8, "gpu": 0},
             "host": "lps-h00", "spread_group": "sys-2"},
        ],
        "objective": {"mode": "consolidate", "max_migrations": None, "time_limit_s": 1},
    }
    plan = optimizer.optimize(doc).to_document()
    assert len(plan["unplaced"]) == 1 and plan["unplaced"][0]["reason"]
    assert plan["moves"] and all(m["reason"] for m in plan["moves"])
    # replay: no step ever puts two members of sys-2 on one host
    where = {"w-a": "edu-h01", "w-b": "lps-h00"}
    where.pop(plan["unplaced"][0]["workload"])
    for m in plan["moves"]:
        where[m["workload"]] = m["to"]
        assert len(set(where.values())) == len(where)


def test_new_placements_wait_when_they_would_fill_the_room_a_swap_needs() -> None:
    """Found by the property test: x and y go to h1 and z to h0, no third host. Placed in document
    order, the new n takes the room on h0 that z needs, while y waits for z to leave h1: a cycle.
    The migrations run first and n last, where it fits as in the final state."""
    sizes = [4, 4, 4, 6]
    doc = fleet(2, [("x", 4, "h0", None), ("y", 4, "h0", None), ("n", 4, None, None), ("z", 6, "h1", None)])
    rules = Rules(optimizer.parse_fleet(doc))
    steps = sequence(rules, {0: 0, 1: 0, 3: 1}, {0: 1, 1: 1, 2: 0, 3: 0}, extra_budget=5)
    assert [(s.workload, s.dst) for s in steps] == [(0, 1), (3, 0), (1, 1), (2, 0)]
    assert not any(s.via for s in steps)
    load = {0: 8, 1: 6}
    for s in steps:
        if s.src >= 0:
            load[s.src] -= sizes[s.workload]
        load[s.dst] += sizes[s.workload]
        assert max(load.values()) <= 10
