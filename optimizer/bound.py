"""Proven lower bounds: on active hosts (consolidate) and on peak utilisation (balance).

Both are LP relaxations solved with OR-Tools' GLOP over an aggregated model: workloads with the
same eligible hosts and the same demand vector form one group, hosts of one cloud with the same
capacity form one type. Aggregating identical items and identical bins loses nothing in the LP,
so the model stays a few hundred columns even for a 60,000-workload fleet. Pinned loads are
fixed on their own hosts. Extra valid cuts: two workloads that each need more than half of one
resource of a host type never share such a host; and a spread group needs as many hosts as it
has members. The LP value is rounded up with a small safety margin (GLOP works in floating point).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

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


def host_lower_bound(rules: Rules, st: State, time_limit_s: float = 10.0) -> int:
    """A proven lower bound on the active hosts of any valid plan placing the same workloads."""
    f = rules.fleet
    placed = np.flatnonzero(st.assign >= 0)
    groups, types, fixed, pinned = _groups(rules, st, placed)
    n_forced = int(np.count_nonzero(pinned & rules.host_live))
    if not groups:
        return n_forced
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with ortools
        return n_forced
    solver.SetTimeLimit(int(time_limit_s * 1000))
    forced_open = [int(h) for h in np.flatnonzero(pinned & rules.host_open)]
    # bins: aggregated types (y in [0, n]) and forced hosts (already counted, residual capacity)
    bins: list[tuple[str, np.ndarray, object, int]] = []
    for (cloud, cap), hs in types.items():
        y = solver.NumVar(0, len(hs), "")
        bins.append((cloud, np.array(cap), y, len(hs)))
    for h in forced_open:
        bins.append((f.host_cloud[h], np.maximum(f.cap[h] - fixed[h], 0), 1.0, 1))
    by_cloud: dict[str, list[int]] = defaultdict(list)
    for b, (cloud, _, _, _) in enumerate(bins):
        by_cloud[cloud].append(b)
    R = len(f.resources)
    cap_rows: dict[tuple[int, int], list] = defaultdict(list)
    half_rows: dict[tuple[int, int], list] = defaultdict(list)
    infeasible = False
    for (key, dem), n in groups.items():
        d = np.array(dem)
        xs = []
        for c in key:
            for b in by_cloud.get(c, []):
                cap = bins[b][1]
                if np.any(d > cap + EPS):
                    continue
                x = solver.NumVar(0, n, "")
                xs.append(x)
                for r in range(R):
                    if d[r] > 0:
                        cap_rows[(b, r)].append((x, d[r]))
                    if d[r] > cap[r] / 2 + EPS:
                        half_rows[(b, r)].append(x)
        if not xs:
            infeasible = True
            continue
        solver.Add(solver.Sum(xs) == n)
    if infeasible:  # a placed workload fits no bin of the relaxation: keep the trivially sound bound
        return n_forced
    for (b, r), terms in cap_rows.items():
        cloud, cap, y, _ = bins[b]
        solver.Add(solver.Sum([x * dv for x, dv in terms]) <= cap[r] * y)
    for (b, r), xs in half_rows.items():
        solver.Add(solver.Sum(xs) <= bins[b][2])
    ys = [y for (_, _, y, _) in bins if not isinstance(y, float)]
    solver.Minimize(solver.Sum(ys))
    status = solver.Solve()
    lp = n_forced
    if status == pywraplp.Solver.OPTIMAL:
        lp = n_forced + max(0, math.ceil(solver.Objective().Value() - 1e-6 * max(1.0, len(ys)) - 1e-6))
    # spread groups: members need distinct hosts
    sg: dict[int, int] = defaultdict(int)
    for w in placed:
        if st.group[w] >= 0:
            sg[int(st.group[w])] += 1
    return max(lp, max(sg.values(), default=0), n_forced)


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
