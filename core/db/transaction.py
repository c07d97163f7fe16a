"""Transactions that run queued work only after they commit.

``async with transaction():`` opens a transaction on the bound engine (joining
an open one); ``after_commit(fn)`` queues a coroutine function that runs once
the outermost transaction has committed, and is dropped on rollback.

On SQLite every transaction takes the write lock at its start (BEGIN IMMEDIATE):
a deferred one that reads and then writes fails at once with "database is
locked" when another connection wrote in between (the busy timeout does not
cover that upgrade). Transactions of one process also queue for the lock in
order (an asyncio lock), instead of polling SQLite's busy handler, whose sleeps
grow to 100 ms and let late arrivals overtake waiting ones.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from typing import Any, AsyncIterator, Awaitable, Callable

from piccolo.engine.sqlite import TransactionType

from core.db.engine import engine, write_lock

log = logging.getLogger(__name__)

_pending: ContextVar[list[Callable[[], Awaitable[Any]]] | None] = ContextVar("quartier_after_commit", default=None)


def in_transaction() -> bool:
    return _pending.get() is not None


@contextlib.asynccontextmanager
async def transaction() -> AsyncIterator[None]:
    """A transaction. On SQLite it holds the write lock from its start (BEGIN IMMEDIATE), so read-then-write is safe."""
    if _pending.get() is not None:
        yield
        return
    db = engine()
    sqlite = db.engine_type == "sqlite"
    queued: list[Callable[[], Awaitable[Any]]] = []
    async with (write_lock() if sqlite else contextlib.nullcontext()):
        tx = db.transaction(transaction_type=TransactionType.immediate) if sqlite else db.transaction()
        token = _pending.set(queued)
        try:
            async with tx:
                yield
        finally:
            _pending.reset(token)
    for job in queued:
        try:
            await job()
        except Exception:  # the change is committed; later work must not undo the answer
            log.exception("after-commit job %r failed", job)


def after_commit(job: Callable[[], Awaitable[Any]]) -> None:
    queued = _pending.get()
    if queued is None:
        raise RuntimeError("after_commit() needs an open transaction()")
    queued.append(job)
