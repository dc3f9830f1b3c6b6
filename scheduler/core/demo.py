"""Demo accounts, one per role, made on the first `serve --demo` and never reset afterwards."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlmodel import Session, select

from scheduler.core import second_factor
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


def demo_password() -> str:
    """A random password that keeps the default rules (length, three character classes)."""
    return f"Qy-{secrets.token_urlsafe(9)}{secrets.randbelow(10)}"


def seed_demo_users(session: Session, credentials_path: Path) -> list[tuple[str, str, str | None, str, str]]:
    """Create the missing demo users, enrol a second factor for those whose role needs one, and write
    every demo password and TOTP secret (base32) to the owner-only credentials file; return the roster
    with the secrets made now (the others are named as kept in the file)."""
    stored: dict[str, tuple[str, str]] = {}
    if credentials_path.exists():
        for line in credentials_path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) in (4, 5):
                stored[parts[0]] = (parts[3], parts[4] if len(parts) == 5 else "")
    out, new = [], set()
    for username, role, scope in demo_roster(session):
        exists = session.exec(select(User).where(User.username == username)).first() is not None
        if not exists:
            password = demo_password()
            user = add_user(session, username, role, scope, password, actor="demo")
            secret = second_factor.enrol_now(session, user, "demo", recovery_codes=False)[0] if second_factor.required(user) else ""
            stored[username] = (password, secret)
            new.add(username)
        password, secret = stored.get(username, ("(set before; not in the credentials file)", ""))
        out.append((username, role, scope, password, secret))
    fd = os.open(credentials_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that already existed keeps its old mode through O_CREAT: narrow it
    with os.fdopen(fd, "w") as fh:
        for username, role, scope, password, secret in out:
            fh.write(f"{username}\t{role}\t{scope or ''}\t{password}\t{secret}\n")
    # passwords and secrets are shown once, when made; after that only the owner-only file holds them
    kept = f"(in {credentials_path.name})"
    return [(u, r, s, p if u in new else kept, (t if u in new else kept) if t else "-") for u, r, s, p, t in out]


# Data resources a province keeps, by theme: (name, system, fields).
