"""Accounts managed through the API by the system administrator (系统管理员), within the separation
of duties: the three powers (accounts, security policy, audit) are never granted or changed here."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from policies.authorize import POWERS
from scheduler.core import audit
from scheduler.core.accounts import AccountError, Actor, add_user, validate_scope
from scheduler.core.models import User
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal


def _refuse_power(role: str, what: str) -> None:
    if role in POWERS:
        raise Refusal(403, "role", f"{what} {role}: the three powers ({', '.join(sorted(POWERS))}) are granted on "
                                   "the command line only, so no account holds two of them")


def create(session: Session, actor: Actor, username: str, role: str, scope: str | None, password: str) -> User:
    _refuse_power(role, "may not create an account of role")
    try:
        return add_user(session, username, role, scope, password, actor=actor.username)
    except AccountError as exc:
        raise Refusal(409 if "already exists" in exc.message else 422, exc.field, exc.said or exc.message) from exc


def change(session: Session, actor: Actor, username: str, values: dict[str, Any]) -> User:
    """Role, scope or disabled; the user's tokens stop working at once (their claims are re-checked)."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise Refusal(404, "username", msg("user.none", username=username))
    _refuse_power(user.role, "may not change an account of role")
    if user.username == actor.username:
        raise Refusal(403, "username", msg("user.not_own"))
    role = values.get("role", user.role)
    _refuse_power(role, "may not grant the role")
    before = {"role": user.role, "scope": user.scope, "disabled": user.disabled}
    try:
        scope = validate_scope(session, role, values.get("scope", user.scope if role == user.role else None))
    except AccountError as exc:
        raise Refusal(422, exc.field, exc.message) from exc
    user.role, user.scope = role, scope
    if "disabled" in values:
        user.disabled = bool(values["disabled"])
    session.add(user)
    after = {"role": user.role, "scope": user.scope, "disabled": user.disabled}
    audit.record(session, actor.username, "user.change", "user", username, before, after)
    return user
