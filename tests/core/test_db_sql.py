"""Hot-path statements (core/db/sql.py ``Statement``): one text per dialect, run in the open transaction, prepared."""

from __future__ import annotations

import pytest

from core.db import Statement, engine, transaction
from core.web.tables import RateCounter

_COUNT = Statement('SELECT "count" FROM rate_counters WHERE key = {}')
_ADD = Statement("INSERT INTO rate_counters (key, \"count\", window_ends_at) VALUES ({}, {}, {}) RETURNING id")


def test_the_placeholders_are_resolved_once_per_dialect() -> None:
    statement = Statement("SELECT {} AS a FROM t WHERE b = {} AND c = '{}'", postgres="SELECT {}::int AS a")
    assert statement.text("sqlite") == "SELECT ? AS a FROM t WHERE b = ? AND c = '?'"
    assert statement.text("postgres") == "SELECT $1::int AS a"
    assert statement.text("sqlite") is statement.text("sqlite")  # built once, the same text on every call
    assert Statement("SELECT 1").text("postgres") == "SELECT 1"


async def test_a_statement_runs_in_the_open_transaction_and_rolls_back_with_it(make_client) -> None:
    from core.web.store import _now

    async with make_client():
        with pytest.raises(RuntimeError):
            async with transaction():
                await RateCounter.insert(RateCounter(key="seen", count=7, window_ends_at=_now()))
                # Only the transaction's own connection sees the uncommitted row (both databases).
                assert await _COUNT.fetch("seen") == [{"count": 7}]
                assert (await _ADD.fetchrow("added", 1, _now()))["id"] > 0
                raise RuntimeError("roll back")
        assert await RateCounter.select() == [] and await _COUNT.fetchrow("seen") is None
        async with transaction():
            await _ADD.execute("kept", 2, _now())
        assert await _COUNT.fetch("kept") == [{"count": 2}]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite prepares nothing to look at
async def test_postgres_prepares_the_statement_once_per_connection(make_client) -> None:
    async with make_client():
        text = _COUNT.text("postgres")
        async with transaction():
            connection = engine().current_transaction.get().connection
            count = "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1 OR $1 = ''"
            before = await connection.fetchval(count, "")
            for _ in range(3):
                await _COUNT.fetch("none")
            assert await connection.fetchval(count, "") == before + 1  # one more, not one per call
            assert await connection.fetchval(count, text) == 1
