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
    "plans.read": OPERATORS | {"dr-coordinator", "auditor"},
    "plans.act": OPERATORS | {"dr-coordinator"},
    "drills.read": OPERATORS | {"dr-coordinator", "auditor"},
    "quotas.read": OPERATORS | {"department-admin", "dr-coordinator", "auditor"},
    "sharing.read": frozenset({"department-admin", "data-authority", "province-operator", "auditor"}),
    "catalog.scan": frozenset({"data-authority", "province-operator"}),
    "fleet.read": OPERATORS | {"dr-coordinator", "auditor"},
    "jobs.use": OPERATORS | {"department-admin", "data-authority"},
    "audit.read": frozenset({"auditor", "province-operator"}),
    "system.read": frozenset({"province-operator", "auditor"}),
    "users.manage": frozenset({"system-admin"}),
    "policy.edit": frozenset({"security-admin"}),
}
"""Each action and the roles that may attempt it."""

DENIED: dict[str, str] = {
    "plans.read": "has no access to plans; operators only",
    "plans.act": "may read plans but not act on them",
    "drills.read": "has no access to drills; operators, DR coordinators and auditors only",
    "quotas.read": "has no access to quotas",
    "sharing.read": "has no access to sharing requests",
    "catalog.scan": "may not run the compliance scan",
    "fleet.read": "may not read this; operators only",
    "jobs.use": "has no access to job sets",
    "audit.read": "may not read the audit trail; auditors and the province centre only",
    "system.read": "may not read the service's own state; the province centre and auditors only",
    "users.manage": "may not manage accounts; the system administrator only",
    "policy.edit": "may not change the site policy; the security administrator only",
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
