"""The site's effective policy, loaded once per process and refused at start when malformed."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from policies.loader import Policy, load_policy
from scheduler.settings import get_settings


@lru_cache
def _policy_for(path: str | None) -> Policy:
    return load_policy(Path(path) if path else None)


def get_policy() -> Policy:
    return _policy_for(get_settings().policy_file)
