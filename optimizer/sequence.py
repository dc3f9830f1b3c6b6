"""Order the moves of a plan so that every prefix is safe.

After every step every host stays within capacity and no spread group shares a host. A move
runs as soon as its destination has room; when every remaining move waits on another (a swap,
a cycle), one workload steps aside to a third host that has room now, and moves on later: one
extra move, counted as a migration. This is the part Nova and Watcher lack (they fire moves
concurrently and can overload a host or break an HA pair mid-plan).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from optimizer.rules import Rules
from optimizer.state import EPS


class SequenceError(RuntimeError):
    """No safe order exists within the migration budget (the caller falls back to a simpler plan)."""


@dataclass(frozen=True)
class Step:
    workload: int
    src: int  # host index, -1 for a new placement (a failed host for a restart)
    dst: int
    via: bool = False  # a step aside to a third host that breaks a cycle
    for_workload: int = -1  # the workload whose move the step aside unblocks


def sequence(rules: Rules, start: dict[int, int], final: dict[int, int], extra_budget: float) -> list[Step]:
    """Order the moves from `start` (workload -> host, including failed hosts) to `final`.

    `start` holds every workload that is physically somewhere when the plan begins (those listed
    unplaced already removed); `final` every workload placed by the plan. Placements and restarts
    run as soon as they fit (a restart's recovery time counts); if that fills the room a cycle of
    migrations needed, they wait until the migrations are done: they free no live room, and once
    every migration has run each of them fits, as the final state does.
    """
    try:
        return _order(rules, start, final, extra_budget, defer_new=False)
    except SequenceError as first:
        try:
            return _order(rules, start, final, extra_budget, defer_new=True)
        except SequenceError:
            raise first from None


def _order(rules: Rules, start: dict[int, int], final: dict[int, int], extra_budget: float,
           defer_new: bool) -> list[Step]:
    f = rules.fleet
    load = np.zeros_like(f.cap)
    groups: dict[str, dict[int, int]] = {}
    where: dict[int, int] = {}
    wl = f.workloads

    def add(w: int, h: int) -> None:
        where[w] = h
        if h < 0 or not rules.host_live[h]:
            return
        load[h] += f.dem[w]
        g = wl[w].spread_group
        if g is not None:
            d = groups.setdefault(g, {})
            d[h] = d.get(h, 0) + 1

    def drop(w: int) -> None:
        h = where.pop(w, -1)
        if h < 0 or not rules.host_live[h]:
            return
        load[h] -= f.dem[w]
        g = wl[w].spread_group
        if g is not None:
            groups[g][h] -= 1

    def fits(w: int, h: int) -> bool:
        if np.any(load[h] + f.dem[w] > f.cap[h] + EPS):
            return False
        g = wl[w].spread_group
        return not (g is not None and groups.get(g, {}).get(h, 0) > 0)

    for w, h in start.items():
        add(w, h)
    todo: dict[int, int] = {w: h for w, h in final.items() if start.get(w, -1) != h}
    waiting: dict[int, list[int]] = {}

    def migrates(w: int) -> bool:
        h = start.get(w, -1)
        return h >= 0 and bool(rules.host_live[h])

    deferred = [w for w in sorted(todo) if defer_new and not migrates(w)]
    queue: deque[int] = deque(w for w in sorted(todo) if not (defer_new and not migrates(w)))
    steps: list[Step] = []
    extra = 0
    # one step aside per move at most: without a budget, workloads could step aside forever between
    # third hosts without any move becoming possible (a livelock, not a plan)
    capped = extra_budget > len(todo)
    extra_budget = min(extra_budget, float(len(todo)))

    def run(w: int, dst: int, via: bool = False, for_w: int = -1) -> None:
        src = where.get(w, -1)
        drop(w)
        add(w, dst)
        steps.append(Step(w, src, dst, via, for_w))
        if src >= 0 and src in waiting:
            queue.extend(waiting.pop(src))

    while todo:
        while queue:
            w = queue.popleft()
            dst = todo.get(w)
            if dst is None:
                continue
            if fits(w, dst):
                del todo[w]
                run(w, dst)
            else:
                waiting.setdefault(dst, []).append(w)
        if not todo:
            break
        if deferred and not any(migrates(w) for w in todo):
            queue.extend(deferred)  # every migration has run: each placement fits now
            deferred = []
            continue
        # Deadlock: every remaining move waits. Step one workload of a cycle aside to a third host.
        if extra + 1 > extra_budget:
            raise SequenceError("a cycle of moves needs a third host but every move has stepped aside once already"
                                if capped else
                                "a cycle of moves needs a third host but the migration budget is spent")
        moved = False
        blocked_hosts = set(waiting)
        cands = sorted(
            (w for w in todo if where.get(w, -1) in blocked_hosts and rules.host_live[where[w]]),
            key=lambda w: float(f.dem[w].sum()),
        )
        for w in cands:
            src, dst = where[w], todo[w]
            hosts = rules.eligible_hosts(w)
            hosts = hosts[(hosts != src) & (hosts != dst)]
            ok = [int(h) for h in hosts if fits(w, int(h))]
            if not ok:
                continue
            # prefer a host nobody waits for, then the emptiest
            ok.sort(key=lambda h: (h in waiting, float((load[h] / np.maximum(f.cap[h], EPS)).max())))
            blocked_for = waiting.get(src, [-1])[0]
            run(w, ok[0], via=True, for_w=blocked_for)
            extra += 1
            queue.append(w)
            moved = True
            break
        if not moved:
            raise SequenceError("a cycle of moves has no third host with room")
    return steps
