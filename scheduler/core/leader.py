"""Leadership: any number of replicas serve the API; one, the leader, acts on the clouds.

The leader holds a lease row in the database (holder, epoch, renewed and expires at, transitions, as
a Kubernetes Lease) and renews it every third of its duration; a follower takes it over once it has
expired, and the epoch rises by one at every change of hands. The epoch is the fencing token: every
background action on a cloud starts in a transaction whose first write (`fence`) only matches the
lease row while it is still this replica's, under this epoch, unexpired, so a leader that stalled
past its lease (a pause, SIGSTOP, a partition) finds itself fenced out and steps down instead of
acting beside its successor. Right before the cloud call, `check` asks the local clock whether the
last confirmed renewal is still within the lease, which closes the gap between that commit and the
call. All times in the lease are the database's own clock, so replicas on different machines never
compare their clocks.

A lease row rather than a PostgreSQL advisory lock: it works the same on SQLite and PostgreSQL, it
survives a connection drop without losing the epoch, and operators can read it. With SQLite there is
one process and it elects itself at once. A process that never starts an `Elector` (a CLI command,
a unit test driving the executor) is standalone: it acts as it always did.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from scheduler.core import telemetry
from scheduler.core.db import as_utc, get_background_engine, utcnow
from scheduler.core.models import LeaderLease, Replica
from scheduler.core.settings import get_settings

log = logging.getLogger(__name__)
NAME = f"{socket.gethostname()}:{os.getpid()}"
LEASE_ID = 1
SAFETY_S = 0.5  # the local clock gives up this much before the lease it last confirmed


class NotLeader(Exception):
    """This replica is not (or no longer) the leader: background work stops here, untouched."""


@dataclass
class _Standing:
    mode: str = "standalone"  # standalone | leader | follower
    instance: str = ""
    epoch: int | None = None
    valid_until: float = 0.0  # time.monotonic() of the lease's local end


_standing = _Standing()
_guard = threading.Lock()


def is_leader() -> bool:
    s = _standing
    return s.mode == "standalone" or (s.mode == "leader" and time.monotonic() < s.valid_until)


def is_standalone() -> bool:
    return _standing.mode == "standalone"


def check() -> None:
    """Right before a cloud call: the lease this replica last confirmed has not run out."""
    if not is_leader():
        raise NotLeader(f"{NAME} is not the leader (epoch {_standing.epoch}); the action is left to the leader")


def _now(session: Session) -> Any:
    """The database's clock (an SQL expression on PostgreSQL); SQLite is one process, so its own."""
    return func.clock_timestamp() if session.get_bind().dialect.name == "postgresql" else utcnow()


def _bounded(session: Session, seconds: float) -> None:
    """A transaction that may lock the lease row dies if its process stops inside it for longer than a
    lease (SIGSTOP, a hung disk): PostgreSQL ends the session and frees the row, where it would
    otherwise wait for the paused process for ever and no follower could take over."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {max(1000, int(seconds * 1000))}"))


def fence(session: Session) -> int | None:
    """The first write of a transaction that starts an action on a cloud: it matches the lease row only
    while this replica holds it under its epoch and unexpired, and it keeps the row locked until the
    caller commits, so no takeover can come between. Raises NotLeader (and steps down) otherwise."""
    s = _standing
    if s.mode == "standalone":
        return None
    if s.mode != "leader":
        raise NotLeader(f"{NAME} is a follower")
    _bounded(session, _elector.term_s if _elector is not None else get_settings().leader_lease_s)
    now = _now(session)
    result = session.execute(update(LeaderLease).where(
        LeaderLease.id == LEASE_ID, LeaderLease.instance == s.instance, LeaderLease.epoch == s.epoch,
        col(LeaderLease.expires_at) > now).values(fenced_at=now))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        _step_down(f"epoch {s.epoch} is no longer current")
        raise NotLeader(f"{NAME} was fenced out: epoch {s.epoch} is no longer the lease's")
    return s.epoch


def epoch() -> int | None:
    return _standing.epoch


@dataclass
class Elector:
    """Competes for the lease in a thread of its own; runs `on_elected` when this replica becomes the
    leader and `on_demoted` when it stops being one (lost, expired or shut down)."""

    on_elected: Callable[[], None] = lambda: None
    on_demoted: Callable[[], None] = lambda: None
    lease_s: float = field(default_factory=lambda: get_settings().leader_lease_s)
    poll_s: float = field(default_factory=lambda: get_settings().leader_poll_s)
    instance: str = field(default_factory=lambda: uuid.uuid4().hex)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _last_heartbeat: float = -1e9

    @property
    def term_s(self) -> float:
        """How long one renewal holds: the lease setting less a follower's poll and a second's margin, so
        that a follower leads within `lease_s` of the leader's loss, however soon after a renewal it came."""
        return max(1.0, self.lease_s - self.poll_s - 1.0)

    def start(self) -> None:
        """One tick at once (so a lone replica leads before it serves), then the thread."""
        global _elector
        with _guard:
            _standing.mode, _standing.instance, _standing.epoch = "follower", self.instance, None
            _elector = self
        self._heartbeat(force=True)
        self.tick()
        self._thread = threading.Thread(target=self._run, name="leader-elector", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Shutting down: give the lease back at once, so a follower need not wait for it to expire."""
        global _elector
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.lease_s)
        was_leader = _standing.mode == "leader"
        try:
            with Session(get_background_engine()) as session:
                now = _now(session)
                session.execute(update(LeaderLease).where(LeaderLease.instance == self.instance).values(
                    holder=None, instance=None, expires_at=now))
                session.execute(delete(Replica).where(col(Replica.instance) == self.instance))
                session.commit()
        except SQLAlchemyError:
            log.warning("could not give the lease back; it expires by itself", exc_info=True)
        with _guard:
            _standing.mode, _standing.epoch, _standing.instance, _standing.valid_until = "standalone", None, "", 0.0
            if _elector is self:
                _elector = None
        if was_leader:
            self._demoted("shut down")

    def _run(self) -> None:
        while not self._stop.wait(self.term_s / 3 if _standing.mode == "leader" else self.poll_s):
            try:
                self.tick()
                self._heartbeat()
            except Exception:  # the database away: keep trying; the lease runs out by the clock
                log.warning("leader election: the database did not answer", exc_info=True)
                if _standing.mode == "leader" and time.monotonic() >= _standing.valid_until:
                    _step_down("could not renew the lease in time")

    def tick(self) -> None:
        """Renew the lease if it is ours; take it if it is free or expired; else follow."""
        t0 = time.monotonic()
        with Session(get_background_engine()) as session:
            _bounded(session, self.term_s)
            now = _now(session)
            until = now + timedelta(seconds=self.term_s)
            if _standing.mode == "leader":
                renewed = session.execute(update(LeaderLease).where(
                    LeaderLease.id == LEASE_ID, LeaderLease.instance == self.instance,
                    LeaderLease.epoch == _standing.epoch, col(LeaderLease.expires_at) > now,
                ).values(renewed_at=now, expires_at=until, duration_s=self.term_s))
                session.commit()
                if renewed.rowcount == 1:  # type: ignore[attr-defined]
                    _standing.valid_until = t0 + self.term_s - SAFETY_S
                    return
                _step_down("the lease was lost")
                _bounded(session, self.term_s)  # the failed renewal committed: the takeover is a new transaction
            taken = session.execute(update(LeaderLease).where(
                LeaderLease.id == LEASE_ID,
                or_(col(LeaderLease.instance).is_(None), col(LeaderLease.expires_at).is_(None),
                    col(LeaderLease.expires_at) <= now),
            ).values(holder=NAME, instance=self.instance, epoch=LeaderLease.epoch + 1, acquired_at=now, renewed_at=now,
                     expires_at=until, duration_s=self.term_s, transitions=LeaderLease.transitions + 1)
            .returning(LeaderLease.epoch)).first()
            if taken is None and session.get(LeaderLease, LEASE_ID) is None:
                session.add(LeaderLease(id=LEASE_ID))  # a database made without the migrations' first row
            try:
                session.commit()
            except SQLAlchemyError:  # another replica made the row first
                session.rollback()
        if taken is None:
            return
        with _guard:
            _standing.mode, _standing.epoch = "leader", int(taken[0])
            _standing.valid_until = t0 + self.term_s - SAFETY_S
        telemetry.LEADER.set(1)
        log.warning("%s leads now, epoch %s", NAME, taken[0])
        try:
            self.on_elected()
        except Exception:
            log.exception("starting the leader's background work failed; the watchdog tries again")

    def _heartbeat(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._last_heartbeat < self.term_s / 3:
            return
        self._last_heartbeat = time.monotonic()
        with Session(get_background_engine()) as session:
            row = session.get(Replica, self.instance)
            row = row or Replica(instance=self.instance, name=NAME)
            row.seen_at = utcnow()
            session.add(row)
            stale = utcnow() - timedelta(hours=1)  # replicas gone for an hour leave the list
            session.execute(delete(Replica).where(col(Replica.seen_at) < stale))
            session.commit()

    def _demoted(self, why: str) -> None:
        telemetry.LEADER.set(0)
        log.warning("%s no longer leads: %s", NAME, why)
        try:
            self.on_demoted()
        except Exception:
            log.exception("stopping the leader's background work failed")


_elector: Elector | None = None


def _step_down(why: str) -> None:
    """Become a follower at once; the elector's callbacks stop the background work."""
    with _guard:
        if _standing.mode != "leader":
            return
        _standing.mode, _standing.epoch, _standing.valid_until = "follower", None, 0.0
        elector = _elector
    if elector is not None:
        elector._demoted(why)


@dataclass(frozen=True)
class Status:
    leader: str | None
    epoch: int
    lease_age_s: float | None
    lease_s: float
    transitions: int
    replicas: list[dict[str, Any]]


def status(session: Session) -> Status:
    """What the lease row and the heartbeats say, read by any replica."""
    lease = session.get(LeaderLease, LEASE_ID)
    now = utcnow()
    live_after = now - timedelta(seconds=3 * get_settings().leader_lease_s)
    replicas = session.exec(select(Replica).where(col(Replica.seen_at) >= live_after).order_by(Replica.name)).all()
    if lease is None:
        return Status(None, 0, None, get_settings().leader_lease_s, 0, [])
    expires = as_utc(lease.expires_at)
    leading = lease.instance is not None and expires is not None and expires > now
    renewed = as_utc(lease.renewed_at)
    return Status(
        leader=lease.holder if leading else None, epoch=lease.epoch,
        lease_age_s=round((now - renewed).total_seconds(), 3) if renewed is not None else None,
        lease_s=lease.duration_s, transitions=lease.transitions,
        replicas=[{"name": r.name, "leader": leading and r.instance == lease.instance,
                   "started_at": _iso(r.started_at), "seen_at": _iso(r.seen_at)} for r in replicas])


def _iso(t: datetime | None) -> str | None:
    t = as_utc(t)
    return t.isoformat() if t is not None else None
