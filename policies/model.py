"""The effective policy as frozen dataclasses.

Frozen because one `Policy` is loaded at start and shared by every request and job: nothing may
change it behind the service's back. `to_dict()` is what the policy endpoint serves, so an operator
sees exactly the rules in force, including the site's changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from optimizer.fleet import CLOUD_KINDS
from policies.power import Power

APPROVERS = ("province", "own-cloud")
PLAN_KINDS = ("rebalance", "drain", "place-pending")
RULE_LEVELS = ("cloud", "host")
ROLES = ("province-operator", "city-operator", "industry-operator", "department-admin", "dr-coordinator", "auditor")
FAILBACK_MODES = ("auto", "propose")
MATCH_KEYS = ("touches_kind", "touches_cloud", "crosses_clouds", "within_kind")
# The placement rules the code implements; default.yaml must name exactly these.
PLACEMENT_RULE_IDS = ("classified", "home-or-province", "backup-only-dr", "mlps", "failed-cloud", "pinned",
                      "capacity", "spread-group", "unschedulable")

__all__ = ["APPROVERS", "CLOUD_KINDS", "PLAN_KINDS", "ApprovalMatch", "ApprovalRule", "SeparationOfDuties",
           "AutoApprove", "Execution", "PlacementRule", "DenyEntry", "Placement", "Policy", "RestartModel",
           "DrillRunbook", "RealFailover", "Dr", "ROLES", "FAILBACK_MODES", "QUOTA_RESOURCES", "COHORTS",
           "ResourceAmounts", "QuotaBorrowing", "Quotas", "ACCOUNT_ROLES", "Lockout", "Sessions", "PasswordRules",
           "Auth"]


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
    max_concurrent_restarts_per_cloud: int = 32
    retries: int = 3
    backoff_s: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return {"max_concurrent_moves_per_cloud": self.max_concurrent_moves_per_cloud,
                "max_concurrent_restarts_per_cloud": self.max_concurrent_restarts_per_cloud,
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
    # (resource, share): the share of a host a plan may fill it to by what it moves there (headroom
    # for spikes); a resource not named may be filled to its capacity
    fill_target: tuple[tuple[str, float], ...] = ()

    def rule(self, rule_id: str) -> PlacementRule:
        return next(r for r in self.rules if r.id == rule_id)

    def fill_targets(self) -> dict[str, float]:
        return dict(self.fill_target)

    def to_dict(self) -> dict[str, Any]:
        return {"rules": [r.to_dict() for r in self.rules], "deny": [d.to_dict() for d in self.deny],
                "fill_target": self.fill_targets()}


@dataclass(frozen=True)
class RestartModel:
    """Minutes a cold restart takes by size: what a drill predicts recovery times with."""

    base: float = 2.0
    per_vcpu: float = 0.1
    per_100_gib_storage: float = 0.5

    def minutes(self, demand: dict[str, float]) -> float:
        return (self.base + self.per_vcpu * float(demand.get("vcpu", 0))
                + self.per_100_gib_storage * float(demand.get("storage_gib", 0)) / 100.0)

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base, "per_vcpu": self.per_vcpu, "per_100_gib_storage": self.per_100_gib_storage}


@dataclass(frozen=True)
class DrillRunbook:
    """The pre-authorised drill runbook: who may start drills, and what the system approves in a live one."""

    tabletop_roles: tuple[str, ...] = ("dr-coordinator", "province-operator")
    live_roles: tuple[str, ...] = ("dr-coordinator", "province-operator")
    auto_approve_drill_plans: bool = True  # a live drill's failover and failback plans, approved by the runbook
    failback: str = "auto"  # auto: a live drill fails back at once; propose: its failback plan waits for people

    def to_dict(self) -> dict[str, Any]:
        return {"tabletop_roles": list(self.tabletop_roles), "live_roles": list(self.live_roles),
                "auto_approve_drill_plans": self.auto_approve_drill_plans, "failback": self.failback}


@dataclass(frozen=True)
class RealFailover:
    """Who may declare a cloud down or up, and who may approve the real failover and failback plans."""

    declare_roles: tuple[str, ...] = ("dr-coordinator", "province-operator")
    approve_roles: tuple[str, ...] = ("province-operator", "dr-coordinator")

    def to_dict(self) -> dict[str, Any]:
        return {"declare_roles": list(self.declare_roles), "approve_roles": list(self.approve_roles)}


@dataclass(frozen=True)
class Dr:
    """Disaster recovery: the restart-time model, the backup node's reserve, the drill runbook, real failover."""

    restart_minutes: RestartModel = field(default_factory=RestartModel)
    backup_reserve_share: float = 0.1  # share of the backup node a failover should leave free
    drill_runbook: DrillRunbook = field(default_factory=DrillRunbook)
    real_failover: RealFailover = field(default_factory=RealFailover)

    def to_dict(self) -> dict[str, Any]:
        return {"restart_minutes": self.restart_minutes.to_dict(), "backup_reserve_share": self.backup_reserve_share,
                "drill_runbook": self.drill_runbook.to_dict(), "real_failover": self.real_failover.to_dict()}


QUOTA_RESOURCES = ("vcpu", "memory_gib", "gpu", "storage_gib")
COHORTS = ("cloud", "parent")


@dataclass(frozen=True)
class ResourceAmounts:
    """An amount of each quota resource (vCPU, GiB of memory, GPUs, GiB of storage)."""

    vcpu: float = 0.0
    memory_gib: float = 0.0
    gpu: float = 0.0
    storage_gib: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {r: getattr(self, r) for r in QUOTA_RESOURCES}

    def to_dict(self) -> dict[str, Any]:
        return self.as_dict()


@dataclass(frozen=True)
class QuotaBorrowing:
    """Kueue-style cohorts: who may borrow whose idle quota, and how much stays guaranteed."""

    cohort: str = "cloud"  # cloud: every department with quota on the cloud; parent: a city department and its county offices
    borrowing_limit_share: float = 0.5  # a department may use up to this share of its own quota on top of it
    lending_limit_share: float = 0.8  # share of a department's quota its cohort may borrow; the rest is guaranteed

    def to_dict(self) -> dict[str, Any]:
        return {"cohort": self.cohort, "borrowing_limit_share": self.borrowing_limit_share,
                "lending_limit_share": self.lending_limit_share}


@dataclass(frozen=True)
class Quotas:
    """Department quotas: what a cloud keeps back, who approves a request, how borrowing works."""

    headroom_share: float = 0.1  # share of every cloud's capacity never allotted as quota
    dr_reserve_share: float = 0.05  # share kept free on every cloud to receive failover restarts
    province_review_above: ResourceAmounts = field(
        default_factory=lambda: ResourceAmounts(64.0, 256.0, 2.0, 10240.0))  # above any: the province centre approves too
    borrowing: QuotaBorrowing = field(default_factory=QuotaBorrowing)
    seed_headroom_share: float = 0.25  # first quotas: each department's use on the cloud plus this share
    seed_room_share: float = 0.5  # first quotas take at most this share of the room left above use: the rest is grantable
    overcommit: ResourceAmounts = field(
        default_factory=lambda: ResourceAmounts(1.5, 1.25, 1.0, 1.0))  # granted-but-unused quota is reserved at 1/ratio
    phantom_size: ResourceAmounts = field(
        default_factory=lambda: ResourceAmounts(8.0, 32.0, 1.0, 500.0))  # the feasibility check's unit of unused quota
    max_expiry_days: int = 1095

    def to_dict(self) -> dict[str, Any]:
        return {"headroom_share": self.headroom_share, "dr_reserve_share": self.dr_reserve_share,
                "province_review_above": self.province_review_above.to_dict(), "borrowing": self.borrowing.to_dict(),
                "seed_headroom_share": self.seed_headroom_share, "seed_room_share": self.seed_room_share,
                "overcommit": self.overcommit.to_dict(), "phantom_size": self.phantom_size.to_dict(),
                "max_expiry_days": self.max_expiry_days}


ACCOUNT_ROLES = (*ROLES, "data-authority", "system-admin", "security-admin")
"""Every account role `auth.second_factor_roles` may name (the administrators' roles included)."""


@dataclass(frozen=True)
class Lockout:
    """Failed logins (身份鉴别 b): `failures` within `window_s` lock the account, and the client address, for `lock_s`."""

    failures: int = 5
    window_s: int = 300
    lock_s: int = 900

    def to_dict(self) -> dict[str, Any]:
        return {"failures": self.failures, "window_s": self.window_s, "lock_s": self.lock_s}


@dataclass(frozen=True)
class Sessions:
    """How long a login lasts: short access tokens, a refresh token for the session, an idle timeout."""

    access_minutes: int = 15
    refresh_minutes: int = 480
    idle_minutes: int = 30

    def to_dict(self) -> dict[str, Any]:
        return {"access_minutes": self.access_minutes, "refresh_minutes": self.refresh_minutes,
                "idle_minutes": self.idle_minutes}


@dataclass(frozen=True)
class PasswordRules:
    """Password complexity (身份鉴别 a): length, character classes, no reuse, optional expiry (None: never)."""

    min_length: int = 10
    min_classes: int = 3  # of lowercase, uppercase, digits, other characters
    history: int = 5  # a new password may not be any of the last N
    max_age_days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"min_length": self.min_length, "min_classes": self.min_classes, "history": self.history,
                "max_age_days": self.max_age_days}


@dataclass(frozen=True)
class Auth:
    """Identification and authentication: lockout, second factor, sessions, passwords."""

    lockout: Lockout = field(default_factory=Lockout)
    second_factor_roles: tuple[str, ...] = ("province-operator", "city-operator", "industry-operator",
                                            "dr-coordinator", "data-authority", "auditor", "system-admin",
                                            "security-admin")
    sessions: Sessions = field(default_factory=Sessions)
    password: PasswordRules = field(default_factory=PasswordRules)

    def to_dict(self) -> dict[str, Any]:
        return {"lockout": self.lockout.to_dict(), "second_factor_roles": list(self.second_factor_roles),
                "sessions": self.sessions.to_dict(), "password": self.password.to_dict()}


@dataclass(frozen=True)
class Policy:
    """The effective policy: the default with the site's file on top."""

    approvals: tuple[ApprovalRule, ...]
    separation_of_duties: SeparationOfDuties
    auto_approve: tuple[AutoApprove, ...]
    execution: Execution
    placement: Placement
    sources: tuple[str, ...] = field(default=())  # the files it was loaded from, default first
    dr: Dr = field(default_factory=Dr)
    quotas: Quotas = field(default_factory=Quotas)
    auth: Auth = field(default_factory=Auth)
    power: Power = field(default_factory=Power)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: what the policy endpoint returns."""
        return {
            "sources": list(self.sources),
            "approvals": [r.to_dict() for r in self.approvals],
            "separation_of_duties": self.separation_of_duties.to_dict(),
            "auto_approve": [a.to_dict() for a in self.auto_approve],
            "execution": self.execution.to_dict(),
            "placement": self.placement.to_dict(),
            "dr": self.dr.to_dict(),
            "quotas": self.quotas.to_dict(),
            "auth": self.auth.to_dict(),
            "power": self.power.to_dict(),
        }
