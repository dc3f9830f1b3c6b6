"""The host power model: one definition, used by the optimizer, the policy and the energy report.

A host that is on draws `idle_w` with nothing allotted and `full_w` with every vCPU allotted, linearly
in between (the usual linear server model, as in SPECpower curves): vCPUs drive it because they are
what the fleet allots and what a host's draw follows most. In the optimizer a host that holds no
workload counts 0 W: consolidation empties a host so it can be powered down. policies/power.py and
scheduler/core/energy.py use `watts_at` for the same watts, with their own view of which hosts are on.

Figures for the plan's `stats.power_w` are exact (fractions of the documents' decimal figures) and
rounded once, to the milliwatt, where they are shown; the search uses floats of the same formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:
    from optimizer.fleet import Fleet
    from optimizer.state import State

DRIVER = "vcpu"  # the resource whose allotted share moves a host from idle_w to full_w
OBJECTIVES = ("hosts", "power")  # objective.minimise
N = TypeVar("N", float, Fraction)


@dataclass(frozen=True)
class HostPower:
    """What a host draws when on: idle (nothing allotted) and full (every vCPU allotted), in watts."""

    idle_w: float
    full_w: float


def watts_at(idle_w: N, full_w: N, share: N) -> N:
    """Watts of a host that is on with `share` of its vCPUs allotted (clamped to 0..1)."""
    share = min(max(share, 0), 1)
    return idle_w + (full_w - idle_w) * share


def exact(x: float) -> Fraction:
    """A document's decimal figure as an exact fraction (0.1 is 1/10, not the nearest double)."""
    return Fraction(str(x))


def fleet_watts(f: "Fleet", host_of: list[int]) -> Fraction | None:
    """Exact watts of the fleet with workload i on host `host_of[i]` (-1: nowhere); None unless every
    host carries `power`. A host holding nothing draws 0 W."""
    if not f.hosts or any(h.power is None for h in f.hosts):
        return None
    used: dict[int, Fraction] = {}
    for i, h in enumerate(host_of):
        if h >= 0:
            used[h] = used.get(h, Fraction(0)) + exact(f.workloads[i].demand.get(DRIVER, 0.0))
    total = Fraction(0)
    for h, u in used.items():
        host = f.hosts[h]
        p = host.power
        assert p is not None
        cap = host.capacity.get(DRIVER, 0.0)
        share = u / exact(cap) if cap > 0 else Fraction(0)
        total += watts_at(exact(p.idle_w), exact(p.full_w), share)
    return total


def shown(w: Fraction) -> float:
    """Watts as the plan shows them: to the milliwatt."""
    return round(float(w), 3)


@dataclass(frozen=True)
class PowerModel:
    """The model as arrays for the search: per host, its idle watts and the watts each allotted vCPU adds."""

    idle: np.ndarray
    per_vcpu: np.ndarray
    driver: int  # column of DRIVER in the fleet's resources, -1 if the fleet has none

    @classmethod
    def of(cls, f: "Fleet") -> "PowerModel | None":
        if not f.hosts or any(h.power is None for h in f.hosts):
            return None
        idle = np.array([h.power.idle_w for h in f.hosts], dtype=float)  # type: ignore[union-attr]
        full = np.array([h.power.full_w for h in f.hosts], dtype=float)  # type: ignore[union-attr]
        r = f.resources.index(DRIVER) if DRIVER in f.resources else -1
        cap = f.raw_cap[:, r] if r >= 0 else np.zeros(len(f.hosts))
        per = np.where(cap > 0, (full - idle) / np.where(cap > 0, cap, 1.0), 0.0)
        return cls(idle, per, r)

    def vcpu(self, st: "State", hosts: np.ndarray | None = None) -> np.ndarray:
        load = st.load if hosts is None else st.load[hosts]
        return load[:, self.driver] if self.driver >= 0 else np.zeros(len(load))

    def watts(self, st: "State", hosts: np.ndarray | None = None) -> float:
        """Watts of `hosts` (every host if None) in state `st`, by the same formula as `fleet_watts`."""
        idx = np.arange(len(st.count)) if hosts is None else np.asarray(hosts, dtype=np.int64)
        on = (st.count[idx] > 0) & st.rules.host_live[idx]
        return float(np.sum(np.where(on, self.idle[idx] + self.per_vcpu[idx] * self.vcpu(st, idx), 0.0)))

    def added(self, w_vcpu: float, hosts: np.ndarray) -> np.ndarray:
        """Watts a workload of `w_vcpu` vCPUs adds on each of `hosts` that is already on."""
        return self.per_vcpu[hosts] * w_vcpu
