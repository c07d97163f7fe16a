"""Transactions under concurrency: read-then-write transactions all commit (SQLite once failed them as "locked")."""

import asyncio
import threading

import pytest

from core.db import transaction
from core.quartiere.tables import Quartier
from tests.core.factories import make_quartier


async def test_concurrent_read_then_write_transactions_all_commit(make_deployment):
    await make_deployment()
    await make_quartier("nordstadt")

    async def add(i: int) -> None:
        async with transaction():  # reads first, then writes
            await Quartier.count()
            await asyncio.sleep(0.01)  # the others read meanwhile
            await make_quartier(f"quartier-{i}")

    await asyncio.gather(*(add(i) for i in range(20)))
    assert await Quartier.count() == 21


async def test_with_reused_connections_a_failed_transaction_leaves_nothing_and_the_next_one_commits(make_deployment):
    deployment = await make_deployment()
    await deployment.engine.start_connection_pool()
    try:
        await make_quartier("nordstadt")
        try:
            async with transaction():
                await make_quartier("suedstadt")
                await make_quartier("nordstadt")  # the slug is unique: the insert fails
        except Exception:
            pass
        assert await Quartier.count() == 1  # suedstadt was rolled back

        async def add(i: int) -> None:
            async with transaction():
                await Quartier.count()
                await asyncio.sleep(0.005)
                await make_quartier(f"quartier-{i}")

        reads = [Quartier.select(Quartier.slug) for _ in range(20)]
        await asyncio.gather(*(add(i) for i in range(20)), *reads)
        await Quartier.update({Quartier.name: "Nordstadt"}).where(Quartier.slug == "nordstadt")  # a single write
        assert await Quartier.count() == 21
        assert (await Quartier.select(Quartier.name).where(Quartier.slug == "nordstadt").first())["name"] == "Nordstadt"
    finally:
        await deployment.engine.close_connection_pool()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: asyncpg's pool, no threads
async def test_closing_the_pool_stops_every_connection_thread(make_deployment):
    deployment = await make_deployment()
    before = set(threading.enumerate())
    await deployment.engine.start_connection_pool()
    await asyncio.gather(*(Quartier.count() for _ in range(10)))
    async with transaction():
        await make_quartier("nordstadt")
    # Other tests' threads may come and go meanwhile: look only at the connection threads opened here.
    opened = [t for t in set(threading.enumerate()) - before if "_connection_worker_thread" in t.name]
    assert opened  # readers and the writer stay open between queries
    await deployment.engine.close_connection_pool()
    for _ in range(50):
        if not any(t.is_alive() for t in opened):
            break
        await asyncio.sleep(0.01)
    assert not any(t.is_alive() for t in opened)
