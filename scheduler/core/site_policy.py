"""The site policy as the security administrator (安全管理员) edits it through the API: checked by the
same loader that checks the file at start-up, kept in the database so every replica enforces the same
text, audited with the difference. When stored, it replaces the file named by QIANYUN_POLICY_FILE."""

from __future__ import annotations

import difflib
import time
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from policies.loader import Policy, PolicyError, parse_policy
from scheduler.core import audit, policy_errors
from scheduler.core.accounts import Actor
from scheduler.core.models import ServiceSetting
from scheduler.core.refusal import Refusal
from scheduler.core.settings import get_settings

KEY = "site_policy"
NAME = "site policy (stored)"
REFRESH_S = 5.0  # how soon another replica enforces a change
_cache: tuple[float, str | None] = (-1e9, None)


def current_text(session: Session) -> str:
    """The stored text, else the site file's, else empty (the default policy alone)."""
    row = session.get(ServiceSetting, KEY)
    if row is not None:
        return row.value
    path = get_settings().policy_file
    return Path(path).read_text(encoding="utf-8") if path else ""


def replace(session: Session, actor: Actor, text: str) -> Policy:
    """Check, store and audit a new site policy; refused (nothing stored) naming the line and field."""
    try:
        policy = parse_policy(text, NAME)
    except PolicyError as exc:
        # the loader's English line as a message; `policy_field` keeps the field the loader named
        raise Refusal(422, "policy", policy_errors.said(exc, NAME),
                      {"policy_field": exc.field, "line": exc.line}) from exc
    before = current_text(session)
    diff = list(difflib.unified_diff(before.splitlines(), text.splitlines(), "before", "after", lineterm=""))
    session.merge(ServiceSetting(key=KEY, value=text))
    audit.record(session, actor.username, "policy.changed", "policy", "site", None,
                 {"diff": diff[:400], "lines_changed": sum(1 for d in diff if d[:1] in "+-") - 2})
    forget()
    return policy


def stored_text() -> str | None:
    """The stored site policy, read at most every REFRESH_S (get_policy asks on every call)."""
    global _cache
    at, text = _cache
    if time.monotonic() - at < REFRESH_S:
        return text
    from scheduler.core.db import session_scope

    try:
        with session_scope() as session:
            row = session.get(ServiceSetting, KEY)
            text = row.value if row is not None else None
    except SQLAlchemyError:  # no schema yet (a command before its migrations): the file's policy
        text = None
    _cache = (time.monotonic(), text)
    return text


def forget() -> None:
    global _cache
    _cache = (-1e9, None)
