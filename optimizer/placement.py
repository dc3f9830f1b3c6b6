"""Placement repair: when greedy leaves workloads that need a host unplaced, let CP-SAT decide
who goes where over the whole fleet (small fleets only), placing as many as possible by DR
priority first and only then minimising the objective, so a tight fleet is not lost to greedy
packing order.
"""

from __future__ import annotations

import os

import numpy as np

from optimizer.cpsat import build_model, read_solution, solve_model
from optimizer.rules import Status, priority_key
from optimizer.strategy import Context

MAX_CELLS = 40_000  # workloads x hosts of the one flat model


def placement_weights(ctx: Context, left: list[int]) -> dict[int, int]:
    """Weights so that one workload of a higher priority outweighs all of the lower ones."""
    levels = sorted({priority_key(ctx.rules, w) for w in left}, reverse=True)
    base = len(left) + 1
    weight = {lv: base ** i for i, lv in enumerate(levels)}
    return {w: weight[priority_key(ctx.rules, w)] for w in left}


def maximise_placement(ctx: Context, pending: list[int], left: list[int], limit: float) -> list[int]:
    """Try to place more of `pending` (those that need a host; `left` of them are unplaced now).

    Returns those still unplaced. Running workloads stay placed (they may move, within budget).
    """
    st, rules = ctx.state, ctx.rules
    pinned = np.array([s is Status.PINNED for s in rules.status], dtype=bool)
    opt = set(pending)
    movable = [int(w) for w in np.flatnonzero((st.assign >= 0) & ~pinned) if int(w) not in opt]
    hosts = [int(h) for h in np.flatnonzero(rules.host_open)]
    if not left or not hosts or (len(movable) + len(pending)) * len(hosts) > MAX_CELLS or limit < 0.05:
        return left
    weights = placement_weights(ctx, pending)
    placed_now = [w for w in pending if st.assign[w] >= 0]
    movable += placed_now
    left = [w for w in pending if st.assign[w] < 0]
    sub = build_model(st, movable + left, hosts, ctx.mode, ctx.budget_left() + _mig(ctx, movable), weights)
    if sub is None:
        return left
    status, solver = solve_model(sub, limit, max(1, os.cpu_count() or 1))
    if status not in (2, 4):
        return left
    sol = read_solution(sub, solver)
    still = [w for w in pending if w not in sol]
    if sum(weights[w] for w in pending if w in sol) < sum(weights[w] for w in placed_now) \
            or any(w not in sol for w in movable if w not in opt):
        return left  # never place fewer, by priority, than greedy did
    if still and _outranked(ctx, sol, still):
        return left  # it gave a waiting workload's room to a lower priority: keep greedy's order
    old = {w: int(st.assign[w]) for w in movable}
    for w in movable:
        st.remove(w)
    for w in movable + left:
        if w in sol:
            st.place(w, sol[w])
    # the placement weights make any solution at least as good by priority; keep order of `pending`
    still = [w for w in pending if st.assign[w] < 0]
    if ctx.budget_left() < 0:  # cannot happen with the model's budget row; stay safe anyway
        for w in movable + left:
            st.remove(w)
        for w, h in old.items():
            st.place(w, h)
        return left
    return still


def place_by_chains(ctx: Context, left: list[int], limit: float) -> list[int]:
    """Place more of `left` (in priority order) by relocation chains: where a workload fits on no
    host, move one workload of a host on to another host so that it does. For fleets too big for
    the flat model. Moved workloads stay placed, so nobody of any priority loses a place; a move of
    a running workload counts against the budget. Returns those still unplaced."""
    import time

    from optimizer.consolidate import _eject

    st, rules = ctx.state, ctx.rules
    stop = time.monotonic() + limit
    movable = np.array([s is not Status.PINNED for s in rules.status], dtype=bool)
    still: list[int] = []
    for i, w in enumerate(left):
        if time.monotonic() > stop:
            still += left[i:]
            break
        if st.assign[w] >= 0:
            continue
        journal: list[tuple[int, int, int]] = []
        if _eject(st, w, -1, movable, journal, active_only=False) and ctx.budget_left() < 0:
            for x, src, _ in reversed(journal):
                st.remove(x)
                if x != w:
                    st.place(x, src)
        if st.assign[w] < 0:
            still.append(w)
    return still


def _outranked(ctx: Context, sol: dict[int, int], still: list[int]) -> bool:
    """Would a still-waiting workload fit on some host if the lower-priority workloads the solution
    moved there were not there? The contract forbids that outcome; an unproven CP-SAT solution can
    reach it, so such a solution is refused."""
    st, rules, f = ctx.state, ctx.rules, ctx.rules.fleet
    arrived: dict[int, list[int]] = {}
    for w, h in sol.items():
        if h != int(rules.orig[w]):
            arrived.setdefault(h, []).append(w)
    load = np.zeros_like(f.cap)
    groups: dict[int, set[int]] = {}
    for w, h in sol.items():
        load[h] += f.dem[w]
        if st.group[w] >= 0:
            groups.setdefault(h, set()).add(int(st.group[w]))
    for w in still:
        mine = priority_key(rules, w)
        for h in rules.eligible_hosts(w):
            lower = [o for o in arrived.get(int(h), []) if priority_key(rules, o) > mine]
            if not lower:
                continue
            room = load[h] - sum(f.dem[o] for o in lower) + f.dem[w]
            lower_groups = {int(st.group[o]) for o in lower}
            taken = groups.get(int(h), set()) - lower_groups
            if np.all(room <= f.cap[h] + 1e-9) and not (st.group[w] >= 0 and int(st.group[w]) in taken):
                return True
    return False


def _mig(ctx: Context, ws: list[int]) -> int:
    rules, st = ctx.rules, ctx.state
    return sum(1 for w in ws if rules.orig[w] >= 0 and rules.host_live[rules.orig[w]] and st.assign[w] != rules.orig[w])
