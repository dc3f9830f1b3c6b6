from scheduler.core.refusal import Refusal

"""Department quotas: the ledger, borrowing, feasibility, registration and requests. The public surface."""

from scheduler.quotas.feasibility import feasibility
from scheduler.quotas.ledger import (
    EPS,
    Actor,
    Amounts,
    Standing,
    admit,
    allowed_clouds,
    amounts_of,
    check_amount,
    check_cloud_for,
    department,
    describe,
    grant,
    grantable,
    home_cloud,
    lock_cloud,
    may_act_for,
    reclaim,
    rounded,
    seed_if_needed,
    standing,
    standings,
    summary,
    usage,
    zero,
)
from scheduler.quotas.models import Quota, QuotaReclaim, QuotaRequest
from scheduler.quotas.registration import Registration, register

__all__ = [
    "EPS", "Actor", "Amounts", "Quota", "Refusal", "QuotaReclaim", "QuotaRequest", "Registration", "Standing",
    "admit", "allowed_clouds", "amounts_of", "check_amount", "check_cloud_for", "department", "describe",
    "feasibility", "grant", "grantable", "home_cloud", "lock_cloud", "may_act_for", "reclaim", "register", "rounded",
    "seed_if_needed", "standing", "standings", "summary", "usage", "zero",
]
