"""Domain events: stored with the change, delivered after commit, never on rollback, redelivered after failure."""

from core.db import transaction
from core.plugin_api import publish
from core.domain_events.service import redeliver_pending
from core.domain_events.tables import DomainEventRecord
from core.testing.fixtures import deliver_pending_events
from tests.core.factories import make_quartier


async def publish_and_crash(client, event) -> None:
    """Publish and commit, then die: the queued delivery never runs."""
    from core.db.transaction import _pending

    async with transaction():
        await publish(event)
        _pending.get().clear()


async def test_event_is_delivered_after_the_request_commits(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:  # the kit's client waits for the delivery after each response
        nord = await make_quartier("nordstadt")
        response = await client.post("/api/greeter/nordstadt/greetings", json={"text": "hallo"})
        assert response.status_code == 201
        assert (await client.get("/api/greeter/received")).json() == [
            {"name": "greeter.greeting_sent", "quartier_id": nord.id}
        ]
        record = await DomainEventRecord.objects().first()
        assert record.dispatched_at is not None and record.pending_plugins in ("[]", [])


async def test_the_request_does_not_wait_for_the_listeners(make_client, sample_plugins):
    import asyncio

    from quartier_greeter import plugin

    plugin.GATE = asyncio.Event()  # the greeter's handler waits for it on "langsam"
    try:
        async with make_client(["greeter"], settle=False) as client:
            await make_quartier("nordstadt")
            response = await client.post("/api/greeter/nordstadt/greetings", json={"text": "langsam"})
            assert response.status_code == 201  # answered while the listener still waits
            assert (await client.get("/api/greeter/received")).json() == []
            plugin.GATE.set()
            await deliver_pending_events()
            assert len((await client.get("/api/greeter/received")).json()) == 1
    finally:
        plugin.GATE = None


async def test_app_shutdown_delivers_what_was_published(make_client, sample_plugins):
    async with make_client(["greeter"], settle=False) as client:
        await make_quartier("nordstadt")
        assert (await client.post("/api/greeter/nordstadt/greetings", json={"text": "tschüss"})).status_code == 201
    record = await DomainEventRecord.objects().first()
    assert record.dispatched_at is not None


async def test_events_are_delivered_in_the_order_they_were_published(make_client, sample_plugins):
    from quartier_greeter.plugin import GreetingSent, ReceivedEvent

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        sent = [GreetingSent(quartier_id=nord.id, text=str(n)) for n in range(5)]
        for event in sent:
            await publish(event)
        await deliver_pending_events()
        received = await ReceivedEvent.select(ReceivedEvent.event_id).order_by(ReceivedEvent.id)
        assert [row["event_id"] for row in received] == [event.event_id for event in sent]


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
        await deliver_pending_events()
        assert len((await client.get("/api/greeter/received")).json()) == 1


async def test_failed_delivery_is_retried_and_delivered_once(make_client, sample_plugins):
    from datetime import datetime, timezone

    from quartier_greeter.plugin import GreetingSent

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        await publish(GreetingSent(quartier_id=nord.id, text="explode"))
        await deliver_pending_events()
        record = await DomainEventRecord.objects().first()
        assert record.dispatched_at is None
        assert "first delivery fails" in record.last_error
        assert (await client.get("/api/greeter/received")).json() == []
        assert await redeliver_pending(client.deployment) == 0  # not again at once: after RETRY_SECONDS

        await DomainEventRecord.update({DomainEventRecord.claimed_until: datetime.now(timezone.utc)}, force=True)
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
        await publish_and_crash(client, GreetingSent(quartier_id=nord.id, text="verwaist"))
        assert (await client.get("/api/greeter/received")).json() == []
        assert await redeliver_pending(client.deployment) == 0  # still claimed by the "dead" process
        await DomainEventRecord.update(
            {DomainEventRecord.claimed_until: datetime.now(timezone.utc) - timedelta(seconds=1)}, force=True
        )
        assert await redeliver_pending(client.deployment) == 1
        assert len((await client.get("/api/greeter/received")).json()) == 1


async def test_events_about_one_thing_wait_for_an_earlier_one_another_process_has_not_delivered(make_client, sample_plugins):
    from datetime import datetime, timedelta, timezone
    from typing import ClassVar

    from quartier_greeter.plugin import GreetingSent, ReceivedEvent

    class ThreadGreeting(GreetingSent, kw_only=True):
        name: ClassVar[str] = "greeter.thread_greeting"
        thread: int

        def aggregate(self) -> str:
            return f"thread:{self.thread}"

    async with make_client(["greeter"]) as client:
        client.deployment.domain_event_types[ThreadGreeting.name] = ThreadGreeting
        nord = await make_quartier("nordstadt")
        first = ThreadGreeting(quartier_id=nord.id, text="eins", thread=1)
        await publish_and_crash(client, first)  # committed by another process, which has not delivered it yet
        second, other = ThreadGreeting(quartier_id=nord.id, text="zwei", thread=1), ThreadGreeting(quartier_id=nord.id, text="x", thread=2)
        await publish(second)
        await publish(other)
        await deliver_pending_events()
        received = lambda: ReceivedEvent.select(ReceivedEvent.event_id).order_by(ReceivedEvent.id)  # noqa: E731
        assert [row["event_id"] for row in await received()] == [other.event_id]  # another thread need not wait
        await DomainEventRecord.update({DomainEventRecord.claimed_until: datetime.now(timezone.utc) - timedelta(seconds=1)},
                                       force=True)
        await redeliver_pending(client.deployment)
        assert [row["event_id"] for row in await received()] == [other.event_id, first.event_id, second.event_id]
        (waited,) = await DomainEventRecord.select(DomainEventRecord.attempts).where(DomainEventRecord.event_id == second.event_id)
        assert waited["attempts"] == 1  # waiting is no attempt


async def test_event_published_outside_a_transaction_is_delivered(make_client, sample_plugins):
    from quartier_greeter.plugin import GreetingSent

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        await publish(GreetingSent(quartier_id=nord.id, text="direkt"))
        await deliver_pending_events()
        assert len((await client.get("/api/greeter/received")).json()) == 1


async def test_personal_fields_are_declared_not_guessed_from_names():
    from typing import Annotated, ClassVar

    from core.plugin_api import DomainEvent, Personal, personal_fields, redacted

    class Asked(DomainEvent):
        name: ClassVar[str] = "test.asked"
        requester_email: Annotated[str, Personal]
        email_sent: bool = False  # a name like "email", but no personal data

    assert personal_fields(Asked) == {"requester_email"}
    data = redacted(Asked(quartier_id=None, requester_email="a@example.org", email_sent=True))
    assert "requester_email" not in data and data["email_sent"] is True


async def test_a_consumer_decodes_into_its_own_struct_or_gets_an_error_naming_plugin_and_event():
    from datetime import datetime

    import msgspec
    import pytest

    from core.plugin_api import EventDecodeError, EventChanged, decode_event

    class Seen(msgspec.Struct):
        event: int
        occurred_at: datetime

    changed = EventChanged(quartier_id=1, event=7, fields=["starts_at"])
    assert decode_event(changed, Seen, plugin="mine") == Seen(event=7, occurred_at=changed.occurred_at)

    class NeedsTitle(msgspec.Struct):
        title: str

    with pytest.raises(EventDecodeError, match=r"Plugin 'mine': domain event 'event.changed' .*`title`"):
        decode_event(changed, NeedsTitle, plugin="mine")


async def test_a_stored_payload_that_does_not_decode_is_kept_with_an_error_naming_plugin_and_event(make_client, sample_plugins):
    from quartier_greeter.plugin import GreetingSent

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        await publish_and_crash(client, GreetingSent(quartier_id=nord.id, text="kaputt"))
        await DomainEventRecord.update({DomainEventRecord.payload: '{"quartier_id": "nordstadt"}',
                                        DomainEventRecord.claimed_until: None}, force=True)
        assert await redeliver_pending(client.deployment) == 1
        record = await DomainEventRecord.objects().first()
        assert record.dispatched_at is None and record.attempts == 1
        assert record.last_error.startswith("Plugin 'greeter': domain event 'greeter.greeting_sent' does not decode")
        assert (await client.get("/api/greeter/received")).json() == []


async def test_retention_deletes_personal_events_sooner_than_the_others(make_client, sample_plugins):
    from datetime import datetime, timedelta, timezone

    from core.domain_events.service import delete_old_events
    from core.plugin_api import EventPublished
    from quartier_greeter.plugin import GreetingSent

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        await publish(GreetingSent(quartier_id=nord.id, text="persönlich"))
        await publish(EventPublished(quartier_id=nord.id, event=1))
        await deliver_pending_events()
        days = client.deployment.settings.domain_event_retention_days
        await DomainEventRecord.update(
            {DomainEventRecord.dispatched_at: datetime.now(timezone.utc) - timedelta(days=days + 1)}, force=True)
        assert await delete_old_events(client.deployment) == 1
        assert [r.name for r in await DomainEventRecord.objects()] == ["event.published"]
        await DomainEventRecord.update({DomainEventRecord.dispatched_at: datetime.now(timezone.utc) - timedelta(
            days=client.deployment.settings.domain_event_log_days + 1)}, force=True)
        assert await delete_old_events(client.deployment) == 1
        assert await DomainEventRecord.count() == 0


async def test_with_events_delivered_in_the_worker_the_web_app_only_records_them(make_client, sample_plugins):
    import asyncio

    from core.domain_events.service import deliver_from_log, redeliver_job
    from quartier_greeter.plugin import GreetingSent

    async with make_client(["greeter"], events_delivered_in="worker") as client:
        nord = await make_quartier("nordstadt")
        await publish(GreetingSent(quartier_id=nord.id, text="für den Worker"))
        await deliver_pending_events()
        assert (await client.get("/api/greeter/received")).json() == []
        (record,) = await DomainEventRecord.objects()
        assert record.claimed_until is None and record.dispatched_at is None  # free for the worker at once
        assert await redeliver_job(client.deployment) == 0  # the web's scheduled redelivery leaves it to the worker too
        stop = asyncio.Event()
        worker = asyncio.create_task(deliver_from_log(client.deployment, stop))  # what `quartier worker` runs
        try:
            for _ in range(100):
                if (await client.get("/api/greeter/received")).json():
                    break
                await asyncio.sleep(0.05)
        finally:
            stop.set()
            await worker
        assert len((await client.get("/api/greeter/received")).json()) == 1
