"""Ceiling for the registration benchmark: one POST that inserts one row in a transaction.

The database comes from BENCH_DB_URL (sqlite:///abs/path or postgresql://...); the table
``bench_rows`` is created by bench/run.py before the server starts.
"""

from __future__ import annotations

import os

from litestar import Litestar, Request, post

DB_URL = os.environ.get("BENCH_DB_URL", "")
IS_SQLITE = DB_URL.startswith("sqlite:///")
_pool = None


async def _startup() -> None:
    global _pool
    if not IS_SQLITE:
        import asyncpg

        _pool = await asyncpg.create_pool(DB_URL, min_size=1, max_size=20)


async def _shutdown() -> None:
    if _pool is not None:
        await _pool.close()


@post("/insert", status_code=201)
async def insert(request: Request) -> dict[str, int]:
    data = await request.json()
    email = str(data.get("email", ""))
    if IS_SQLITE:
        import aiosqlite  # what Piccolo's SQLite engine uses

        async with aiosqlite.connect(DB_URL.removeprefix("sqlite:///"), timeout=30, isolation_level=None) as conn:
            await conn.execute("BEGIN IMMEDIATE")
            cur = await conn.execute("INSERT INTO bench_rows (email) VALUES (?)", (email,))
            await conn.execute("COMMIT")
            return {"id": int(cur.lastrowid)}
    assert _pool is not None
    async with _pool.acquire() as conn, conn.transaction():
        row_id = await conn.fetchval("INSERT INTO bench_rows (email) VALUES ($1) RETURNING id", email)
    return {"id": int(row_id)}


app = Litestar([insert], on_startup=[_startup], on_shutdown=[_shutdown])
