"""Accounts, for the system administrator: list, create, change role or scope, disable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from sqlalchemy import func
from sqlmodel import select

from api.deps import ActorDep, PageDep, SessionDep
from api.errors import refusals
from api.schemas import PageOut
from api.schemas.system import UserCreate, UserOut, UserReset, UserUpdate
from scheduler.core import users
from scheduler.core.access import require
from scheduler.core.accounts import Actor
from scheduler.core.models import User

router = APIRouter(prefix="/api/v1/users", tags=["users"])


def admins(a: ActorDep) -> Actor:
    require(a, "users.manage")
    return a


AdminDep = Annotated[Actor, Depends(admins)]
Username = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9._-]+$")]


def _out(u: User) -> UserOut:
    return UserOut(username=u.username, role=u.role, scope=u.scope, disabled=u.disabled, second_factor=u.totp_enabled,
                   created_at=u.created_at)


@router.get("", response_model=PageOut[UserOut], responses=refusals(400, 403))
def list_users(session: SessionDep, _: AdminDep, pg: PageDep) -> PageOut[UserOut]:
    total = session.exec(select(func.count()).select_from(User)).one()
    rows = session.exec(select(User).order_by(User.username).offset(pg.offset).limit(pg.limit)).all()
    return PageOut(items=[_out(u) for u in rows], total=total, limit=pg.limit, offset=pg.offset)


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED, responses=refusals(403, 409, 422))
def create_user(body: UserCreate, session: SessionDep, a: AdminDep) -> UserOut:
    u = users.create(session, a, body.username, body.role, body.scope, body.password)
    session.commit()
    return _out(u)


@router.patch("/{username}", response_model=UserOut, responses=refusals(403, 404, 422))
def change_user(username: Username, body: UserUpdate, session: SessionDep, a: AdminDep) -> UserOut:
    u = users.change(session, a, username, body.model_dump(exclude_unset=True))
    session.commit()
    return _out(u)


@router.post("/{username}/reset", response_model=UserOut, responses=refusals(403, 404, 422))
def reset_user(username: Username, body: UserReset, session: SessionDep, a: AdminDep) -> UserOut:
    """A new password and/or a forgotten second factor, the lock lifted; the user's sessions end."""
    u = users.reset(session, a, username, body.password, body.second_factor)
    session.commit()
    return _out(u)
