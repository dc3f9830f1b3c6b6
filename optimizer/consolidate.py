"""Consolidate: fewest active hosts, then fewest migrations.

Two stages. First a host-emptying local search: try to empty the active hosts with the fewest
workloads first (cheapest in moves, which is what operators pay for), re-packing each workload
by best fit onto hosts that stay active; a host is emptied only when all of its workloads find
room and the migration budget covers it. Then CP-SAT large-neighbourhood search (lns.py) re-packs
small groups of hosts exactly until the time limit.
"""

from __future__ import annotations

import math
import time

import numpy as np

from optimizer.greedy import choose_host, workload_sizes
from optimizer.lns import lns
from optimizer.moves import trade_hosts
from optimizer.rules import Status
from optimizer.state import State
from optimizer.strategy import Context, undo_unneeded


def _best_active(st: State, w: int, exclude: tuple[int, ...], active_only: bool = True) -> int:
    """Tightest active eligible host for `w` other than `exclude` (-1: none has room)."""
    hosts = st.rules.eligible_hosts(w)
    keep = np.ones(hosts.size, dtype=bool)
    for x in exclude:
        keep &= hosts != x
    if active_only:
        keep &= st.count[hosts] > 0
    hosts = hosts[keep]
    cand = hosts[st.fit_mask(w, hosts)]
    return _tightest(st, w, cand)


def _eject(st: State, w: int, victim: int, movable: np.ndarray, journal: list[tuple[int, int, int]],
           max_targets: int = 12, max_each: int = 4, active_only: bool = True) -> bool:
    """Place `w` by a relocation chain of length two: on an active host t where it does not fit,
    move one workload u of t to a third active host so that it does; `w` then takes u's room.

    Targets are tried by how little they overflow; on each, the smallest workloads that free
    enough room. Records both moves in `journal`. Returns whether `w` was placed.
    """
    f, rules = st.fleet, st.rules
    d = f.dem[w]
    hosts = rules.eligible_hosts(w)
    hosts = hosts[((st.count[hosts] > 0) | (not active_only)) & (hosts != victim)]
    if hosts.size == 0:
        return False
    g = int(st.group[w])
    if g >= 0 and st.group_hosts.get(g):
        hosts = hosts[~np.isin(hosts, np.fromiter(st.group_hosts[g].keys(), dtype=np.int64))]
    cmax = np.where(f.cap.max(axis=0) > 0, f.cap.max(axis=0), 1.0)
    over = np.maximum(st.load[hosts] + d - f.cap[hosts], 0.0)
    # a host short of room on a resource it lacks (capacity below the demand) cannot be helped
    possible = np.all(f.cap[hosts] + 1e-9 >= d, axis=1)
    score = (over / cmax).sum(axis=1)
    order = np.argsort(score)
    tried = 0
    for i in order:
        if not possible[i]:
            continue
        if tried >= max_targets:
            break
        tried += 1
        t = int(hosts[i])
        need = over[i]
        on = np.flatnonzero((st.assign == t) & movable)
        if on.size == 0:
            continue
        frees = np.all(f.dem[on] >= need - 1e-9, axis=1)
        us = on[frees]
        if us.size == 0:
            continue
        sizes = (f.dem[us] / cmax).sum(axis=1)
        for u in us[np.argsort(sizes)][:max_each]:
            u = int(u)
            x = _best_active(st, u, (victim, t), active_only)
            if x < 0:
                continue
            st.move(u, x)
            if st.fits(w, t):
                st.place(w, t)
                journal.append((u, t, x))
                journal.append((w, victim, t))
                return True
            st.move(u, t)
    return False


def _over_used(ctx: Context) -> set[int]:
    """Active hosts of a type (cloud, capacity) the plan uses more of than the LP's solution does:
    the ones worth emptying first."""
    st, rules = ctx.state, ctx.rules
    lp = (ctx.host_bound[0].lp_hosts if ctx.host_bound is not None else None) or {}
    if not lp:
        return set()
    f = st.fleet
    by_shape: dict[tuple, list[int]] = {}
    for h in np.flatnonzero((st.count > 0) & rules.host_open):
        by_shape.setdefault((f.host_cloud[h], tuple(f.cap[h])), []).append(int(h))
    out: set[int] = set()
    for shape, hs in by_shape.items():
        if shape in lp and len(hs) > math.ceil(lp[shape] - 1e-6):
            out.update(hs)
    return out


def empty_hosts(ctx: Context, passes: int = 3, chains: bool = False) -> int:
    """Empty whole hosts by moving their workloads onto hosts that stay active. Returns hosts freed.

    With `chains`, a workload that fits nowhere may still go where one resident is first moved on
    to a third host (a relocation chain): that frees hosts plain re-packing cannot once every host
    is full in some resource.
    """
    st, rules = ctx.state, ctx.rules
    sizes = workload_sizes(rules)
    fixed_hosts = {int(rules.orig[w]) for w, s in enumerate(rules.status) if s is Status.PINNED}
    movable = np.array([s is not Status.PINNED for s in rules.status], dtype=bool)
    freed = 0
    for _ in range(passes):
        gained = 0
        active = [int(h) for h in np.flatnonzero((st.count > 0) & rules.host_open) if int(h) not in fixed_hosts]
        util = st.utilisation(np.array(active, dtype=np.int64)) if active else np.zeros(0)
        # chains are costly: wide on a medium fleet, narrower at large where they would take the
        # whole search time and leave none to the LNS (measured: medium 208-209 hosts wide vs 210
        # narrow; large the same hosts narrow, with 20 s left for the LNS)
        breadth = (24, 6) if len(active) < 600 else (12, 4)
        # under a budget the cheapest hosts first (hosts freed per move); else the LP's over-used types
        over = _over_used(ctx) if math.isinf(ctx.max_migrations) else set()
        order = sorted(range(len(active)), key=lambda i: (active[i] not in over, int(st.count[active[i]]), float(util[i])))
        for i in order:
            a = active[i]
            if time.monotonic() > ctx.deadline:
                return freed
            if int(st.count[a]) == 0:
                continue
            ws = [int(w) for w in np.flatnonzero(st.assign == a)]
            ws.sort(key=lambda w: -sizes[w])
            for w in ws:
                st.remove(w)
            journal: list[tuple[int, int, int]] = []
            ok = True
            for w in ws:
                h = choose_host(st, w, "consolidate", exclude=a, active_only=True)
                if h >= 0:
                    st.place(w, h)
                    journal.append((w, a, h))
                    continue
                if not (chains and _eject(st, w, a, movable, journal, *breadth)):
                    ok = False
                    break
            if ok and ctx.budget_left() >= 0:  # the moves are applied, so this is the budget after them
                freed += 1
                gained += 1
                continue
            for w, src, _ in reversed(journal):
                st.remove(w)
                st.place(w, src)
            for w in ws:
                if st.assign[w] < 0:
                    st.place(w, a)
        ctx.report("emptying hosts")
        if gained == 0:
            break
    return freed


def _best_among(st: State, w: int, hosts: list[int]) -> int:
    """Tightest host of `hosts` that may receive `w` and has room (-1: none)."""
    arr = np.array([h for h in hosts if st.rules.may_receive(w, h)], dtype=np.int64)
    cand = arr[st.fit_mask(w, arr)] if arr.size else arr
    return _tightest(st, w, cand)


def absorb_into_big(ctx: Context, max_victims: int = 40, max_open: int = 4) -> int:
    """Open empty hosts of a bigger (or LP-preferred) type to absorb more active hosts whole than
    were opened (net: fewer hosts).

    Active-host count is what is minimised, so a few big hosts beat many small ones; emptying
    alone never re-opens a host and so keeps whatever mix of types the fleet started with. Four
    96-vCPU hosts at 94% fit on three 128-vCPU ones, so up to `max_open` hosts of one type open
    together. The LP's solution (hosts in use per cloud and type) says which types to open first
    and which to drain: a type the LP uses more than the plan does, a type it uses less.
    """
    st, rules = ctx.state, ctx.rules
    f = st.fleet
    sizes = workload_sizes(rules)
    fixed_hosts = {int(rules.orig[w]) for w, s in enumerate(rules.status) if s is Status.PINNED}
    cmax = np.where(f.cap.max(axis=0) > 0, f.cap.max(axis=0), 1.0)
    hsize = (f.cap / cmax).sum(axis=1)
    lp = (ctx.host_bound[0].lp_hosts if ctx.host_bound is not None else None) or {}
    shape_of = [(f.host_cloud[h], tuple(f.cap[h])) for h in range(len(f.hosts))]
    lack = np.any(f.cap <= 0, axis=0)
    gained = 0
    tried_shapes: set[tuple] = set()
    while time.monotonic() < ctx.deadline and ctx.budget_left() >= 2:
        in_use: dict[tuple, int] = {}
        for h in np.flatnonzero((st.count > 0) & rules.host_open):
            if int(h) not in fixed_hosts:
                in_use[shape_of[h]] = in_use.get(shape_of[h], 0) + 1
        empty_by_shape: dict[tuple, list[int]] = {}
        for h in np.flatnonzero(rules.host_open & (st.count == 0)):
            empty_by_shape.setdefault(shape_of[h], []).append(int(h))
        # shapes the LP wants more of first, then the biggest
        shapes = sorted((s for s in empty_by_shape if s not in tried_shapes),
                        key=lambda s: (-(lp.get(s, 0.0) - in_use.get(s, 0)), -hsize[empty_by_shape[s][0]]))
        if not shapes:
            break
        shape = shapes[0]
        b0 = empty_by_shape[shape][0]
        cloud = shape[0]
        over_used = {s for s, n in in_use.items() if lp and n > math.ceil(lp.get(s, 0.0) - 1e-6)}
        act = np.flatnonzero((st.count > 0) & rules.host_open)
        victims = [int(a) for a in act if int(a) not in fixed_hosts
                   and (hsize[a] < hsize[b0] or shape_of[a] in over_used) and shape_of[a] != shape
                   and (f.host_cloud[a] == cloud or cloud == rules.province)]
        load = (st.load[victims] / cmax).sum(axis=1) if victims else np.zeros(0)
        # opening hosts of a scarce resource (GPUs): over-used hosts that have it are the victims
        # worth emptying first (their scarce workloads need such a host; nothing else frees them)
        rare = lack & (f.cap[b0] > 0)
        first = np.array([bool(rare.any() and shape_of[a] in over_used and np.any(f.cap[a][rare] > 0))
                          for a in victims], dtype=bool)
        victims = [victims[i] for i in np.lexsort((load, ~first))][:max_victims] if victims else []
        won = False
        for k in range(1, min(max_open, len(empty_by_shape[shape])) + 1):
            batch = empty_by_shape[shape][:k]
            journal: list[tuple[int, int, int]] = []
            emptied = 0
            for a in victims:
                ws = sorted((int(w) for w in np.flatnonzero(st.assign == a)), key=lambda w: -sizes[w])
                mark = len(journal)
                ok = True
                for w in ws:
                    st.remove(w)
                    if rare.any() and not np.any(f.dem[w][rare] > 0):
                        # a workload without the scarce resource keeps off the new scarce hosts
                        # while room elsewhere exists: their scarce units need room beside them
                        h = choose_host(st, w, "consolidate", exclude=a, active_only=True)
                        if h < 0:
                            h = _best_among(st, w, batch)
                    else:
                        h = _best_among(st, w, batch)
                        if h < 0:
                            h = choose_host(st, w, "consolidate", exclude=a, active_only=True)
                    if h < 0:
                        st.place(w, a)
                        ok = False
                        break
                    st.place(w, h)
                    journal.append((w, a, h))
                if ok:
                    emptied += 1
                else:
                    for w, src, _ in reversed(journal[mark:]):
                        st.move(w, src)
                    del journal[mark:]
            opened = sum(1 for b in batch if st.count[b] > 0)
            if emptied - opened >= 1 and ctx.budget_left() >= 0:
                gained += emptied - opened
                won = True
                break
            for w, src, _ in reversed(journal):
                st.move(w, src)
        if not won:
            tried_shapes.add(shape)
    return gained


class Consolidate:
    """Fewest active hosts (then fewest migrations) within the migration budget."""

    name = "consolidate"

    def improve(self, ctx: Context) -> None:
        empty_hosts(ctx)
        if math.isfinite(ctx.max_migrations):
            # a budget: plain emptying of the cheapest hosts, then chains; absorbing moves whole
            # hosts for a net gain of one, the dearest way to spend moves, so it comes last
            empty_hosts(ctx, chains=True)
            if absorb_into_big(ctx):
                empty_hosts(ctx, chains=True)
        else:
            if absorb_into_big(ctx):
                ctx.report("absorbing small hosts into big ones")
                empty_hosts(ctx)
            empty_hosts(ctx, chains=True)
            # chains change which hosts have room: absorbing again may now open fewer than it frees
            if absorb_into_big(ctx):
                ctx.report("absorbing again")
                empty_hosts(ctx, chains=True)
        budget = math.isfinite(ctx.max_migrations)
        if budget:
            spend_reserve(ctx)
        # the last share of the time trades kept hosts for freed ones that held more (fewer moves)
        trade_time = 0.08 * (ctx.deadline - time.monotonic())
        if ctx.time_left() > 0.5 and ctx.state.active() > ctx.lower_bound:
            deadline = ctx.deadline
            if budget:  # keep time to spend what returning workloads home saves
                ctx.deadline -= 0.15 * (ctx.deadline - time.monotonic())
            ctx.deadline -= trade_time
            lns(ctx)
            ctx.deadline = deadline
            empty_hosts(ctx, passes=1)
        trade_hosts(ctx, max(ctx.deadline, time.monotonic() + 0.1))  # in the time kept back from the LNS
        undo_unneeded(ctx)
        if budget and spend_reserve(ctx):
            undo_unneeded(ctx)
        ctx.report("consolidated")


def third_host_moves(ctx: Context) -> int | None:
    """How many steps aside to a third host the current state's moves need to run in a safe order
    (None: some cycle has no third host)."""
    from optimizer.sequence import SequenceError, sequence

    st, rules = ctx.state, ctx.rules
    placed = np.flatnonzero(st.assign >= 0)
    phys = {int(w): int(rules.orig[w]) for w in placed if rules.orig[w] >= 0}
    final = {int(w): int(st.assign[w]) for w in placed}
    try:
        steps = sequence(rules, phys, final, math.inf)
    except SequenceError:
        return None
    return sum(1 for s in steps if s.via and s.src >= 0 and rules.host_live[s.src])


def spend_reserve(ctx: Context, rounds: int = 4) -> int:
    """Under a budget, the migrations kept back for third-host moves are more than the moves'
    order needs (usually none): keep only what it needs and empty more of the cheapest hosts with
    the rest. The state before is kept as `ctx.safe_state` in case the final order needs more.
    Returns hosts freed."""
    st, rules = ctx.state, ctx.rules
    waiting = np.flatnonzero(st.assign < 0)
    if any(rules.status[w] not in (Status.CLASSIFIED, Status.LOST) for w in waiting):
        return 0  # workloads still to place have the first claim on the budget
    freed = 0
    for _ in range(rounds):
        if ctx.time_left() < 0.2:
            break
        via = third_host_moves(ctx)
        if via is None or st.migrations() + via > ctx.max_migrations:
            break
        keep = via  # checked again below, with the new moves, by the sequencer _finish runs
        if keep >= ctx.reserve and ctx.budget_left() < 1:
            break
        snap = st.copy()
        if ctx.safe_state is None:
            ctx.safe_state = snap
        old = ctx.reserve
        ctx.reserve = min(old, keep)
        got = empty_hosts(ctx, passes=2) + empty_hosts(ctx, passes=2, chains=True)
        after = third_host_moves(ctx) if got else None
        if got == 0 or after is None or st.migrations() + after > ctx.max_migrations:
            st.restore(snap)
            ctx.reserve = old
            break
        freed += got
    return freed


def _tightest(st: State, w: int, cand: np.ndarray) -> int:
    """The candidate host the workload would leave fullest (least free share summed over resources), or -1."""
    if cand.size == 0:
        return -1
    cap = st.fleet.cap[cand]
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(cap > 0, (st.load[cand] + st.fleet.dem[w]) / np.where(cap > 0, cap, 1), 0.0)
    return int(cand[int(np.argmin((1 - util).sum(axis=1)))])
