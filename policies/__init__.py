"""The tiered rules as data (`default.yaml` plus a site's file) and the code that evaluates them.

`load_policy` gives the effective policy; `approvals` says which scopes must approve a plan and
when it is approved; `explain` says whether a workload may run on a cloud and which rule says no.
Imports only the optimizer's data types and rules, never the scheduler or the API.
"""

from policies.approvals import (
    ApprovalError,
    ApprovalScope,
    ApprovalStatus,
    CloudRef,
    RequiredApproval,
    approvable_by,
    approval_complete,
    auto_approvable,
    can_approve,
    required_approvals,
    scopes_for_move,
)
from policies.explain import Check, Explainer, ExplainError, Explanation, eligible_clouds, explain
from policies.loader import PolicyError, default_policy, load_policy, parse_policy
from policies.model import Policy

__all__ = [
    "ApprovalError", "ApprovalScope", "ApprovalStatus", "Check", "CloudRef", "ExplainError", "Explainer",
    "Explanation", "Policy", "PolicyError", "RequiredApproval", "approvable_by", "approval_complete",
    "auto_approvable", "can_approve", "default_policy", "eligible_clouds", "explain", "load_policy",
    "parse_policy", "required_approvals", "scopes_for_move",
]
