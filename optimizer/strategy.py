"""One interface for every improvement strategy (as OpenStack Watcher's strategies share one).

A strategy receives the context (rules, the state after placement, the migration budget, a
deadline, a progress callback) and improves the state in place, never breaking a rule: the
state is valid before and after every call. The engine then sequences the result.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from optimizer.rules import Rules
from optimizer.state import State

Progress = Callable[[dict[str, Any]], None]


@dataclass
class Context:
    rules: Rules
    state: State
    mode: str
    max_migrations: float  # math.inf when there is no limit
    deadline: float  # time.monotonic() value
    started: float
    progress: Progress | None = None
    lower_bound: int = 0
    peak_bound: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    reserve: int = 0  # migrations kept for the sequencer's third-host moves
    stats: dict[str, Any] = field(default_factory=dict)
    host_bound: Any = None  # (HostBound, placed mask it was computed for), set by the engine
    peak_placed: Any = None  # the placed mask peak_bound was computed for (balance)
    time_limit: float = 0.0  # the plan's limit in seconds (the deadline keeps some of it back)
    safe_state: Any = None  # the state before the reserve for third-host moves was spent (a fallback)
    minimise: str = "hosts"  # consolidate: "hosts" or "power" (objective.minimise)
    power: Any = None  # the PowerModel (optimizer/power.py) when minimise is "power"

    def budget_left(self) -> float:
        return self.max_migrations - self.reserve - self.state.migrations()

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    def report(self, phase: str) -> None:
        if self.progress is not None:
            st = self.state
            self.progress({"phase": phase, "active_hosts": st.active(), "lower_bound_hosts": self.lower_bound,
                           "peak_utilisation": st.peak(), "peak_bound": self.peak_bound,
                           "migrations": st.migrations(), "elapsed": time.monotonic() - self.started})


class Strategy(Protocol):
    name: str

    def improve(self, ctx: Context) -> None:
        """Improve `ctx.state` in place until done or `ctx.deadline`."""


def no_limit(v: int | None) -> float:
    return math.inf if v is None else float(v)


def undo_unneeded(ctx: Context) -> int:
    """Send moved workloads back to their original host where that costs the objective nothing.

    Consolidate: the original host is still active and has room (minimising power: and draws no more
    per vCPU than where the workload is). Balance: it has room and stays
    at or below the current peak. Every such return is one migration saved.
    """
    import numpy as np

    st, rules = ctx.state, ctx.rules
    f = st.fleet
    peak = st.peak()
    capsafe = np.where(f.cap > 0, f.cap, np.inf)
    saved = 0
    moved = np.flatnonzero((rules.orig >= 0) & (st.assign >= 0) & (st.assign != rules.orig))
    for w in moved:
        w, o = int(w), int(rules.orig[w])
        if not rules.host_live[o] or not rules.may_receive(w, o):
            continue
        if ctx.mode == "consolidate" and st.count[o] == 0:
            continue
        h = int(st.assign[w])
        if ctx.power is not None and ctx.power.per_vcpu[o] > ctx.power.per_vcpu[h] + 1e-12:
            continue  # back home would draw more watts

        st.remove(w)
        ok = st.fits(w, o) and (ctx.mode != "balance" or float(((st.load[o] + f.dem[w]) / capsafe[o]).max()) <= peak + 1e-9)
        if not ok and ctx.mode == "consolidate" and ctx.power is None and time.monotonic() < ctx.deadline + 2.0:
            ok = _make_room_at_home(st, w, o, h)
        st.place(w, o if ok else h)
        saved += ok
    return saved


def _make_room_at_home(st: State, w: int, o: int, h: int) -> bool:
    """Consolidate: `w` (now off its host `h`) does not fit back on its original host `o`; move a
    workload that came to `o` from elsewhere on to another active host (its own original host
    first, which saves a second migration) if that makes room. No host opens or closes."""
    import numpy as np

    rules, f = st.rules, st.fleet
    on = np.flatnonzero((st.assign == o) & (rules.orig != o))
    need = np.maximum(st.load[o] + f.dem[w] - f.cap[o], 0.0)
    g = int(st.group[w])
    for u in on:
        u = int(u)
        if rules.status[u].value == "pinned" or np.any(f.dem[u] < need - 1e-9):
            continue
        if g >= 0 and int(st.group[u]) != g and o in st.group_hosts.get(g, {}):
            continue  # another member of w's spread group stays on o
        hosts = rules.eligible_hosts(u)
        hosts = hosts[(st.count[hosts] > 0) & (hosts != o)]
        cand = hosts[st.fit_mask(u, hosts)]
        if cand.size == 0:
            continue
        ou = int(rules.orig[u])
        x = ou if ou in set(cand.tolist()) else int(cand[0])
        st.move(u, x)
        if st.fits(w, o):
            return True
        st.move(u, o)
    return False
