"""Accounts, roles and scopes: who may see and do what, and the JWTs that carry it.

Tiered control starts here: every user has one role and, for the scoped roles, one scope (a city
cloud, an industry cloud or a department). Passwords are argon2 hashes kept to the policy's rules;
tokens are short-lived JWTs of a session (scheduler/core/sessions.py), signed with a key kept outside
the database that every replica shares.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import jwt
from pwdlib import PasswordHash
from sqlmodel import Session, col, select

from scheduler.core import audit
from scheduler.core.access import may
from scheduler.core.db import as_utc, utcnow
from scheduler.core.messages import Msg, msg
from scheduler.core.keyfile import KeyFileError, key_from_file
from scheduler.core.models import Cloud, Department, PasswordHistory, User
from scheduler.core.policy import get_policy
from scheduler.core.settings import get_settings

ROLES: dict[str, str | None] = {
    "province-operator": None,
    "city-operator": "city",
    "industry-operator": "industry",
    "department-admin": "department",
    "dr-coordinator": None,
    "auditor": None,
    "data-authority": None,  # 数据主管部门: runs the public data platform (catalog, sharing, open data)
    "system-admin": None,  # 系统管理员: manages accounts; approves nothing, reads no audit
    "security-admin": None,  # 安全管理员: edits the site policy
}
"""Each role and the kind of scope it needs (None: province-wide, no scope)."""

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_.")
_hasher = PasswordHash.recommended()


class AccountError(ValueError):
    """A refused account request; `field` names what was wrong."""

    def __init__(self, field: str, message: str | Msg) -> None:
        self.said = message if isinstance(message, Msg) else None  # rendered in the reader's language
        english = message.text if isinstance(message, Msg) else message
        super().__init__(f"{field}: {english}")
        self.field = field
        self.message = english


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password, password_hash)
    except Exception:  # a malformed stored hash is a failed login, never a crash
        return False


def validate_scope(session: Session, role: str, scope: str | None) -> str | None:
    if role not in ROLES:
        raise AccountError("role", msg("account.unknown_role", role=role, roles=", ".join(ROLES)))
    kind = ROLES[role]
    if kind is None:
        if scope:
            raise AccountError("scope", msg("account.no_scope", role=role))
        return None
    if not scope:
        raise AccountError("scope", msg("account.needs_scope", role=role, kind=kind))
    if kind in ("city", "industry"):
        cloud = session.get(Cloud, scope)
        if cloud is None or cloud.kind != kind:
            known = sorted(c.id for c in session.exec(select(Cloud).where(Cloud.kind == kind)))
            raise AccountError("scope", msg("account.not_cloud_of_kind", scope=scope, kind=kind, known=", ".join(known))
                               if known else msg("account.no_clouds_yet", scope=scope, kind=kind))
    elif session.get(Department, scope) is None:
        raise AccountError("scope", msg("account.unknown_department", scope=scope))
    return scope


def character_classes(password: str) -> int:
    """How many of lowercase, uppercase, digits and other characters the password uses."""
    return sum((any(c.islower() for c in password), any(c.isupper() for c in password),
                any(c.isdigit() for c in password), any(not c.isalnum() for c in password)))


def check_password_rules(password: str, field: str = "password") -> None:
    """Length and character classes of the policy's `auth.password` (身份鉴别 a)."""
    rules = get_policy().auth.password
    if len(password) < rules.min_length:
        raise AccountError(field, f"must be at least {rules.min_length} characters")
    if len(password) > 256:
        raise AccountError(field, "must be at most 256 characters")
    if character_classes(password) < rules.min_classes:
        raise AccountError(field, f"must mix at least {rules.min_classes} of lowercase letters, uppercase letters, "
                                  "digits and other characters")


def password_expired(user: User) -> bool:
    days = get_policy().auth.password.max_age_days
    changed = as_utc(user.password_changed_at or user.created_at)
    return days is not None and changed is not None and changed + timedelta(days=days) < utcnow()


def set_password(session: Session, user: User, password: str, actor: str, field: str = "new_password") -> None:
    """A new password: the policy's rules, and none of the last `history` passwords (argon2 hashes kept)."""
    check_password_rules(password, field)
    keep = get_policy().auth.password.history
    earlier = session.exec(select(PasswordHistory).where(PasswordHistory.user_id == user.id)
                           .order_by(col(PasswordHistory.id).desc())).all()
    if keep and any(check_password(password, h) for h in [user.password_hash, *[e.password_hash for e in earlier[:keep - 1]]]):
        raise AccountError(field, f"must not be one of the last {keep} passwords")
    session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash))  # type: ignore[arg-type]
    for stale in earlier[max(keep - 1, 0):]:
        session.delete(stale)
    user.password_hash, user.password_changed_at = hash_password(password), utcnow()
    session.add(user)
    audit.record(session, actor, "user.password", "user", user.username, None, None)


def add_user(session: Session, username: str, role: str, scope: str | None, password: str, actor: str = "cli") -> User:
    if not username or set(username) - USERNAME_CHARS or len(username) > 64:
        raise AccountError("username", msg("account.username_form"))
    check_password_rules(password)
    scope = validate_scope(session, role, scope)
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise AccountError("username", msg("account.exists", username=username))
    user = User(username=username, role=role, scope=scope, password_hash=hash_password(password),
                password_changed_at=utcnow())
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.add", "user", username, None, {"role": role, "scope": scope})
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        hash_password(password)  # same cost either way, so timing does not reveal which names exist
        return None
    if user.disabled or not check_password(password, user.password_hash):
        return None
    return user


def signing_key(session: Session | None = None) -> str:
    """The configured key (QIANYUN_SECRET_KEY), else the key file (QIANYUN_SECRET_KEY_FILE), made once
    with mode 0600. Never in the database: whoever can read the database must not be able to forge a
    token. Replicas share the key through the same variable or file."""
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key
    return key_from_file(Path(settings.secret_key_file))


class TokenError(ValueError):
    """A token refused; raised with a message (str() is its English)."""

    @property
    def said(self) -> Msg | str:
        return self.args[0] if self.args and isinstance(self.args[0], Msg) else str(self)


def read_token(session: Session, token: str, purpose: str = "access") -> User:
    """The user a bearer token acts for: signature, lifetime cap, then its session and user as the
    database holds them now (logged out, idle, disabled, locked or a changed role: refused)."""
    from scheduler.core import sessions

    try:
        claims = jwt.decode(token, signing_key(session), algorithms=["HS256"], options={"require": ["exp", "iat", "sub"]})
    except jwt.ExpiredSignatureError as exc:
        raise TokenError(msg("token.expired")) from exc
    except jwt.PyJWTError as exc:
        raise TokenError(msg("token.invalid")) from exc
    cap = sessions.ENROL_MINUTES if claims.get("pur") == "enrol" else sessions.access_minutes()
    if claims["exp"] - claims["iat"] > cap * 60 + 5:
        raise TokenError(msg("token.too_long"))
    return sessions.check(session, claims, purpose)


@dataclass(frozen=True)
class Scope:
    """What one user may see: everything, one cloud, or one department (and its county offices)."""

    role: str
    cloud: str | None = None
    department: str | None = None

    @classmethod
    def of(cls, user: User) -> Scope:
        kind = ROLES.get(user.role)
        if kind in ("city", "industry"):
            return cls(user.role, cloud=user.scope)
        if kind == "department":
            return cls(user.role, department=user.scope)
        return cls(user.role)

    @property
    def province_wide(self) -> bool:
        return self.cloud is None and self.department is None

    @property
    def operator(self) -> bool:
        return may(self, "fleet.read")

    def describe(self) -> str:
        return self.cloud or self.department or "province"


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the lifecycle code needs it: a user, or the system (role "system")."""

    username: str
    role: str
    scope: str | None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.username, user.role, user.scope)

    def scope_obj(self) -> Scope:
        return Scope.of(User(username=self.username, role=self.role, scope=self.scope, password_hash=""))
