"""The site's effective policy, loaded once per process and refused at start when malformed."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlmodel import Session

from policies.explain import Explainer, ExplainError
from policies.loader import Policy, PolicyError, load_policy
from scheduler.core.fleet import fleet_document
from scheduler.core.settings import get_settings

__all__ = ["ExplainError", "Explainer", "Policy", "PolicyError", "explainer", "get_policy"]


@lru_cache
def _policy_for(path: str | None) -> Policy:
    return load_policy(Path(path) if path else None)


def get_policy() -> Policy:
    return _policy_for(get_settings().policy_file)


def explainer(session: Session, failover: bool = False) -> Explainer:
    """Which rule lets a workload run on a cloud, or which says no, on today's fleet and the site's policy."""
    return Explainer(get_policy(), fleet_document(session), failover)
