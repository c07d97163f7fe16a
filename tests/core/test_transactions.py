"""Transactions under concurrency: read-then-write transactions all commit (SQLite once failed them as "locked")."""

import asyncio

from core.db import transaction
from core.quartiere.tables import Quartier
from tests.core.factories import make_quartier


async def test_concurrent_read_then_write_transactions_all_commit(make_deployment):
    await make_deployment()
    await make_quartier("nordstadt")

    async def add(i: int) -> None:
        async with transaction():  # not marked immediate: it reads first, then writes
            await Quartier.count()
            await asyncio.sleep(0.01)  # the others read meanwhile
            await make_quartier(f"quartier-{i}")

    await asyncio.gather(*(add(i) for i in range(20)))
    assert await Quartier.count() == 21
