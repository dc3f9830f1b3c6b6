"""Demo accounts, one per role, made on the first `serve --demo` and never reset afterwards."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlmodel import Session, select

from scheduler.core.accounts import add_user
from scheduler.core.models import Department, User


def demo_roster(session: Session) -> list[tuple[str, str, str | None]]:
    """(username, role, scope): a Guiyang county department makes the department admin, if one exists."""
    dept = session.exec(select(Department).where(Department.city == "guiyang", Department.level == "county")
                        .order_by(Department.id)).first() or session.exec(select(Department).order_by(Department.id)).first()
    roster: list[tuple[str, str, str | None]] = [
        ("province", "province-operator", None),
        ("gy-operator", "city-operator", "gy"),
        ("edu-operator", "industry-operator", "edu"),
        ("dr-coordinator", "dr-coordinator", None),
        ("auditor", "auditor", None),
        ("data-authority", "data-authority", None),
        ("sysadmin", "system-admin", None),
        ("secadmin", "security-admin", None),
    ]
    if dept is not None:
        roster.insert(3, ("dept-admin", "department-admin", dept.id))
    return roster


def seed_demo_users(session: Session, credentials_path: Path) -> list[tuple[str, str, str | None, str]]:
    """Create the missing demo users and write every demo password to the owner-only credentials file;
    return the roster with the passwords made now (the others are named as kept in the file)."""
    stored: dict[str, str] = {}
    if credentials_path.exists():
        for line in credentials_path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 4:
                stored[parts[0]] = parts[3]
    out, new = [], set()
    for username, role, scope in demo_roster(session):
        exists = session.exec(select(User).where(User.username == username)).first() is not None
        if not exists:
            stored[username] = secrets.token_urlsafe(9)
            add_user(session, username, role, scope, stored[username], actor="demo")
            new.add(username)
        out.append((username, role, scope, stored.get(username, "(set before; not in the credentials file)")))
    fd = os.open(credentials_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that already existed keeps its old mode through O_CREAT: narrow it
    with os.fdopen(fd, "w") as fh:
        for username, role, scope, password in out:
            fh.write(f"{username}\t{role}\t{scope or ''}\t{password}\n")
    # passwords are shown once, when made; after that only the owner-only file holds them
    return [(u, r, s, p if u in new else f"(in {credentials_path.name})") for u, r, s, p in out]


# Data resources a province keeps, by theme: (name, system, fields).
