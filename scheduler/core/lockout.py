"""Failed logins (身份鉴别 b): too many failures for one account or from one address lock it for a while.

The counters and locks are rows of `login_guard`, not process memory, so a lock survives a restart and
every replica honours it. A failure is counted in the same transaction as its audit event, after the
audit append has taken the database's write lock, so parallel failures never lose a count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from scheduler.core import audit
from scheduler.core.db import as_utc, utcnow
from scheduler.core.models import LoginGuard
from scheduler.core.policy import get_policy


def subjects(username: str, address: str | None) -> list[str]:
    """The counters one login attempt touches: its account and, when known, its client address."""
    out = [f"user:{username[:190]}"]
    if address:
        out.append(f"addr:{address[:190]}")
    return out


@dataclass(frozen=True)
class Lock:
    subject: str
    until: datetime

    def retry_after(self, now: datetime | None = None) -> int:
        """Whole seconds until the lock ends (at least 1), for the Retry-After header."""
        return max(1, math.ceil((self.until - (now or utcnow())).total_seconds()))


def active_lock(session: Session, names: list[str], now: datetime | None = None) -> Lock | None:
    """The lock (the longest, if several) on any of these subjects that has not ended yet."""
    now = now or utcnow()
    rows = session.exec(select(LoginGuard).where(col(LoginGuard.subject).in_(names))
                        .execution_options(populate_existing=True)).all()
    locks = [Lock(r.subject, as_utc(r.locked_until)) for r in rows  # type: ignore[arg-type]
             if r.locked_until is not None and as_utc(r.locked_until) > now]  # type: ignore[operator]
    return max(locks, key=lambda lock: lock.until) if locks else None


def count_failure(session: Session, names: list[str]) -> list[Lock]:
    """Count one failure for each subject in the caller's transaction (which must already hold the audit
    write lock); return the locks this failure started, each audited as `auth.locked`."""
    rules = get_policy().auth.lockout
    now = utcnow()
    window = timedelta(seconds=rules.window_s)
    started: list[Lock] = []
    for name in names:
        row = session.exec(select(LoginGuard).where(LoginGuard.subject == name)
                           .execution_options(populate_existing=True)).first()
        if row is None:
            row = LoginGuard(subject=name, failures=0, window_started_at=now)
        locked = row.locked_until is not None and as_utc(row.locked_until) > now  # type: ignore[operator]
        if locked:
            continue  # a locked subject is not counted further: the lock runs its course
        if as_utc(row.window_started_at) + window <= now or row.locked_until is not None:  # type: ignore[operator]
            row.failures, row.window_started_at, row.locked_until = 0, now, None  # a new window
        row.failures += 1
        if row.failures >= rules.failures:
            row.locked_until = now + timedelta(seconds=rules.lock_s)
            started.append(Lock(name, row.locked_until))
            audit.record(session, "anonymous", "auth.locked", "login", name, None,
                         {"failures": row.failures, "window_s": rules.window_s, "lock_s": rules.lock_s,
                          "until": row.locked_until.isoformat()})
        session.add(row)
    session.flush()
    return started


def clear_account(session: Session, username: str) -> None:
    """A successful login forgets the account's failures (an address's failures run out with their window)."""
    session.exec(delete(LoginGuard).where(col(LoginGuard.subject) == f"user:{username[:190]}"))  # type: ignore[call-overload]


def unlock(session: Session, subject: str, actor: str) -> bool:
    """Lift a lock by hand (`qianyun users unlock`); audited."""
    row = session.get(LoginGuard, subject)
    if row is None:
        return False
    session.delete(row)
    audit.record(session, actor, "auth.unlocked", "login", subject, {"failures": row.failures}, None)
    return True
