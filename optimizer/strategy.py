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
