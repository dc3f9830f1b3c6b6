"""Login sessions: short access tokens, a rotating refresh token, logout and the idle timeout.

Every access token names its session (`sid`), a row of `auth_session`, so logging out revokes it on
every replica at once, a session unused for the policy's idle minutes ends, and a refresh token that
was already used (a copy in someone else's hands) ends the whole session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt
from sqlalchemy import update
from sqlmodel import Session, col, select

from scheduler.core import audit
from scheduler.core.messages import Msg, msg
from scheduler.core.accounts import TokenError, signing_key
from scheduler.core.db import as_utc, utcnow
from scheduler.core.lockout import active_lock
from scheduler.core.models import AuthSession, User
from scheduler.core.policy import get_policy
from scheduler.core.settings import get_settings

ENROL_MINUTES = 10
TOUCH_EVERY_S = 30  # last_seen_at is written at most this often per session


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: int
    refresh_token: str | None
    purpose: str  # access | enrol


def access_minutes() -> int:
    """The access token's lifetime: the policy's, never above the service's cap (QIANYUN_TOKEN_MINUTES)."""
    return min(get_policy().auth.sessions.access_minutes, get_settings().token_minutes)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _access(session: Session, user: User, sid: str, purpose: str) -> tuple[str, int]:
    now = utcnow()
    minutes = ENROL_MINUTES if purpose == "enrol" else access_minutes()
    claims = {"sub": user.username, "role": user.role, "scope": user.scope, "sid": sid, "pur": purpose,
              "iat": now, "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(claims, signing_key(session), algorithm="HS256"), minutes * 60


def start(session: Session, user: User, purpose: str = "access") -> Tokens:
    """A new session for `user` (after the password and, where required, the code were checked)."""
    sid, secret = secrets.token_hex(16), secrets.token_urlsafe(32)
    now = utcnow()
    rules = get_policy().auth.sessions
    lasts = timedelta(minutes=ENROL_MINUTES if purpose == "enrol" else rules.refresh_minutes)
    session.add(AuthSession(id=sid, user_id=user.id, role=user.role, scope=user.scope, purpose=purpose,  # type: ignore[arg-type]
                            created_at=now, last_seen_at=now, expires_at=now + lasts, refresh_hash=_digest(secret)))
    token, expires_in = _access(session, user, sid, purpose)
    return Tokens(token, expires_in, f"{sid}.{secret}" if purpose == "access" else None, purpose)


def _live(session: Session, row: AuthSession | None, user: User | None, purpose: str) -> User:
    """The session's user if the session may still act; else TokenError saying why."""
    now = utcnow()
    if row is None or user is None or row.user_id != user.id:
        raise TokenError(msg("token.no_session"))
    if row.revoked_at is not None:
        raise TokenError(msg("token.session_ended"))
    if purpose != "any" and row.purpose != purpose:
        raise TokenError(msg("token.enrol_only") if row.purpose == "enrol" else msg("token.wrong_purpose"))
    if user.disabled:
        raise TokenError(msg("token.no_user"))
    if user.role != row.role or user.scope != row.scope:
        raise TokenError(msg("token.role_changed"))
    idle = get_policy().auth.sessions.idle_minutes
    if as_utc(row.last_seen_at) + timedelta(minutes=idle) < now:  # type: ignore[operator]
        raise TokenError(msg("token.idle", minutes=idle))
    if active_lock(session, [f"user:{user.username}"], now) is not None:
        raise TokenError(msg("token.locked"))
    return user


def touch(session: Session, sid: str) -> None:
    """Note the session's use, at most every TOUCH_EVERY_S, in its own short transaction."""
    now = utcnow()
    session.execute(update(AuthSession).where(col(AuthSession.id) == sid,
                                              col(AuthSession.last_seen_at) < now - timedelta(seconds=TOUCH_EVERY_S))
                    .values(last_seen_at=now).execution_options(synchronize_session=False))
    session.commit()


def check(session: Session, claims: dict, purpose: str) -> User:  # type: ignore[type-arg]
    sid = claims.get("sid")
    if not isinstance(sid, str):
        raise TokenError(msg("token.no_session"))
    row = session.get(AuthSession, sid, populate_existing=True)
    user = session.exec(select(User).where(User.username == claims["sub"])).first()
    live = _live(session, row, user, purpose)
    assert row is not None
    if as_utc(row.last_seen_at) < utcnow() - timedelta(seconds=TOUCH_EVERY_S):  # type: ignore[operator]
        touch(session, sid)
    return live


def refresh(session: Session, refresh_token: str) -> Tokens:
    """A new access token and a new refresh token for the session; the old refresh token is spent."""
    sid, _, secret = refresh_token.partition(".")
    row = session.get(AuthSession, sid[:32], populate_existing=True) if sid else None
    if row is None or not secret:
        raise TokenError(msg("token.unknown_refresh"))
    user = session.get(User, row.user_id)
    if not secrets.compare_digest(row.refresh_hash, _digest(secret)):
        if row.revoked_at is None:  # a spent refresh token came back: someone holds a copy; end the session
            row.revoked_at = utcnow()
            session.add(row)
            audit.record(session, "anonymous", "auth.session.revoked", "session", sid,
                         None, {"reason": msg("session.end.refresh_reused").text,
                                "user": user.username if user else None})
            session.commit()
        raise TokenError(msg("token.refresh_reused"))
    if as_utc(row.expires_at) < utcnow():  # type: ignore[operator]
        raise TokenError(msg("token.session_expired"))
    live = _live(session, row, user, "access")
    new_secret = secrets.token_urlsafe(32)
    row.refresh_hash, row.last_seen_at = _digest(new_secret), utcnow()
    session.add(row)
    token, expires_in = _access(session, live, sid, "access")
    return Tokens(token, expires_in, f"{sid}.{new_secret}", "access")


def end(session: Session, sid: str, actor: str) -> None:
    """Log out: the session's tokens stop working on every replica."""
    row = session.get(AuthSession, sid)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(session, actor, "auth.logout", "session", sid, None, None)


def end_all(session: Session, user: User, actor: str, reason: Msg) -> int:
    """End every session of `user` (a password change, a reset of the second factor); the audit keeps
    the reason's English, which the audit page reads back in the reader's language."""
    rows = session.exec(select(AuthSession).where(AuthSession.user_id == user.id, col(AuthSession.revoked_at).is_(None))).all()
    for row in rows:
        row.revoked_at = utcnow()
        session.add(row)
    if rows:
        audit.record(session, actor, "auth.session.revoked", "user", user.username, None,
                     {"sessions": len(rows), "reason": reason.text})
    return len(rows)
