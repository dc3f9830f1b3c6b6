"""The plan document, typed: read once from the stored JSON, which stays the optimizer contract's
plan format exactly (assignments, unplaced, moves, stats; a failback adds `stayed`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scheduler.plans.models import Plan


@dataclass(frozen=True)
class Move:
    step: int
    workload: str
    from_host: str | None  # None: a new placement
    to: str
    reason: str

    @classmethod
    def from_json(cls, m: dict[str, Any]) -> Move:
        return cls(int(m["step"]), m["workload"], m["from"], m["to"], m["reason"])

    def to_json(self) -> dict[str, Any]:
        return {"step": self.step, "workload": self.workload, "from": self.from_host, "to": self.to,
                "reason": self.reason}


@dataclass(frozen=True)
class Unplaced:
    workload: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"workload": self.workload, "reason": self.reason}


@dataclass(frozen=True)
class PlanDocument:
    assignments: dict[str, str]
    unplaced: tuple[Unplaced, ...]
    moves: tuple[Move, ...]
    stats: dict[str, Any]
    stayed: tuple[Unplaced, ...] | None = None  # a failback's workloads that could not go home, and why
    extra: dict[str, Any] = field(default_factory=dict)  # keys outside the contract, kept as they were

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> PlanDocument:
        known = {"assignments", "unplaced", "moves", "stats", "stayed"}
        stayed = doc.get("stayed")
        return cls(assignments=dict(doc["assignments"]),
                   unplaced=tuple(Unplaced(u["workload"], u["reason"]) for u in doc["unplaced"]),
                   moves=tuple(Move.from_json(m) for m in doc["moves"]), stats=dict(doc["stats"]),
                   stayed=None if stayed is None else tuple(Unplaced(s["workload"], s["reason"]) for s in stayed),
                   extra={k: v for k, v in doc.items() if k not in known})

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"assignments": dict(self.assignments), "unplaced": [u.to_json() for u in self.unplaced],
                               "moves": [m.to_json() for m in self.moves], "stats": dict(self.stats), **self.extra}
        if self.stayed is not None:
            out["stayed"] = [s.to_json() for s in self.stayed]
        return out

    def counts(self) -> dict[str, int]:
        """The one count of moves the API, the console and the plans list all show: every step of the
        plan is a move; of them, migrations (off a live host: the contract's `stats.migrations`), new
        placements (from nowhere) and restarts (off a failed host); and the freed hosts disabled last."""
        placements = sum(1 for m in self.moves if m.from_host is None)
        migrations = int(self.stats.get("migrations", len(self.moves) - placements))
        return {"moves": len(self.moves), "migrations": migrations, "placements": placements,
                "restarts": len(self.moves) - placements - migrations,
                "hosts_disabled": len(self.extra.get("disable_hosts") or [])}

    def touched_hosts(self) -> set[str]:
        """Every host a move leaves or enters."""
        return {m.to for m in self.moves} | {m.from_host for m in self.moves if m.from_host}

    def host_pairs(self) -> list[tuple[str | None, str]]:
        return [(m.from_host, m.to) for m in self.moves]


def document_of(plan: Plan) -> PlanDocument:
    return PlanDocument.from_json(plan.document)
