"""The plan: final assignments, the unplaced with reasons, ordered moves and exact stats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from optimizer.reason import Reason


@dataclass(frozen=True)
class Move:
    step: int
    workload: str
    from_host: str | None
    to_host: str
    why: Reason

    @property
    def reason(self) -> str:
        """The contract's readable English."""
        return self.why.text


@dataclass(frozen=True)
class Unplaced:
    workload: str
    why: Reason

    @property
    def reason(self) -> str:
        return self.why.text


@dataclass
class Stats:
    active_hosts: int
    migrations: int
    lower_bound_hosts: int
    peak_utilisation: float
    solve_seconds: float
    status: str
    # not in the contract's document, reported by the CLI and the benchmarks
    peak_lower_bound: float = 0.0
    baseline_active_hosts: int | None = None
    extra_moves: int = 0
    # which argument proves lower_bound_hosts ("lp", "capacity", "spread", "pinned"): in the plan
    # document as an additive field; and what computing it cost
    lower_bound_method: str = "lp"
    bound_seconds: float = 0.0
    # watts before and after the plan (optimizer/power.py), when every host of the fleet carries
    # `power`: an additive field of the plan document
    power_w: dict[str, float] | None = None


@dataclass
class Plan:
    assignments: dict[str, str]
    unplaced: list[Unplaced]
    moves: list[Move]
    stats: Stats
    notes: list[str] = field(default_factory=list)

    def to_document(self) -> dict[str, Any]:
        """The contract's plan document (JSON-ready)."""
        s = self.stats
        return {
            "assignments": dict(self.assignments),
            # `code` and `params` beside the contract's `reason`: the same reason as data, for rendering
            "unplaced": [{"workload": u.workload, "reason": u.reason, **u.why.to_json()} for u in self.unplaced],
            "moves": [
                {"step": m.step, "workload": m.workload, "from": m.from_host, "to": m.to_host, "reason": m.reason,
                 **m.why.to_json()}
                for m in self.moves
            ],
            "stats": {
                "active_hosts": s.active_hosts,
                "migrations": s.migrations,
                "lower_bound_hosts": s.lower_bound_hosts,
                "peak_utilisation": round(s.peak_utilisation, 4),
                "solve_seconds": round(s.solve_seconds, 3),
                "status": s.status,
                "lower_bound_method": s.lower_bound_method,
                **({"power_w": dict(s.power_w)} if s.power_w is not None else {}),
            },
        }
