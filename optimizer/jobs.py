"""Data-zone job scheduling: a job-set document in, a schedule document out (optimizer-contract.md).

The data zone's pipelines (collection, cleaning, cataloguing, aggregation, publication) must run in
the hours when online load leaves room, in order, before their deadlines. This is a resource-
constrained project scheduling problem; it is solved with CP-SAT interval variables and one
cumulative constraint per resource. The capacity may vary over time (a step profile: the forecast
of free capacity per hour); it is modelled by fixed "blocker" intervals that fill the gap between
the profile and the peak capacity. Every schedule carries a proven lower bound on the makespan, so
a reader knows how far from optimal it can be.

Pure: no database, no network; the clock is read only to report solve time.

Time is in whole units (the service uses minutes; PSPLIB uses periods). A job with duration d that
starts at s occupies [s, s + d): half-open, so a successor may start at s + d.
"""

from __future__ import annotations

import heapq
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from ortools.sat.python import cp_model

SCALE = 1000
OBJECTIVES = ("makespan", "tardiness")
DEFAULT_TIME_LIMIT_S = 10.0


class JobSetError(ValueError):
    """A refused job-set document; the message names the field (and the job id)."""


@dataclass(frozen=True)
class Job:
    id: str
    duration: int
    demand: dict[str, int]            # scaled integers, only non-zero entries
    after: tuple[str, ...]
    release: int = 0
    deadline: int | None = None       # hard: the job ends by then
    due: int | None = None            # soft: lateness past it is the tardiness
    weight: int = 1


@dataclass
class JobSet:
    """A validated job set. Capacities and demands are integers (scaled per resource if needed)."""
    horizon: int
    resources: dict[str, int]                 # peak capacity per resource
    jobs: list[Job]
    profile: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)  # r -> [(from, to, capacity)]
    objective: str = "makespan"
    time_limit_s: float | None = None
    scale: dict[str, int] = field(default_factory=dict)

    def index(self) -> dict[str, int]:
        return {j.id: k for k, j in enumerate(self.jobs)}

    def capacity_at(self, r: str, t: int) -> int:
        """Capacity of resource `r` in time unit t (the profile, else the peak)."""
        for a, b, c in self.profile.get(r, ()):
            if a <= t < b:
                return c
        return self.resources[r]

    def profile_end(self) -> int:
        return max((b for segs in self.profile.values() for _, b, _ in segs), default=0)


@dataclass
class Schedule:
    starts: dict[str, int]
    makespan: int
    status: str                   # "optimal" | "feasible"
    lower_bound: int
    objective: str = "makespan"
    tardiness: int | None = None
    tardiness_lower_bound: int | None = None
    critical_path_bound: int = 0
    solve_seconds: float = 0.0
    solver_status: str = ""

    def to_document(self) -> dict[str, Any]:
        """The contract's schedule document (plus `tardiness` when that is the objective)."""
        doc: dict[str, Any] = {"starts": dict(self.starts), "makespan": self.makespan,
                               "status": self.status, "lower_bound": self.lower_bound}
        if self.objective == "tardiness":
            doc["tardiness"] = self.tardiness
        return doc


# --------------------------------------------------------------------------------------------- parsing

def _int(v: Any, where: str, minimum: int | None = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
        raise JobSetError(f"{where}: must be a whole number, got {v!r}")
    v = int(v)
    if minimum is not None and v < minimum:
        raise JobSetError(f"{where}: must be >= {minimum}, got {v}")
    return v


def _num(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise JobSetError(f"{where}: must be a number, got {v!r}")
    if v < 0:
        raise JobSetError(f"{where}: must not be negative, got {v}")
    return float(v)


def parse_jobset(doc: Any, objective: str | None = None) -> JobSet:
    """Validate a job-set document strictly; raise JobSetError naming the field and the job id.

    Refused: unknown predecessor or resource, a cycle, a negative or fractional duration, a demand
    over the resource's capacity, a duplicate id, a deadline before the earliest possible end
    (release, predecessors and duration).
    """
    if not isinstance(doc, dict):
        raise JobSetError("job set: must be a JSON object")
    horizon = _int(doc.get("horizon", 0), "horizon")
    res_doc = doc.get("resources")
    if not isinstance(res_doc, dict):
        raise JobSetError("resources: must be an object of resource name -> capacity")
    raw_cap = {}
    for r, c in res_doc.items():
        if not isinstance(r, str) or not r:
            raise JobSetError(f"resources: resource names must be non-empty strings, got {r!r}")
        raw_cap[r] = _num(c, f"resources.{r}")
    jobs_doc = doc.get("jobs")
    if not isinstance(jobs_doc, list):
        raise JobSetError("jobs: must be a list")

    objective = objective or doc.get("objective") or "makespan"
    if isinstance(objective, dict):
        objective = objective.get("mode", "makespan")
    if objective not in OBJECTIVES:
        raise JobSetError(f"objective: must be makespan or tardiness, got {objective!r}")
    tl = doc.get("time_limit_s")
    if tl is not None:
        tl = _num(tl, "time_limit_s")

    # Raw jobs first (so the scale of each resource can be chosen from every demand).
    seen: set[str] = set()
    raw: list[dict[str, Any]] = []
    for k, jd in enumerate(jobs_doc):
        if not isinstance(jd, dict):
            raise JobSetError(f"jobs[{k}]: must be an object")
        jid = jd.get("id")
        if not isinstance(jid, str) or not jid:
            raise JobSetError(f"jobs[{k}].id: must be a non-empty string, got {jid!r}")
        if jid in seen:
            raise JobSetError(f"jobs[{jid}].id: duplicate job id {jid!r}")
        seen.add(jid)
        w = f"jobs[{jid}]"
        if "duration" not in jd:
            raise JobSetError(f"{w}.duration: required")
        dur = _int(jd["duration"], f"{w}.duration")
        dem = jd.get("demand", {}) or {}
        if not isinstance(dem, dict):
            raise JobSetError(f"{w}.demand: must be an object of resource name -> amount")
        demand = {}
        for r, q in dem.items():
            if r not in raw_cap:
                raise JobSetError(f"{w}.demand.{r}: unknown resource {r!r} (resources: {', '.join(raw_cap) or 'none'})")
            demand[r] = _num(q, f"{w}.demand.{r}")
            if demand[r] > raw_cap[r]:
                raise JobSetError(f"{w}.demand.{r}: {q} is over the capacity {res_doc[r]}")
        after = jd.get("after", []) or []
        if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
            raise JobSetError(f"{w}.after: must be a list of job ids")
        release = _int(jd.get("release", 0) or 0, f"{w}.release")
        deadline = jd.get("deadline")
        deadline = None if deadline is None else _int(deadline, f"{w}.deadline")
        due = jd.get("due")
        due = None if due is None else _int(due, f"{w}.due")
        weight = _int(jd.get("weight", 1), f"{w}.weight")
        raw.append(dict(id=jid, duration=dur, demand=demand, after=tuple(dict.fromkeys(after)), release=release,
                        deadline=deadline, due=due, weight=weight))

    for j in raw:
        for a in j["after"]:
            if a not in seen:
                raise JobSetError(f"jobs[{j['id']}].after: unknown predecessor {a!r}")
            if a == j["id"]:
                raise JobSetError(f"jobs[{j['id']}].after: a job cannot follow itself (cycle)")

    # Scale per resource: integers stay as they are; fractional amounts become thousandths, capacity
    # rounded down and demands up, so every schedule of the scaled model is valid in real units.
    def fractional(v: float) -> bool:
        return not float(v).is_integer()

    scale = {r: (SCALE if fractional(c) or any(fractional(j["demand"].get(r, 0)) for j in raw) else 1)
             for r, c in raw_cap.items()}
    cap = {r: int(math.floor(c * scale[r] + 1e-9)) for r, c in raw_cap.items()}
    jobs = [Job(id=j["id"], duration=j["duration"],
                demand={r: int(math.ceil(q * scale[r] - 1e-9)) for r, q in j["demand"].items() if q > 0},
                after=j["after"], release=j["release"], deadline=j["deadline"], due=j["due"], weight=j["weight"])
            for j in raw]

    profile = _parse_profile(doc.get("capacity_profile"), raw_cap, scale, cap)
    js = JobSet(horizon=horizon, resources=cap, jobs=jobs, profile=profile, objective=objective,
                time_limit_s=tl, scale=scale)
    order = topological_order(js)
    _check_deadlines(js, order)
    return js


def _parse_profile(p: Any, raw_cap: dict[str, float], scale: dict[str, int],
                   cap: dict[str, int]) -> dict[str, list[tuple[int, int, int]]]:
    """`{"slot": S, "levels": {"vcpu": [c0, c1, ...]}}`: level i holds in [i*S, (i+1)*S); peak after."""
    if p is None:
        return {}
    if not isinstance(p, dict):
        raise JobSetError("capacity_profile: must be an object with slot and levels")
    slot = _int(p.get("slot"), "capacity_profile.slot", minimum=1)
    levels = p.get("levels")
    if not isinstance(levels, dict):
        raise JobSetError("capacity_profile.levels: must be an object of resource name -> list of capacities")
    out: dict[str, list[tuple[int, int, int]]] = {}
    for r, vals in levels.items():
        if r not in raw_cap:
            raise JobSetError(f"capacity_profile.levels.{r}: unknown resource {r!r}")
        if not isinstance(vals, list):
            raise JobSetError(f"capacity_profile.levels.{r}: must be a list of capacities")
        segs: list[tuple[int, int, int]] = []
        for i, v in enumerate(vals):
            c = _num(v, f"capacity_profile.levels.{r}[{i}]")
            if c > raw_cap[r]:
                raise JobSetError(f"capacity_profile.levels.{r}[{i}]: {v} is over the capacity {raw_cap[r]}")
            ci = min(cap[r], int(math.floor(c * scale[r] + 1e-9)))
            a, b = i * slot, (i + 1) * slot
            if segs and segs[-1][2] == ci and segs[-1][1] == a:
                segs[-1] = (segs[-1][0], b, ci)
            else:
                segs.append((a, b, ci))
        out[r] = segs
    return out


def topological_order(js: JobSet) -> list[int]:
    """Job indices in an order where predecessors come first; a cycle is refused naming a job on it."""
    idx = js.index()
    indeg = [len(j.after) for j in js.jobs]
    succ: list[list[int]] = [[] for _ in js.jobs]
    for k, j in enumerate(js.jobs):
        for a in j.after:
            succ[idx[a]].append(k)
    queue = [k for k, d in enumerate(indeg) if d == 0]
    heapq.heapify(queue)
    order: list[int] = []
    while queue:
        k = heapq.heappop(queue)
        order.append(k)
        for s in succ[k]:
            indeg[s] -= 1
            if indeg[s] == 0:
                heapq.heappush(queue, s)
    if len(order) < len(js.jobs):
        left = {k for k, d in enumerate(indeg) if d > 0}
        # Walk predecessors inside the leftover set until a job repeats: that walk is a cycle.
        k = min(left)
        path: list[int] = []
        while k not in path:
            path.append(k)
            k = next(idx[a] for a in js.jobs[k].after if idx[a] in left)
        cyc = path[path.index(k):]
        names = " <- ".join(js.jobs[c].id for c in cyc + [k])
        raise JobSetError(f"jobs[{js.jobs[k].id}].after: precedence cycle ({names})")
    return order


def earliest_starts(js: JobSet, order: list[int] | None = None) -> list[int]:
    """Earliest start of every job from releases and predecessors alone (the critical path)."""
    order = order if order is not None else topological_order(js)
    idx = js.index()
    es = [0] * len(js.jobs)
    for k in order:
        j = js.jobs[k]
        es[k] = max([j.release] + [es[idx[a]] + js.jobs[idx[a]].duration for a in j.after])
    return es


def _check_deadlines(js: JobSet, order: list[int]) -> None:
    es = earliest_starts(js, order)
    for k in order:
        j = js.jobs[k]
        if j.deadline is not None and es[k] + j.duration > j.deadline:
            why = (f"release {j.release} + duration {j.duration}" if es[k] == j.release
                   else f"its predecessors end at {es[k]} at the earliest, + duration {j.duration}")
            raise JobSetError(f"jobs[{j.id}].deadline: {j.deadline} is before the earliest possible end "
                              f"{es[k] + j.duration} ({why})")


# --------------------------------------------------------------------------------------------- bounds

def critical_path_bound(js: JobSet) -> int:
    es = earliest_starts(js)
    return max((es[k] + j.duration for k, j in enumerate(js.jobs)), default=0)


def energy_bound(js: JobSet) -> int:
    """Per resource: the first time by which the (profiled) capacity could have done all the work."""
    best = 0
    for r, peak in js.resources.items():
        work = sum(j.duration * j.demand.get(r, 0) for j in js.jobs)
        if work == 0:
            continue
        t, done = 0, 0
        for a, b, c in js.profile.get(r, ()):
            if a > t:                                   # gap before this segment runs at peak
                if done + (a - t) * peak >= work:
                    break
                done += (a - t) * peak
                t = a
            if done + (b - a) * c >= work and c > 0:
                t = a + math.ceil((work - done) / c)
                done = work
                break
            done += (b - a) * c
            t = b
        if done < work:
            if peak == 0:
                continue
            t += math.ceil((work - done) / peak)
        best = max(best, t)
    return best


def upper_bound(js: JobSet) -> int:
    """A makespan that some schedule surely meets when any does: one job at a time after the profile."""
    total = sum(j.duration for j in js.jobs)
    start = max([j.release for j in js.jobs] + [js.profile_end()], default=0)
    dl = max((j.deadline for j in js.jobs if j.deadline is not None), default=0)
    return max(js.horizon, start + total, dl)


# --------------------------------------------------------------------------------------------- greedy

def serial_sgs(js: JobSet, priority: list[float] | None = None) -> dict[str, int]:
    """Serial schedule-generation scheme: take the eligible job of least priority value (default:
    latest finish time, the classic LFT rule), start it at the earliest time its demand fits.

    Honours releases, precedence and the capacity profile; ignores deadlines (the caller checks).
    """
    n = len(js.jobs)
    if n == 0:
        return {}
    order = topological_order(js)
    idx = js.index()
    U = upper_bound(js) + 1
    res = list(js.resources)
    free = np.zeros((len(res), U), dtype=np.int64)
    for i, r in enumerate(res):
        free[i, :] = js.resources[r]
        for a, b, c in js.profile.get(r, ()):
            free[i, a:min(b, U)] = c
    if priority is None:
        # Latest finish times by a backward pass from the critical-path length.
        succ: list[list[int]] = [[] for _ in js.jobs]
        for k, j in enumerate(js.jobs):
            for a in j.after:
                succ[idx[a]].append(k)
        cp = critical_path_bound(js)
        lf = [0] * n
        for k in reversed(order):
            lf[k] = min([cp] + [lf[s] - js.jobs[s].duration for s in succ[k]])
            if js.jobs[k].deadline is not None:
                lf[k] = min(lf[k], js.jobs[k].deadline)
        priority = [float(x) for x in lf]
    preds_left = [len(j.after) for j in js.jobs]
    succs: list[list[int]] = [[] for _ in js.jobs]
    for k, j in enumerate(js.jobs):
        for a in j.after:
            succs[idx[a]].append(k)
    ready = [(priority[k], k) for k in range(n) if preds_left[k] == 0]
    heapq.heapify(ready)
    start = [0] * n
    while ready:
        _, k = heapq.heappop(ready)
        j = js.jobs[k]
        t = max([j.release] + [start[idx[a]] + js.jobs[idx[a]].duration for a in j.after])
        need = [(i, j.demand[r]) for i, r in enumerate(res) if j.demand.get(r, 0) > 0]
        if j.duration > 0 and need:
            while True:
                if t + j.duration > free.shape[1]:           # grow (the bound is generous; this is a safety net)
                    extra = np.repeat(np.array([[js.resources[r]] for r in res], dtype=np.int64),
                                      t + j.duration - free.shape[1] + U, axis=1)
                    free = np.concatenate([free, extra], axis=1)
                bad = -1
                for i, q in need:
                    window = free[i, t:t + j.duration]
                    short = np.nonzero(window < q)[0]
                    if short.size:
                        bad = max(bad, int(short[-1]))
                if bad < 0:
                    break
                t += bad + 1
            for i, q in need:
                free[i, t:t + j.duration] -= q
        start[k] = t
        for s in succs[k]:
            preds_left[s] -= 1
            if preds_left[s] == 0:
                heapq.heappush(ready, (priority[s], s))
    return {js.jobs[k].id: start[k] for k in range(n)}


# --------------------------------------------------------------------------------------------- checks

def check_schedule(js: JobSet, starts: dict[str, int]) -> list[str]:
    """Every broken rule of the contract, as readable lines (empty: the schedule is valid)."""
    errs: list[str] = []
    ids = {j.id for j in js.jobs}
    if set(starts) != ids:
        errs.append(f"starts: expected every job once; missing {sorted(ids - set(starts))[:5]}, "
                    f"extra {sorted(set(starts) - ids)[:5]}")
        return errs
    end = {j.id: starts[j.id] + j.duration for j in js.jobs}
    for j in js.jobs:
        s = starts[j.id]
        if s < j.release:
            errs.append(f"{j.id}: starts at {s} before its release {j.release}")
        for a in j.after:
            if s < end[a]:
                errs.append(f"{j.id}: starts at {s} before its predecessor {a} ends at {end[a]}")
        if j.deadline is not None and end[j.id] > j.deadline:
            errs.append(f"{j.id}: ends at {end[j.id]} after its deadline {j.deadline}")
    events = sorted({starts[j.id] for j in js.jobs if j.duration > 0})
    for r in js.resources:
        for t in events:
            used = sum(j.demand.get(r, 0) for j in js.jobs if starts[j.id] <= t < end[j.id])
            if used > js.capacity_at(r, t):
                errs.append(f"{r}: {used} in use at time {t}, capacity {js.capacity_at(r, t)}")
        for a, _, c in js.profile.get(r, ()):         # the profile can drop while jobs run
            used = sum(j.demand.get(r, 0) for j in js.jobs if starts[j.id] <= a < end[j.id])
            if used > c:
                errs.append(f"{r}: {used} in use at time {a}, capacity {c}")
    return errs


# --------------------------------------------------------------------------------------------- CP-SAT

def default_workers() -> int:
    """All cores up to 8: CP-SAT's portfolio gains little beyond that and the API shares the machine."""
    return max(1, min(8, os.cpu_count() or 1))


def _tardiness(js: JobSet, starts: dict[str, int]) -> int:
    return sum(j.weight * max(0, starts[j.id] + j.duration - j.due) for j in js.jobs if j.due is not None)


@dataclass
class _Model:
    model: cp_model.CpModel
    starts: list[cp_model.IntVar]
    makespan: cp_model.IntVar
    big: int


def _build(js: JobSet, U: int, objective: str, lb0: int, hint: dict[str, int] | None) -> _Model | None:
    """The CP-SAT model with every job inside [0, U]; None when bounds alone rule that out."""
    n = len(js.jobs)
    es = earliest_starts(js)
    idx = js.index()
    succ: list[list[int]] = [[] for _ in js.jobs]
    for k, j in enumerate(js.jobs):
        for a in j.after:
            succ[idx[a]].append(k)
    lf = [U] * n                         # latest finish: U and deadlines, pushed back along successors
    for k in reversed(topological_order(js)):
        j = js.jobs[k]
        v = min([U] + [lf[s] - js.jobs[s].duration for s in succ[k]])
        lf[k] = v if j.deadline is None else min(v, j.deadline)
    if any(es[k] + j.duration > lf[k] for k, j in enumerate(js.jobs)) or lb0 > U:
        return None
    m = cp_model.CpModel()
    S, E, iv = [], [], []
    for k, j in enumerate(js.jobs):
        s = m.new_int_var(es[k], lf[k] - j.duration, f"s_{k}")
        S.append(s)
        E.append(s + j.duration)
        iv.append(m.new_fixed_size_interval_var(s, j.duration, f"i_{k}"))
    for k, j in enumerate(js.jobs):
        for a in j.after:
            m.add(S[k] >= E[idx[a]])
    for r, peak in js.resources.items():
        use = [k for k, j in enumerate(js.jobs) if j.demand.get(r, 0) > 0 and j.duration > 0]
        ivs = [iv[k] for k in use]
        dem = [js.jobs[k].demand[r] for k in use]
        for a, b, c in js.profile.get(r, ()):
            if c < peak and a < U:      # a blocker fills the gap between the profile and the peak
                ivs.append(m.new_fixed_size_interval_var(a, min(b, U + 1) - a, f"blk_{r}_{a}"))
                dem.append(peak - c)
        if use:
            m.add_cumulative(ivs, dem, peak)
    mk = m.new_int_var(lb0, U, "makespan")
    m.add_max_equality(mk, [E[k] for k in range(n) if not succ[k]])
    big = U + 1
    if objective == "tardiness":
        terms = []
        for k, j in enumerate(js.jobs):
            if j.due is not None and j.weight > 0:
                t = m.new_int_var(0, max(0, U - j.due), f"t_{k}")
                m.add(t >= E[k] - j.due)
                terms.append(j.weight * t)
        m.minimize(big * sum(terms) + mk)   # lexicographic: tardiness first, then makespan (< big)
    else:
        m.minimize(mk)
    if hint:
        for k, j in enumerate(js.jobs):
            m.add_hint(S[k], hint[j.id])
    return _Model(m, S, mk, big)


def _run(mod: _Model, seconds: float, workers: int, seed: int, parameters: dict[str, Any] | None,
         progress: Callable[[dict[str, Any]], None] | None, lb0: int, t0: float) -> tuple[cp_model.CpSolver, Any]:
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, seconds)
    p.num_workers = workers
    p.random_seed = seed
    # Measured on PSPLIB j30: without the LP relaxation the search is 3-5x faster, and the LP bound on
    # a cumulative is weak anyway; the energy and critical-path bounds are added outside.
    p.linearization_level = 0
    for key, value in (parameters or {}).items():     # expert tuning (benchmarks); names as in SatParameters
        setattr(p, key, value)

    class _CB(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            progress({"makespan": int(self.value(mod.makespan)), "lower_bound": lb0,
                      "elapsed": time.monotonic() - t0})

    return solver, solver.solve(mod.model, _CB() if progress else None)


def solve(doc: dict[str, Any] | JobSet, objective: str | None = None, time_limit_s: float | None = None,
          workers: int | None = None, seed: int = 0, parameters: dict[str, Any] | None = None,
          progress: Callable[[dict[str, Any]], None] | None = None) -> Schedule:
    """Schedule a job set: makespan (default) or weighted tardiness past `due` (then makespan).

    Deadlines are always hard. Raises JobSetError for a refused document, and also when no schedule
    meets every deadline (proven infeasible) or none was found within the time limit.

    Makespan runs in two phases: CP-SAT minimises for half the time; if the optimum is not proven by
    then, it asks "is there a schedule shorter than the best one?" with the rest of the time. Such
    a feasibility question is often refuted far faster than the optimisation closes its gap, and a
    refutation proves the best schedule optimal.
    """
    t0 = time.monotonic()
    js = doc if isinstance(doc, JobSet) else parse_jobset(doc, objective)
    objective = objective or js.objective
    if objective not in OBJECTIVES:
        raise JobSetError(f"objective: must be makespan or tardiness, got {objective!r}")
    limit = float(time_limit_s if time_limit_s is not None else (js.time_limit_s or DEFAULT_TIME_LIMIT_S))
    workers = workers or default_workers()
    cp_lb = critical_path_bound(js)
    lb0 = max(cp_lb, energy_bound(js))
    if not js.jobs:
        return Schedule({}, 0, "optimal", 0, objective, 0 if objective == "tardiness" else None, 0, 0, 0.0, "TRIVIAL")

    greedy = serial_sgs(js)
    greedy_ok = not check_deadlines_only(js, greedy)
    greedy_mk = max(greedy[j.id] + j.duration for j in js.jobs)
    U = upper_bound(js)
    if greedy_ok:
        U = max(U, greedy_mk)
        if objective == "makespan":
            if greedy_mk <= lb0:
                return _finish(js, greedy, objective, lb0, cp_lb, True, None, t0, "GREEDY_AT_BOUND")
            U = greedy_mk                       # no need to look past a schedule we already have
    left = lambda: limit - (time.monotonic() - t0)  # noqa: E731

    mod = _build(js, U, objective, lb0 if objective == "makespan" else 0, greedy)
    if mod is None:
        raise JobSetError(f"deadline: no schedule within the search bound {U} meets every deadline")
    share = 0.5 if objective == "makespan" else 1.0
    solver, st = _run(mod, left() * share, workers, seed, parameters, progress, lb0, t0)
    if st == cp_model.INFEASIBLE:
        raise JobSetError("deadline: no schedule meets every deadline within the capacity")
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if greedy_ok:
            return _finish(js, greedy, objective, lb0, cp_lb, False, None, t0, solver.status_name(st) + "_GREEDY")
        raise JobSetError(f"time_limit_s: no schedule meeting every deadline found within {limit:g} s")
    best = {j.id: int(solver.value(mod.starts[k])) for k, j in enumerate(js.jobs)}
    optimal = st == cp_model.OPTIMAL
    bound = solver.best_objective_bound
    if objective == "tardiness":
        tlb = max(0, int(math.ceil((bound - U) / mod.big - 1e-9)))
        return _finish(js, best, objective, lb0, cp_lb, optimal, tlb, t0, solver.status_name(st))

    lb = max(lb0, int(math.ceil(bound - 1e-6)))
    name = solver.status_name(st)
    while not optimal and left() > 0.05:
        mk = max(best[j.id] + j.duration for j in js.jobs)
        if lb >= mk:
            break
        sub = _build(js, mk - 1, objective, lb, best)
        if sub is None:
            lb, name = mk, "REFUTED_BY_BOUNDS"
            break
        s2, st2 = _run(sub, left(), workers, seed, parameters, progress, lb, t0)
        if st2 == cp_model.INFEASIBLE:
            lb, name = mk, "REFUTED"
            break
        if st2 not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        best = {j.id: int(s2.value(sub.starts[k])) for k, j in enumerate(js.jobs)}
        optimal = st2 == cp_model.OPTIMAL
        lb = max(lb, int(math.ceil(s2.best_objective_bound - 1e-6)))
        name = s2.status_name(st2)
    return _finish(js, best, objective, lb, cp_lb, optimal, None, t0, name)


def check_deadlines_only(js: JobSet, starts: dict[str, int]) -> list[str]:
    """The jobs of `starts` that end after their deadline (used to vet the greedy warm start)."""
    return [j.id for j in js.jobs if j.deadline is not None and starts[j.id] + j.duration > j.deadline]

def _finish(js: JobSet, starts: dict[str, int], objective: str, lb: int, cp_lb: int, optimal: bool,
            tard_lb: int | None, t0: float, name: str) -> Schedule:
    makespan = max((starts[j.id] + j.duration for j in js.jobs), default=0)
    lb = min(lb, makespan)
    tard = _tardiness(js, starts) if objective == "tardiness" else None
    if objective == "makespan":
        optimal = optimal or makespan == lb
    else:
        tard_lb = tard if optimal else min(tard_lb or 0, tard or 0)
        optimal = optimal or tard == tard_lb == 0 and makespan == lb
    return Schedule(starts, makespan, "optimal" if optimal else "feasible", lb, objective, tard, tard_lb, cp_lb,
                    round(time.monotonic() - t0, 3), name)
