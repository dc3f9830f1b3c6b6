"""Who must approve a plan, who may approve what, and when a plan is fully approved.

Tiered control in one place: each move of a plan is matched against the policy's ordered approval
rules (first match wins) to find the scopes that must approve it; the plan needs every distinct
scope once. Separation of duties keeps a proposer from being the only approver of a plan that
reaches beyond its own ground. Pure functions of the policy and their arguments, so the scheduler,
the API and the tests all get the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from policies.model import ApprovalRule, Policy

# Each approval scope kind and the role that holds it (city and industry roles also need the cloud).
SCOPE_ROLES = {"province": "province-operator", "city": "city-operator", "industry": "industry-operator"}
FALLBACK_RULE = "no-rule-matched"
FALLBACK_REASON = "no approval rule matches this move, so the province scheduling centre decides"

Move = tuple[str | None, str]
"""(from cloud, to cloud); from is None for a new placement, the failed cloud for a failover restart."""


class ApprovalError(ValueError):
    """Moves that cannot be judged (an unknown cloud, a move to nowhere)."""


class CloudLike(Protocol):
    kind: str


@dataclass(frozen=True)
class CloudRef:
    """The little the approval rules need to know about a cloud (optimizer's `Cloud` also fits)."""

    id: str
    kind: str  # province, city, industry, backup
    city: str | None = None
    industry: str | None = None


@dataclass(frozen=True, order=True)
class ApprovalScope:
    """A scope that approves: the province centre, or one city or industry cloud's operator."""

    kind: str  # "province", "city" or "industry"
    cloud: str | None = None  # the cloud id for city and industry scopes

    @property
    def key(self) -> str:
        """"province", "city:gy", "industry:edu": how scopes are stored and shown."""
        return self.kind if self.cloud is None else f"{self.kind}:{self.cloud}"

    def __str__(self) -> str:
        return self.key

    @classmethod
    def parse(cls, key: str) -> "ApprovalScope":
        if key == "province":
            return cls("province")
        kind, _, cloud = key.partition(":")
        if kind not in ("city", "industry") or not cloud:
            raise ApprovalError(f"approval scope {key!r}: must be 'province', 'city:CLOUD' or 'industry:CLOUD'")
        return cls(kind, cloud)


@dataclass(frozen=True)
class RequiredApproval:
    """One scope a plan needs, with the rules that call for it, their reasons and which moves."""

    scope: ApprovalScope
    rules: tuple[str, ...]
    reasons: tuple[str, ...]
    moves: tuple[int, ...]  # indices into the moves given

    @property
    def key(self) -> str:
        return self.scope.key

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.key, "rules": list(self.rules), "reasons": list(self.reasons),
                "moves": list(self.moves)}


class ApprovalStatus(NamedTuple):
    """Whether the approvals so far complete the plan; `missing` are the scopes still needed."""

    complete: bool
    missing: tuple[ApprovalScope, ...]
    reason: str


# ---------------------------------------------------------------- which scopes a move needs


def _kind(clouds: Mapping[str, CloudLike], cloud: str, i: int) -> str:
    c = clouds.get(cloud)
    if c is None:
        raise ApprovalError(f"moves[{i}]: unknown cloud {cloud!r}")
    return c.kind


def _matches(rule: ApprovalRule, src: str | None, dst: str, kinds: dict[str, str]) -> bool:
    m = rule.match
    touched = list(dict.fromkeys(c for c in (src, dst) if c is not None))
    if m.touches_kind is not None and not any(kinds[c] in m.touches_kind for c in touched):
        return False
    if m.touches_cloud is not None and not any(c in m.touches_cloud for c in touched):
        return False
    if m.crosses_clouds is not None and (src is not None and src != dst) != m.crosses_clouds:
        return False
    if m.within_kind is not None and not (len(touched) == 1 and kinds[touched[0]] == m.within_kind):
        return False
    return True


def _own_scope(cloud: str, kind: str) -> ApprovalScope:
    """The scope that owns a cloud: its operator for city and industry clouds, else the province centre."""
    return ApprovalScope(kind, cloud) if kind in ("city", "industry") else ApprovalScope("province")


def scopes_for_move(policy: Policy, clouds: Mapping[str, CloudLike], move: Move,
                    index: int = 0) -> tuple[str, str, list[ApprovalScope]]:
    """(rule name, reason, scopes) for one move; the first matching rule decides."""
    src, dst = move
    if dst is None:
        raise ApprovalError(f"moves[{index}]: a move never goes to null")
    kinds = {c: _kind(clouds, c, index) for c in (src, dst) if c is not None}
    for rule in policy.approvals:
        if _matches(rule, src, dst, kinds):
            if rule.approver == "province":
                return rule.name, rule.reason, [ApprovalScope("province")]
            touched = list(dict.fromkeys(c for c in (src, dst) if c is not None))
            return rule.name, rule.reason, list(dict.fromkeys(_own_scope(c, kinds[c]) for c in touched))
    return FALLBACK_RULE, FALLBACK_REASON, [ApprovalScope("province")]


def required_approvals(policy: Policy, clouds: Mapping[str, CloudLike],
                       moves: Iterable[Move]) -> list[RequiredApproval]:
    """Every distinct scope the plan's moves need, province first, then by key."""
    acc: dict[ApprovalScope, tuple[list[str], list[str], list[int]]] = {}
    for i, move in enumerate(moves):
        name, reason, scopes = scopes_for_move(policy, clouds, move, i)
        for s in scopes:
            rules, reasons, idx = acc.setdefault(s, ([], [], []))
            if name not in rules:
                rules.append(name)
                reasons.append(reason)
            idx.append(i)
    order = sorted(acc, key=lambda s: (s.kind != "province", s.key))
    return [RequiredApproval(s, tuple(acc[s][0]), tuple(acc[s][1]), tuple(acc[s][2])) for s in order]


# ---------------------------------------------------------------- who may approve


def _scope(s: RequiredApproval | ApprovalScope | str) -> ApprovalScope:
    if isinstance(s, RequiredApproval):
        return s.scope
    if isinstance(s, ApprovalScope):
        return s
    return ApprovalScope.parse(s)


def can_approve(policy: Policy, role: str, user_scope: str | None,
                scope: RequiredApproval | ApprovalScope | str) -> bool:
    """Only the scope's own operator: the province centre for `province`, gy's operator for `city:gy`."""
    s = _scope(scope)
    if role != SCOPE_ROLES.get(s.kind):
        return False
    return s.kind == "province" or (user_scope is not None and user_scope == s.cloud)


def approvable_by(policy: Policy, role: str, user_scope: str | None,
                  required: Sequence[RequiredApproval | ApprovalScope | str]) -> list[ApprovalScope]:
    """The required scopes this user could approve (empty: the user has no say on this plan)."""
    return [s for s in map(_scope, required) if can_approve(policy, role, user_scope, s)]


def approval_complete(policy: Policy, required: Sequence[RequiredApproval | ApprovalScope | str],
                      approvals: Sequence[tuple[str, str, str | None]], proposer: str) -> ApprovalStatus:
    """Whether `approvals` ((username, role, user_scope) each) complete the plan, under separation of duties.

    Every required scope needs an approval from someone who holds it. The proposer's own approval
    counts only if `proposer_may_approve_own_scope`; and a plan that needs several scopes needs at
    least one of its approvals from someone other than the proposer if `multi_scope_needs_other_approver`.
    """
    sod = policy.separation_of_duties
    scopes = list(dict.fromkeys(map(_scope, required)))
    if not scopes:
        return ApprovalStatus(True, (), "no move needs an approval")
    by: dict[ApprovalScope, list[str]] = {s: [] for s in scopes}
    ignored_own = False
    for username, role, user_scope in approvals:
        for s in scopes:
            if not can_approve(policy, role, user_scope, s):
                continue
            if username == proposer and not sod.proposer_may_approve_own_scope:
                ignored_own = True
                continue
            if username not in by[s]:
                by[s].append(username)
    missing = tuple(s for s in scopes if not by[s])
    if missing:
        reason = f"waiting for approval from {', '.join(s.key for s in missing)}"
        if ignored_own:
            reason += f" (the proposer {proposer}'s own approval does not count under this policy)"
        return ApprovalStatus(False, missing, reason)
    if len(scopes) > 1 and sod.multi_scope_needs_other_approver and all(set(v) == {proposer} for v in by.values()):
        return ApprovalStatus(False, tuple(scopes),
                              f"a plan that needs several scopes ({', '.join(s.key for s in scopes)}) needs at "
                              f"least one approval from someone other than its proposer {proposer}")
    done = "; ".join(f"{s.key} by {', '.join(by[s])}" for s in scopes)
    return ApprovalStatus(True, (), f"approved: {done}")


# ---------------------------------------------------------------- the system as approver


def _covers(entry_scope: str, s: ApprovalScope) -> bool:
    """An entry approves on behalf of its own cloud's operator; only scope `all` covers the province centre."""
    return entry_scope == "all" or (s.cloud is not None and s.cloud == entry_scope)


def auto_approvable(policy: Policy, scope: str, kind: str, n_moves: int,
                    required: Sequence[RequiredApproval | ApprovalScope | str] | None = None) -> bool:
    """Whether the system may approve a scheduled plan of `kind` in `scope` with `n_moves` moves.

    With `required` given, every scope the plan needs must also be covered by the same entry, so a
    rebalance "in gy" that overflows onto the province cloud still waits for the province centre.
    """
    needed = [_scope(s) for s in required] if required is not None else []
    for e in policy.auto_approve:
        if e.scope != scope or kind not in e.kinds:
            continue
        if e.max_moves is not None and n_moves > e.max_moves:
            continue
        if all(_covers(e.scope, s) for s in needed):
            return True
    return False
