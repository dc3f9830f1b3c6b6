"""Proven lower bounds: on active hosts (consolidate), on peak utilisation (balance), and on watts
(consolidation minimising power).

Both are LP relaxations over an aggregated model: workloads with the same eligible clouds and the
same demand vector form one group, hosts of one cloud with the same capacity form one type.
Aggregating identical items and identical bins loses nothing in the LP, so the model stays a few
thousand columns even for a 60,000-workload fleet. Pinned loads are fixed on their own hosts.
Extra valid cuts: two workloads that each need more than half of one resource of a host type never
share such a host; and a spread group needs as many hosts as it has members. The host bound is
solved by HiGHS (GLOP needed ~50 s on a 2,000-host fleet, HiGHS ~2 s), with a time limit and a
per-class capacity bound as the fallback; the peak bound by GLOP. LP values are rounded up with a
small safety margin (the solvers work in floating point).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from optimizer.power import PowerModel
from optimizer.rules import Rules, Status
from optimizer.state import EPS, State


def _groups(rules: Rules, st: State, placed: np.ndarray) -> tuple[dict, dict, np.ndarray]:
    """Workload groups (eligible-cloud key, demand) -> count; host types; forced (pinned) hosts."""
    f = rules.fleet
    pinned = np.zeros(len(f.hosts), dtype=bool)
    fixed = np.zeros_like(f.cap)
    groups: dict[tuple, int] = defaultdict(int)
    for w in placed:
        w = int(w)
        if rules.status[w] is Status.PINNED:
            h = int(rules.orig[w])
            pinned[h] = True
            fixed[h] += f.dem[w]
        else:
            groups[(rules.elig_key[w], tuple(f.dem[w]))] += 1
    types: dict[tuple, list[int]] = defaultdict(list)
    for h in np.flatnonzero(rules.host_open & ~pinned):
        types[(f.host_cloud[h], tuple(f.cap[h]))].append(int(h))
    return groups, types, fixed, pinned  # type: ignore[return-value]


@dataclass(frozen=True)
class HostBound:
    """A proven lower bound on active hosts, which argument proves it, and what it cost."""

    value: int
    method: str  # "lp" (the aggregated LP), "capacity" (summed demand per class), "spread", "pinned"
    seconds: float
    lp_value: float | None = None  # the LP optimum when HiGHS finished, unrounded
    lp_hosts: dict | None = None  # the LP's hosts in use per (cloud, capacity) of hosts without pins


def _highs() -> Any:
    """A HiGHS instance without the banner the public wrapper prints on its first construction."""
    import highspy

    core = getattr(highspy, "_core", None)
    h = core._Highs() if core is not None and hasattr(core, "_Highs") else highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def _bins(rules: Rules, types: dict, fixed: np.ndarray, pinned: np.ndarray) -> dict[str, np.ndarray]:
    """Bins of the relaxation. Free bins: a host type (cloud, capacity), n hosts, y in [0, n] in use.
    Forced bins: the open hosts holding pinned workloads, one bin per cloud and capacity, already
    counted, with their residual capacities summed (a relaxation: it only lets a workload spread
    over residual room of several hosts, which the LP allows anyway, and keeps the model small).

    Arrays: cloud, cap (per host of a free bin; summed residual of a forced bin), fit (the most any
    one host of the bin has left, per resource), half (full capacity, for the "two > half" cut),
    count, forced.
    """
    f = rules.fleet
    R = len(f.resources)
    rows: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, int, bool]] = []
    for (cloud, cap), hs in types.items():
        c = np.array(cap, dtype=float)
        rows.append((cloud, c, c, c, len(hs), False))
    pools: dict[tuple, list[int]] = defaultdict(list)
    for h in np.flatnonzero(pinned & rules.host_open):
        pools[(f.host_cloud[h], tuple(f.cap[h]))].append(int(h))
    for (cloud, cap), hs in pools.items():
        res = np.maximum(f.cap[hs] - fixed[hs], 0.0)
        rows.append((cloud, res.sum(axis=0), res.max(axis=0), np.array(cap, dtype=float), len(hs), True))
    out: dict[str, np.ndarray] = {"cloud": np.array([r[0] for r in rows], dtype=object)}
    for i, k in ((1, "cap"), (2, "fit"), (3, "half")):
        out[k] = np.array([r[i] for r in rows], dtype=float).reshape(len(rows), R)
    out["count"] = np.array([r[4] for r in rows], dtype=float)
    out["forced"] = np.array([r[5] for r in rows], dtype=bool)
    return out


def lp_host_bound(rules: Rules, groups: dict, types: dict, fixed: np.ndarray, pinned: np.ndarray,
                  time_limit_s: float, solution: dict | None = None) -> float | None:
    """The aggregated LP (by eligibility class and demand, by cloud and host type), solved by HiGHS.

    Variables: y_b, the hosts of type b in use (0..n_b), and x_gb, the workloads of group g on type
    b. Rows: every group placed whole; per type and resource, demand <= capacity * y; the "two >
    half" cut (workloads needing more than half of one resource of b are at most one per host).
    Open hosts holding pinned workloads are bins of their own with the residual capacity, already
    counted. Returns the optimum over the non-pinned hosts, or None if HiGHS did not prove one.
    """
    import highspy

    bins = _bins(rules, types, fixed, pinned)
    caps, fit, halfcap, counts, forced, cloud_of = (bins[k] for k in ("cap", "fit", "half", "count", "forced", "cloud"))
    nb, R = caps.shape
    G = len(groups)
    # row numbering: groups, then capacity rows (b, r), then half rows (b, r)
    cap_row0, half_row0 = G, G + nb * R
    starts, index, value = [0], [], []
    col_lo, col_hi, cost = [], [], []
    row_lo = np.full(G + 2 * nb * R, -np.inf)
    row_hi = np.zeros(G + 2 * nb * R)
    bins_of_key: dict[tuple, np.ndarray] = {}
    used_half = np.zeros(nb * R, dtype=bool)
    for g, ((key, dem), n) in enumerate(groups.items()):
        row_lo[g] = row_hi[g] = n
        d = np.array(dem, dtype=float)
        cand = bins_of_key.get(key)
        if cand is None:
            cand = np.flatnonzero(np.isin(cloud_of, list(key)))
            bins_of_key[key] = cand
        cand = cand[np.all(d <= fit[cand] + EPS, axis=1)]
        if cand.size == 0:
            return None  # a placed workload fits no bin: the relaxation says nothing
        pos = np.flatnonzero(d > 0)
        for b in cand:
            half = np.flatnonzero(d > halfcap[b] / 2 + EPS)
            used_half[b * R + half] = True
            rows = np.concatenate(([g], cap_row0 + b * R + pos, half_row0 + b * R + half))
            vals = np.concatenate(([1.0], d[pos], np.ones(len(half))))
            index.append(rows)
            value.append(vals)
            starts.append(starts[-1] + len(rows))
            col_lo.append(0.0)
            col_hi.append(float(n))
            cost.append(0.0)
    for b in range(nb):
        if forced[b]:  # already counted: residual capacity on the right-hand side, y = 1
            row_hi[cap_row0 + b * R: cap_row0 + (b + 1) * R] = caps[b]
            row_hi[half_row0 + b * R: half_row0 + (b + 1) * R] = counts[b]
            continue
        rs = np.arange(R)
        hs = rs[used_half[b * R + rs]]
        rows = np.concatenate((cap_row0 + b * R + rs, half_row0 + b * R + hs))
        vals = np.concatenate((-caps[b], -np.ones(len(hs))))
        index.append(rows)
        value.append(vals)
        starts.append(starts[-1] + len(rows))
        col_lo.append(0.0)
        col_hi.append(float(counts[b]))
        cost.append(1.0)
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = len(row_lo)
    lp.col_cost_ = np.array(cost)
    lp.col_lower_ = np.array(col_lo)
    lp.col_upper_ = np.array(col_hi)
    lp.row_lower_ = row_lo
    lp.row_upper_ = row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.concatenate(index).astype(np.int32) if index else np.zeros(0, dtype=np.int32)
    lp.a_matrix_.value_ = np.concatenate(value) if value else np.zeros(0)
    h = _highs()
    h.setOptionValue("time_limit", float(max(0.1, time_limit_s)))
    # interior point (with crossover to a vertex) is 2-3 times faster than dual simplex here
    h.setOptionValue("solver", "ipm")
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    if solution is not None:  # hosts in use per free bin (cloud, capacity), for guiding searches
        col = np.array(h.getSolution().col_value)
        free = np.flatnonzero(~forced)
        ys = col[len(col) - len(free):]
        solution["hosts"] = {(cloud_of[b], tuple(caps[b])): float(y) for b, y in zip(free, ys)}
    return float(h.getInfo().objective_function_value)


def capacity_host_bound(rules: Rules, groups: dict, types: dict, fixed: np.ndarray, pinned: np.ndarray) -> int:
    """Hosts beyond the pinned ones, per eligibility class: the fewest of the largest capacities that
    hold the summed demand.

    Workloads whose eligible clouds all lie in a class's clouds must run on that class's hosts; the
    open pinned hosts there lend their residual room for free; for each resource, no fewer hosts than
    the k largest capacities covering the rest of the demand can hold it. Cheap and always sound.
    """
    f = rules.fleet
    bins = _bins(rules, types, fixed, pinned)
    caps, counts, forced, cloud_of = (bins[k] for k in ("cap", "count", "forced", "cloud"))
    best = 0
    for key in {k for (k, _) in groups}:
        ks = set(key)
        demand = np.zeros(len(f.resources))
        for (k, dem), n in groups.items():
            if set(k) <= ks:
                demand += n * np.array(dem, dtype=float)
        inside = np.isin(cloud_of, list(key))
        free = caps[inside & forced].sum(axis=0) if np.any(inside & forced) else np.zeros(len(demand))
        typ = np.flatnonzero(inside & ~forced)
        for r in range(len(demand)):
            rest = demand[r] - free[r]
            if rest <= EPS:
                continue
            order = typ[np.argsort(-caps[typ, r])]
            cum = np.cumsum(np.repeat(caps[order, r], counts[order].astype(int)))
            k = int(np.searchsorted(cum, rest - 1e-9 * max(1.0, rest)) + 1)
            best = max(best, min(k, len(cum)) if cum.size else 0)
    return best


def host_lower_bound(rules: Rules, st: State, time_limit_s: float = 10.0) -> HostBound:
    """A proven lower bound on the active hosts of any valid plan placing the same workloads.

    The aggregated LP when HiGHS solves it within the limit; else the per-class capacity bound;
    never less than the pinned hosts or the largest spread group.
    """
    t0 = time.monotonic()
    placed = np.flatnonzero(st.assign >= 0)
    groups, types, fixed, pinned = _groups(rules, st, placed)
    n_forced = int(np.count_nonzero(pinned & rules.host_live))
    sg: dict[int, int] = defaultdict(int)
    for w in placed:
        if st.group[w] >= 0:
            sg[int(st.group[w])] += 1
    spread = max(sg.values(), default=0)
    cands: list[tuple[int, str]] = [(n_forced, "pinned"), (spread, "spread")]
    lp = None
    if groups:
        cands.append((n_forced + capacity_host_bound(rules, groups, types, fixed, pinned), "capacity"))
        lp = lp_host_bound(rules, groups, types, fixed, pinned, time_limit_s, sol := {})
        if lp is not None:
            # HiGHS works in floating point: a value a hair above an integer rounds down to it
            cands.append((n_forced + max(0, math.ceil(lp - 1e-6 * max(1.0, len(types)) - 1e-6)), "lp"))
    value, method = max(cands, key=lambda c: (c[0], c[1] == "lp"))
    return HostBound(value, method, time.monotonic() - t0, None if lp is None else n_forced + lp,
                     sol.get("hosts") if groups else None)


def counting_peak_bound(rules: Rules, groups: dict, types: dict, fixed: np.ndarray, pinned: np.ndarray) -> float:
    """An integer bound the LP misses (GPUs come whole: two 4-GPU workloads fill an 8-GPU host).

    For a set S of clouds, a resource r and a size s: every workload whose eligible clouds lie in S
    and that needs at least s of r sits on a host of S, and at peak u a host of capacity c (minus
    what is pinned there) holds at most floor(u * c / s) of them. The least u with room for all of
    them is a lower bound on the peak of any valid plan.
    """
    f = rules.fleet
    open_pinned = [int(h) for h in np.flatnonzero(pinned & rules.host_open)]
    best = 0.0
    for key in {k for (k, _) in groups}:
        clouds = set(key)
        items = [(np.array(dem), n) for (k, dem), n in groups.items() if set(k) <= clouds]
        bins = [(np.array(cap), len(hs), np.zeros(len(f.resources))) for (cloud, cap), hs in types.items() if cloud in clouds]
        bins += [(f.cap[h], 1, fixed[h]) for h in open_pinned if f.host_cloud[h] in clouds]
        for r in range(len(f.resources)):
            sizes = sorted({float(d[r]) for d, _ in items if d[r] > 0}, reverse=True)
            for size in sizes:
                need = sum(n for d, n in items if d[r] >= size - EPS)

                def room(u: float) -> int:
                    return sum(n * max(0, math.floor((u * cap[r] - fx[r]) / size + 1e-9)) for cap, n, fx in bins
                               if cap[r] > 0)

                if room(best) >= need:
                    continue
                lo, hi = best, 1.0
                if room(hi) < need:
                    hi = 2.0
                    while room(hi) < need and hi < 1e6:
                        hi *= 2
                for _ in range(40):
                    mid = (lo + hi) / 2
                    if room(mid) >= need:
                        hi = mid
                    else:
                        lo = mid
                best = max(best, lo)
    return best


def scarce_peak_bound(rules: Rules, groups: dict, fixed: np.ndarray, pinned: np.ndarray, lo: float, hi: float,
                      time_limit_s: float = 5.0, max_cells: int = 100_000) -> float:
    """An integer bound for a scarce resource (one few workloads need, like GPUs), by CP-SAT.

    Take only the workloads that need resource r, with all their demands, and ask whether they fit,
    whole, on the hosts that have r with every resource of every host at most t of its capacity
    (less what is pinned there). Every other workload is left out, so this is a relaxation of the
    real problem: where it is infeasible, so is any plan with peak t. Binary search on t in
    [lo, hi]; only a proven infeasibility raises the bound (a solve that runs out of time proves
    nothing). Demands are scaled rounding down and capacities rounding up, so the integer model is
    never harder than the real one.
    """
    from ortools.sat.python import cp_model

    f = rules.fleet
    S = 1000
    best = lo
    deadline = time.monotonic() + time_limit_s
    for r in range(len(f.resources)):
        classes = [(key, np.array(dem), n) for (key, dem), n in groups.items() if dem[r] > 0]
        hosts = [int(h) for h in np.flatnonzero(rules.host_open & (f.cap[:, r] > 0))]
        if not classes or len(classes) * len(hosts) > max_cells:
            continue

        def infeasible(t: float) -> bool:
            m = cp_model.CpModel()
            room = {h: t * f.cap[h] - fixed[h] for h in hosts}
            x: dict[tuple[int, int], Any] = {}
            for c, (key, dem, n) in enumerate(classes):
                vs = []
                for h in hosts:
                    if f.host_cloud[h] in key and np.all(dem <= room[h] + 1e-9):
                        x[c, h] = m.NewIntVar(0, n, "")
                        vs.append(x[c, h])
                if not vs:
                    return True
                m.Add(sum(vs) == n)
            for h in hosts:
                for q in range(len(f.resources)):
                    terms = [(x[c, h], int(math.floor(dem[q] * S))) for c, (_, dem, _) in enumerate(classes)
                             if (c, h) in x and dem[q] > 0]
                    if terms:
                        m.Add(sum(v * d for v, d in terms) <= int(math.ceil(room[h][q] * S + 1e-6)))
            solver = cp_model.CpSolver()
            solver.parameters.max_time_in_seconds = max(0.05, min(1.0, deadline - time.monotonic()))
            solver.parameters.num_workers = 1
            return solver.Solve(m) == cp_model.INFEASIBLE

        a, b = best, hi
        if not infeasible(a + 1e-9):
            continue
        for _ in range(14):
            if time.monotonic() > deadline:
                break
            mid = (a + b) / 2
            if infeasible(mid):
                a = mid
            else:
                b = mid
        best = max(best, a)
    return best


def peak_lower_bound(rules: Rules, st: State, time_limit_s: float = 10.0, scarce_time_s: float = 5.0) -> float:
    """A proven lower bound on the peak utilisation of any valid plan placing the same workloads."""
    f = rules.fleet
    placed = np.flatnonzero(st.assign >= 0)
    groups, types, fixed, pinned = _groups(rules, st, placed)
    capsafe = np.where(f.cap > 0, f.cap, np.inf)
    lb = counting_peak_bound(rules, groups, types, fixed, pinned)
    live_pinned = np.flatnonzero(pinned & rules.host_live)
    if live_pinned.size:
        lb = float((fixed[live_pinned] / capsafe[live_pinned]).max())
    # each workload alone on its best eligible host
    for (key, dem) in groups:
        d = np.array(dem)
        best = math.inf
        for (cloud, cap), _ in types.items():
            if cloud in key:
                best = min(best, float((d / np.where(np.array(cap) > 0, np.array(cap), np.inf)).max())
                           if not np.any((np.array(cap) <= 0) & (d > 0)) else math.inf)
        for h in np.flatnonzero(pinned & rules.host_open):
            if f.host_cloud[h] in key:
                best = min(best, float(((fixed[h] + d) / capsafe[h]).max()))
        if best < math.inf:
            lb = max(lb, best)
    if not groups:
        return lb
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover
        return lb
    solver.SetTimeLimit(int(time_limit_s * 1000))
    u = solver.NumVar(0, solver.infinity(), "u")
    bins = [(cloud, np.array(cap), len(hs), np.zeros(len(f.resources))) for (cloud, cap), hs in types.items()]
    bins += [(f.host_cloud[h], f.cap[h], 1, fixed[h]) for h in np.flatnonzero(pinned & rules.host_open)]
    rows: dict[tuple[int, int], list] = defaultdict(list)
    for (key, dem), n in groups.items():
        d = np.array(dem)
        xs = []
        for b, (cloud, cap, _, _) in enumerate(bins):
            if cloud in key and not np.any(d > cap + EPS):
                x = solver.NumVar(0, n, "")
                xs.append(x)
                for r in range(len(d)):
                    if d[r] > 0:
                        rows[(b, r)].append((x, d[r]))
        if not xs:
            return lb
        solver.Add(solver.Sum(xs) == n)
    for (b, r), terms in rows.items():
        _, cap, n, fx = bins[b]
        if cap[r] > 0:
            solver.Add(solver.Sum([x * dv for x, dv in terms]) + fx[r] * n <= u * cap[r] * n)
    solver.Minimize(u)
    if solver.Solve() == pywraplp.Solver.OPTIMAL:
        lb = max(lb, u.solution_value() - 1e-6)
    if placed.size:  # the current state is itself a plan: no bound can pass its peak
        lb = scarce_peak_bound(rules, groups, fixed, pinned, lb, max(lb, st.peak()), scarce_time_s)
    return lb


def power_lower_bound(rules: Rules, st: State, model: PowerModel, time_limit_s: float) -> float | None:
    """A proven lower bound on the watts of any valid plan placing the same workloads, or None if
    HiGHS did not prove one within the limit.

    The aggregated LP of the host bound with the power model's costs: a host that is on draws at least
    the least idle watts of its type, and each vCPU placed on it at least the type's least watts per
    vCPU (a host that holds nothing draws nothing). Types here are every live host (not only the open
    ones: a workload left where it runs draws there), by cloud, capacity (the raw capacity: fill
    targets only tighten it) and draw. Hosts holding pinned workloads are on whatever the plan does: their draw
    with the pinned load is a constant, their residual room a bin without the idle cost.
    """
    import highspy

    f = rules.fleet
    placed = np.flatnonzero(st.assign >= 0)
    groups, _types, fixed, pinned = _groups(rules, st, placed)
    cap = f.raw_cap
    d = model.driver
    live = rules.host_live
    const = 0.0
    for h in np.flatnonzero(pinned & live):
        const += model.idle[h] + model.per_vcpu[h] * (fixed[h, d] if d >= 0 else 0.0)
    if not groups:
        return const
    # bins: (cloud, capacity or residual, count, least idle, least watts per vCPU, forced)
    pools: dict[tuple, list[int]] = defaultdict(list)  # hosts alike in cloud, capacity and draw
    for h in np.flatnonzero(live):
        pools[(bool(pinned[h]), f.host_cloud[h], tuple(cap[h]), float(model.idle[h]), float(model.per_vcpu[h]))].append(int(h))
    bins = []
    for (forced, cloud, c, _, _), hs in pools.items():
        room = np.maximum(cap[hs] - fixed[hs], 0.0).sum(axis=0) if forced else np.array(c, dtype=float)
        fit = np.maximum(cap[hs] - fixed[hs], 0.0).max(axis=0) if forced else np.array(c, dtype=float)
        bins.append((cloud, room, fit, len(hs), float(model.idle[hs].min()), float(model.per_vcpu[hs].min()), forced))
    R = cap.shape[1]
    G = len(groups)
    starts, index, value, col_hi, cost = [0], [], [], [], []
    row_lo = np.full(G + len(bins) * R, -np.inf)
    row_hi = np.zeros(G + len(bins) * R)
    for g, ((key, dem), n) in enumerate(groups.items()):
        row_lo[g] = row_hi[g] = n
        dv = np.array(dem, dtype=float)
        pos = np.flatnonzero(dv > 0)
        fits = [b for b, (cloud, _, fit, *_rest) in enumerate(bins) if cloud in key and np.all(dv <= fit + EPS)]
        if not fits:
            return None  # a placed workload fits no host: the relaxation says nothing
        for b in fits:
            rows = np.concatenate(([g], G + b * R + pos))
            index.append(rows)
            value.append(np.concatenate(([1.0], dv[pos])))
            starts.append(starts[-1] + len(rows))
            col_hi.append(float(n))
            cost.append(bins[b][5] * (dv[d] if d >= 0 else 0.0))
    for b, (_, room, _, count, idle, _, forced) in enumerate(bins):
        if forced:  # on anyway: its residual room is the right-hand side
            row_hi[G + b * R: G + (b + 1) * R] = room
            continue
        rows = G + b * R + np.arange(R)
        index.append(rows)
        value.append(-room)
        starts.append(starts[-1] + R)
        col_hi.append(float(count))
        cost.append(idle)
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = len(row_lo)
    lp.col_cost_ = np.array(cost)
    lp.col_lower_ = np.zeros(len(cost))
    lp.col_upper_ = np.array(col_hi)
    lp.row_lower_ = row_lo
    lp.row_upper_ = row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.concatenate(index).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate(value)
    h = _highs()
    h.setOptionValue("time_limit", float(max(0.1, time_limit_s)))
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    # HiGHS works in floating point: a relative hair off, so the bound stays below every plan's watts
    lp_value = float(h.getInfo().objective_function_value)
    return const + lp_value - 1e-6 * max(1.0, abs(lp_value))
