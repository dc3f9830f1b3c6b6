"""The host bound: which argument proves it is recorded, and the fallback is a real bound."""

from __future__ import annotations

import numpy as np
import pytest

import optimizer
from adapters.guizhou_fleet import generate_fleet
from optimizer import bound
from optimizer.greedy import initial_state, place_best_of
from optimizer.rules import Rules

CONTRACT_STATS = {"active_hosts", "migrations", "lower_bound_hosts", "peak_utilisation", "solve_seconds", "status"}


def fleet() -> dict:
    return generate_fleet(60, 600, seed=0)


def placed_state(doc: dict):
    rules = Rules(optimizer.parse_fleet(doc))
    start = initial_state(rules)
    state, left = place_best_of(start.state, start.pending, "consolidate", float("inf"))
    return rules, state


def test_plan_names_its_bound_and_keeps_the_contract_fields() -> None:
    stats = optimizer.optimize(fleet(), mode="consolidate", time_limit_s=2.0).to_document()["stats"]
    assert set(stats) == CONTRACT_STATS | {"lower_bound_method"}
    assert stats["lower_bound_method"] == "lp"


def test_lp_bound_is_above_pinned_and_capacity_bounds() -> None:
    rules, state = placed_state(fleet())
    hb = bound.host_lower_bound(rules, state)
    n_pinned = len({int(rules.orig[w]) for w, s in enumerate(rules.status) if s.value == "pinned"})
    assert hb.method == "lp" and hb.lp_value is not None
    assert hb.value == int(np.ceil(hb.lp_value - 1e-6))
    assert hb.value > n_pinned


def test_without_the_lp_the_bound_falls_back_to_capacity(monkeypatch: pytest.MonkeyPatch) -> None:
    rules, state = placed_state(fleet())
    lp = bound.host_lower_bound(rules, state)
    monkeypatch.setattr(bound, "lp_host_bound", lambda *a, **k: None)  # as if HiGHS ran out of time
    hb = bound.host_lower_bound(rules, state)
    n_pinned = len({int(rules.orig[w]) for w, s in enumerate(rules.status) if s.value == "pinned"})
    assert hb.method == "capacity"
    assert n_pinned < hb.value <= lp.value
    plan = optimizer.optimize(fleet(), mode="consolidate", time_limit_s=2.0)
    assert plan.stats.lower_bound_method == "capacity"
    assert plan.to_document()["stats"]["lower_bound_method"] == "capacity"


def test_balance_spends_no_search_time_on_bounds_it_does_not_steer_by(monkeypatch: pytest.MonkeyPatch) -> None:
    """Balance at large once overran its limit: the host LP solved before the search and the peak
    LP solved a second time after it. The peak bound is solved once; the host bound after the
    search (in what is left of the limit); the plan still lowers the peak and names both bounds."""
    from optimizer import engine

    calls: list[tuple[str, str]] = []
    phase = ["start"]
    for name in ("host_lower_bound", "peak_lower_bound"):
        real = getattr(engine, name)
        monkeypatch.setattr(engine, name, lambda *a, _r=real, _n=name, **k: calls.append((_n, phase[0])) or _r(*a, **k))
    doc = fleet()
    before = optimizer.optimize(doc, mode="balance", time_limit_s=2.0, max_migrations=0).stats.peak_utilisation
    calls.clear()
    # 6 s: on a loaded 2-core machine a 3 s plan could spend its whole search time before the search
    plan = optimizer.optimize(doc, mode="balance", time_limit_s=6.0, max_migrations=None,
                              progress=lambda d: phase.__setitem__(0, d["phase"]))
    assert calls == [("peak_lower_bound", "start"), ("host_lower_bound", "balanced")]
    assert optimizer.check_plan(doc, plan.to_document()) == []
    assert plan.stats.peak_utilisation < before - 0.01
    assert plan.stats.lower_bound_method in ("lp", "capacity") and plan.stats.lower_bound_hosts > 0
