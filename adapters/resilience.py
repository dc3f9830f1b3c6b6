"""Timeouts, retries and a circuit breaker, shared by the adapters that call a real cloud's API.

One cloud that does not answer must not stall a sync of the other thirteen: every call has a
timeout, transient failures are retried with a doubling backoff, and after a run of failures the
breaker fails fast for a while, so the caller marks the cloud degraded and keeps its last inventory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from adapters.protocol import AdapterError


@dataclass
class CallPolicy:
    """How one adapter calls its API."""

    connect_timeout_s: float = 5.0
    read_timeout_s: float = 30.0
    attempts: int = 4                   # tries of one call on a transient error (5xx, 429, no answer)
    backoff_s: float = 0.5              # first wait; doubled each retry, capped at backoff_max_s
    backoff_max_s: float = 8.0
    breaker_threshold: int = 5          # consecutive failed calls that open the breaker
    breaker_cooldown_s: float = 30.0    # how long an open breaker fails fast before one trial call

    def delays(self) -> list[float]:
        """The waits between the attempts of one call."""
        out, d = [], self.backoff_s
        for _ in range(max(self.attempts - 1, 0)):
            out.append(d)
            d = min(d * 2, self.backoff_max_s)
        return out


@dataclass
class CircuitBreaker:
    """Closed -> open after `threshold` consecutive failures -> half-open after `cooldown_s` (one trial)."""

    threshold: int
    cooldown_s: float
    clock: Callable[[], float] = time.monotonic
    system: str = "API"
    failures: int = 0
    opened_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self, cloud: str) -> None:
        with self._lock:
            if self.opened_at is None:
                return
            left = self.opened_at + self.cooldown_s - self.clock()
            if left > 0:
                raise AdapterError(f"cloud {cloud}: {self.system} circuit open after {self.failures} consecutive "
                                   f"failures; not calling it for another {left:.0f}s")
            # half-open: let this call through; a failure re-opens at once, a success closes.

    def success(self) -> None:
        with self._lock:
            self.failures, self.opened_at = 0, None

    def failure(self) -> None:
        with self._lock:
            self.failures += 1
            if self.failures >= self.threshold:
                self.opened_at = self.clock()

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "open" if self.clock() < self.opened_at + self.cooldown_s else "half-open"
