"""Domain events: stored with the change, delivered after commit, never on rollback, redelivered after failure."""

from core.db import transaction
from core.plugin_api import publish
from core.domain_events.service import redeliver_pending
from core.domain_events.tables import DomainEventRecord
from tests.core.factories import make_quartier


async def test_event_is_delivered_after_the_request_commits(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        response = await client.post("/api/greeter/nordstadt/greetings", json={"text": "hallo"})
        assert response.status_code == 201
        assert (await client.get("/api/greeter/received")).json() == [
            {"name": "greeter.greeting_sent", "quartier_id": nord.id}
        ]
        record = await DomainEventRecord.objects().first()
        assert record.dispatched_at is not None and record.pending_plugins in ("[]", [])


async def test_rolled_back_transaction_delivers_and_stores_nothing(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        await make_quartier("nordstadt")
        response = await client.post("/api/greeter/nordstadt/greetings", json={"text": "fail"})
        assert response.status_code == 500
        assert (await client.get("/api/greeter/received")).json() == []
        assert await DomainEventRecord.count() == 0


async def test_handlers_run_only_after_commit(make_client, sample_plugins):
    from quartier_greeter.plugin import GreetingSent

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        async with transaction():
            await publish(GreetingSent(quartier_id=nord.id, text="später"))
            # Still inside the transaction: nobody has heard of it yet.
            assert (await client.get("/api/greeter/received")).json() == []
        assert len((await client.get("/api/greeter/received")).json()) == 1


async def test_failed_delivery_is_retried_and_delivered_once(make_client, sample_plugins):
    from quartier_greeter.plugin import GreetingSent

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        await publish(GreetingSent(quartier_id=nord.id, text="explode"))
        record = await DomainEventRecord.objects().first()
        assert record.dispatched_at is None
        assert "first delivery fails" in record.last_error
        assert (await client.get("/api/greeter/received")).json() == []

        assert await redeliver_pending(client.deployment) == 1
        assert len((await client.get("/api/greeter/received")).json()) == 1
        assert await redeliver_pending(client.deployment) == 0  # nothing left, nothing twice
        record = await DomainEventRecord.objects().first()
        assert record.dispatched_at is not None and record.attempts == 2


async def test_event_never_delivered_by_a_dead_process_is_picked_up(make_client, sample_plugins):
    """A process that committed but died before delivering leaves a claimed record; it expires and is redelivered."""
    from datetime import datetime, timedelta, timezone

    from quartier_greeter.plugin import GreetingSent

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        async with transaction():
            await publish(GreetingSent(quartier_id=nord.id, text="verwaist"))
            # Simulate the crash: the queued delivery never runs.
            from core.db.transaction import _pending

            _pending.get().clear()
        assert (await client.get("/api/greeter/received")).json() == []
        assert await redeliver_pending(client.deployment) == 0  # still claimed by the "dead" process
        await DomainEventRecord.update(
            {DomainEventRecord.claimed_until: datetime.now(timezone.utc) - timedelta(seconds=1)}, force=True
        )
        assert await redeliver_pending(client.deployment) == 1
        assert len((await client.get("/api/greeter/received")).json()) == 1


async def test_event_published_outside_a_transaction_is_delivered(make_client, sample_plugins):
    from quartier_greeter.plugin import GreetingSent

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        await publish(GreetingSent(quartier_id=nord.id, text="direkt"))
        assert len((await client.get("/api/greeter/received")).json()) == 1
