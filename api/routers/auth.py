"""Login, sessions and the second factor: the password flow with a one-time code, refresh, logout,
TOTP enrolment and password changes. Failed logins lock the account and the address (429)."""

from __future__ import annotations

from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session

from api.deps import SessionDep, UserDep, oauth2
from api.errors import refusals
from api.schemas import MeOut
from api.schemas.auth import (
    PasswordChangeIn,
    RecoveryCodesOut,
    RefreshIn,
    SessionTokensOut,
    TotpConfirmIn,
    TotpEnrolOut,
)
from scheduler.core import audit, lockout, second_factor, sessions, telemetry
from scheduler.core.accounts import AccountError, TokenError, authenticate, password_expired, read_token, set_password
from scheduler.core.models import User
from scheduler.core.messages import Msg, msg
from scheduler.core.refusal import Refusal

router = APIRouter(prefix="/api/v1", tags=["auth"])
CHALLENGE = {"WWW-Authenticate": "Bearer"}


class LoginForm:
    """The OAuth2 password form plus `otp`, the one-time code (or a recovery code) of the second factor."""

    def __init__(self, username: Annotated[str, Form(max_length=200)], password: Annotated[str, Form(max_length=256)],
                 otp: Annotated[str | None, Form(max_length=32, description="one-time code (TOTP) or a recovery code")] = None,
                 grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
                 scope: Annotated[str, Form()] = "") -> None:
        self.username, self.password, self.otp = username, password, (otp or "").strip() or None


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _refuse_if_locked(session: Session, names: list[str], username: str) -> None:
    lock = lockout.active_lock(session, names)
    if lock is None:
        return
    wait = lock.retry_after()
    telemetry.LOGINS_REFUSED.inc()
    audit.record(session, "anonymous", "auth.refused", "user", username[:64] or "(empty)", None,
                 {"reason": "locked", "lock": lock.subject.split(":", 1)[0], "retry_after_s": wait})
    session.commit()
    raise Refusal(429, "username", msg("auth.too_many_failures", wait=wait), {"retry_after_s": wait},
                  headers={"Retry-After": str(wait)})


def _fail(session: Session, names: list[str], username: str, field: str, message: str | Msg, reason: str) -> Refusal:
    """Audit and count a failed login (the audit append takes the write lock the counters need)."""
    telemetry.LOGINS_REFUSED.inc()
    # the name someone typed is what was tried, not who acted: recorded as the entity, by "anonymous",
    # so no login attempt can write an audit row under another actor's name (a system actor's)
    audit.record(session, "anonymous", "auth.refused", "user", username[:64] or "(empty)", None, {"reason": reason})
    lockout.count_failure(session, names)
    session.commit()
    return Refusal(401, field, message, headers=CHALLENGE)


def _verified(session: Session, request: Request, username: str, password: str, otp: str | None) -> User:
    """The user whose password (and code, where required) this is; locks, counts and audits refusals."""
    names = lockout.subjects(username, _address(request))
    _refuse_if_locked(session, names, username)
    user = authenticate(session, username, password)
    if user is None:
        raise _fail(session, names, username, "password", msg("auth.wrong_password"), "password")
    if user.totp_enabled:
        if otp is None:  # the password was right: not a failure, the client asks for the code
            raise Refusal(401, "otp", msg("auth.needs_otp"), headers=CHALLENGE)
        if not second_factor.check(session, user, otp):
            raise _fail(session, names, username, "otp", msg("auth.wrong_otp"), "otp")
    return user


@router.post("/auth/token", responses=refusals(401, 429), response_model=SessionTokensOut)
def login(session: SessionDep, request: Request, form: Annotated[LoginForm, Depends()]) -> SessionTokensOut:
    """Log in: username, password and, for the roles of `auth.second_factor_roles` (or anyone enrolled),
    `otp`. A role that needs a second factor but has none enrolled gets a token that may only enrol one."""
    user = _verified(session, request, form.username, form.password, form.otp)
    if password_expired(user):
        raise Refusal(401, "password", msg("auth.password_expired"),
                      headers=CHALLENGE)
    purpose = "enrol" if second_factor.required(user) and not user.totp_enabled else "access"
    tokens = sessions.start(session, user, purpose)
    audit.record(session, user.username, "auth.login", "user", user.username, None,
                 {"second_factor": user.totp_enabled, "purpose": purpose, "address": _address(request)})
    lockout.clear_account(session, user.username)  # after the audit append: the lock order of a failed login
    session.commit()
    return SessionTokensOut(access_token=tokens.access_token, expires_in=tokens.expires_in,
                            refresh_token=tokens.refresh_token, enrolment_required=purpose == "enrol")


@router.post("/auth/refresh", responses=refusals(401), response_model=SessionTokensOut)
def refresh(session: SessionDep, body: RefreshIn) -> SessionTokensOut:
    """A new access token for the session; the refresh token is replaced (a used one ends the session)."""
    try:
        tokens = sessions.refresh(session, body.refresh_token)
    except TokenError as exc:
        raise Refusal(401, "refresh_token", exc.said, headers=CHALLENGE) from exc
    session.commit()
    return SessionTokensOut(access_token=tokens.access_token, expires_in=tokens.expires_in,
                            refresh_token=tokens.refresh_token)


def _sid(token: str | None) -> str:
    claims = jwt.decode(token or "", options={"verify_signature": False})  # already verified by the dependency
    return str(claims.get("sid"))


def enrolling_user(session: SessionDep, token: Annotated[str | None, Depends(oauth2)]) -> User:
    """The user of a full or an enrolment-only token."""
    if not token:
        raise Refusal(401, "Authorization", msg("request.bearer_token_required_get"), headers=CHALLENGE)
    try:
        return read_token(session, token, purpose="any")
    except TokenError as exc:
        raise Refusal(401, "Authorization", exc.said, headers=CHALLENGE) from exc


EnrollingDep = Annotated[User, Depends(enrolling_user)]


@router.post("/auth/logout", status_code=204, responses=refusals(401))
def logout(session: SessionDep, user: EnrollingDep, token: Annotated[str | None, Depends(oauth2)]) -> None:
    """End this session: its access and refresh tokens stop working on every replica."""
    sessions.end(session, _sid(token), user.username)
    session.commit()


@router.post("/auth/totp/enrol", responses=refusals(401, 409), response_model=TotpEnrolOut)
def totp_enrol(session: SessionDep, user: EnrollingDep) -> TotpEnrolOut:
    """A new TOTP secret (and its otpauth:// URI for a QR code), in force once confirmed with a code."""
    try:
        secret = second_factor.begin(session, user, user.username)
    except AccountError as exc:
        raise Refusal(409, exc.field, exc.said or exc.message) from exc
    session.commit()
    return TotpEnrolOut(secret=secret, otpauth_uri=second_factor.uri(user), qr_svg=second_factor.qr_svg(user))


@router.post("/auth/totp/confirm", responses=refusals(401, 409, 422), response_model=RecoveryCodesOut)
def totp_confirm(session: SessionDep, user: EnrollingDep, body: TotpConfirmIn) -> RecoveryCodesOut:
    """Confirm the enrolment with a current code; answers the recovery codes, shown this once. Every
    session of the user ends: log in again with a code."""
    try:
        codes = second_factor.confirm(session, user, body.otp, user.username)
    except AccountError as exc:
        raise Refusal(409 if user.totp_enabled else 422, exc.field, exc.said or exc.message) from exc
    sessions.end_all(session, user, user.username, msg("session.end.second_factor_enrolled"))
    session.commit()
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/auth/password", status_code=204, responses=refusals(401, 422, 429))
def change_password(session: SessionDep, request: Request, body: PasswordChangeIn) -> None:
    """Change a password (also an expired one): the old password and, where enrolled, a code; the new one
    follows the policy's rules. Every session of the user ends."""
    user = _verified(session, request, body.username, body.password, body.otp)
    try:
        set_password(session, user, body.new_password, user.username)
    except AccountError as exc:
        session.rollback()
        raise Refusal(422, exc.field, exc.said or exc.message) from exc
    sessions.end_all(session, user, user.username, msg("session.end.password_changed"))
    lockout.clear_account(session, user.username)
    session.commit()


@router.get("/me", response_model=MeOut)
def me(user: UserDep) -> MeOut:
    return MeOut(username=user.username, role=user.role, scope=user.scope, second_factor=user.totp_enabled)



