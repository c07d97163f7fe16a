"""Hot-path SQL built once: ``Statement(sql)`` with ``{}`` placeholders, run without Piccolo's query building.

The placeholders become ``$1, $2, …`` (PostgreSQL) or ``?`` (SQLite) once per dialect, so every call sends the
same text: asyncpg keeps it prepared per connection (its statement cache), SQLite's module its compiled form.
A statement runs on the connection of the open ``transaction()`` when there is one, else on a pooled
connection (SQLite: reads on a reader, writes on the writer, in turn with the process's other writers).
Rows are dicts, as Piccolo's ``raw()`` gives them.
"""

from __future__ import annotations

from typing import Any

from core.db.engine import engine


def _compile(sql: str, engine_type: str) -> str:
    parts = sql.split("{}")
    if engine_type != "postgres":
        return "?".join(parts)
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))


_WRITES = {"insert", "update", "delete", "returning", "replace"}


class Statement:
    """One SQL statement, its text resolved once per dialect; ``postgres``: a different text for PostgreSQL."""

    __slots__ = ("sql", "postgres", "_texts", "_read")

    def __init__(self, sql: str, postgres: str | None = None) -> None:
        self.sql, self.postgres = sql, postgres
        self._texts: dict[str, str] = {}
        words = set(sql.lower().replace("(", " ").split())  # a WITH that writes is a write (SQLite's write lock)
        self._read = sql.lstrip().split(None, 1)[0].lower() in ("select", "with") and not words & _WRITES

    def text(self, engine_type: str) -> str:
        """The text sent to a database of ``engine_type`` ("postgres" or "sqlite"), the same on every call."""
        text = self._texts.get(engine_type)
        if text is None:
            source = self.postgres if engine_type == "postgres" and self.postgres is not None else self.sql
            text = self._texts[engine_type] = _compile(source, engine_type)
        return text

    async def fetch(self, *args: Any) -> list[dict[str, Any]]:
        """All rows, as dicts."""
        db = engine()
        text = self.text(db.engine_type)
        tx = db.current_transaction.get()
        if db.engine_type == "postgres":
            if tx is not None:
                return [dict(row) for row in await tx.connection.fetch(text, *args)]
            if db.pool is None:
                return db.transform_response_to_dicts(await db._run_in_new_connection(text, args))
            async with db.pool.acquire() as connection:
                return [dict(row) for row in await connection.fetch(text, *args)]
        if tx is not None:
            return await tx.connection.execute_fetchall(text, args)
        return await db._run_in_new_connection(text, args, "select" if self._read else "generic")

    async def fetchrow(self, *args: Any) -> dict[str, Any] | None:
        """The first row, or None."""
        rows = await self.fetch(*args)
        return rows[0] if rows else None

    async def execute(self, *args: Any) -> None:
        await self.fetch(*args)

