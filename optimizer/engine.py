"""The pipeline behind `optimize` and `failover`: start, place, improve, re-place, bound,
sequence, explain. Each stage keeps the state valid, so a plan exists at any time limit.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from optimizer.balance import Balance
from optimizer.bound import host_lower_bound, peak_lower_bound, power_lower_bound
from optimizer.consolidate import Consolidate
from optimizer.fleet import Fleet, FleetError, parse_fleet
from optimizer.min_power import MinPower
from optimizer.greedy import Start, initial_state, place_best_of, place_pending
from optimizer.placement import maximise_placement, place_by_chains
from optimizer.plan import Move, Plan, Stats, Unplaced
from optimizer.power import PowerModel, fleet_watts, shown
from optimizer.reasons import move_reasons, why_unplaced
from optimizer.rules import Rules
from optimizer.safe import safe_plan
from optimizer.sequence import SequenceError, Step, sequence
from optimizer.state import State
from optimizer.strategy import Context, Progress, Strategy, no_limit


class _FromFleet:
    def __repr__(self) -> str:
        return "FROM_FLEET"


FROM_FLEET: Any = _FromFleet()  # "take this setting from the fleet document's objective"

STRATEGIES: dict[str, type] = {"consolidate": Consolidate, "balance": Balance}


def run(fleet: Fleet | dict[str, Any], mode: str | None = None, max_migrations: Any = FROM_FLEET,
        time_limit_s: float | None = None, progress: Progress | None = None, improve: bool = True) -> Plan:
    """Build a plan for `fleet`; arguments left at their defaults come from the document."""
    t0 = time.monotonic()
    f = parse_fleet(fleet)
    mode = mode or f.objective.mode
    if mode not in STRATEGIES:
        raise FleetError(f"objective.mode: must be one of {', '.join(STRATEGIES)}, got {mode!r}")
    mm = f.objective.max_migrations if max_migrations is FROM_FLEET else max_migrations
    if mm is not None and (not isinstance(mm, int) or isinstance(mm, bool) or mm < 0):
        raise FleetError(f"objective.max_migrations: must be an integer >= 0 or null, got {mm!r}")
    limit = float(time_limit_s if time_limit_s is not None else f.objective.time_limit_s)
    deadline = t0 + max(0.1, limit) * 0.85  # keep time for bound, sequencing and reasons

    rules = Rules(f)
    start = initial_state(rules)
    st = start.state
    maxm = no_limit(mm)
    st, left = place_best_of(st, start.pending, mode, maxm - st.migrations())
    start.state = st
    greedy = st.copy()
    ctx = Context(rules, st, mode, maxm, deadline, t0, progress)
    ctx.time_limit = limit
    if mode == "consolidate" and f.objective.minimise == "power":
        ctx.minimise, ctx.power = "power", PowerModel.of(f)
    if mode == "balance":
        # the peak bound guides the search; the host bound only informs the plan, so it is solved at
        # the end in what is left of the limit, not taken from the search
        # with time in proportion to the limit: its CP-SAT part alone would take 5 s on any fleet
        ctx.peak_bound = peak_lower_bound(rules, st, bound_time_limit(limit), min(5.0, 0.1 * limit))
        ctx.peak_placed = st.assign >= 0
    else:
        # once per plan, on what greedy placed (re-solved at the end only if the placed set changed)
        hb = host_lower_bound(rules, st, bound_time_limit(limit))
        ctx.lower_bound = hb.value
        ctx.host_bound = (hb, st.assign >= 0)
    ctx.report("greedy placement")
    if left and improve:
        left = maximise_placement(ctx, start.pending, left, min(ctx.time_left() * 0.3, 10.0))
    if left and improve:
        left = place_by_chains(ctx, left, min(ctx.time_left() * 0.3, 15.0))
        left, _ = place_pending(st, left, mode, maxm - st.migrations())  # room a chain left behind
    # a workload that fits nowhere even after chains does not hold the rest back: improving empties
    # hosts and never shrinks any host's room below what the workload needed, so it is tried again after
    if improve and time.monotonic() < deadline:
        # keep a few migrations for third-host moves the sequencer may need under a budget
        ctx.reserve = 0 if math.isinf(maxm) else min(int(maxm * 0.02) + 1, int(max(0, maxm - st.migrations())))
        strategy: Strategy = MinPower() if ctx.power is not None else STRATEGIES[mode]()
        strategy.improve(ctx)
        ctx.reserve = 0
    if left:  # room may have opened (relocation chains, improvement): place into it, by priority
        left, _ = place_pending(st, left, mode, maxm - st.migrations())
    try:
        plan = _finish(rules, start, st, left, mode, maxm, ctx, t0)
    except SequenceError as e:
        # the state before the migrations kept for third-host moves were spent, then greedy's
        fallbacks = [(ctx.safe_state, "")] if ctx.safe_state is not None else []
        fallbacks.append((greedy, f"improvement dropped: {e}"))
        plan = None
        for st, note in fallbacks:
            try:
                left2 = [w for w in start.pending if st.assign[w] < 0]
                plan = _finish(rules, start, st, left2, mode, maxm, ctx, t0)
                if note:
                    plan.notes.append(note)
                break
            except SequenceError as e2:
                e = e2
        if plan is None:
            fresh = initial_state(rules)
            st, steps, left3 = safe_plan(rules, fresh, maxm)
            plan = _finish(rules, fresh, st, left3, mode, maxm, ctx, t0, steps=steps)
            plan.notes.append(f"only the moves that must happen, into room that exists now: {e}")
    return plan


def raw_peak(st: State) -> float:
    """The contract's peak utilisation: used over capacity, not over the fill-targeted capacity."""
    f = st.fleet
    if f.raw_cap is f.cap:
        return st.peak()
    live = np.flatnonzero(st.rules.host_live & (st.count > 0))
    if not live.size:
        return 0.0
    cap, load = f.raw_cap[live], st.load[live]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(cap > 0, load / np.where(cap > 0, cap, 1), np.where(load > 1e-9, np.inf, 0.0))
    return float(u.max()) if u.shape[1] else 0.0


def _power_w(f: Fleet, st: State) -> dict[str, float] | None:
    """Watts before (where everything runs now) and after the plan, when every host carries power."""
    now = [f.host_index[w.host] if w.host is not None else -1 for w in f.workloads]
    before = fleet_watts(f, now)
    after = fleet_watts(f, [int(h) for h in st.assign])
    if before is None or after is None:
        return None
    return {"before": shown(before), "after": shown(after)}


def bound_time_limit(limit: float) -> float:
    """Time for a bound's LP: a quarter of the plan's limit, between 1 and 10 s."""
    return max(1.0, min(10.0, 0.25 * limit))


def _finish(rules: Rules, start: Start, st: State, left: list[int], mode: str, maxm: float, ctx: Context,
            t0: float, steps: list[Step] | None = None) -> Plan:
    f = rules.fleet
    unplaced_idx = dict(start.unplaced)
    spent = st.migrations() >= maxm
    for w in left:
        unplaced_idx[w] = why_unplaced(st, w, budget_spent=spent)
    phys = {w: int(rules.orig[w]) for w in range(len(f.workloads)) if rules.orig[w] >= 0 and w not in unplaced_idx}
    final = {int(w): int(st.assign[w]) for w in np.flatnonzero(st.assign >= 0)}
    if steps is None:
        steps = sequence(rules, phys, final, maxm - st.migrations())
    reasons = move_reasons(rules, steps, phys, st.count, start.evicted, mode)
    moves = [Move(i + 1, f.workloads[s.workload].id, f.hosts[s.src].id if s.src >= 0 else None,
                  f.hosts[s.dst].id, r) for i, (s, r) in enumerate(zip(steps, reasons))]
    migrations = sum(1 for s in steps if s.src >= 0 and rules.host_live[s.src])
    placed = st.assign >= 0
    if ctx.host_bound is None:  # balance: the LP only if time is left within the plan's limit
        # (at least 0.2 s: HiGHS solves a small fleet's LP in milliseconds)
        spare = min(bound_time_limit(ctx.time_limit), t0 + ctx.time_limit - time.monotonic() - 0.5)
        ctx.host_bound = (host_lower_bound(rules, st, max(0.2, spare)), placed)
    hb, placed0 = ctx.host_bound
    if not np.array_equal(placed, placed0):
        again = host_lower_bound(rules, st, min(5.0, bound_time_limit(f.objective.time_limit_s)))
        # a bound for fewer workloads holds for more; not the other way round
        hb = max(hb, again, key=lambda b: b.value) if not np.any(placed0 & ~placed) else again
    lb = hb.value
    active = st.active()
    peak = st.peak()
    pb = 0.0
    if mode == "balance":
        pb = ctx.peak_bound
        if ctx.peak_placed is None or not np.array_equal(placed, ctx.peak_placed):
            # the placed set changed: the bound again for what is placed now, with little time (a
            # bound for fewer workloads still holds for more, not for fewer)
            again = peak_lower_bound(rules, st, time_limit_s=2.0, scarce_time_s=1.0)
            fewer = ctx.peak_placed is None or np.any(ctx.peak_placed & ~placed)
            pb = again if fewer else max(pb, again)
    power_w = _power_w(f, st)
    if ctx.power is not None and power_w is not None:
        # fewest hosts is no proof of fewest watts: a power plan is optimal only at its watt bound
        spare = min(bound_time_limit(ctx.time_limit), t0 + ctx.time_limit - time.monotonic() - 0.2)
        wb = power_lower_bound(rules, st, ctx.power, max(0.2, spare))
        if wb is not None:
            power_w["bound"] = min(power_w["after"], math.floor(wb * 1000) / 1000)  # to the milliwatt, down
    if mode == "consolidate":
        optimal = (active <= lb) if ctx.power is None else \
            (power_w is not None and "bound" in power_w and power_w["after"] <= power_w["bound"])
    else:
        optimal = peak <= pb + 1e-6
    stats = Stats(active, migrations, min(lb, active), raw_peak(st), time.monotonic() - t0,
                  "optimal" if optimal and not left else "feasible", pb,
                  extra_moves=sum(1 for s in steps if s.via), lower_bound_method=hb.method,
                  bound_seconds=hb.seconds, power_w=power_w)
    plan = Plan({f.workloads[w].id: f.hosts[h].id for w, h in sorted(final.items())},
                [Unplaced(f.workloads[w].id, r) for w, r in sorted(unplaced_idx.items())], moves, stats)
    ctx.state = st
    ctx.lower_bound = lb
    ctx.report("done")
    return plan
