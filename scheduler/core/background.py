"""Long work (a plan's moves, a live drill) runs in a background thread, at most once per object.

Its state lives in the database, so a thread that dies leaves the object where it stopped, and the
next start of the service picks it up again through `resume`. Work that a transaction asks for is
queued with `after_commit`: the thread starts only once the rows it reads are committed, and never
if the transaction rolls back, so no caller has to remember to start it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session

from scheduler.core import leader

log = logging.getLogger(__name__)
RETRY_PAUSES_S: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)


class Runner:
    """One background thread per id for `work(id)`; a second start of a running id is a no-op."""

    def __init__(self, name: str, work: Callable[[int], object]) -> None:
        self.name, self.work = name, work
        self._threads: dict[int, threading.Thread] = {}
        self._guard = threading.Lock()

    def start(self, item: int) -> threading.Thread | None:
        """None on a follower: the leader's watchdog picks the item up (scheduler.core.leader)."""
        if not leader.is_leader():
            return None
        with self._guard:
            t = self._threads.get(item)
            if t is not None and t.is_alive():
                return t
            t = threading.Thread(target=self._safe, args=(item,), name=f"{self.name}-{item}", daemon=True)
            self._threads[item] = t
            t.start()
            return t

    def _safe(self, item: int) -> None:
        """A failure that is not the object's own (the database briefly away, a pool exhausted) is tried
        again after a pause; past the last try the object keeps its state and the watchdog (the loop's
        `watchdog` job) or the next start picks it up."""
        for attempt, pause in enumerate((*RETRY_PAUSES_S, None), start=1):
            try:
                self.work(item)
                return
            except leader.NotLeader as exc:
                log.warning("%s %s left to the leader: %s", self.name, item, exc)
                return
            except Exception:
                if pause is None:
                    log.exception("%s %s stopped after %d tries; the watchdog resumes it", self.name, item, attempt)
                    return
                log.warning("%s %s failed (try %d); again in %.0f s", self.name, item, attempt, pause, exc_info=True)
                time.sleep(pause)

    def resume(self, items: Iterable[int]) -> list[int]:
        started = list(items)
        for item in started:
            self.start(item)
        return started


_QUEUED = "qianyun.after_commit"


def after_commit(session: Session, runner: Runner, item: int) -> None:
    """Start `runner` on `item` when this session's transaction commits; drop it if it rolls back."""
    session.info.setdefault(_QUEUED, []).append((runner, item))


@event.listens_for(Session, "after_commit")
def _start_queued(session: Session) -> None:
    for runner, item in session.info.pop(_QUEUED, []):
        runner.start(item)


@event.listens_for(Session, "after_rollback")
def _drop_queued(session: Session) -> None:
    session.info.pop(_QUEUED, None)
