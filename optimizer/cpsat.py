"""The CP-SAT sub-model: re-pack a set of workloads onto a set of hosts exactly.

Built in one function, solved in another, read in a third, so LNS (lns.py) can reuse it for
consolidation and balance alike. Demands are scaled to integers rounding up and capacities
rounding down, so any solution of the model is valid in the real (fractional) units.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from optimizer.power import PowerModel
from optimizer.state import State

SCALE = 1000
POWER_SCALE = 10  # the power objective in deciwatts


@dataclass
class SubModel:
    model: cp_model.CpModel
    workloads: list[int]
    hosts: list[int]
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    y: dict[int, cp_model.IntVar] = field(default_factory=dict)
    u: cp_model.IntVar | None = None


def build_model(st: State, workloads: list[int], hosts: list[int], mode: str, budget: float,
                optional: dict[int, int] | None = None, leaving: int = -1,
                power: PowerModel | None = None) -> SubModel | None:
    """Model: each workload on exactly one eligible host of `hosts`; capacity, spread, budget.

    `optional` workloads (weight per workload) may stay unplaced; placing them comes first in the
    objective, weighted so a higher DR priority always wins over any number of lower ones.
    With `power` (consolidate minimising power) the hosts' watts replace the count of active hosts:
    each host's idle watts if it holds anything, plus the watts each workload's vCPUs add on its host,
    in deciwatts rounded to integers (the caller judges the solution by the exact formula).
    """
    optional = optional or {}
    placed_terms: list = []
    f, rules = st.fleet, st.rules
    m = cp_model.CpModel()
    sub = SubModel(m, workloads, hosts)
    hset = set(hosts)
    fixed = st.load[hosts].copy()
    fixed_n = st.count[hosts].copy()
    for w in workloads:
        h = int(st.assign[w])
        if h in hset:
            i = hosts.index(h)
            fixed[i] -= f.dem[w]
            fixed_n[i] -= 1
    fixed = np.maximum(fixed, 0)
    for i, h in enumerate(hosts):
        sub.y[h] = m.NewBoolVar(f"y{h}")
        if fixed_n[i] > 0:
            m.Add(sub.y[h] == 1)
    R = len(f.resources)
    dem = np.ceil(f.dem * SCALE - 1e-6).astype(np.int64)
    cost_terms = []
    for w in workloads:
        xs = []
        o = int(rules.orig[w])
        counted = o >= 0 and bool(rules.host_live[o])
        for h in hosts:
            if not rules.may_receive(w, h):
                continue
            v = m.NewBoolVar(f"x{w}_{h}")
            sub.x[(w, h)] = v
            m.AddImplication(v, sub.y[h])
            xs.append(v)
            if counted and h != o:
                cost_terms.append(v)
        if w in optional:
            if xs:
                m.AddAtMostOne(xs)
                placed_terms += [(v, optional[w]) for v in xs]
            continue
        if not xs:
            return None
        m.AddExactlyOne(xs)
    for i, h in enumerate(hosts):
        resid = np.floor((f.cap[h] - fixed[i]) * SCALE + 1e-6).astype(np.int64)
        for r in range(R):
            terms = [(sub.x[(w, h)], int(dem[w, r])) for w in workloads if (w, h) in sub.x and dem[w, r] > 0]
            if not terms:
                continue
            if mode == "balance" and f.cap[h, r] > 0:
                continue  # handled by the peak constraint below
            m.Add(sum(v * d for v, d in terms) <= int(resid[r]) * sub.y[h])
    # spread groups: members outside the sub-problem that sit on these hosts block them
    groups: dict[int, list[int]] = {}
    for w in workloads:
        g = int(st.group[w])
        if g >= 0:
            groups.setdefault(g, []).append(w)
    for g, ws in groups.items():
        outside = st.group_hosts.get(g, {})
        for h in hosts:
            vs = [sub.x[(w, h)] for w in ws if (w, h) in sub.x]
            if not vs:
                continue
            taken = outside.get(h, 0) - sum(1 for w in ws if int(st.assign[w]) == h)
            if taken > 0:
                for v in vs:
                    m.Add(v == 0)
            elif len(vs) > 1:
                m.AddAtMostOne(vs)
    if math.isfinite(budget):
        m.Add(sum(cost_terms) <= max(0, int(budget)))
    big = len(workloads) + 1
    place_w = (big * 1000 * SCALE if mode == "balance" else big * (len(hosts) + 1)) + 1
    placed_obj = -place_w * sum(v * wt for v, wt in placed_terms) if placed_terms else 0
    if mode == "balance":
        sub.u = m.NewIntVar(0, 1000 * SCALE, "u")  # peak utilisation in 1/SCALE
        for i, h in enumerate(hosts):
            for r in range(R):
                capr = f.cap[h, r]
                if capr <= 0:
                    continue
                capi = int(math.floor(capr * SCALE))
                fx = int(math.ceil(fixed[i, r] * SCALE))
                terms = [(sub.x[(w, h)], int(dem[w, r])) for w in workloads if (w, h) in sub.x and dem[w, r] > 0]
                # SCALE * used <= u * cap  (both sides in scaled units)
                m.Add(SCALE * (sum(v * d for v, d in terms) + fx) <= sub.u * capi)
                m.Add(sum(v * d for v, d in terms) + fx <= capi)
        m.Minimize(placed_obj + big * sub.u + sum(cost_terms))
    elif power is not None:
        idle = {h: int(round(power.idle[h] * POWER_SCALE)) for h in hosts}
        vc = f.dem[:, power.driver] if power.driver >= 0 else np.zeros(len(f.workloads))
        add = [(v, int(round(power.per_vcpu[h] * vc[w] * POWER_SCALE))) for (w, h), v in sub.x.items()]
        watts = sum(idle[h] * sub.y[h] for h in hosts) + sum(v * a for v, a in add if a)
        if placed_terms:  # placing comes first: one more placed outweighs every watt of the neighbourhood
            most = sum(idle.values()) + sum(a for _, a in add) + 1
            placed_obj = -(big * most + 1) * sum(v * wt for v, wt in placed_terms)
        m.Minimize(placed_obj + big * watts + sum(cost_terms))
    else:
        m.Minimize(placed_obj + big * sum(sub.y.values()) + sum(cost_terms))
    if leaving >= 0:  # the host `leaving` must end empty: its workloads get no hint (they must move)
        m.Add(sub.y[leaving] == 0)
    for (w, h), v in sub.x.items():
        if int(st.assign[w]) != leaving:
            m.AddHint(v, int(st.assign[w]) == h)  # unplaced optional workloads hint 0 everywhere
    for i, h in enumerate(hosts):
        m.AddHint(sub.y[h], int(st.count[h]) > 0 and h != leaving)
    return sub


def solve_model(sub: SubModel, time_limit_s: float, workers: int | None = None,
                seed: int = 0) -> tuple[int, cp_model.CpSolver]:
    """Solve under a time limit with workers fit to the machine."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, float(time_limit_s))
    solver.parameters.num_workers = workers or max(1, os.cpu_count() or 1)
    solver.parameters.random_seed = seed
    status = solver.Solve(sub.model)
    return status, solver


def read_solution(sub: SubModel, solver: cp_model.CpSolver) -> dict[int, int]:
    """Workload -> host from a feasible solve."""
    out: dict[int, int] = {}
    for (w, h), v in sub.x.items():
        if solver.BooleanValue(v):
            out[w] = h
    return out
