"""The effective policy as frozen dataclasses.

Frozen because one `Policy` is loaded at start and shared by every request and job: nothing may
change it behind the service's back. `to_dict()` is what the policy endpoint serves, so an operator
sees exactly the rules in force, including the site's changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from optimizer.fleet import CLOUD_KINDS

APPROVERS = ("province", "own-cloud")
PLAN_KINDS = ("rebalance", "drain", "place-pending")
RULE_LEVELS = ("cloud", "host")
MATCH_KEYS = ("touches_kind", "touches_cloud", "crosses_clouds", "within_kind")
# The placement rules the code implements; default.yaml must name exactly these.
PLACEMENT_RULE_IDS = ("classified", "home-or-province", "backup-only-dr", "mlps", "failed-cloud", "pinned",
                      "capacity", "spread-group", "unschedulable")

__all__ = ["APPROVERS", "CLOUD_KINDS", "PLAN_KINDS", "ApprovalMatch", "ApprovalRule", "SeparationOfDuties",
           "AutoApprove", "Execution", "PlacementRule", "DenyEntry", "Placement", "Policy"]


@dataclass(frozen=True)
class ApprovalMatch:
    """Conditions on one move; all the given ones must hold (None: not a condition)."""

    touches_kind: tuple[str, ...] | None = None
    touches_cloud: tuple[str, ...] | None = None
    crosses_clouds: bool | None = None
    within_kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in MATCH_KEYS:
            v = getattr(self, k)
            if v is not None:
                out[k] = list(v) if isinstance(v, tuple) else v
        return out


@dataclass(frozen=True)
class ApprovalRule:
    """One approval rule: the first whose match holds decides who approves a move."""

    name: str
    match: ApprovalMatch
    approver: str  # "province" or "own-cloud"
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "match": self.match.to_dict(), "approver": self.approver, "reason": self.reason}


@dataclass(frozen=True)
class SeparationOfDuties:
    proposer_may_approve_own_scope: bool = True
    multi_scope_needs_other_approver: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"proposer_may_approve_own_scope": self.proposer_may_approve_own_scope,
                "multi_scope_needs_other_approver": self.multi_scope_needs_other_approver}


@dataclass(frozen=True)
class AutoApprove:
    """Scheduled plans of these kinds in this scope may be approved by the system."""

    scope: str  # a cloud id or "all"
    kinds: tuple[str, ...]
    max_moves: int | None  # None: no limit (must be written explicitly as null)

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "kinds": list(self.kinds), "max_moves": self.max_moves}


@dataclass(frozen=True)
class Execution:
    max_concurrent_moves_per_cloud: int = 2
    retries: int = 3
    backoff_s: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return {"max_concurrent_moves_per_cloud": self.max_concurrent_moves_per_cloud,
                "retries": self.retries, "backoff_s": self.backoff_s}


@dataclass(frozen=True)
class PlacementRule:
    """One of the contract's placement rules, named so explanations can cite it."""

    id: str
    applies_to: str  # "cloud": explain checks it; "host": the optimizer keeps it on every host
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "applies_to": self.applies_to, "text": self.text}


@dataclass(frozen=True)
class DenyEntry:
    """A site's extra refusal: these workloads may not run on this cloud."""

    cloud: str
    reason: str
    department: str | None = None  # None: every department
    workload: str | None = None  # None: every workload

    def covers(self, workload_id: str, department: str, cloud_id: str) -> bool:
        return (self.cloud == cloud_id
                and (self.department is None or self.department == department)
                and (self.workload is None or self.workload == workload_id))

    def describe(self) -> str:
        who = []
        if self.workload is not None:
            who.append(f"workload {self.workload}")
        if self.department is not None:
            who.append(f"department {self.department}")
        return f"{' of '.join(who) if who else 'every workload'} on cloud {self.cloud}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cloud": self.cloud, "reason": self.reason}
        if self.department is not None:
            out["department"] = self.department
        if self.workload is not None:
            out["workload"] = self.workload
        return out


@dataclass(frozen=True)
class Placement:
    rules: tuple[PlacementRule, ...]
    deny: tuple[DenyEntry, ...] = ()

    def rule(self, rule_id: str) -> PlacementRule:
        return next(r for r in self.rules if r.id == rule_id)

    def to_dict(self) -> dict[str, Any]:
        return {"rules": [r.to_dict() for r in self.rules], "deny": [d.to_dict() for d in self.deny]}


@dataclass(frozen=True)
class Policy:
    """The effective policy: the default with the site's file on top."""

    approvals: tuple[ApprovalRule, ...]
    separation_of_duties: SeparationOfDuties
    auto_approve: tuple[AutoApprove, ...]
    execution: Execution
    placement: Placement
    sources: tuple[str, ...] = field(default=())  # the files it was loaded from, default first

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: what the policy endpoint returns."""
        return {
            "sources": list(self.sources),
            "approvals": [r.to_dict() for r in self.approvals],
            "separation_of_duties": self.separation_of_duties.to_dict(),
            "auto_approve": [a.to_dict() for a in self.auto_approve],
            "execution": self.execution.to_dict(),
            "placement": self.placement.to_dict(),
        }
