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
