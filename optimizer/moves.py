"""Consolidate, last phase: the same number of active hosts with fewer migrations.

The search decides how many hosts stay active and which types; which physical hosts of a type
stay is nearly arbitrary, yet it decides the moves: every workload of a freed host moves. A host
that was freed while holding many workloads, next to a kept host that holds few of its own, is a
trade worth making: bring the freed host's workloads home and empty the kept host instead. The
active-host count does not change, and a trade is kept only when the migrations fall.
"""

from __future__ import annotations

import time

import numpy as np

from optimizer.greedy import choose_host, workload_sizes
from optimizer.rules import Status
from optimizer.state import State
from optimizer.strategy import Context


def _home_counts(st: State, movable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per host: its own movable workloads still on it, and those placed elsewhere."""
    orig = st.rules.orig
    n = len(st.fleet.hosts)
    placed = movable & (orig >= 0) & (st.assign >= 0)
    home = placed & (st.assign == orig)
    away = placed & (st.assign != orig)
    return (np.bincount(orig[home], minlength=n), np.bincount(orig[away], minlength=n))


def _undo(st: State, journal: list[tuple[int, int]]) -> None:
    for w, src in reversed(journal):
        st.move(w, src)


def _trade(ctx: Context, k: int, e: int, sizes: np.ndarray) -> bool:
    """Bring freed host `e`'s workloads home, then empty kept host `k` onto active hosts (its own
    workloads' original hosts first). Kept only if every workload found room and migrations fell."""
    st, rules = ctx.state, ctx.rules
    before = st.migrations()
    journal: list[tuple[int, int]] = []
    for w in np.flatnonzero((rules.orig == e) & (st.assign >= 0) & (st.assign != e)):
        w = int(w)
        if rules.status[w] is Status.PINNED or not rules.may_receive(w, e):
            continue
        src = int(st.assign[w])
        st.remove(w)
        if st.fits(w, e):
            st.place(w, e)
            journal.append((w, src))
        else:
            st.place(w, src)
    if st.count[e] == 0:
        return False
    ws = sorted((int(w) for w in np.flatnonzero(st.assign == k)), key=lambda w: -sizes[w])
    for w in ws:
        st.remove(w)
        o = int(rules.orig[w])
        if o >= 0 and o != k and st.count[o] > 0 and rules.may_receive(w, o) and st.fits(w, o):
            h = o
        else:
            h = choose_host(st, w, "consolidate", exclude=k, active_only=True)
        if h < 0:
            st.place(w, k)
            _undo(st, journal)
            return False
        st.place(w, h)
        journal.append((w, k))
    if st.count[k] == 0 and st.migrations() < before and ctx.budget_left() >= 0:
        return True
    _undo(st, journal)
    return False


def trade_hosts(ctx: Context, deadline: float, max_partners: int = 6) -> int:
    """Swap kept hosts holding few of their own workloads for freed hosts that held many, while
    time is left before `deadline`. Returns migrations saved."""
    st, rules = ctx.state, ctx.rules
    f = st.fleet
    sizes = workload_sizes(rules)
    movable = np.array([s is not Status.PINNED for s in rules.status], dtype=bool)
    pinned_hosts = np.zeros(len(f.hosts), dtype=bool)
    pinned_hosts[rules.orig[~movable & (rules.orig >= 0)]] = True
    cloud = np.array(f.host_cloud)
    start = st.migrations()
    tried: set[tuple[int, int]] = set()
    while time.monotonic() < deadline:
        home, away = _home_counts(st, movable)
        kept = np.flatnonzero((st.count > 0) & rules.host_open & ~pinned_hosts)
        freed = np.flatnonzero((st.count == 0) & rules.host_open & (away > 0))
        if kept.size == 0 or freed.size == 0:
            break
        gained = False
        for k in kept[np.argsort(home[kept], kind="stable")]:
            k = int(k)
            if time.monotonic() > deadline:
                break
            # freed hosts of k's cloud, at least as big in every resource, that held more of their own
            ok = (cloud[freed] == cloud[k]) & np.all(f.cap[freed] >= f.cap[k] - 1e-9, axis=1) & (away[freed] > home[k])
            cand = freed[ok]
            if cand.size == 0:
                continue
            for e in cand[np.argsort(-away[cand], kind="stable")][:max_partners]:
                e = int(e)
                if (k, e) in tried:
                    continue
                tried.add((k, e))
                if _trade(ctx, k, e, sizes):
                    gained = True
                    break
            if gained:
                break
        if not gained:
            break
    return start - st.migrations()
