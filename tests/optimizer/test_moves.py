"""The move-saving phase (optimizer/moves.py): the same active hosts' count, never more migrations,
every rule kept; and on a fleet where a trade exists, it is found."""

from __future__ import annotations

import copy
import math
import time

import numpy as np
from hypothesis import HealthCheck, given, settings

import optimizer
from optimizer.consolidate import empty_hosts
from optimizer.greedy import initial_state, place_best_of
from optimizer.moves import trade_hosts
from optimizer.rules import Rules
from optimizer.strategy import Context
from tests.optimizer.test_properties import CLOUDS, RES, fleets


def _context(doc: dict) -> Context:
    rules = Rules(optimizer.parse_fleet(doc))
    start = initial_state(rules)
    st, _ = place_best_of(start.state, start.pending, "consolidate", math.inf)
    now = time.monotonic()
    return Context(rules, st, "consolidate", math.inf, now + 600, now)


def _valid(ctx: Context) -> bool:
    st, rules = ctx.state, ctx.rules
    f = st.fleet
    if np.any(st.load > f.cap + 1e-9):
        return False
    if any(n > 1 for hosts in st.group_hosts.values() for n in hosts.values()):
        return False
    placed = np.flatnonzero(st.assign >= 0)
    return all(int(st.assign[w]) == int(rules.orig[w]) or rules.may_receive(int(w), int(st.assign[w]))
               for w in placed)


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(fleets(max_hosts=8, max_workloads=20))
def test_trading_hosts_keeps_the_count_and_never_adds_moves(doc: dict) -> None:
    ctx = _context(doc)
    empty_hosts(ctx, chains=True)
    st = ctx.state
    active, migrations, placed = st.active(), st.migrations(), st.assign >= 0
    saved = trade_hosts(ctx, time.monotonic() + 600)  # ends when no trade gains: each one saves a move
    assert st.active() == active
    assert st.migrations() == migrations - saved <= migrations
    assert np.array_equal(st.assign >= 0, placed)
    assert _valid(ctx)


def _host(i: int) -> dict:
    return {"id": f"gy-h{i:02d}", "cloud": "gy", "schedulable": True,
            "capacity": {"vcpu": 16, "memory_gib": 64, "gpu": 0}}


def _workload(i: int, host: str) -> dict:
    return {"id": f"w-{i:03d}", "department": "d", "tier": "city", "city": "guiyang", "industry": None,
            "classification": "public", "mlps_level": 1, "demand": {"vcpu": 4, "memory_gib": 8, "gpu": 0},
            "host": host, "spread_group": None, "pinned": False, "role": "primary", "dr": {"protected": False}}


def test_a_freed_host_that_held_more_is_kept_instead() -> None:
    """Host 0 held three workloads, host 1 one; a plan that packs all four on host 1 moves three.
    Keeping host 0 instead moves one, with the same single active host."""
    doc = {"resources": RES, "clouds": copy.deepcopy(CLOUDS), "hosts": [_host(0), _host(1)],
           "workloads": [_workload(0, "gy-h00"), _workload(1, "gy-h00"), _workload(2, "gy-h00"),
                         _workload(3, "gy-h01")],
           "objective": {"mode": "consolidate", "max_migrations": None, "time_limit_s": 1}, "failed_clouds": []}
    ctx = _context(doc)
    st = ctx.state
    for w in range(3):
        st.move(w, 1)
    assert (st.active(), st.migrations()) == (1, 3)
    assert trade_hosts(ctx, time.monotonic() + 600) == 2
    assert (st.active(), st.migrations()) == (1, 1)
    assert st.assign.tolist() == [0, 0, 0, 0]


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(fleets(max_hosts=8, max_workloads=20))
def test_relieving_a_hot_host_never_raises_the_peak_nor_breaks_a_rule(doc: dict) -> None:
    """Balance's CP-SAT re-pack of one hot host (optimizer/lns.py relieve): kept only when the
    neighbourhood's peak falls, so the fleet's peak never rises; every rule still holds."""
    from optimizer.lns import relieve

    ctx = _context(doc)
    ctx.mode = "balance"
    st = ctx.state
    live = np.flatnonzero(ctx.rules.host_live & (st.count > 0))
    if live.size == 0:
        return
    hot = int(live[int(np.argmax(st.utilisation(live)))])
    peak, placed = st.peak(), st.assign >= 0
    relieve(ctx, hot, limit=2.0)
    assert st.peak() <= peak + 1e-9
    assert np.array_equal(st.assign >= 0, placed)
    assert _valid(ctx)




def test_a_workload_that_fits_nowhere_does_not_stop_consolidation() -> None:
    """One new workload no host can hold (64 GPUs) stays unplaced, and the rest of the fleet is still
    consolidated: it held the whole plan back (the generated fleet's 97 active hosts stayed 97; a
    province-wide plan with one stranded workload moved nothing)."""
    from adapters.guizhou_fleet import generate_fleet

    doc = generate_fleet(100, 1000, seed=0)
    doc["workloads"].append({"id": "w-huge", "tier": "province", "classification": "internal", "mlps_level": 1,
                             "demand": {"vcpu": 4, "memory_gib": 16, "gpu": 64, "storage_gib": 100}, "host": None})
    active_now = len({w["host"] for w in doc["workloads"] if w["host"]})
    plan = optimizer.optimize(doc, mode="consolidate", time_limit_s=5.0).to_document()
    assert optimizer.check_plan(doc, plan) == []
    assert "w-huge" in [u["workload"] for u in plan["unplaced"]]
    assert plan["stats"]["active_hosts"] < 0.7 * active_now  # about 45 of 97: the same as without w-huge
