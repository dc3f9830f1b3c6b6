"""On tiny fleets, `consolidate` finds the optimum number of active hosts (exhaustive search)."""

from __future__ import annotations

import itertools

import numpy as np

from hypothesis import given, settings
from hypothesis import strategies as st

import optimizer

CLOUD = [{"id": "gz-gov", "kind": "province", "city": None, "industry": None, "mlps_level": 3}]


@st.composite
def tiny(draw: st.DrawFn) -> dict:
    hosts = [{"id": f"h{i}", "cloud": "gz-gov", "capacity": {"cpu": draw(st.integers(4, 10)), "mem": draw(st.integers(4, 10))}}
             for i in range(draw(st.integers(2, 4)))]
    ws = []
    for i in range(draw(st.integers(1, 6))):
        ws.append({"id": f"w{i}", "tier": "province", "classification": "internal", "mlps_level": 1,
                   "demand": {"cpu": draw(st.integers(0, 5)), "mem": draw(st.integers(1, 5))},
                   "host": None, "spread_group": draw(st.sampled_from([None, None, "g"]))})
    return {"resources": ["cpu", "mem"], "clouds": CLOUD, "hosts": hosts, "workloads": ws}


def brute_force(doc: dict) -> tuple[int, int]:
    """(most workloads placed, fewest active hosts among such placements)."""
    hosts, ws = doc["hosts"], doc["workloads"]
    best = (-1, 0)
    for choice in itertools.product(range(-1, len(hosts)), repeat=len(ws)):
        load = [{"cpu": 0, "mem": 0} for _ in hosts]
        groups = set()
        ok = True
        for w, h in zip(ws, choice):
            if h < 0:
                continue
            for r in ("cpu", "mem"):
                load[h][r] += w["demand"][r]
                ok &= load[h][r] <= hosts[h]["capacity"][r]
            if w["spread_group"]:
                ok &= (w["spread_group"], h) not in groups
                groups.add((w["spread_group"], h))
        if not ok:
            continue
        placed = sum(1 for h in choice if h >= 0)
        active = len({h for h in choice if h >= 0})
        if (placed, -active) > (best[0], -best[1]):
            best = (placed, active)
    return best


@settings(deadline=None, max_examples=40)
@given(tiny())
def test_consolidate_finds_the_optimum(doc: dict) -> None:
    placed, active = brute_force(doc)
    plan = optimizer.optimize(doc, mode="consolidate", time_limit_s=1.0).to_document()
    assert optimizer.check_plan(doc, plan) == []
    assert len(plan["assignments"]) == placed
    assert plan["stats"]["active_hosts"] == active


@st.composite
def tiny_gpu(draw: st.DrawFn) -> dict:
    """Few hosts, some with GPUs (a scarce resource), whole-GPU workloads among others."""
    hosts = [{"id": f"h{i}", "cloud": "gz-gov",
              "capacity": {"cpu": draw(st.integers(4, 10)), "gpu": draw(st.sampled_from([0, 0, 4, 8]))}}
             for i in range(draw(st.integers(2, 4)))]
    ws = [{"id": f"w{i}", "tier": "province", "classification": "internal", "mlps_level": 1,
           "demand": {"cpu": draw(st.integers(1, 4)), "gpu": draw(st.sampled_from([0, 0, 1, 2, 4]))}, "host": None}
          for i in range(draw(st.integers(1, 6)))]
    return {"resources": ["cpu", "gpu"], "clouds": CLOUD, "hosts": hosts, "workloads": ws}


def best_peak(doc: dict) -> float | None:
    """The lowest peak utilisation over placements of every workload (None: they do not all fit)."""
    hosts, ws = doc["hosts"], doc["workloads"]
    best = None
    for choice in itertools.product(range(len(hosts)), repeat=len(ws)):
        load = [{"cpu": 0, "gpu": 0} for _ in hosts]
        for w, h in zip(ws, choice):
            for r in ("cpu", "gpu"):
                load[h][r] += w["demand"][r]
        peaks = []
        for h, lo in zip(hosts, load):
            for r in ("cpu", "gpu"):
                cap = h["capacity"][r]
                if lo[r] > cap:
                    break
                if cap > 0:
                    peaks.append(lo[r] / cap)
            else:
                continue
            break
        else:
            p = max(peaks, default=0.0)
            best = p if best is None else min(best, p)
    return best


@settings(deadline=None, max_examples=60)
@given(tiny_gpu())
def test_the_peak_bound_never_passes_the_best_peak(doc: dict) -> None:
    """The proven peak bound (LP, counting and the scarce-resource CP-SAT bound) is a true lower bound."""
    best = best_peak(doc)
    plan = optimizer.optimize(doc, mode="balance", time_limit_s=1.0)
    if best is None:
        return
    assert not plan.unplaced
    assert plan.stats.peak_lower_bound <= best + 1e-9
    assert plan.stats.peak_utilisation >= best - 1e-9


@st.composite
def tiny_pinned(draw: st.DrawFn) -> dict:
    """Two clouds (a city and the province), hosts of several sizes, some workloads pinned where they run."""
    clouds = CLOUD + [{"id": "gy", "kind": "city", "city": "guiyang", "industry": None, "mlps_level": 3}]
    hosts = [{"id": f"h{i}", "cloud": draw(st.sampled_from(["gz-gov", "gy"])),
              "capacity": {"cpu": draw(st.integers(4, 10)), "mem": draw(st.integers(4, 10))}}
             for i in range(draw(st.integers(2, 4)))]
    ws = []
    for i in range(draw(st.integers(1, 6))):
        pinned = draw(st.booleans()) and draw(st.booleans())
        city = draw(st.booleans())
        ws.append({"id": f"w{i}", "tier": "city" if city else "province", "city": "guiyang" if city else None,
                   "classification": "internal", "mlps_level": 1,
                   "demand": {"cpu": draw(st.integers(0, 5)), "mem": draw(st.integers(1, 5))},
                   "host": draw(st.sampled_from([h["id"] for h in hosts])) if pinned else None,
                   "pinned": pinned, "spread_group": draw(st.sampled_from([None, None, "g"]))})
    return {"resources": ["cpu", "mem"], "clouds": clouds, "hosts": hosts, "workloads": ws}


def fewest_hosts_placing_all(doc: dict) -> int | None:
    """The fewest active hosts of a valid placement of every workload (None: there is none)."""
    hosts, ws = doc["hosts"], doc["workloads"]
    idx = {h["id"]: i for i, h in enumerate(hosts)}
    best = None
    for choice in itertools.product(range(len(hosts)), repeat=len(ws)):
        load = [{"cpu": 0, "mem": 0} for _ in hosts]
        seen = set()
        ok = True
        for w, h in zip(ws, choice):
            if w["pinned"] and idx[w["host"]] != h:
                ok = False
                break
            if w["tier"] == "province" and hosts[h]["cloud"] != "gz-gov":
                ok = False
                break
            for r in ("cpu", "mem"):
                load[h][r] += w["demand"][r]
                ok &= load[h][r] <= hosts[h]["capacity"][r]
            if w["spread_group"]:
                ok &= (w["spread_group"], h) not in seen
                seen.add((w["spread_group"], h))
        if ok:
            n = len(set(choice))
            best = n if best is None else min(best, n)
    return best


@settings(deadline=None, max_examples=80)
@given(tiny_pinned())
def test_the_host_bound_never_passes_the_optimum(doc: dict) -> None:
    """The reported bound (LP by HiGHS, or the capacity fallback) is a true lower bound, pins included."""
    from optimizer.bound import _groups, capacity_host_bound, host_lower_bound
    from optimizer.greedy import initial_state, place_best_of
    from optimizer.rules import Rules

    best = fewest_hosts_placing_all(doc)
    try:
        optimizer.parse_fleet(doc)
        current_ok = optimizer.check_placement(doc) == []
    except optimizer.FleetError:
        current_ok = False
    if best is None or not current_ok:
        return
    rules = Rules(optimizer.parse_fleet(doc))
    start = initial_state(rules)
    state, left = place_best_of(start.state, start.pending, "consolidate", float("inf"))
    if left:  # greedy missed a placement the exhaustive search found: the bound is for fewer workloads
        return
    hb = host_lower_bound(rules, state)
    assert hb.method in ("lp", "capacity", "spread", "pinned")
    assert hb.value <= best
    placed = np.flatnonzero(state.assign >= 0)
    groups, types, fixed, pinned = _groups(rules, state, placed)
    n_pinned = int(np.count_nonzero(pinned))
    if groups:
        assert n_pinned + capacity_host_bound(rules, groups, types, fixed, pinned) <= best
    plan = optimizer.optimize(doc, mode="consolidate", time_limit_s=1.0).to_document()
    assert plan["stats"]["lower_bound_hosts"] <= plan["stats"]["active_hosts"]
    assert plan["stats"]["lower_bound_method"] in ("lp", "capacity", "spread", "pinned")
    if not plan["unplaced"]:
        assert plan["stats"]["active_hosts"] >= best


@st.composite
def tiny_powered(draw: st.DrawFn) -> dict:
    """Few hosts of mixed draw (idle and full watts), some workloads pinned where they run."""
    hosts = []
    for i in range(draw(st.integers(2, 4))):
        idle = draw(st.integers(50, 300))
        hosts.append({"id": f"h{i}", "cloud": "gz-gov", "capacity": {"vcpu": draw(st.integers(4, 10)), "mem": draw(st.integers(4, 10))},
                      "power": {"idle_w": idle, "full_w": idle + draw(st.integers(0, 400))}})
    ws = []
    for i in range(draw(st.integers(1, 6))):
        pinned = draw(st.booleans()) and draw(st.booleans())
        ws.append({"id": f"w{i}", "tier": "province", "classification": "internal", "mlps_level": 1,
                   "demand": {"vcpu": draw(st.integers(0, 5)), "mem": draw(st.integers(1, 5))},
                   "host": draw(st.sampled_from([h["id"] for h in hosts])) if pinned else None, "pinned": pinned})
    return {"resources": ["vcpu", "mem"], "clouds": CLOUD, "hosts": hosts, "workloads": ws,
            "objective": {"mode": "consolidate", "minimise": "power"}}


def fewest_watts_placing_all(doc: dict) -> float | None:
    """The least watts of a valid placement of every workload (an empty host draws nothing)."""
    hosts, ws = doc["hosts"], doc["workloads"]
    idx = {h["id"]: i for i, h in enumerate(hosts)}
    best = None
    for choice in itertools.product(range(len(hosts)), repeat=len(ws)):
        if any(w["pinned"] and idx[w["host"]] != h for w, h in zip(ws, choice)):
            continue
        load = [{"vcpu": 0, "mem": 0} for _ in hosts]
        for w, h in zip(ws, choice):
            for r in ("vcpu", "mem"):
                load[h][r] += w["demand"][r]
        if any(lo[r] > h["capacity"][r] for h, lo in zip(hosts, load) for r in ("vcpu", "mem")):
            continue
        watts = sum(h["power"]["idle_w"] + (h["power"]["full_w"] - h["power"]["idle_w"]) * lo["vcpu"] / h["capacity"]["vcpu"]
                    for i, (h, lo) in enumerate(zip(hosts, load)) if i in set(choice))
        best = watts if best is None else min(best, watts)
    return best


@settings(deadline=None, max_examples=80)
@given(tiny_powered())
def test_the_watt_bound_never_passes_the_least_watts(doc: dict) -> None:
    """A power plan's proven watt bound (the LP over host types by draw) is a true lower bound, and
    the plan never draws less than the least watts of any placement."""
    best = fewest_watts_placing_all(doc)
    try:
        ok = optimizer.check_placement(doc) == []
    except optimizer.FleetError:
        ok = False
    if best is None or not ok:
        return
    plan = optimizer.optimize(doc, time_limit_s=1.0).to_document()
    assert optimizer.check_plan(doc, plan) == []
    if plan["unplaced"]:
        return
    pw = plan["stats"]["power_w"]
    assert "bound" in pw
    assert pw["bound"] <= best + 1e-6
    assert pw["after"] >= best - 1e-3
