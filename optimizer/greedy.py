"""Greedy placement: the starting state, the priority-ordered placement of pending workloads
(the warm start of every strategy, and alone already a valid plan), and the
first-fit-decreasing baseline the benchmarks compare against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optimizer.fragmentation import gpu_ratio, stranded
from optimizer.reason import Reason, reason
from optimizer.rules import MUST_PLACE, Rules, Status, priority_key
from optimizer.state import EPS, State


@dataclass
class Start:
    """The state before placement: who stays, who must be placed, who is listed unplaced."""

    state: State
    pending: list[int]
    unplaced: dict[int, Reason] = field(default_factory=dict)
    evicted: dict[int, Reason] = field(default_factory=dict)  # why a running workload had to move


def workload_sizes(rules: Rules) -> np.ndarray:
    """Sum of demands normalised by the largest capacity of each resource (for decreasing orders)."""
    f = rules.fleet
    if not len(f.hosts):
        return np.zeros(len(f.workloads))
    cmax = f.cap.max(axis=0)
    cmax = np.where(cmax > 0, cmax, 1.0)
    return (f.dem / cmax).sum(axis=1)


def initial_state(rules: Rules) -> Start:
    """Keep pinned and validly running workloads in place; collect everything that must be placed."""
    f = rules.fleet
    st = State(f, rules)
    start = Start(st, [])
    for w, status in enumerate(rules.status):
        if status is Status.CLASSIFIED:
            start.unplaced[w] = reason("unplaced.classified")
        elif status is Status.LOST:
            start.unplaced[w] = reason("unplaced.not_dr_protected", cloud=f.host_cloud[rules.orig[w]])
        elif status in (Status.PINNED, Status.RUNNING):
            st.place(w, int(rules.orig[w]))
        else:
            start.pending.append(w)
    sizes = workload_sizes(rules)
    # A current state that breaks capacity or spread groups: move the fewest, largest running ones.
    over = np.flatnonzero(np.any(st.load > f.cap + EPS, axis=1))
    for h in over:
        on = [w for w in np.flatnonzero(st.assign == h) if rules.status[w] is Status.RUNNING]
        for w in sorted(on, key=lambda w: -sizes[w]):
            if not np.any(st.load[h] > f.cap[h] + EPS):
                break
            st.remove(w)
            start.pending.append(int(w))
            start.evicted[int(w)] = reason("evicted.over_capacity", host=f.hosts[h].id)
    for g, hosts in list(st.group_hosts.items()):
        for h, n in list(hosts.items()):
            if n < 2:
                continue
            on = [int(w) for w in np.flatnonzero((st.assign == h) & (st.group == g))]
            keep = [w for w in on if rules.status[w] is Status.PINNED] or on[:1]
            for w in on:
                if len(keep) and w not in keep and rules.status[w] is Status.RUNNING:
                    st.remove(w)
                    start.pending.append(w)
                    start.evicted[w] = reason("evicted.spread_group", host=f.hosts[h].id, group=st.group_names[g])
    start.pending.sort(key=lambda w: (priority_key(rules, w), -sizes[w], w))
    return start


def costs_migration(rules: Rules, w: int) -> bool:
    """Placing `w` elsewhere counts against max_migrations (it runs on a live host)."""
    o = int(rules.orig[w])
    return o >= 0 and bool(rules.host_live[o])


def choose_host(st: State, w: int, mode: str, exclude: int = -1, active_only: bool = False,
                policy: str = "best") -> int:
    """Best eligible host for `w`: best fit on active hosts (consolidate) or lowest peak (balance)."""
    rules, f = st.rules, st.fleet
    hosts = rules.eligible_hosts(w)
    if exclude >= 0:
        hosts = hosts[hosts != exclude]
    if active_only:
        hosts = hosts[st.count[hosts] > 0]
    ok = st.fit_mask(w, hosts)
    cand = hosts[ok]
    if cand.size == 0:
        return -1
    if policy == "first":  # first fit: opened hosts first, document order
        act = cand[st.count[cand] > 0]
        return int(act.min() if act.size else cand.min())
    if policy == "fgd":
        # fragmentation-aware: the host where the workload strands the fewest scarce units (GPUs
        # whose vCPUs are gone), then the tightest fit on the scarce resource, then first
        lack = np.any(f.cap <= 0, axis=0)
        if lack.any():
            free = f.cap[cand] - st.load[cand]
            ratio = gpu_ratio(f.dem, lack)
            grow = stranded(free - f.dem[w], lack, ratio) - stranded(free, lack, ratio)
            slack = (free[:, lack] - f.dem[w][lack]).sum(axis=1)
            return int(cand[np.lexsort((cand, slack, np.round(grow, 6)))[0]])
        policy = "scarce"
    if policy == "scarce":
        # resources some hosts lack (GPUs): a workload that needs one takes the host it fills most
        # tightly there; one that needs none goes first to hosts without them, so as not to strand them
        lack = np.any(f.cap <= 0, axis=0)
        need = lack & (f.dem[w] > 0)
        if need.any():
            slack = (f.cap[cand][:, need] - st.load[cand][:, need] - f.dem[w][need]).sum(axis=1)
            return int(cand[int(np.argmin(slack))])
        plain = cand[~np.any(f.cap[cand][:, lack] > 0, axis=1)] if lack.any() else cand
        return int((plain if plain.size else cand).min())
    cap = f.cap[cand]
    after = st.load[cand] + f.dem[w]
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(cap > 0, after / np.where(cap > 0, cap, 1), 0.0)
    if mode == "balance":
        score = util.max(axis=1) + 1e-3 * util.sum(axis=1)
        return int(cand[int(np.argmin(score))])
    active = st.count[cand] > 0
    if active.any():
        c2, u2 = cand[active], util[active]
        # tightest fit: least normalised slack left, peak utilisation as tie-break
        score = (1 - u2).sum(axis=1) - 1e-3 * u2.max(axis=1)
        return int(c2[int(np.argmin(score))])
    # open a new host: home cloud first, no scarce resource the workload does not use (a GPU host
    # for a CPU-only workload strands its GPUs), then the biggest host (fewest hosts for what follows)
    home = rules.home(f.workloads[w])
    cmax = np.where(f.cap.max(axis=0) > 0, f.cap.max(axis=0), 1)
    big = (cap / cmax).sum(axis=1)
    unused = f.dem[w] <= 0
    waste = ((cap / cmax)[:, unused] > 0).sum(axis=1) if unused.any() else np.zeros(len(cand))
    pref = np.array([0 if f.host_cloud[h] == home else 1 for h in cand])
    order = np.lexsort((-big, waste, pref))
    return int(cand[order[0]])


def place_pending(st: State, pending: list[int], mode: str, budget: float,
                  policy: str = "best") -> tuple[list[int], float]:
    """Place pending workloads in priority order; returns those left over and the budget left."""
    left: list[int] = []
    for w in pending:
        cost = costs_migration(st.rules, w)
        if cost and budget < 1:
            left.append(w)
            continue
        h = choose_host(st, w, mode, policy=policy)
        if h < 0:
            left.append(w)
            continue
        st.place(w, h)
        budget -= cost
    return left, budget


def place_best_of(st: State, pending: list[int], mode: str, budget: float) -> tuple[State, list[int]]:
    """Greedy placement by best fit and by first fit; keep whichever places more by priority
    (then fewer active hosts, or lower peak). Cheap insurance against one rule's blind spot. If
    both leave workloads unplaced, a third pass by dominant share with scarce resources packed
    tightly (a fleet that does not fit, like a GPU cluster's queue)."""
    rules = st.rules
    f = rules.fleet
    best = None
    total = np.where(f.cap.sum(axis=0) > 0, f.cap.sum(axis=0), 1.0)
    share = (f.dem / total).max(axis=1) if len(f.resources) else np.zeros(len(f.workloads))
    by_share = sorted(pending, key=lambda w: (priority_key(rules, w), -share[w], w))
    for policy in ("best", "first", "scarce", "fgd"):
        if policy in ("scarce", "fgd") and (best is None or not best[2]):
            break  # everything placed: no need for a third order
        s2 = st.copy()
        # the third: dominant share (largest fraction of the fleet's total of any resource) first
        left, _ = place_pending(s2, by_share if policy in ("scarce", "fgd") else pending, mode, budget, policy)
        levels: dict[tuple[int, int], int] = {}
        for w in pending:
            if s2.assign[w] >= 0:
                levels[priority_key(rules, w)] = levels.get(priority_key(rules, w), 0) + 1
        placed = tuple(levels.get(k, 0) for k in sorted({priority_key(rules, w) for w in pending}))
        obj = s2.active() if mode == "consolidate" else s2.peak()
        key = (tuple(-x for x in placed), obj, s2.migrations())
        if best is None or key < best[0]:
            best = (key, s2, left)
    assert best is not None
    return best[1], best[2]


def first_fit_decreasing(rules: Rules) -> State:
    """The baseline: a fresh first-fit-decreasing packing of every placeable workload (pins kept)."""
    f = rules.fleet
    st = State(f, rules)
    todo: list[int] = []
    for w, s in enumerate(rules.status):
        if s is Status.PINNED:
            st.place(w, int(rules.orig[w]))
        elif s in MUST_PLACE or s is Status.RUNNING:
            todo.append(w)
    sizes = workload_sizes(rules)
    for w in sorted(todo, key=lambda w: (priority_key(rules, w), -sizes[w], w)):
        hosts = rules.eligible_hosts(w)
        ok = np.flatnonzero(st.fit_mask(w, hosts))
        if ok.size:
            # first fit over hosts in document order, opened hosts first (classic FFD)
            cand = hosts[ok]
            act = cand[st.count[cand] > 0]
            st.place(w, int(act.min() if act.size else cand.min()))
    return st
