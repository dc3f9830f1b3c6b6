"""The permission table (policies.authorize) as a refusal: a role that may not act gets a 403."""

from __future__ import annotations

from policies.authorize import HasRole, authorize, may
from scheduler.core.refusal import Refusal

__all__ = ["authorize", "may", "require"]


def require(actor: HasRole, action: str, scope: str | None = None) -> None:
    decision = authorize(actor, action, scope)
    if not decision.allowed:
        raise Refusal(403, decision.field, decision.reason)
