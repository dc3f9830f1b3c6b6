"""Accounts managed through the API by the system administrator (系统管理员), within the separation
of duties: the three powers (accounts, security policy, audit) are never granted or changed here."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from policies.authorize import POWERS
from scheduler.core import audit, lockout, second_factor, sessions
from scheduler.core.accounts import AccountError, Actor, add_user, set_password, validate_scope
from scheduler.core.models import User
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal


def _refuse_power(role: str, what: str) -> None:
    """`what`: create, reset, change or grant (a `user.power.*` message)."""
    if role in POWERS:
        raise Refusal(403, "role", msg(f"user.power.{what}", role=role, powers=sorted(POWERS)))


def create(session: Session, actor: Actor, username: str, role: str, scope: str | None, password: str) -> User:
    _refuse_power(role, "create")
    try:
        return add_user(session, username, role, scope, password, actor=actor.username)
    except AccountError as exc:
        raise Refusal(409 if "already exists" in exc.message else 422, exc.field, exc.said or exc.message) from exc


def _managed(session: Session, actor: Actor, username: str, what: str) -> User:
    """The account `username`, which the system administrator may manage: not one of the three powers,
    not its own."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise Refusal(404, "username", msg("user.none", username=username))
    _refuse_power(user.role, what)
    if user.username == actor.username:
        raise Refusal(403, "username", msg("user.not_own"))
    return user


def reset(session: Session, actor: Actor, username: str, password: str | None, second_factor_too: bool) -> User:
    """A forgotten password or a lost authenticator: a new password (the policy's rules, chosen by the
    administrator and handed over apart), the second factor forgotten (enrolled again at the next login),
    the lock lifted; every session of the user ends."""
    user = _managed(session, actor, username, "reset")
    if password is None and not second_factor_too:
        raise Refusal(422, "password", msg("user.reset_nothing"))
    if password is not None:
        try:
            set_password(session, user, password, actor.username, field="password")
        except AccountError as exc:
            raise Refusal(422, exc.field, exc.said or exc.message) from exc
    if second_factor_too:
        second_factor.reset(session, user, actor.username)
    lockout.clear_account(session, user.username)
    sessions.end_all(session, user, actor.username, msg("session.end.admin_reset"))
    audit.record(session, actor.username, "user.reset", "user", username, None,
                 {"password": password is not None, "second_factor": second_factor_too})
    return user


def change(session: Session, actor: Actor, username: str, values: dict[str, Any]) -> User:
    """Role, scope or disabled; the user's tokens stop working at once (their claims are re-checked)."""
    user = _managed(session, actor, username, "change")
    role = values.get("role", user.role)
    _refuse_power(role, "grant")
    before = {"role": user.role, "scope": user.scope, "disabled": user.disabled}
    try:
        scope = validate_scope(session, role, values.get("scope", user.scope if role == user.role else None))
    except AccountError as exc:
        raise Refusal(422, exc.field, exc.said or exc.message) from exc
    user.role, user.scope = role, scope
    if "disabled" in values:
        user.disabled = bool(values["disabled"])
    session.add(user)
    after = {"role": user.role, "scope": user.scope, "disabled": user.disabled}
    audit.record(session, actor.username, "user.change", "user", username, before, after)
    return user
