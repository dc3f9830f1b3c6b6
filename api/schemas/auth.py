"""Logins, sessions, the second factor and password changes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SessionTokensOut(BaseModel):
    """A login: the bearer access token, and (for a full session) the refresh token that renews it."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str | None = None
    enrolment_required: bool = False  # true: this token may only enrol a second factor, then log in again


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TotpEnrolOut(BaseModel):
    secret: str  # base32, for typing into an authenticator
    otpauth_uri: str  # the same as an otpauth:// URI
    qr_svg: str  # that URI as a QR code, an SVG document, for an authenticator app's camera


class TotpConfirmIn(BaseModel):
    otp: str = Field(min_length=1, max_length=32)


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]  # shown once: each logs in once in place of a code


class PasswordChangeIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)
    otp: str | None = Field(default=None, max_length=32)
