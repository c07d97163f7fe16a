"""Transactions that run queued work only after they commit.

``async with transaction():`` opens a transaction on the bound engine (joining
an open one); ``after_commit(fn)`` queues a coroutine function that runs once
the outermost transaction has committed, and is dropped on rollback.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from typing import Any, AsyncIterator, Awaitable, Callable

from piccolo.engine.sqlite import TransactionType

from core.db.engine import engine

log = logging.getLogger(__name__)

_pending: ContextVar[list[Callable[[], Awaitable[Any]]] | None] = ContextVar("quartier_after_commit", default=None)


def in_transaction() -> bool:
    return _pending.get() is not None


@contextlib.asynccontextmanager
async def transaction(immediate: bool = False) -> AsyncIterator[None]:
    """A transaction; ``immediate`` takes SQLite's write lock at the start."""
    if _pending.get() is not None:
        yield
        return
    db = engine()
    if db.engine_type == "sqlite":
        kind = TransactionType.immediate if immediate else TransactionType.deferred
        tx = db.transaction(transaction_type=kind)
    else:
        tx = db.transaction()
    queued: list[Callable[[], Awaitable[Any]]] = []
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
