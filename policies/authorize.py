"""Which role may do which action at the API boundary: one table, one check.

The routers ask `authorize(actor, action)` instead of each keeping its own list of roles, so a
role's reach is read in one place. Scope filters (which cloud or department a scoped role sees)
stay with the capability that owns the rows; this table only says whether the role may try.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

OPERATORS = frozenset({"province-operator", "city-operator", "industry-operator"})

ACTIONS: dict[str, frozenset[str]] = {
    # the auditor (审计管理员) reads the audit trail and nothing else (三权分立): every other reading is this
    "data.read": OPERATORS | {"department-admin", "dr-coordinator", "data-authority", "system-admin", "security-admin",
                              "system"},
    "plans.read": OPERATORS | {"dr-coordinator"},
    "plans.act": OPERATORS | {"dr-coordinator"},
    "drills.read": OPERATORS | {"dr-coordinator"},
    "quotas.read": OPERATORS | {"department-admin", "dr-coordinator"},
    "sharing.read": frozenset({"department-admin", "data-authority", "province-operator"}),
    "catalog.scan": frozenset({"data-authority", "province-operator"}),
    "fleet.read": OPERATORS | {"dr-coordinator"},
    "jobs.use": OPERATORS | {"department-admin", "data-authority"},
    "audit.read": frozenset({"auditor", "province-operator"}),
    "system.read": frozenset({"province-operator"}),
    "users.manage": frozenset({"system-admin"}),
    "policy.edit": frozenset({"security-admin"}),
    # reach: who sees every row of a kind; the other roles that may read it see their own scope's rows
    "plans.read_all": frozenset({"province-operator", "dr-coordinator"}),
    "plans.read_fleet": frozenset({"province-operator", "dr-coordinator", "system"}),
    "hosts.read_all": frozenset({"province-operator", "dr-coordinator"}),
    "quotas.read_all": frozenset({"province-operator", "dr-coordinator"}),
    "jobs.read_all": frozenset({"province-operator"}),
    "jobs.read_tenants": frozenset({"data-authority"}),  # the data platform's own job sets (its tenants')
    "drills.read_all": frozenset({"province-operator", "dr-coordinator"}),
    "quotas.read_clouds": OPERATORS | {"dr-coordinator"},
    "quotas.act_any": frozenset({"province-operator"}),
    "plans.propose": OPERATORS | {"system"},  # a city or industry operator within its own cloud (the scope)
    "plans.decide_any": frozenset({"province-operator"}),
    "plans.run_any": frozenset({"province-operator", "system"}),
    "jobs.create": OPERATORS | {"department-admin"},
    "catalog.read_all": frozenset({"data-authority", "province-operator"}),
    "catalog.compliance": frozenset({"data-authority", "province-operator", "department-admin"}),
    # the data platform's decisions: the data authority (and the service itself) for every department,
    # a department admin for its own departments (the caller checks which)
    "catalog.maintain_any": frozenset({"data-authority", "system"}),
    "catalog.maintain_own": frozenset({"department-admin"}),
    "objections.answer": frozenset({"department-admin"}),
    "objections.close": frozenset({"data-authority"}),
    "sharing.request": frozenset({"department-admin"}),
    "sharing.approve_owner": frozenset({"department-admin"}),
    "sharing.approve_authority": frozenset({"data-authority"}),
    "scenarios.read": OPERATORS | {"dr-coordinator"},
    "scenarios.create": OPERATORS | {"dr-coordinator", "system"},  # a city or industry operator within its own cloud
    "scenarios.read_all": frozenset({"province-operator", "dr-coordinator"}),
}
"""Each action and the roles that may attempt it."""

DENIED: dict[str, str] = {
    "data.read": "reads the audit trail only (separation of duties)",
    "plans.read": "has no access to plans; operators only",
    "plans.act": "may read plans but not act on them",
    "drills.read": "has no access to drills; operators and DR coordinators only",
    "quotas.read": "has no access to quotas",
    "sharing.read": "has no access to sharing requests",
    "catalog.scan": "may not run the compliance scan",
    "fleet.read": "may not read this; operators only",
    "jobs.use": "has no access to job sets",
    "audit.read": "may not read the audit trail; auditors and the province centre only",
    "system.read": "may not read the service's own state; the province centre only",
    "users.manage": "may not manage accounts; the system administrator only",
    "policy.edit": "may not change the site policy; the security administrator only",
    "plans.read_all": "reads the plans of its own scope only",
    "plans.read_fleet": "reads its own cloud's part of a plan's fleet only",
    "hosts.read_all": "may not read the province cloud's hosts",
    "quotas.read_all": "reads the quotas of its own scope only",
    "jobs.read_all": "reads the job sets of its own scope only",
    "jobs.read_tenants": "reads no data-platform job set",
    "drills.read_all": "reads the drills of its own cloud only",
    "quotas.read_clouds": "does not read the clouds' allotment",
    "quotas.act_any": "acts on quotas within its own scope only",
    "plans.propose": "may not propose plans",
    "plans.decide_any": "decides only on plans it may approve",
    "plans.run_any": "runs only plans it proposed or may approve",
    "jobs.create": "may not create job sets",
    "catalog.read_all": "reads its own departments' requests and objections only",
    "catalog.compliance": "has no access to catalog compliance",
    "catalog.maintain_any": "maintains its own departments' entries only",
    "catalog.maintain_own": "maintains no department's entries",
    "objections.answer": "may not answer objections; an admin of the owning department does",
    "objections.close": "may not close objections; the data authority does",
    "sharing.request": "may not request data; a department admin does, for its department",
    "sharing.approve_owner": "may not approve for the owning department; its admin does",
    "sharing.approve_authority": "may not approve for the data authority",
    "scenarios.read": "has no access to scenarios; operators and DR coordinators only",
    "scenarios.create": "may not create scenarios",
    "scenarios.read_all": "reads the scenarios of its own cloud only",
}

POWERS = frozenset({"system-admin", "security-admin", "auditor"})
"""The three separated powers (三权分立): accounts, security policy, audit. Their accounts are made on
the command line by whoever installs the service; no account made through the API holds one of them,
so the system administrator can never make itself (or anyone) an auditor or a security administrator."""


class HasRole(Protocol):
    role: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    field: str
    reason: str


def may(actor: HasRole, action: str) -> bool:
    """`authorize` as a yes or no, for the filters that decide what a reader sees."""
    return authorize(actor, action).allowed


def authorize(actor: HasRole, action: str, scope: str | None = None) -> Decision:
    """May `actor` attempt `action`, and, when the caller names the cloud or department it acts on,
    there? A scoped role (a city, industry or department) acts only within its own scope. An unknown
    action is a programming error, not a refusal."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}; one of {', '.join(sorted(ACTIONS))}")
    if actor.role not in ACTIONS[action]:
        return Decision(False, "role", f"{actor.role} {DENIED[action]}")
    own = getattr(actor, "scope", None)
    if scope is not None and isinstance(own, str) and own != scope:
        return Decision(False, "scope", f"{scope} is outside your scope ({own})")
    return Decision(True, "role", f"{actor.role} may {action}")
