"""The statement counter behind the benchmark's "SQL statements per request" (QUARTIER_COUNT_STATEMENTS)."""

from __future__ import annotations

import asyncio

import pytest
from piccolo.querystring import QueryString

from core.db import create_engine, statements
from tests.core.factories import make_quartier


def totals(folder) -> dict:
    statements.flush()
    return statements.read_totals(folder)


async def test_a_known_request_is_counted_before_and_after_its_response(database_url, counting):
    engine = create_engine(database_url)
    await engine.start_connection_pool()
    select = QueryString("SELECT 1")

    async def app(scope, receive, send) -> None:
        await engine.run_querystring(select)  # 1
        async with engine.transaction():  # BEGIN, SELECT, COMMIT: 3
            await engine.run_querystring(select)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        await asyncio.create_task(engine.run_querystring(select))  # a task the request started: after

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        pass

    try:
        await statements.middleware(app)({"type": "http", "method": "GET"}, receive, send)
        await engine.run_querystring(select)  # outside any request
    finally:
        await engine.close_connection_pool()
    assert totals(counting) == {"GET 200": {"requests": 1, "before": 4, "after": 1},
                                statements.BACKGROUND: {"requests": 0, "before": 0, "after": 1}}


async def test_the_app_counts_each_request_the_same(counting, make_client):
    async with make_client() as client:
        await make_quartier("nordstadt")
        first = totals(counting)
        assert (await client.get("/api/quartiere/nordstadt")).status_code == 200
        once = totals(counting)["GET 200"]
        assert (await client.get("/api/quartiere/nordstadt")).status_code == 200
        twice = totals(counting)["GET 200"]
        assert (await client.get("/api/quartiere/nirgendwo")).status_code == 404
    assert "GET 200" not in first and once["requests"] == 1 and once["before"] >= 1
    assert twice == {"requests": 2, "before": 2 * once["before"], "after": 2 * once["after"]}
    assert totals(counting)["GET 404"]["requests"] == 1


def test_off_nothing_is_wrapped(database_url, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(statements.ENV, raising=False)
    engine = create_engine(database_url)
    if engine.engine_type == "postgres":
        assert "connection_class" not in engine.config
    else:
        assert engine.count_statements is False
