"""Rate counters (core/web/store.py ``hit``): one statement counts in a window shared by every process."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.web import store
from core.web.tables import RateCounter


async def test_a_window_counts_on_and_an_ended_one_starts_again_at_one(make_client):
    async with make_client():
        assert [await store.hit("k", 60) for _ in range(3)] == [1, 2, 3]
        assert await store.hit("other", 60) == 1
        await RateCounter.update({RateCounter.window_ends_at: store._now() - timedelta(seconds=1)}).where(
            RateCounter.key == "k")
        assert await store.hit("k", 60) == 1
        row = await RateCounter.select().where(RateCounter.key == "k").first()
        assert row["count"] == 1 and row["window_ends_at"] > store._now() + timedelta(seconds=50)
        assert await store.hit("k", 60) == 2 and len(await RateCounter.select()) == 2


async def test_hits_at_the_same_moment_each_get_their_own_number(make_client):
    async with make_client():
        counts = await asyncio.gather(*(store.hit("rush", 60) for _ in range(10)))
        assert sorted(counts) == list(range(1, 11))


async def test_several_keys_count_in_one_statement_each_in_its_own_window(make_client):
    async with make_client():
        assert await store.hit("address", 60) == 1
        assert await store.hits(["address", "client"], 60) == [2, 1]
        assert await store.hits(["client", "address", "third"], 60) == [2, 3, 1]
        await RateCounter.update({RateCounter.window_ends_at: store._now() - timedelta(seconds=1)}).where(
            RateCounter.key == "address")
        assert await store.hits(["address", "client"], 60) == [1, 3]


async def test_hits_refuses_no_key_too_many_and_the_same_key_twice_and_counts_nothing(make_client):
    import pytest

    async with make_client():
        for keys in ([], ["a", "b", "c", "d"], ["a", "a"]):
            with pytest.raises(ValueError):
                await store.hits(keys, 60)
        assert await RateCounter.select() == []
