"""Login: the OAuth2 password flow, answering with a bearer JWT."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import SessionDep, UserDep
from api.errors import refusals
from api.schemas import MeOut, TokenOut
from scheduler.core import audit, telemetry
from scheduler.core.accounts import authenticate, issue_token
from scheduler.core.refusal import Refusal
from scheduler.core.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token", responses=refusals(401), response_model=TokenOut)
def login(session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenOut:
    user = authenticate(session, form.username, form.password)
    if user is None:
        telemetry.LOGINS_REFUSED.inc()
        # the name someone typed is what was tried, not who acted: recorded as the entity, by "anonymous",
        # so no login attempt can write an audit row under another actor's name (a system actor's)
        audit.record(session, "anonymous", "auth.refused", "user", form.username[:64] or "(empty)", None, None)
        session.commit()
        raise Refusal(401, "password", "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    token = issue_token(session, user)
    return TokenOut(access_token=token, expires_in=get_settings().token_minutes * 60)


@router.get("/me", response_model=MeOut)
def me(user: UserDep) -> MeOut:
    return MeOut(username=user.username, role=user.role, scope=user.scope)
