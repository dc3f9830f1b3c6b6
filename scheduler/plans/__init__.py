from scheduler.core.refusal import Refusal

"""Plans: proposal, tiered approval, execution and rollback. This module is the capability's public surface."""

from scheduler.plans import evidence, metrics  # noqa: F401  (the approvals' audit cross-check; the plans-by-state gauge)
from scheduler.plans.lifecycle import (
    KINDS,
    OBJECTIVES,
    SYSTEM,
    Actor,
    approvable_by,
    approvals_of,
    approve,
    auto_approve,
    cancel,
    document_for,
    dry_run,
    host_changes,
    may_propose,
    next_approvers,
    pending_scopes,
    plan_input,
    propose,
    reject,
    required_approvals_for,
    stale_reason,
    pause,
    resume,
    start_execution,
    start_rollback,
    supersede_if_stale,
    visible_to,
)
from scheduler.plans.state import ACTIVE_STATES, OPEN_STATES, TRANSITIONS, PlanState, transition

__all__ = [
    "ACTIVE_STATES", "KINDS", "OBJECTIVES", "OPEN_STATES", "SYSTEM", "TRANSITIONS", "Actor", "PlanState", "Refusal", "approvals_of",
    "approvable_by", "approve", "auto_approve", "cancel", "document_for", "dry_run", "host_changes", "may_propose", "next_approvers",
    "pause", "pending_scopes", "plan_input", "resume", "propose", "reject", "required_approvals_for", "stale_reason",
    "start_execution", "start_rollback", "supersede_if_stale", "transition", "visible_to",
]
