"""Request dependencies: database sessions, the current user and scope, filters and pagination."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import Depends, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from api.admission import database_turn
from scheduler.core.access import require
from scheduler.core.accounts import Actor, Scope, TokenError, read_token
from scheduler.core.db import MAX_ROW_ID as MAX_ID
from scheduler.core.db import get_engine
from scheduler.core.models import User
from scheduler.core.messages import msg
from scheduler.core.refusal import Refusal
from scheduler.core.settings import get_settings

MAX_OFFSET = 2**31 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ID, description=f"a row id (1 .. {MAX_ID})")]

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_session() -> AsyncIterator[Session]:
    """The request's session, made once it has its turn at the database (api.admission), and closed as
    soon as the route's answer is built (scope "function"), before the answer is sent: a slow reader
    of a large page must not keep a connection. The close (which returns the connection) runs in a
    thread of its own, never waiting behind requests for a worker thread."""
    async with database_turn():
        session = Session(get_engine(), expire_on_commit=False)
        try:
            yield session
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(session.close, limiter=anyio.CapacityLimiter(1))


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def current_user(session: SessionDep, token: Annotated[str | None, Depends(oauth2)]) -> User:
    challenge = {"WWW-Authenticate": "Bearer"}
    if not token:
        raise Refusal(401, "Authorization", msg("request.bearer_token_required_get"), headers=challenge)
    try:
        return read_token(session, token)
    except TokenError as exc:
        raise Refusal(401, "Authorization", exc.said, headers=challenge) from exc


UserDep = Annotated[User, Depends(current_user)]


def current_scope(user: UserDep) -> Scope:
    return Scope.of(user)


ScopeDep = Annotated[Scope, Depends(current_scope)]


def operators_only(scope: ScopeDep) -> Scope:
    require(scope, "fleet.read")
    return scope


def only_params(*allowed: str) -> Callable[[Request], None]:
    """Refuse unknown query parameters: a misspelt filter must not silently return everything."""
    names = set(allowed) | {"limit", "offset", "lang"}  # lang: api.language

    def check(request: Request) -> None:
        for key in request.query_params.keys():
            if key not in names:
                raise Refusal(400, key, msg("query.unknown", allowed=sorted(names)))

    return check


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page(limit: Annotated[int, Query(ge=1, description="page size")] = 100,
         offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> Page:
    maximum = get_settings().page_size_max
    if limit > maximum:
        raise Refusal(422, "limit", msg("limit.too_large", maximum=maximum, got=limit))
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(page)]


def current_actor(user: UserDep) -> Actor:
    return Actor.of(user)


ActorDep = Annotated[Actor, Depends(current_actor)]
"""The one acting user of every route; a router narrows the roles with `allow(action)`."""


def allow(action: str) -> Callable[[Actor], Actor]:
    """A dependency refusing (403) a role the permission table (policies.authorize) keeps from `action`."""

    def check(actor: ActorDep) -> Actor:
        require(actor, action)
        return actor

    return check
