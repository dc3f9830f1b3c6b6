"""Consolidate: fewest active hosts, then fewest migrations.

Two stages. First a host-emptying local search: try to empty the active hosts with the fewest
workloads first (cheapest in moves, which is what operators pay for), re-packing each workload
by best fit onto hosts that stay active; a host is emptied only when all of its workloads find
room and the migration budget covers it. Then CP-SAT large-neighbourhood search (lns.py) re-packs
small groups of hosts exactly until the time limit.
"""

from __future__ import annotations

import time

import numpy as np

from optimizer.greedy import choose_host, workload_sizes
from optimizer.lns import lns
from optimizer.rules import Status
from optimizer.strategy import Context


def _migration_delta(ctx: Context, moves: list[tuple[int, int, int]]) -> int:
    """Change in counted migrations for moves (w, from, to)."""
    rules = ctx.rules
    d = 0
    for w, a, b in moves:
        o = int(rules.orig[w])
        if o < 0 or not rules.host_live[o]:
            continue
        d += int(b != o) - int(a != o)
    return d


def empty_hosts(ctx: Context, passes: int = 3) -> int:
    """Empty whole hosts by moving their workloads onto hosts that stay active. Returns hosts freed."""
    st, rules = ctx.state, ctx.rules
    sizes = workload_sizes(rules)
    fixed_hosts = {int(rules.orig[w]) for w, s in enumerate(rules.status) if s is Status.PINNED}
    freed = 0
    for _ in range(passes):
        gained = 0
        active = [int(h) for h in np.flatnonzero((st.count > 0) & rules.host_open) if int(h) not in fixed_hosts]
        util = st.utilisation(np.array(active, dtype=np.int64)) if active else np.zeros(0)
        order = sorted(range(len(active)), key=lambda i: (int(st.count[active[i]]), float(util[i])))
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
            done: list[tuple[int, int, int]] = []
            ok = True
            for w in ws:
                h = choose_host(st, w, "consolidate", exclude=a, active_only=True)
                if h < 0:
                    ok = False
                    break
                st.place(w, h)
                done.append((w, a, h))
            if ok and ctx.budget_left() >= 0:  # the moves are applied, so this is the budget after them
                freed += 1
                gained += 1
                continue
            for w, _, _ in done:
                st.remove(w)
            for w in ws:
                st.place(w, a)
        ctx.report("emptying hosts")
        if gained == 0:
            break
    return freed


class Consolidate:
    """Fewest active hosts (then fewest migrations) within the migration budget."""

    name = "consolidate"

    def improve(self, ctx: Context) -> None:
        empty_hosts(ctx)
        if ctx.time_left() > 0.5 and ctx.state.active() > ctx.lower_bound:
            lns(ctx)
            empty_hosts(ctx, passes=1)
        ctx.report("consolidated")
