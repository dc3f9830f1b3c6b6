"""The plan that can always be ordered: move only what must move, into room that exists now.

When even the greedy plan has a cycle that no third host can break (a swap inside a spread group
on a tiny cloud), this plan still answers. Every workload that must move goes, in priority order,
only to a host that has room for it while everything else is still where it is, so each step is
safe whenever it runs. What cannot move that way is listed unplaced and leaves first, which frees
room for another round: those still on a host when the rounds stall leave one at a time, lowest
priority first, and every step planned after a departure may use its room. It gives up the
objective, and in a truly stuck swap (two workloads of one spread group that must trade places with
no third host) it leaves one of them unplaced rather than break a rule mid-plan.
"""

from __future__ import annotations

import numpy as np

from optimizer.greedy import Start, costs_migration
from optimizer.rules import Rules
from optimizer.sequence import Step
from optimizer.state import State


def _best(st: State, w: int, exclude: int) -> int:
    hosts = st.rules.eligible_hosts(w)
    hosts = hosts[hosts != exclude]
    cand = hosts[st.fit_mask(w, hosts)]
    if cand.size == 0:
        return -1
    cap = st.fleet.cap[cand]
    after = st.load[cand] + st.fleet.dem[w]
    with np.errstate(divide="ignore", invalid="ignore"):
        slack = np.where(cap > 0, 1 - after / np.where(cap > 0, cap, 1), 0.0).sum(axis=1)
    return int(cand[int(np.argmin(slack))])


def safe_plan(rules: Rules, start: Start, budget: float) -> tuple[State, list[Step], list[int]]:
    """Final state, ordered steps and the workloads left unplaced (they leave before step 1)."""
    st = start.state.copy()
    orig = {w: int(rules.orig[w]) for w in start.pending}
    here = {w for w, h in orig.items() if h >= 0 and rules.host_live[h]}
    for w in here:  # still physically on their host until their step
        st.place(w, orig[w])
    todo = list(start.pending)
    steps: list[Step] = []

    def rounds() -> None:
        nonlocal budget
        progress = True
        while progress and todo:
            progress = False
            for w in list(todo):
                cost = costs_migration(rules, w)
                if cost and budget < 1:
                    continue
                h = _best(st, w, orig[w] if w in here else -1)
                if h < 0:
                    continue
                if w in here:
                    st.remove(w)
                st.place(w, h)
                steps.append(Step(w, orig[w], h))
                budget -= cost
                todo.remove(w)
                progress = True

    rounds()
    unplaced: list[int] = []
    while True:  # the lowest-priority workload stuck on its host leaves first, which may free room
        stuck = [w for w in todo if w in here]
        if not stuck:
            break
        victim = stuck[-1]
        st.remove(victim)
        here.discard(victim)
        todo.remove(victim)
        unplaced.append(victim)
        rounds()
    return st, steps, todo + unplaced
