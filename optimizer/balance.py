"""Balance: lowest peak utilisation (max over hosts and resources of used/capacity), then fewest
migrations.

A steepest-descent on the hottest host (move the one workload whose move lowers the pair's
peak the most), then CP-SAT neighbourhoods (lns.py) around the hottest hosts, until the peak
meets its LP bound or time runs out.
"""

from __future__ import annotations

import numpy as np

from optimizer.lns import lns, relieve
from optimizer.rules import Status
from optimizer.state import EPS
from optimizer.strategy import Context, undo_unneeded


def peak_descent(ctx: Context) -> int:
    """Move workloads off the hottest hosts, one move at a time, each lowering its host's peak.

    A host no single move can relieve (a GPU host whose workloads fit nowhere else as they are) is
    set aside and the next hottest is tried, so one stuck host does not stop the descent; the
    large-neighbourhood search then re-packs around the stuck ones.
    """
    st, rules = ctx.state, ctx.rules
    f = st.fleet
    pinned = np.array([s is Status.PINNED for s in rules.status], dtype=bool)
    capsafe = np.where(f.cap > 0, f.cap, np.inf)
    moves = 0
    live = np.flatnonzero(rules.host_live)
    stuck: set[int] = set()
    tried: set[int] = set()
    while ctx.time_left() > 0:
        util = st.utilisation(live)
        if util.size == 0:
            break
        order = np.argsort(-util)
        pick = next((i for i in order if int(live[i]) not in stuck), None)
        if pick is None:
            break
        h, peak = int(live[pick]), float(util[pick])
        if peak <= ctx.peak_bound + 1e-6:
            break
        best: tuple[float, int, int] | None = None
        budget = ctx.budget_left()  # counting migrations is O(workloads): once per move, not per candidate
        for w in np.flatnonzero((st.assign == h) & ~pinned):
            w = int(w)
            o = int(rules.orig[w])
            cost = int(o == h and bool(rules.host_live[o]))  # leaving its original host is a migration
            if cost > budget:
                continue
            hosts = rules.eligible_hosts(w)
            hosts = hosts[hosts != h]
            cand = hosts[st.fit_mask(w, hosts)]
            if cand.size == 0:
                continue
            after = ((st.load[cand] + f.dem[w]) / capsafe[cand]).max(axis=1)
            j = int(np.argmin(after))
            src_after = float(((st.load[h] - f.dem[w]) / capsafe[h]).max())
            val = max(src_after, float(after[j]))
            if val < peak - EPS and (best is None or val < best[0]):
                best = (val, w, int(cand[j]))
        if best is None:
            # no single move relieves it: re-pack it with the hosts that have the most room in its
            # hottest resource (CP-SAT) before setting it aside
            if h not in tried and ctx.time_left() > 1.0 and relieve(ctx, h):
                continue
            tried.add(h)
            stuck.add(h)
            continue
        st.move(best[1], best[2])
        stuck.discard(best[2])
        moves += 1
    return moves


class Balance:
    """Lowest peak utilisation (then fewest migrations) within the migration budget."""

    name = "balance"

    def improve(self, ctx: Context) -> None:
        before = ctx.state.copy()
        peak_descent(ctx)
        ctx.report("peak descent")
        if ctx.time_left() > 0.5 and ctx.state.peak() > ctx.peak_bound + 1e-4:
            lns(ctx)
            peak_descent(ctx)
        if ctx.state.peak() >= before.peak() - 1e-9:
            # the peak could not be lowered: moves would only cost migrations
            ctx.state.load[:], ctx.state.count[:], ctx.state.assign[:] = before.load, before.count, before.assign
            ctx.state.group_hosts = before.group_hosts
        else:
            undo_unneeded(ctx)
        ctx.report("balanced")
