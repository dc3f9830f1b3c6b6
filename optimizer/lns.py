"""Large-neighbourhood search: CP-SAT re-packs small groups of hosts of one cloud at a time.

A provincial fleet (5,000 hosts, 60,000 workloads) is far too big for one flat model, but the
rules already decompose it: a workload may only use its home cloud, the province cloud and (for
replicas) the backup. Each neighbourhood is a handful of hosts of one cloud (sometimes with a few
province hosts, for overflow), all workloads on them free to move among them, everything else
fixed. The incumbent is the hint; a neighbourhood is accepted only if it lowers the objective.
"""

from __future__ import annotations

import os

import numpy as np

from optimizer.cpsat import build_model, read_solution, solve_model
from optimizer.rules import Status
from optimizer.strategy import Context


def _objective(ctx: Context, hosts: list[int], ws: list[int]) -> tuple[float, int]:
    st, rules = ctx.state, ctx.rules
    mig = 0
    for w in ws:
        o = int(rules.orig[w])
        mig += int(o >= 0 and bool(rules.host_live[o]) and int(st.assign[w]) != o)
    if ctx.mode == "balance":
        return float(st.utilisation(np.array(hosts)).max()), mig
    if ctx.power is not None:  # watts to the milliwatt: float noise is no improvement
        return round(ctx.power.watts(st, np.array(hosts)), 3), mig
    return float(np.count_nonzero(st.count[hosts] > 0)), mig


def relieve(ctx: Context, host: int, size: int = 12, limit: float = 1.5) -> bool:
    """Balance: one CP-SAT re-pack of `host` with the hosts that have the most room in its hottest
    resource; kept only if the neighbourhood's peak falls. Returns whether it did."""
    hosts = _hot_neighbourhood(ctx, size, host)
    if len(hosts) < 2:
        return False
    pinned = np.array([s is Status.PINNED for s in ctx.rules.status], dtype=bool)
    ws = [int(w) for w in np.flatnonzero(np.isin(ctx.state.assign, np.array(hosts)) & ~pinned)]
    if not ws:
        return False
    _, improved = _try(ctx, hosts, ws, min(limit, ctx.time_left()), max(1, os.cpu_count() or 1), host)
    return improved


def _hot_neighbourhood(ctx: Context, size: int, host: int = -1) -> list[int]:
    """Balance: one of the hottest hosts and the hosts with the most room in its hottest resource
    across every cloud its workloads may use. A full GPU host is only relieved by re-packing the
    other GPU hosts, which a neighbourhood of random hosts of one cloud almost never contains."""
    st, rules, rng = ctx.state, ctx.rules, ctx.rng
    f = st.fleet
    open_hosts = np.flatnonzero(rules.host_open & (st.count > 0))
    if open_hosts.size == 0:
        return []
    capsafe = np.where(f.cap[open_hosts] > 0, f.cap[open_hosts], np.inf)
    util = st.load[open_hosts] / capsafe
    peaks = util.max(axis=1)
    hot = open_hosts[peaks >= peaks.max() - 0.02]
    h0 = host if host >= 0 else int(hot[rng.randrange(len(hot))])
    r = int(np.argmax(st.load[h0] / np.where(f.cap[h0] > 0, f.cap[h0], np.inf)))
    clouds = {c for w in np.flatnonzero(st.assign == h0) for c in rules.elig_key[int(w)]}
    pool = np.array([h for h in np.flatnonzero(rules.host_open) if h != h0 and f.host_cloud[h] in clouds
                     and f.cap[h, r] > 0], dtype=np.int64)
    if pool.size == 0:
        return []
    free = (f.cap[pool, r] - st.load[pool, r]) / f.cap[pool, r]
    ranked = [int(h) for h in pool[np.argsort(-free)]]
    k = max(1, (2 * size) // 3)
    rest = ranked[k:]
    rng.shuffle(rest)
    return [h0] + ranked[:k] + rest[: max(0, size - 1 - k)]


def _victim_neighbourhood(ctx: Context, size: int) -> tuple[list[int], int]:
    """Consolidate: one of the least-loaded active hosts (of a type the LP uses less of, if any)
    and the active hosts with the most room, in the resources it uses, among the clouds its
    workloads may use. Returns (hosts, victim); the model must then empty the victim."""
    from optimizer.consolidate import _over_used

    st, rules, rng = ctx.state, ctx.rules, ctx.rng
    f = st.fleet
    pinned_hosts = ctx.stats.setdefault("_pinned_hosts", {int(rules.orig[w]) for w, s in enumerate(rules.status)
                                                          if s is Status.PINNED})
    active = [int(h) for h in np.flatnonzero((st.count > 0) & rules.host_open) if int(h) not in pinned_hosts]
    if not active:
        return [], -1
    over = _over_used(ctx)
    pool = [h for h in active if h in over] or active
    cmax = np.where(f.cap.max(axis=0) > 0, f.cap.max(axis=0), 1.0)
    load = (st.load[pool] / cmax).sum(axis=1)
    lowest = [pool[i] for i in np.argsort(load)[: max(3, len(pool) // 5)]]
    v = lowest[rng.randrange(len(lowest))]
    ws = np.flatnonzero(st.assign == v)
    clouds = {c for w in ws for c in rules.elig_key[int(w)]}
    need = st.load[v] > 0
    recv = np.array([h for h in np.flatnonzero((st.count > 0) & rules.host_open)
                     if h != v and f.host_cloud[h] in clouds], dtype=np.int64)
    if recv.size == 0:
        return [], -1
    free = (f.cap[recv] - st.load[recv]) / np.where(f.cap[recv] > 0, f.cap[recv], 1.0)
    room = free[:, need].min(axis=1) + 0.1 * rng.random() * free[:, need].mean(axis=1)
    ranked = [int(h) for h in recv[np.argsort(-room)]]
    return [v] + ranked[: size - 1], v


def _neighbourhood(ctx: Context, size: int) -> list[int]:
    """Hosts to re-pack: the emptiest (consolidate) or fullest (balance) of one cloud plus random others."""
    st, rules, rng = ctx.state, ctx.rules, ctx.rng
    f = st.fleet
    if ctx.mode == "balance" and rng.random() < 0.6:
        hot = _hot_neighbourhood(ctx, size)
        if len(hot) > 1:
            return hot
    active = np.flatnonzero((st.count > 0) & rules.host_open)
    if active.size == 0:
        return []
    clouds = [f.host_cloud[h] for h in active]
    c = clouds[rng.randrange(len(clouds))]  # weighted by active hosts
    pool = np.array([h for h in active if f.host_cloud[h] == c], dtype=np.int64)
    if ctx.mode == "balance":
        pool = np.flatnonzero(rules.host_open & np.array([hc == c for hc in f.host_cloud]))
    util = st.utilisation(pool)
    order = pool[np.argsort(util)]
    if ctx.mode == "balance":
        k = max(2, size // 3)
        seed = [int(h) for h in order[-k:]]
        rest = [int(h) for h in order[:-k]]
        rng.shuffle(rest)
    else:
        # one or two victims among the emptiest, plus hosts with the most room to absorb them
        lowest = [int(h) for h in order[: max(3, len(order) // 4)]]
        seed = rng.sample(lowest, min(len(lowest), rng.choice((1, 2))))
        room = [int(h) for h in order if int(h) not in seed]
        near = room[: max(size, len(room) // 3)]
        rng.shuffle(near)
        rest = near[: (2 * size) // 3] + rng.sample(room, min(len(room), size // 3))
        rest = list(dict.fromkeys(rest))
    hosts = seed + [h for h in rest if h not in seed][: max(0, size - len(seed))]
    if rules.province and c != rules.province and rng.random() < 0.3:
        prov = [int(h) for h in active if f.host_cloud[h] == rules.province]
        rng.shuffle(prov)
        hosts += prov[: max(1, size // 5)]
    return hosts


def _try(ctx: Context, hosts: list[int], ws: list[int], limit: float, workers: int, seed: int,
         victim: int = -1) -> tuple[int, bool]:
    """Solve one neighbourhood; apply it if it lowers (objective, migrations). Returns (status, improved).
    With a `victim`, the model must empty that host (a feasibility question, fast to answer)."""
    st = ctx.state
    before = _objective(ctx, hosts, ws)
    sub = build_model(st, ws, hosts, ctx.mode, ctx.budget_left() + before[1], leaving=victim, power=ctx.power)
    if sub is None:
        return -1, False
    status, solver = solve_model(sub, limit, workers, seed=seed)
    if status not in (2, 4):  # FEASIBLE, OPTIMAL
        return status, False
    sol = read_solution(sub, solver)
    if len(sol) != len(ws):
        return status, False
    old = {w: int(st.assign[w]) for w in ws}
    for w in ws:
        st.remove(w)
    for w in ws:
        st.place(w, sol[w])
    after = _objective(ctx, hosts, ws)
    if after < before and ctx.budget_left() >= 0 and all(st.fits_self(h) for h in hosts) and _spread_ok(ctx, ws):
        return status, True
    for w in ws:
        st.remove(w)
    for w in ws:
        st.place(w, old[w])
    return status, False


def _spread_ok(ctx: Context, ws: list[int]) -> bool:
    st = ctx.state
    return all(n <= 1 for g in {int(st.group[w]) for w in ws if st.group[w] >= 0}
               for n in st.group_hosts.get(g, {}).values())


def lns(ctx: Context, sub_time: float = 1.5, victim_time: float = 1.2) -> int:
    """Improve the state by CP-SAT over neighbourhoods until the deadline. Returns accepted count."""
    st, rules = ctx.state, ctx.rules
    workers = max(1, os.cpu_count() or 1)
    pinned = np.array([s is Status.PINNED for s in rules.status], dtype=bool)
    size, accepted, tries, idle = 12, 0, 0, 0
    vsize = 16
    movable = np.flatnonzero((st.assign >= 0) & ~pinned)
    open_hosts = [int(h) for h in np.flatnonzero(rules.host_open)]
    if movable.size * len(open_hosts) <= 40_000 and ctx.time_left() > 0.3:
        # small enough for one exact model over the whole fleet
        _try(ctx, open_hosts, [int(w) for w in movable], ctx.time_left() * 0.7, workers, 0)
    while ctx.time_left() > 0.3 and idle < 200:
        if ctx.mode == "consolidate" and st.active() <= ctx.lower_bound:
            break
        if ctx.mode == "balance" and st.peak() <= ctx.peak_bound + 1e-4:
            break
        victim = -1
        if ctx.mode == "consolidate" and ctx.rng.random() < 0.7:
            hosts, victim = _victim_neighbourhood(ctx, vsize)
        else:
            hosts = _neighbourhood(ctx, size)
        harr = np.array(hosts, dtype=np.int64)
        ws = [int(w) for w in np.flatnonzero(np.isin(st.assign, harr) & ~pinned)] if len(hosts) > 1 else []
        if not ws:
            idle += 1
            continue
        tries += 1
        limit = min(sub_time if victim < 0 else victim_time, ctx.time_left())
        status, improved = _try(ctx, hosts, ws, limit, workers, tries, victim)
        accepted += improved
        idle = 0 if improved else idle + 1
        if victim >= 0:  # infeasible: more receivers; timed out: fewer
            vsize = min(40, vsize + 2) if status == 3 else max(8, vsize - 1) if status != 4 and not improved else vsize
            continue
        # adapt: grow after solved-to-optimal non-improvements, shrink after timeouts
        if not improved:
            if status == 4 and size < 40:
                size += 2
            elif status != 4 and size > 6:
                size -= 1
        ctx.report("large-neighbourhood search")
    ctx.stats = {"lns_tries": tries, "lns_accepted": accepted, "lns_final_size": size}
    return accepted
