"""A request's turn at the database: at most as many requests use it at once as the API pool has
connections (`db_pool_size + db_max_overflow`); the others wait here, holding neither a worker thread
nor a connection, for at most `db_pool_timeout_s`, then are answered 503 with Retry-After.

Why: a request's session keeps its connection across several hops through the worker threads (the
login check, the route, the response model). When more requests came in than there were connections,
worker threads blocked in the pool waiting for a connection while the requests holding connections
queued behind them for a thread, until the pool's timeout broke the jam with a 503. With the turn
taken before the session exists, a request that has one always finds a free connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from anyio.lowlevel import RunVar
from sqlalchemy.exc import TimeoutError as PoolTimeout

from scheduler.core.settings import get_settings

_turns: RunVar[anyio.Semaphore] = RunVar("qianyun_database_turns")  # one per event loop (one per served app)


def turns() -> anyio.Semaphore:
    try:
        return _turns.get()
    except LookupError:
        settings = get_settings()
        semaphore = anyio.Semaphore(settings.db_pool_size + settings.db_max_overflow)
        _turns.set(semaphore)
        return semaphore


@asynccontextmanager
async def database_turn() -> AsyncIterator[None]:
    """Wait (asynchronously) for a turn; PoolTimeout, which the API answers 503, after db_pool_timeout_s."""
    semaphore = turns()
    timeout = get_settings().db_pool_timeout_s
    with anyio.move_on_after(timeout) as waited:
        await semaphore.acquire()
    if waited.cancelled_caught:
        raise PoolTimeout(f"no database turn within {timeout}s")
    try:
        yield
    finally:
        semaphore.release()
