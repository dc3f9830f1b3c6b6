"""Long work (a plan's moves, a live drill) runs in a background thread, at most once per object.

Its state lives in the database, so a thread that dies leaves the object where it stopped, and the
next start of the service picks it up again through `resume`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)


class Runner:
    """One background thread per id for `work(id)`; a second start of a running id is a no-op."""

    def __init__(self, name: str, work: Callable[[int], object]) -> None:
        self.name, self.work = name, work
        self._threads: dict[int, threading.Thread] = {}
        self._guard = threading.Lock()

    def start(self, item: int) -> threading.Thread:
        with self._guard:
            t = self._threads.get(item)
            if t is not None and t.is_alive():
                return t
            t = threading.Thread(target=self._safe, args=(item,), name=f"{self.name}-{item}", daemon=True)
            self._threads[item] = t
            t.start()
            return t

    def _safe(self, item: int) -> None:
        try:
            self.work(item)
        except Exception:  # the object keeps its state and resumes at the next start
            log.exception("%s %s stopped", self.name, item)

    def resume(self, items: Iterable[int]) -> list[int]:
        started = list(items)
        for item in started:
            self.start(item)
        return started
