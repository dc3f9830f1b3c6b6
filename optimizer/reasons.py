"""Reasons: why each move is in the plan and why a workload stays unplaced.

Operators approve what they understand; a reason names the rule or the resource that decided,
and the host or clouds concerned. Each is a code with parameters (optimizer.reason.Reason): the
plan document carries its English text, the service renders it in the reader's language.
"""

from __future__ import annotations

import numpy as np

from optimizer.reason import Reason, reason
from optimizer.rules import Rules, Status
from optimizer.sequence import Step
from optimizer.state import EPS, State


def why_unplaced(st: State, w: int, budget_spent: bool = False) -> Reason:
    """Which rule, or which resource on which eligible clouds, kept `w` from a host."""
    rules, f = st.rules, st.fleet
    wk = f.workloads[w]
    status = rules.status[w]
    if budget_spent and status in (Status.DRAIN, Status.INVALID):
        return reason("unplaced.budget_spent", host=f.hosts[rules.orig[w]].id)
    why = _why_no_host(st, w)
    if status is Status.RESTART:
        return reason("unplaced.restart", priority=wk.dr.priority, cloud=f.host_cloud[rules.orig[w]], why=why)
    return why


def _why_no_host(st: State, w: int) -> Reason:
    rules, f = st.rules, st.fleet
    wk = f.workloads[w]
    allowed = rules.allowed_clouds(w)
    if not allowed:
        return reason("unplaced.no_cloud")
    elig = rules.elig_key[w]
    if not elig:
        parts = [reason("cloud.failed", cloud=c) if c in rules.failed else
                 reason("cloud.mlps_below", cloud=c, level=f.cloud_by_id[c].mlps_level, required=wk.mlps_level)
                 for c in allowed]
        return reason("unplaced.no_eligible_cloud", clouds=parts)
    hosts = rules.eligible_hosts(w)
    parts = []
    for c in elig:
        hc = hosts[[f.host_cloud[h] == c for h in hosts]] if hosts.size else hosts
        if hc.size == 0:
            parts.append(reason("cloud.no_schedulable_host", cloud=c))
            continue
        free = f.cap[hc] - st.load[hc]
        short = np.any(free + EPS < f.dem[w], axis=0)
        g = wk.spread_group
        taken = st.group_hosts.get(int(st.group[w]), {}) if g is not None else {}
        spread = sum(1 for h in hc if int(h) in taken)
        res = [reason("resource.short", resource=r, needs=float(f.dem[w][i]), free=float(max(free[:, i].max(), 0)))
               for i, r in enumerate(f.resources) if short[i]]
        n = len(hc)
        if res and spread:
            parts.append(reason("cloud.no_room_short_spread", cloud=c, hosts=n, short=res, spread=spread, group=g))
        elif res:
            parts.append(reason("cloud.no_room_short", cloud=c, hosts=n, short=res))
        elif spread:
            parts.append(reason("cloud.no_room_spread", cloud=c, hosts=n, spread=spread, group=g))
        else:
            parts.append(reason("cloud.no_room", cloud=c, hosts=n))
    return reason("unplaced.no_room", clouds=parts)


def _peak_res(util: np.ndarray, resources: list[str]) -> tuple[str, float]:
    i = int(np.argmax(util))
    return resources[i], float(util[i])


def move_reasons(rules: Rules, steps: list[Step], start: dict[int, int], final_count: np.ndarray,
                 evicted: dict[int, Reason], mode: str) -> list[Reason]:
    """One reason per step, replaying loads so balance moves can quote before/after utilisation."""
    f = rules.fleet
    load = np.zeros_like(f.cap)
    for w, h in start.items():
        if h >= 0 and rules.host_live[h]:
            load[h] += f.dem[w]
    capsafe = np.where(f.cap > 0, f.cap, np.inf)
    out: list[Reason] = []
    for s in steps:
        w, src, dst = s.workload, s.src, s.dst
        status = rules.status[w]
        if s.via:
            r = (reason("move.step_aside", host=f.hosts[dst].id, source=f.hosts[src].id,
                        workload=f.workloads[s.for_workload].id) if s.for_workload >= 0
                 else reason("move.step_aside_other", host=f.hosts[dst].id, source=f.hosts[src].id))
        elif src < 0:
            r = reason("move.places_new")
        elif not rules.host_live[src]:
            r = reason("move.restarts", cloud=f.host_cloud[src])
        elif status is Status.DRAIN and src == rules.orig[w]:
            r = reason("move.drains", host=f.hosts[src].id)
        elif w in evicted and src == rules.orig[w]:
            r = reason("move.moves_off", host=f.hosts[src].id, why=evicted[w])
        elif status is Status.INVALID and src == rules.orig[w]:
            r = reason("move.moves_off", host=f.hosts[src].id, why=rules.why_ineligible(w, src))
        elif mode == "balance":
            before = load[src] / capsafe[src]
            after = (load[src] - f.dem[w]) / capsafe[src]
            res, b = _peak_res(before, f.resources)
            r = reason("move.lowers_peak", resource=res, host=f.hosts[src].id, before=b, after=float(after.max()))
        elif final_count[src] == 0:
            r = reason("move.empties_host", host=f.hosts[src].id)
        else:
            r = reason("move.consolidates", host=f.hosts[dst].id)
        if src >= 0 and rules.host_live[src]:
            load[src] -= f.dem[w]
        load[dst] += f.dem[w]
        out.append(r)
    return out
