"""The mutable assignment every strategy works on: loads, counts and spread groups per host.

One representation shared by greedy, local search, CP-SAT/LNS and the sequencer, so a fit test
means the same thing everywhere (capacity on every resource, spread groups, receivable hosts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optimizer.fleet import Fleet
from optimizer.rules import Rules

EPS = 1e-9


@dataclass
class State:
    """Where every workload is in the plan being built (-1: nowhere)."""

    fleet: Fleet
    rules: Rules
    load: np.ndarray = field(init=False)
    count: np.ndarray = field(init=False)
    assign: np.ndarray = field(init=False)
    group: np.ndarray = field(init=False)  # spread-group number per workload, -1 if none
    group_hosts: dict[int, dict[int, int]] = field(init=False)
    group_names: list[str] = field(init=False)

    def __post_init__(self) -> None:
        f = self.fleet
        self.load = np.zeros_like(f.cap)
        self.count = np.zeros(len(f.hosts), dtype=np.int64)
        self.assign = np.full(len(f.workloads), -1, dtype=np.int64)
        names: dict[str, int] = {}
        g = np.full(len(f.workloads), -1, dtype=np.int64)
        for i, w in enumerate(f.workloads):
            if w.spread_group is not None:
                g[i] = names.setdefault(w.spread_group, len(names))
        self.group = g
        self.group_names = list(names)
        self.group_hosts = {}

    def copy(self) -> "State":
        s = State.__new__(State)
        s.fleet, s.rules = self.fleet, self.rules
        s.load, s.count, s.assign = self.load.copy(), self.count.copy(), self.assign.copy()
        s.group, s.group_names = self.group, self.group_names
        s.group_hosts = {k: dict(v) for k, v in self.group_hosts.items()}
        return s

    def restore(self, other: "State") -> None:
        """Take `other`'s assignment (a copy of this state taken earlier), in place."""
        self.load[:], self.count[:], self.assign[:] = other.load, other.count, other.assign
        self.group_hosts = {k: dict(v) for k, v in other.group_hosts.items()}

    # ------------------------------------------------------------ updates

    def place(self, w: int, h: int) -> None:
        assert self.assign[w] == -1
        self.assign[w] = h
        self.load[h] += self.fleet.dem[w]
        self.count[h] += 1
        g = int(self.group[w])
        if g >= 0:
            d = self.group_hosts.setdefault(g, {})
            d[h] = d.get(h, 0) + 1

    def remove(self, w: int) -> int:
        h = int(self.assign[w])
        if h < 0:
            return h
        self.assign[w] = -1
        self.load[h] -= self.fleet.dem[w]
        self.count[h] -= 1
        g = int(self.group[w])
        if g >= 0:
            d = self.group_hosts[g]
            d[h] -= 1
            if d[h] == 0:
                del d[h]
        return h

    def move(self, w: int, h: int) -> None:
        self.remove(w)
        self.place(w, h)

    # ------------------------------------------------------------ tests

    def fits(self, w: int, h: int) -> bool:
        """Capacity and spread group on host `h` (eligibility is the caller's business)."""
        if np.any(self.load[h] + self.fleet.dem[w] > self.fleet.cap[h] + EPS):
            return False
        g = int(self.group[w])
        return not (g >= 0 and h in self.group_hosts.get(g, ()))

    def fit_mask(self, w: int, hosts: np.ndarray) -> np.ndarray:
        """Vectorised `fits` over an array of host indices."""
        if hosts.size == 0:
            return np.zeros(0, dtype=bool)
        ok = np.all(self.load[hosts] + self.fleet.dem[w] <= self.fleet.cap[hosts] + EPS, axis=1)
        g = int(self.group[w])
        if g >= 0:
            taken = self.group_hosts.get(g)
            if taken:
                for t in taken:  # a spread group has a handful of members: cheaper than np.isin
                    ok &= hosts != t
        return ok

    def utilisation(self, hosts: np.ndarray | None = None) -> np.ndarray:
        """Per-host peak of used/capacity over resources (0 where nothing is used)."""
        cap = self.fleet.cap if hosts is None else self.fleet.cap[hosts]
        load = self.load if hosts is None else self.load[hosts]
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(cap > 0, load / np.where(cap > 0, cap, 1), np.where(load > EPS, np.inf, 0.0))
        return u.max(axis=1) if u.shape[1] else np.zeros(len(u))

    def peak(self) -> float:
        live = np.flatnonzero(self.rules.host_live & (self.count > 0))
        return float(self.utilisation(live).max()) if live.size else 0.0

    def active(self) -> int:
        return int(np.count_nonzero((self.count > 0) & self.rules.host_live))

    def migrations(self) -> int:
        """Moves of workloads that started on a live host and end elsewhere (net of the plan)."""
        o = self.rules.orig
        live = (o >= 0) & self.rules.host_live[np.maximum(o, 0)]
        return int(np.count_nonzero(live & (self.assign >= 0) & (self.assign != o)))

    def fits_self(self, h: int) -> bool:
        """Host `h` is within capacity (a guard after applying an external solution)."""
        return bool(np.all(self.load[h] <= self.fleet.cap[h] + 1e-6))
