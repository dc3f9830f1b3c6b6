"""The contract's tiered placement rules: who may run where, and what each workload needs.

Kept in one place so the solvers, the incremental placer and the reasons all agree on
eligibility (home cloud, province overflow, backup for dr-replicas and failover restarts,
MLPS level, failed clouds, unschedulable hosts, pins, classified never placed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from optimizer.fleet import Fleet, Workload
from optimizer.reason import Reason, reason


class Status(str, Enum):
    """What the plan must do with a workload, decided before any search."""

    CLASSIFIED = "classified"  # never placed; leaves its host if it has one
    LOST = "lost"  # on a failed cloud and not DR-protected: listed unplaced
    RESTART = "restart"  # on a failed cloud and protected: restart elsewhere
    PINNED = "pinned"  # stays on its current (live) host whatever else holds
    NEW = "new"  # has no host yet
    DRAIN = "drain"  # on an unschedulable host: must move
    INVALID = "invalid"  # on a live, schedulable host it may not use (cloud or MLPS): must move
    RUNNING = "running"  # validly placed; may be moved by the objective


MUST_PLACE = (Status.RESTART, Status.NEW, Status.DRAIN, Status.INVALID)


@dataclass
class Rules:
    """Eligibility of every workload, computed once per fleet (and per set of failed clouds)."""

    fleet: Fleet
    province: str | None = field(init=False)
    backup: str | None = field(init=False)
    failed: set[str] = field(init=False)
    host_live: np.ndarray = field(init=False)  # host not on a failed cloud
    host_open: np.ndarray = field(init=False)  # live and schedulable
    host_recv: np.ndarray = field(init=False)  # open and not above its fill target: may receive
    status: list[Status] = field(init=False)
    orig: np.ndarray = field(init=False)  # index of the current host, -1 if none (may be a failed host)
    _hosts_of_cloud: dict[str, np.ndarray] = field(init=False)
    _class_cache: dict[tuple[str, ...], np.ndarray] = field(init=False)
    elig_key: list[tuple[str, ...]] = field(init=False)

    def __post_init__(self) -> None:
        f = self.fleet
        self.province = next((c.id for c in f.clouds if c.kind == "province"), None)
        self.backup = next((c.id for c in f.clouds if c.kind == "backup"), None)
        self._city = {c.city: c.id for c in f.clouds if c.kind == "city"}
        self._industry = {c.industry: c.id for c in f.clouds if c.kind == "industry"}
        self.failed = set(f.failed_clouds)
        self.host_live = np.array([h.cloud not in self.failed for h in f.hosts], dtype=bool)
        self.host_open = self.host_live & np.array([h.schedulable for h in f.hosts], dtype=bool)
        self.host_recv = self.host_open & ~f.full
        by_cloud: dict[str, list[int]] = {}
        for i, h in enumerate(f.hosts):
            by_cloud.setdefault(h.cloud, []).append(i)
        self._hosts_of_cloud = {c: np.array(v, dtype=np.int64) for c, v in by_cloud.items()}
        self._class_cache = {}
        self.orig = np.array([f.host_index[w.host] if w.host is not None else -1 for w in f.workloads],
                             dtype=np.int64)
        self.status = [self._status(i, w) for i, w in enumerate(f.workloads)]
        self.elig_key = [self.eligible_clouds(i) for i in range(len(f.workloads))]

    # ------------------------------------------------------------ clouds

    def home(self, w: Workload) -> str | None:
        """Home cloud: the industry's cloud, else the province cloud or the city's cloud by tier."""
        if w.industry is not None:
            return self._industry.get(w.industry)
        if w.tier == "province":
            return self.province
        return self._city.get(w.city)

    def on_failed_cloud(self, wi: int) -> bool:
        h = int(self.orig[wi])
        return h >= 0 and not bool(self.host_live[h])

    def allowed_clouds(self, wi: int) -> list[str]:
        """Clouds the rules allow before MLPS and failures: home, province overflow, backup if entitled."""
        w = self.fleet.workloads[wi]
        return self.allowed_for(w, self.on_failed_cloud(wi) and w.dr.protected)

    def current_cloud(self, w: Workload) -> str | None:
        i = self.fleet.host_index.get(w.host) if w.host is not None else None
        return self.fleet.host_cloud[i] if i is not None else None

    def allowed_for(self, w: Workload, restart: bool = False) -> list[str]:
        """`allowed_clouds` for a workload that need not be in the fleet (incremental placement).

        An isolated cloud keeps its own workloads (whatever their tier: they cannot leave, so the
        tiered rules do not apply across the boundary) and takes no one else's.
        """
        out = self._allowed_by_tier(w, restart)
        isolated = self.fleet.isolated_clouds
        if not isolated:
            return out
        current = self.current_cloud(w)
        if current in isolated:
            return [current]
        return [c for c in out if c not in isolated]

    def _allowed_by_tier(self, w: Workload, restart: bool) -> list[str]:
        out: list[str] = []
        home = self.home(w)
        if home is not None:
            out.append(home)
        if self.province is not None and self.province not in out:
            out.append(self.province)
        if self.backup is not None and (w.role == "dr-replica" or restart) and self.backup not in out:
            out.append(self.backup)
        return out

    def eligible_clouds(self, wi: int) -> tuple[str, ...]:
        """Allowed clouds that are not failed and meet the workload's MLPS level."""
        w = self.fleet.workloads[wi]
        return self.eligible_for(w, self.on_failed_cloud(wi) and w.dr.protected)

    def eligible_for(self, w: Workload, restart: bool = False) -> tuple[str, ...]:
        cb = self.fleet.cloud_by_id
        return tuple(c for c in self.allowed_for(w, restart) if c not in self.failed and cb[c].mlps_level >= w.mlps_level)

    def eligible_hosts(self, wi: int) -> np.ndarray:
        """Indices of hosts that may receive workload `wi` (live, schedulable, eligible cloud)."""
        return self.hosts_for_key(self.elig_key[wi])

    def hosts_for_key(self, key: tuple[str, ...]) -> np.ndarray:
        """Receivable hosts of a tuple of eligible clouds (cached: there are few such tuples)."""
        arr = self._class_cache.get(key)
        if arr is None:
            parts = [self._hosts_of_cloud.get(c, np.zeros(0, dtype=np.int64)) for c in key]
            arr = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            arr = arr[self.host_recv[arr]] if arr.size else arr
            self._class_cache[key] = arr
        return arr

    def may_receive(self, wi: int, hi: int) -> bool:
        """`hi` may hold `wi` at the end: it may receive, or it is where `wi` runs now (staying is not receiving)."""
        ok = self.host_recv[hi] or (hi == self.orig[wi] and self.host_open[hi])
        return bool(ok) and self.fleet.host_cloud[hi] in self.elig_key[wi]

    # ------------------------------------------------------------ status

    def _status(self, wi: int, w: Workload) -> Status:
        if w.classification == "classified":
            return Status.CLASSIFIED
        h = int(self.orig[wi])
        if h < 0:
            return Status.NEW
        if not self.host_live[h]:
            return Status.RESTART if w.dr.protected else Status.LOST
        if w.pinned:
            return Status.PINNED
        if not self.fleet.hosts[h].schedulable:
            return Status.DRAIN
        key = self.eligible_clouds(wi)
        if self.fleet.host_cloud[h] not in key:
            return Status.INVALID
        return Status.RUNNING

    def why_ineligible(self, wi: int, hi: int) -> Reason:
        """Which rule keeps workload `wi` off host `hi` (for reasons)."""
        f = self.fleet
        w, h = f.workloads[wi], f.hosts[hi]
        c = f.cloud_by_id[h.cloud]
        if h.cloud in self.failed:
            return reason("ineligible.cloud_failed", cloud=h.cloud)
        if not h.schedulable:
            return reason("ineligible.unschedulable", host=h.id)
        current = self.current_cloud(w)
        if h.cloud != current and (h.cloud in f.isolated_clouds or current in f.isolated_clouds):
            return reason("ineligible.isolated", cloud=h.cloud if h.cloud in f.isolated_clouds else current)
        if h.cloud not in self.allowed_clouds(wi):
            allowed = list(self.allowed_clouds(wi))
            return (reason("ineligible.not_eligible", cloud=h.cloud, clouds=allowed) if allowed
                    else reason("ineligible.no_eligible", cloud=h.cloud))
        if c.mlps_level < w.mlps_level:
            return reason("ineligible.mlps_below", cloud=h.cloud, level=c.mlps_level, required=w.mlps_level)
        return reason("ineligible.eligible")


def priority_key(rules: Rules, wi: int) -> tuple[int, int]:
    """Placement order: protected workloads first by dr.priority (1 first), then the others."""
    w = rules.fleet.workloads[wi]
    return (0, w.dr.priority) if w.dr.protected else (1, 0)

