"""Counting the SQL statements each request sends (the benchmark's figures); on only when asked.

``QUARTIER_COUNT_STATEMENTS=<directory>``: the database connections of every process count the
statements they send (BEGIN and COMMIT included), and each process writes its totals to
``<directory>/<pid>.json``, keyed ``"<METHOD> <status>"``: per key the number of requests, the
statements sent ``before`` the response started and those sent ``after`` it (by tasks the request
started). Statements outside any request (event delivery, outbox, jobs) count under ``background``.
Unset, nothing is wrapped: the connections are the plain ones and no request is touched.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import json
import os
from pathlib import Path
from typing import Any

import asyncpg

ENV = "QUARTIER_COUNT_STATEMENTS"
BACKGROUND = "background"
FLUSH_AFTER = 0.2  # seconds between a count and the file write that includes it


def enabled() -> bool:
    return bool(os.environ.get(ENV))


class _Request:
    __slots__ = ("before", "tally")

    def __init__(self) -> None:
        self.before = 0
        self.tally: dict[str, int] | None = None  # set when the response starts


_request: contextvars.ContextVar[_Request | None] = contextvars.ContextVar("quartier_statement_request", default=None)
_totals: dict[str, dict[str, int]] = {}
_flush_pending = False


def _tally(key: str) -> dict[str, int]:
    tally = _totals.get(key)
    if tally is None:
        tally = _totals[key] = {"requests": 0, "before": 0, "after": 0}
    return tally


def count() -> None:
    """One statement sent by the current task."""
    request = _request.get()
    if request is None:
        _tally(BACKGROUND)["after"] += 1
    elif request.tally is None:
        request.before += 1
    else:
        request.tally["after"] += 1
    _schedule_flush()


def _responded(request: _Request, key: str) -> None:
    tally = request.tally = _tally(key)
    tally["requests"] += 1
    tally["before"] += request.before
    _schedule_flush()


def _schedule_flush() -> None:
    global _flush_pending
    if _flush_pending:
        return
    try:
        asyncio.get_running_loop().call_later(FLUSH_AFTER, flush)
        _flush_pending = True
    except RuntimeError:  # no loop (a thread): written at exit
        pass


def flush() -> None:
    """Write this process's totals to ``<directory>/<pid>.json`` (replaced whole)."""
    global _flush_pending
    _flush_pending = False
    folder = os.environ.get(ENV)
    if not folder or not _totals:
        return
    path = Path(folder) / f"{os.getpid()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(_totals))
    os.replace(tmp, path)


def read_totals(folder: str | Path) -> dict[str, dict[str, int]]:
    """The totals of all processes that wrote to ``folder``, summed per key."""
    summed: dict[str, dict[str, int]] = {}
    for path in Path(folder).glob("*.json"):
        for key, tally in json.loads(path.read_text()).items():
            into = summed.setdefault(key, {"requests": 0, "before": 0, "after": 0})
            for field, value in tally.items():
                into[field] += value
    return summed


def middleware(app: Any) -> Any:
    """ASGI middleware: the statements of a request, split at the start of its response."""

    async def counted(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request = _Request()
        token = _request.set(request)

        async def send_counted(message: Any) -> None:
            if message["type"] == "http.response.start" and request.tally is None:
                _responded(request, f"{scope['method']} {message['status']}")
            await send(message)

        try:
            await app(scope, receive, send_counted)
        finally:
            _request.reset(token)
            if request.tally is None:
                _responded(request, f"{scope['method']} -")

    return counted


def wrap_sqlite(connection: Any) -> Any:
    """An aiosqlite connection whose statements are counted."""
    for name in ("execute", "execute_fetchall", "executemany", "executescript"):
        original = getattr(connection, name)

        def counted(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            count()
            return _original(*args, **kwargs)

        setattr(connection, name, counted)
    return connection


class CountingConnection(asyncpg.Connection):
    """An asyncpg connection whose statements are counted (Piccolo and asyncpg's transactions use these methods)."""

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        count()
        return await super().execute(*args, **kwargs)

    async def executemany(self, *args: Any, **kwargs: Any) -> Any:
        count()
        return await super().executemany(*args, **kwargs)

    async def fetch(self, *args: Any, **kwargs: Any) -> Any:
        count()
        return await super().fetch(*args, **kwargs)

    async def fetchrow(self, *args: Any, **kwargs: Any) -> Any:
        count()
        return await super().fetchrow(*args, **kwargs)

    async def fetchval(self, *args: Any, **kwargs: Any) -> Any:
        count()
        return await super().fetchval(*args, **kwargs)


atexit.register(flush)  # a no-op unless counting
