"""Creating the Piccolo engine from the database URL and binding tables to it."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import AppConfig
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

from core.config import ConfigError
from core.db import piccolo_conf

_current: Engine | None = None


def _casefold(text: object) -> object:
    return text.casefold() if isinstance(text, str) else text


class SQLiteConnection(sqlite3.Connection):
    """Every connection gets ``casefold()``: SQLite's LIKE ignores case only for ASCII, so "über" would miss "Über"."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.create_function("casefold", 1, _casefold, deterministic=True)


_write_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
READ_QUERIES = frozenset({"select", "objects", "count", "exists", "table_exists"})


def write_lock() -> asyncio.Lock:
    """SQLite: the writers of this process (transactions and single writes) take turns here, in order."""
    loop = asyncio.get_running_loop()
    lock = _write_locks.get(loop)
    if lock is None:
        lock = _write_locks[loop] = asyncio.Lock()
    return lock


class QuartierSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine; single writes outside a transaction queue for the process's write lock.

    Without it they wait in SQLite's busy handler, whose sleeps grow to 100 ms, and overtake or are
    overtaken by transactions at random; and foreign keys are switched on once per connection, not
    before every statement in a transaction.
    """

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None, query_type: str = "generic",
                                     table: Any = None):
        if query_type in READ_QUERIES:
            return await super()._run_in_new_connection(query, args, query_type, table)
        async with write_lock():
            return await super()._run_in_new_connection(query, args, query_type, table)

    async def _run_in_existing_connection(self, connection, query: str, args: list[Any] | None = None,
                                          query_type: str = "generic", table: Any = None):
        # get_connection() already ran "PRAGMA foreign_keys = 1" on this connection.
        connection.row_factory = dict_factory
        async with connection.execute(query, args or []) as cursor:
            response = await cursor.fetchall()
            if query_type == "insert" and self.get_version_sync() < 3.35:
                return [{table._meta.primary_key._meta.db_column_name: await self._get_inserted_pk(cursor, table)}]
            return response


def sqlite_path(url: str) -> Path:
    # sqlite:///relative/file.sqlite or sqlite:////absolute/file.sqlite
    return Path(url.removeprefix("sqlite:///"))


def create_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
        return QuartierSQLiteEngine(path=str(path), timeout=30, factory=SQLiteConnection)
    scheme = urlparse(url).scheme
    if scheme in ("postgres", "postgresql"):
        return PostgresEngine(config={"dsn": url}, log_queries=False)
    raise ConfigError(
        f"Setting 'database_url' is invalid: '{scheme or url}' is not supported "
        "(use sqlite:///path/to/file.sqlite or postgresql://user@host/db)."
    )


def bind_engine(db: Engine, apps: list[AppConfig]) -> None:
    """Make every table of the given apps, and Piccolo's own, use this engine."""
    global _current
    _current = db
    piccolo_conf.DB = db
    registry = piccolo_conf.APP_REGISTRY
    registry.app_configs = {app.app_name: app for app in apps}
    registry.apps = []
    for app in apps:
        for table in app.table_classes:
            table._meta.db = db
    Migration._meta.db = db


def engine() -> Engine:
    if _current is None:
        raise RuntimeError("No database is bound; create the app or call bind_engine first.")
    return _current


def is_postgres() -> bool:
    return engine().engine_type == "postgres"
