"""Consolidate minimising power (objective.minimise "power"): lowest total watts, then fewest migrations.

Fewest hosts is the wrong aim on a mixed fleet: a host type that idles at twice the watts of another
should be emptied first, and work should land where each vCPU costs the fewest watts. Four stages,
each keeping every rule and the migration budget: fewest hosts (consolidate.py) in half the time, as
idle watts are most of a host's draw; then, accepting a change only if the fleet's watts
(optimizer/power.py) fall: empty the dearest active hosts onto efficient active ones; open an
efficient empty host where it absorbs dearer ones whole; then CP-SAT neighbourhoods (lns.py, with the
power objective of cpsat.py) that always include a few empty efficient hosts to open.
"""

from __future__ import annotations

import os
import time

import numpy as np

from optimizer.consolidate import Consolidate, _tightest
from optimizer.greedy import workload_sizes
from optimizer.lns import _try
from optimizer.power import PowerModel
from optimizer.rules import Status
from optimizer.state import State
from optimizer.strategy import Context, undo_unneeded

GAIN = 1e-3  # watts: a smaller fall is float noise, not a gain
HOSTS_SHARE = 0.5  # of the search time, for fewest hosts before the watts


def _cheapest(st: State, pw: PowerModel, w: int, exclude: int, first: int = -1) -> int:
    """The active eligible host other than `exclude` where `w` adds the fewest watts (tightest fit
    among equals); `first`, if it has room, before any (-1: none has room)."""
    hosts = st.rules.eligible_hosts(w)
    hosts = hosts[(hosts != exclude) & (st.count[hosts] > 0)]
    if first >= 0 and st.rules.may_receive(w, first) and st.fits(w, first):
        return first
    cand = hosts[st.fit_mask(w, hosts)]
    if cand.size == 0:
        return -1
    per = pw.per_vcpu[cand]
    best = cand[per <= per.min() + 1e-12]
    return _tightest(st, w, best)


def _movable_hosts(ctx: Context) -> list[int]:
    """Active open hosts holding no pinned workload (only those can be emptied)."""
    st, rules = ctx.state, ctx.rules
    fixed = {int(rules.orig[w]) for w, s in enumerate(rules.status) if s is Status.PINNED}
    return [int(h) for h in np.flatnonzero((st.count > 0) & rules.host_open) if int(h) not in fixed]


def _empty(ctx: Context, pw: PowerModel, a: int, sizes: np.ndarray, journal: list[tuple[int, int]],
           first: int = -1) -> bool:
    """Move every workload off `a` (largest first) onto the cheapest active hosts (`first` preferred);
    records (workload, from) in `journal`. On failure the moves made stay recorded for the caller to undo."""
    st = ctx.state
    for w in sorted((int(w) for w in np.flatnonzero(st.assign == a)), key=lambda w: -sizes[w]):
        h = _cheapest(st, pw, w, a, first)
        if h < 0:
            return False
        st.move(w, h)
        journal.append((w, a))
    return True


def _undo(st: State, journal: list[tuple[int, int]]) -> None:
    for w, src in reversed(journal):
        st.move(w, src)


def empty_dearest(ctx: Context, pw: PowerModel, passes: int = 2) -> int:
    """Empty active hosts, highest idle watts first (fewest workloads among equals), where the watts
    fall and the budget allows. Returns hosts emptied."""
    st = ctx.state
    sizes = workload_sizes(ctx.rules)
    freed = 0
    for _ in range(passes):
        gained = 0
        for a in sorted(_movable_hosts(ctx), key=lambda h: (-pw.idle[h], int(st.count[h]))):
            if time.monotonic() > ctx.deadline:
                return freed
            if st.count[a] == 0:
                continue
            before = pw.watts(st)
            journal: list[tuple[int, int]] = []
            if _empty(ctx, pw, a, sizes, journal) and ctx.budget_left() >= 0 and pw.watts(st) < before - GAIN:
                gained += 1
                continue
            _undo(st, journal)
        freed += gained
        ctx.report("emptying the dearest hosts")
        if gained == 0:
            break
    return freed


def open_efficient(ctx: Context, pw: PowerModel, max_victims: int = 40) -> int:
    """Open an empty host that idles lower than active ones of its cloud (or any, for a province host)
    and move their workloads onto it and the cheapest active hosts, emptying them whole; kept where
    the watts fall. Returns hosts opened."""
    st, rules = ctx.state, ctx.rules
    f = st.fleet
    sizes = workload_sizes(rules)
    opened = 0
    tried: set[tuple] = set()
    while time.monotonic() < ctx.deadline and ctx.budget_left() >= 1:
        empty = [int(h) for h in np.flatnonzero(rules.host_open & (st.count == 0))]
        shapes: dict[tuple, int] = {}
        for b in sorted(empty, key=lambda h: (pw.idle[h], pw.per_vcpu[h], -float(f.cap[h].sum()))):
            shapes.setdefault((f.host_cloud[b], float(pw.idle[b]), tuple(f.cap[b])), b)
        todo = [(s, b) for s, b in shapes.items() if s not in tried]
        if not todo:
            break
        shape, b = todo[0]
        tried.add(shape)
        victims = [a for a in _movable_hosts(ctx) if pw.idle[a] > pw.idle[b] + GAIN
                   and (f.host_cloud[a] == f.host_cloud[b] or f.host_cloud[b] == rules.province)]
        victims.sort(key=lambda a: (-pw.idle[a], int(st.count[a])))
        before = pw.watts(st)
        snap = st.copy()
        for a in victims[:max_victims]:
            journal: list[tuple[int, int]] = []
            if not _empty(ctx, pw, a, sizes, journal, first=b) or ctx.budget_left() < 0:
                _undo(st, journal)
        if st.count[b] > 0 and pw.watts(st) < before - GAIN and ctx.budget_left() >= 0:
            opened += 1
            tried.clear()  # what is worth opening changed
            continue
        st.restore(snap)
    return opened


def _neighbourhood(ctx: Context, pw: PowerModel, size: int) -> list[int]:
    """A dear active host (by idle watts per vCPU of capacity, then lightly loaded), active hosts of
    the clouds its workloads may use with the most room, and the most efficient empty hosts there."""
    st, rules, rng = ctx.state, ctx.rules, ctx.rng
    f = st.fleet
    active = _movable_hosts(ctx)
    if not active:
        return []
    r = pw.driver
    capv = f.raw_cap[active, r] if r >= 0 else np.ones(len(active))
    dear = pw.idle[active] / np.where(capv > 0, capv, 1.0) + pw.per_vcpu[active]
    ranked = [active[i] for i in np.argsort(-dear)]
    v = ranked[rng.randrange(max(1, min(len(ranked), max(3, len(ranked) // 4))))]
    clouds = {c for w in np.flatnonzero(st.assign == v) for c in rules.elig_key[int(w)]}
    pool = np.array([h for h in np.flatnonzero(rules.host_open) if h != v and f.host_cloud[h] in clouds],
                    dtype=np.int64)
    if pool.size == 0:
        return []
    on = pool[st.count[pool] > 0]
    off = pool[st.count[pool] == 0]
    room = ((f.cap[on] - st.load[on]) / np.where(f.cap[on] > 0, f.cap[on], 1.0)).min(axis=1) if on.size else on
    k_off = min(off.size, max(1, size // 4))
    near = [int(h) for h in on[np.argsort(-room)][: size - 1 - k_off]] if on.size else []
    cheap = [int(h) for h in off[np.lexsort((pw.per_vcpu[off], pw.idle[off]))][: k_off]] if off.size else []
    return [v] + near + cheap


def power_lns(ctx: Context, pw: PowerModel, sub_time: float = 1.2) -> int:
    """CP-SAT re-packs of power neighbourhoods until the deadline (the whole fleet at once when
    small). Returns neighbourhoods accepted."""
    st, rules = ctx.state, ctx.rules
    workers = max(1, os.cpu_count() or 1)
    pinned = np.array([s is Status.PINNED for s in rules.status], dtype=bool)
    movable = np.flatnonzero((st.assign >= 0) & ~pinned)
    open_hosts = [int(h) for h in np.flatnonzero(rules.host_open)]
    accepted, tries, idle, size = 0, 0, 0, 14
    if movable.size * len(open_hosts) <= 40_000 and ctx.time_left() > 0.3:
        status, improved = _try(ctx, open_hosts, [int(w) for w in movable], ctx.time_left() * 0.7, workers, 0)
        if status == 4:  # OPTIMAL over the whole fleet: no neighbourhood can do better
            return int(improved)
        accepted += improved
    while ctx.time_left() > 0.3 and idle < 60:
        hosts = _neighbourhood(ctx, pw, size)
        ws = [int(w) for w in np.flatnonzero(np.isin(st.assign, np.array(hosts, dtype=np.int64)) & ~pinned)]
        if len(hosts) < 2 or not ws:
            idle += 1
            continue
        tries += 1
        status, improved = _try(ctx, hosts, ws, min(sub_time, ctx.time_left()), workers, tries)
        accepted += improved
        idle = 0 if improved else idle + 1
        if not improved:
            size = min(40, size + 2) if status == 4 else max(6, size - 1)
        ctx.report("power neighbourhoods")
    ctx.stats = {"lns_tries": tries, "lns_accepted": accepted, "lns_final_size": size}
    return accepted


class MinPower:
    """Lowest total watts (then fewest migrations) within the migration budget."""

    name = "power"

    def improve(self, ctx: Context) -> None:
        pw = ctx.power
        assert pw is not None
        # fewest hosts first, in half the time: idle watts are most of a host's draw, and emptying
        # hosts whole takes the relocation chains and re-packing the host-count search has; it is
        # kept only if it draws less than placement alone did
        before, snap = pw.watts(ctx.state), ctx.state.copy()
        deadline = ctx.deadline
        ctx.deadline = time.monotonic() + HOSTS_SHARE * max(0.0, deadline - time.monotonic())
        ctx.power = None
        try:
            Consolidate().improve(ctx)
        finally:
            ctx.power, ctx.deadline = pw, deadline
        if pw.watts(ctx.state) > before:
            ctx.state.restore(snap)
        empty_dearest(ctx, pw)
        if open_efficient(ctx, pw):
            empty_dearest(ctx, pw)
        ctx.report("opening efficient hosts")
        if ctx.time_left() > 0.5:
            power_lns(ctx, pw)
            empty_dearest(ctx, pw, passes=1)
        undo_unneeded(ctx)
        ctx.report("power minimised")
