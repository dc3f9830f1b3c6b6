"""The second factor (身份鉴别 d): TOTP one-time codes (RFC 6238) and single-use recovery codes.

Which roles must give a code is the policy's `auth.second_factor_roles`; a user who enrolled gives one
whatever the role. A code is accepted once: the step it belongs to is remembered, so a code read over
someone's shoulder cannot be replayed within its 30 seconds. Recovery codes are argon2 hashes, each
struck off when used.
"""

from __future__ import annotations

import io
import secrets

import pyotp
import segno
from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from scheduler.core import audit
from scheduler.core.accounts import AccountError, check_password, hash_password
from scheduler.core.db import utcnow
from scheduler.core.models import RecoveryCode, User
from scheduler.core.policy import get_policy

ISSUER = "Qianyun"
RECOVERY_CODES = 10


def required(user: User) -> bool:
    """Must this user give a one-time code to log in?"""
    return user.totp_enabled or user.role in get_policy().auth.second_factor_roles


def uri(user: User) -> str:
    """The otpauth:// URI an authenticator app reads (as a QR code or typed in)."""
    assert user.totp_secret
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(user: User) -> str:
    """The otpauth:// URI as a QR code, an SVG document made here: the console shows it without loading
    anything from outside (its CSP allows its own images and data: URIs only)."""
    out = io.BytesIO()
    segno.make(uri(user), error="m").save(out, kind="svg", xmldecl=False, nl=False, scale=5, border=4, dark="#111",
                                          light="#fff", svgclass=None, lineclass=None)
    return out.getvalue().decode()


def begin(session: Session, user: User, actor: str) -> str:
    """A new secret for `user`, not in force until `confirm` sees a code from it; a confirmed factor is
    replaced only after a reset, so a stolen session cannot swap it."""
    if user.totp_enabled:
        raise AccountError("otp", "a second factor is already enrolled; an administrator resets it "
                                  "(qianyun users totp-reset NAME)")
    user.totp_secret = pyotp.random_base32()
    session.add(user)
    audit.record(session, actor, "user.totp.begin", "user", user.username, None, None)
    return user.totp_secret


def confirm(session: Session, user: User, code: str, actor: str) -> list[str]:
    """Put the secret in force when `code` is one of its codes; return fresh recovery codes (shown once)."""
    if user.totp_enabled:
        raise AccountError("otp", "a second factor is already enrolled")
    if not user.totp_secret:
        raise AccountError("otp", "nothing to confirm: enrol first (POST /api/v1/auth/totp/enrol)")
    if not _totp_ok(session, user, code):
        raise AccountError("otp", "not a current code of the enrolled secret")
    user.totp_enabled = True
    session.add(user)
    codes = _new_recovery_codes(session, user)
    audit.record(session, actor, "user.totp.enrolled", "user", user.username, None, {"recovery_codes": len(codes)})
    return codes


def enrol_now(session: Session, user: User, actor: str, recovery_codes: bool = True) -> tuple[str, list[str]]:
    """Enrol at once (the command line, the demo): a secret in force and, unless told not to, its
    recovery codes. The demo asks for none: it shows no codes (its credentials file keeps the secret),
    and hashing ten per demo user was most of a first `qianyun serve --demo` (11 s of 18)."""
    reset(session, user, actor, audited=False)
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled = True
    session.add(user)
    codes = _new_recovery_codes(session, user) if recovery_codes else []
    audit.record(session, actor, "user.totp.enrolled", "user", user.username, None, {"recovery_codes": len(codes)})
    return user.totp_secret, codes


def reset(session: Session, user: User, actor: str, audited: bool = True) -> None:
    """Forget the secret and the recovery codes: the user enrols again at the next login."""
    had = user.totp_enabled
    user.totp_secret, user.totp_enabled, user.totp_last_step = None, False, 0
    session.add(user)
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))  # type: ignore[call-overload]
    if audited:
        audit.record(session, actor, "user.totp.reset", "user", user.username, {"enrolled": had}, {"enrolled": False})


def check(session: Session, user: User, code: str) -> bool:
    """Is `code` a current TOTP code not used before, or an unused recovery code? Either is then spent."""
    code = code.strip().replace(" ", "")
    if not user.totp_enabled or not user.totp_secret or not code:
        return False
    if _totp_ok(session, user, code):
        return True
    if len(code) != 17 or code[8] != "-":  # not shaped like a recovery code: spare ten argon2 checks
        return False
    for rc in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None))):
        if check_password(code.lower(), rc.code_hash):
            rc.used_at = utcnow()
            session.add(rc)
            audit.record(session, user.username, "user.totp.recovery_used", "user", user.username, None, None)
            return True
    return False


def recovery_left(session: Session, user: User) -> int:
    return len(session.exec(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                          col(RecoveryCode.used_at).is_(None))).all())


def _totp_ok(session: Session, user: User, code: str) -> bool:
    """A code of this step or the one before or after (clock drift), of a step later than the last used
    one; the step is claimed by a compare-and-set, so two logins racing with one code cannot both pass."""
    if not (code.isdigit() and len(code) == 6) or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    step = totp.timecode(utcnow())
    for candidate in (step - 1, step, step + 1):
        if candidate > user.totp_last_step and secrets.compare_digest(totp.generate_otp(candidate), code):
            claimed = session.execute(update(User).where(col(User.id) == user.id, col(User.totp_last_step) < candidate)
                                      .values(totp_last_step=candidate).execution_options(synchronize_session=False))
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return False
            user.totp_last_step = candidate
            return True
    return False


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))  # type: ignore[call-overload]
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    for c in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(c)))
    session.flush()
    return codes
