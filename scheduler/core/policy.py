"""The site's effective policy, loaded once per process and refused at start when malformed."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlmodel import Session

from policies.explain import Explainer, ExplainError
from policies.loader import Policy, PolicyError, load_policy, parse_policy
from scheduler.core.fleet import fleet_document
from scheduler.core.settings import get_settings

__all__ = ["ExplainError", "Explainer", "Policy", "PolicyError", "explainer", "get_policy"]


@lru_cache
def _policy_for(path: str | None) -> Policy:
    return load_policy(Path(path) if path else None)


@lru_cache(maxsize=8)
def _policy_of_text(text: str) -> Policy:
    from scheduler.core.site_policy import NAME

    return parse_policy(text, NAME)


def get_policy() -> Policy:
    """The stored site policy (the security administrator's, scheduler.core.site_policy) when there is
    one, else the site file's, on top of the default."""
    from scheduler.core.site_policy import stored_text

    text = stored_text()
    return _policy_of_text(text) if text is not None else _policy_for(get_settings().policy_file)


def explainer(session: Session, failover: bool = False) -> Explainer:
    """Which rule lets a workload run on a cloud, or which says no, on today's fleet and the site's policy."""
    return Explainer(get_policy(), fleet_document(session), failover)
