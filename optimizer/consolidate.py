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
from optimizer.strategy import Context, undo_unneeded


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


def absorb_into_big(ctx: Context, max_victims: int = 40) -> int:
    """Open an empty big host to absorb two or more smaller active hosts whole (net: fewer hosts).

    Active-host count is what is minimised, so a few big hosts beat many small ones; emptying
    alone never re-opens a host and so keeps whatever mix of sizes the fleet started with.
    """
    st, rules = ctx.state, ctx.rules
    f = st.fleet
    sizes = workload_sizes(rules)
    fixed_hosts = {int(rules.orig[w]) for w, s in enumerate(rules.status) if s is Status.PINNED}
    cmax = np.where(f.cap.max(axis=0) > 0, f.cap.max(axis=0), 1.0)
    hsize = (f.cap / cmax).sum(axis=1)
    gained = 0
    empty = sorted((int(h) for h in np.flatnonzero(rules.host_open & (st.count == 0))), key=lambda h: -hsize[h])
    tried_shapes: set[tuple] = set()
    for b in empty:
        if time.monotonic() > ctx.deadline or ctx.budget_left() < 2:
            break
        shape = (f.host_cloud[b], tuple(f.cap[b]))
        if shape in tried_shapes or st.count[b] > 0:
            continue
        cloud = f.host_cloud[b]
        act = np.flatnonzero((st.count > 0) & rules.host_open)
        victims = [int(a) for a in act if int(a) not in fixed_hosts and hsize[a] < hsize[b]
                   and (f.host_cloud[a] == cloud or cloud == rules.province)]
        load = (st.load[victims] / cmax).sum(axis=1) if victims else np.zeros(0)
        victims = [victims[i] for i in np.argsort(load)][:max_victims]
        journal: list[tuple[int, int, int]] = []
        emptied = 0
        for a in victims:
            ws = sorted((int(w) for w in np.flatnonzero(st.assign == a)), key=lambda w: -sizes[w])
            mark = len(journal)
            ok = True
            for w in ws:
                st.remove(w)
                h = b if rules.may_receive(w, b) and st.fits(w, b) else \
                    choose_host(st, w, "consolidate", exclude=a, active_only=True)
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
        if emptied >= 2 and ctx.budget_left() >= 0:
            gained += emptied - 1
        else:
            for w, src, _ in reversed(journal):
                st.move(w, src)
            tried_shapes.add(shape)
    return gained


class Consolidate:
    """Fewest active hosts (then fewest migrations) within the migration budget."""

    name = "consolidate"

    def improve(self, ctx: Context) -> None:
        empty_hosts(ctx)
        if absorb_into_big(ctx):
            ctx.report("absorbing small hosts into big ones")
            empty_hosts(ctx)
        if ctx.time_left() > 0.5 and ctx.state.active() > ctx.lower_bound:
            lns(ctx)
            empty_hosts(ctx, passes=1)
        undo_unneeded(ctx)
        ctx.report("consolidated")
