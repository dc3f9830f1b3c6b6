"""The permission table (policies.authorize) as a refusal: a role that may not act gets a 403.

policies/ stays language-free (its English in `DENIED`); the refusal says the same as a message,
`access.denied.<action>`, so the reader gets it in their language (tests/i18n checks the English agrees)."""

from __future__ import annotations

from policies.authorize import Decision, HasRole, authorize, may
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal

__all__ = ["authorize", "may", "refusal", "require"]


def refusal(actor: HasRole, action: str, scope: str | None, decision: Decision) -> Refusal:
    """The 403 for a decision that did not allow `action` (on `scope`)."""
    if decision.field == "scope":
        return Refusal(403, "scope", msg("access.outside_scope", scope=scope, own=getattr(actor, "scope", None)))
    return Refusal(403, decision.field, msg("access.denied", role=actor.role, why=msg(f"access.denied.{action}")))


def require(actor: HasRole, action: str, scope: str | None = None) -> None:
    decision = authorize(actor, action, scope)
    if not decision.allowed:
        raise refusal(actor, action, scope, decision)
