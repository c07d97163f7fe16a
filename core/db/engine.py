"""Creating the Piccolo engine from the database URL and binding tables to it."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiosqlite
import asyncpg
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import AppConfig
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from core.config import ConfigError
from core.db import piccolo_conf, statements

_current: Engine | None = None


class DatabaseUnavailable(ConfigError):
    """The database cannot be opened or reached; the message is one sentence for the operator."""


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


class _Connections:
    """One event loop's open SQLite connections: one writer and up to ``READERS`` readers.

    Opening a connection per query costs a thread, a file open, a schema parse and four more
    hand-offs to the thread; reused, a query is one hand-off.
    """

    READERS = 4

    def __init__(self) -> None:
        self.idle_readers: list[aiosqlite.Connection] = []
        self.reader_slots = asyncio.Semaphore(self.READERS)
        self.writer: aiosqlite.Connection | None = None
        self.writer_busy = False

    def all(self) -> list[aiosqlite.Connection]:
        return [*self.idle_readers, *([self.writer] if self.writer is not None else [])]


class _ReusedWriterTransaction(SQLiteTransaction):
    """A transaction on the loop's writer connection when it is free, else on a new one."""

    engine: QuartierSQLiteEngine

    async def get_connection(self):
        return await self.engine.checkout_writer()

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            await self.engine.return_writer(self.connection, healthy=False)
            self.engine.current_transaction.reset(self.context)
            raise
        await self.engine.return_writer(self.connection, healthy=not self.connection.in_transaction)
        self.engine.current_transaction.reset(self.context)
        return exception is None


class QuartierSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with reused connections while the app runs, and queued writers.

    Between ``start_connection_pool()`` and ``close_connection_pool()`` (the app's lifespan) each
    event loop keeps one writer connection, used by transactions and single writes, which queue
    for the process's write lock anyway, and a few reader connections; outside it (command line,
    scripts) every query opens its own connection as in Piccolo. Single writes outside a
    transaction queue for the write lock: without it they wait in SQLite's busy handler, whose
    sleeps grow to 100 ms, and overtake or are overtaken by transactions at random. Foreign keys
    are switched on once per connection, not before every statement.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pooling = False
        self.count_statements = statements.enabled()
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Connections] = weakref.WeakKeyDictionary()

    async def start_connection_pool(self, **_: Any) -> None:
        self._pooling = True

    async def close_connection_pool(self) -> None:
        self._pooling = False
        loops, self._per_loop = list(self._per_loop.values()), weakref.WeakKeyDictionary()
        for connections in loops:
            for connection in connections.all():
                await connection.close()

    def _connections(self) -> _Connections | None:
        if not self._pooling:
            return None
        loop = asyncio.get_running_loop()
        connections = self._per_loop.get(loop)
        if connections is None:
            connections = self._per_loop[loop] = _Connections()
        return connections

    async def get_connection(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory
        await connection.execute("PRAGMA foreign_keys = 1")
        return statements.wrap_sqlite(connection) if self.count_statements else connection

    async def checkout_writer(self) -> aiosqlite.Connection:
        connections = self._connections()
        if connections is None or connections.writer_busy:
            return await self.get_connection()
        if connections.writer is None:
            connections.writer = await self.get_connection()
        connections.writer_busy = True
        return connections.writer

    async def return_writer(self, connection: aiosqlite.Connection, healthy: bool) -> None:
        connections = self._per_loop.get(asyncio.get_running_loop()) if self._pooling else None
        if connections is not None and connection is connections.writer:
            connections.writer_busy = False
            if healthy:
                return
            connections.writer = None
        await connection.close()

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> SQLiteTransaction:
        return _ReusedWriterTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_new_connection(self, query: str, args: list[Any] | None = None, query_type: str = "generic",
                                     table: Any = None):
        connections = self._connections()
        if connections is None:
            if self.count_statements:  # Piccolo opens the connection itself
                statements.count()
            if query_type in READ_QUERIES:
                return await super()._run_in_new_connection(query, args, query_type, table)
            async with write_lock():
                return await super()._run_in_new_connection(query, args, query_type, table)
        if query_type in READ_QUERIES:
            async with connections.reader_slots:
                reader = connections.idle_readers.pop() if connections.idle_readers else await self.get_connection()
                try:
                    return await reader.execute_fetchall(query, args or [])
                finally:
                    connections.idle_readers.append(reader)
        async with write_lock():
            writer = await self.checkout_writer()
            healthy = False
            try:
                rows = await self._run_in_existing_connection(writer, query, args, query_type, table)
                healthy = not writer.in_transaction
                return rows
            finally:
                await self.return_writer(writer, healthy)

    async def _run_in_existing_connection(self, connection, query: str, args: list[Any] | None = None,
                                          query_type: str = "generic", table: Any = None):
        # get_connection() already ran "PRAGMA foreign_keys = 1" on this connection.
        if query_type == "insert" and self.get_version_sync() < 3.35:  # no RETURNING
            async with connection.execute(query, args or []) as cursor:
                return [{table._meta.primary_key._meta.db_column_name: await self._get_inserted_pk(cursor, table)}]
        return await connection.execute_fetchall(query, args or [])


async def _keep_session(connection: Any) -> None:
    """Nothing to reset: Quartier sets no session state (no SET, LISTEN or advisory locks)."""


# What connecting to PostgreSQL raises when the server, the database or the login is wrong.
_CONNECT_ERRORS = (OSError, asyncio.TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError)


class QuartierPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine; its pool hands a connection back without asyncpg's reset query.

    Piccolo takes a pool connection per query, and asyncpg's default reset costs one more round trip
    each time. asyncpg still rolls back a transaction left open before a connection goes back.
    A failed connect raises ``DatabaseUnavailable`` with one sentence.
    """

    async def check_version(self) -> None:
        """Skipped: Piccolo's check connects when the engine is made, and only warns (noise when the server is down)."""

    async def start_connection_pool(self, **kwargs: Any) -> None:
        kwargs.setdefault("reset", _keep_session)
        try:
            await super().start_connection_pool(**kwargs)
        except _CONNECT_ERRORS as exc:
            raise DatabaseUnavailable(_unreachable(self.config["dsn"], exc)) from exc

    async def get_new_connection(self) -> Any:
        try:
            return await super().get_new_connection()
        except _CONNECT_ERRORS as exc:
            raise DatabaseUnavailable(_unreachable(self.config["dsn"], exc)) from exc


def _unreachable(dsn: str, exc: BaseException) -> str:
    parts = urlparse(dsn)  # create_engine checked the port
    where = f"{parts.hostname or 'localhost'}:{parts.port or 5432} (database {parts.path.strip('/') or parts.username or '?'})"
    if isinstance(exc, asyncpg.PostgresError):
        return f"PostgreSQL at {where} refused the connection: {exc}; check 'database_url'."
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"The PostgreSQL server at {where} is not reachable ({reason}); is it running, and is 'database_url' right?"


def database_problem(exc: BaseException) -> str | None:
    """One sentence for an operator when ``exc`` (or what caused it) is a database problem, else None."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, ConfigError):
            return str(exc)
        missing = re.match(r'(?:no such table: |relation ")([\w.]+)', str(exc))
        if missing and isinstance(exc, (sqlite3.OperationalError, asyncpg.UndefinedTableError)):
            return f"The database has no table {missing.group(1)} yet: run `quartier db migrate` first."
        if isinstance(exc, sqlite3.OperationalError):
            return f"The SQLite database cannot be used: {exc}."
        if isinstance(exc, asyncpg.InsufficientPrivilegeError):
            return f"The database user may not do this: {exc}."
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def sqlite_path(url: str) -> Path:
    # sqlite:///relative/file.sqlite or sqlite:////absolute/file.sqlite
    return Path(url.removeprefix("sqlite:///"))


def create_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = sqlite_path(url)
        try:
            if not path.parent.is_dir() and path.parent.parent.is_dir():
                path.parent.mkdir()  # e.g. data/ on the first start; not a whole missing tree (a typo)
            if not path.parent.is_dir():
                raise DatabaseUnavailable(f"The directory {path.parent} of the SQLite database does not exist: "
                                          "create it or correct 'database_url'.")
            with contextlib.closing(sqlite3.connect(path)) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseUnavailable(f"The SQLite database {path} cannot be opened ({exc}): check 'database_url' "
                                      "and the permissions of the file and its directory.") from None
        return QuartierSQLiteEngine(path=str(path), timeout=30, factory=SQLiteConnection)
    scheme = urlparse(url).scheme
    if scheme in ("postgres", "postgresql"):
        try:
            urlparse(url).port
        except ValueError:
            raise ConfigError("Setting 'database_url' is invalid: its port is not a number from 1 to 65535.") from None
        config: dict[str, Any] = {"dsn": url}
        if statements.enabled():
            config["connection_class"] = statements.CountingConnection
        return QuartierPostgresEngine(config=config, log_queries=False)
    if scheme == "sqlite":
        raise ConfigError("Setting 'database_url' is invalid: a SQLite URL has three slashes, "
                          "sqlite:///relative/file.sqlite or sqlite:////absolute/file.sqlite.")
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
