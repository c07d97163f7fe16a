"""The outbox under faults: temporary and permanent SMTP errors, the server down, a dead worker, two workers."""

import asyncio
from datetime import datetime, timedelta, timezone

from plugins.notifications import service
from plugins.notifications.tables import OutboxMessage
from plugins.notifications.worker import channels, work
from tests.plugins.notifications.conftest import Controller, free_port, sections


async def queue(n: int, prefix: str = "m") -> None:
    for i in range(n):
        await service.enqueue(recipient=f"{prefix}{i}@example.org", kind="test", subject=f"Nachricht {i}",
                              body_text=f"Text {i}", idempotency_key=f"test:{prefix}{i}")


async def make_due() -> None:
    """Let time pass for the backoff: what waits for a retry is due now."""
    await OutboxMessage.update({OutboxMessage.next_attempt_at: datetime.now(timezone.utc) - timedelta(seconds=1)}).where(
        OutboxMessage.status == "pending")


async def statuses() -> dict[str, int]:
    return service.status_counts(await OutboxMessage.select(OutboxMessage.status))


async def test_temporary_failure_is_retried_and_delivered_once(make_deployment, smtp):
    deployment = await make_deployment(["notifications"], sections=sections(smtp.port))
    await queue(1)
    smtp.replies = ["451 4.3.0 Try again later"]
    assert await work(deployment) == 1
    row = await OutboxMessage.objects().first()
    assert (row.status, row.attempts) == ("pending", 1) and "451" in row.last_error
    assert row.next_attempt_at > datetime.now(timezone.utc)  # waits (backoff), not sent again at once
    assert await work(deployment) == 0
    await make_due()
    assert await work(deployment) == 1
    assert len(smtp.messages) == 1 and await statuses() == {"sent": 1}


async def test_a_batch_shares_one_smtp_session_and_a_failure_starts_a_new_one(make_deployment, smtp):
    # one sender: with two, they may split the five between two sessions (SKIP LOCKED), which is right but not this test
    deployment = await make_deployment(["notifications"], sections=sections(smtp.port, senders=1))
    await queue(5)
    assert await work(deployment) == 5
    assert len(smtp.messages) == 5 and len(set(smtp.peers)) == 1
    smtp.peers.clear()
    await queue(4, prefix="n")
    smtp.refuse["n1@example.org"] = "451 4.3.0 Try again later"  # the second message of the batch is deferred
    assert await work(deployment) == 4
    assert len(set(smtp.peers)) == 2  # after the 451 the rest went through a fresh session
    assert sorted(m["To"] for m in smtp.messages[5:]) == ["n0@example.org", "n2@example.org", "n3@example.org"]
    del smtp.refuse["n1@example.org"]
    await make_due()
    await work(deployment)
    assert sorted(m["To"] for m in smtp.messages[5:]) == [f"n{i}@example.org" for i in range(4)]  # each once
    assert await statuses() == {"sent": 9}


async def test_permanent_failure_stops_and_is_shown(make_deployment, smtp):
    deployment = await make_deployment(["notifications"], sections=sections(smtp.port))
    await queue(2)
    smtp.refuse["m0@example.org"] = "550 5.1.1 No such mailbox"
    await work(deployment)
    failed = await OutboxMessage.objects().where(OutboxMessage.recipient == "m0@example.org").first()
    assert failed.status == "failed" and "550" in failed.last_error and failed.attempts == 1
    await make_due()
    assert await work(deployment) == 0  # not retried
    assert [m["To"] for m in smtp.messages] == ["m1@example.org"]
    await service.resend(failed.id)  # staff: "resend" after fixing the address problem
    del smtp.refuse["m0@example.org"]
    await work(deployment)
    assert sorted(m["To"] for m in smtp.messages) == ["m0@example.org", "m1@example.org"]


async def test_smtp_down_during_a_batch_then_back(make_deployment):
    port = free_port()
    deployment = await make_deployment(["notifications"], sections=sections(port))
    await queue(20)
    await work(deployment)  # nobody listens: every message waits for a retry
    assert await statuses() == {"pending": 20}
    from tests.plugins.notifications.conftest import Sink

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        await make_due()
        await work(deployment)
    finally:
        controller.stop()
    assert await statuses() == {"sent": 20}
    assert sorted(m["To"] for m in sink.messages) == sorted(f"m{i}@example.org" for i in range(20))


async def test_messages_of_a_dead_worker_are_taken_up_once(make_deployment, smtp):
    deployment = await make_deployment(["notifications"], sections=sections(smtp.port, batch_size=10))
    await queue(25)
    crashed = await service.claim(10)  # a worker claims a batch and dies before sending
    assert len(crashed) == 10
    await work(deployment)  # the others go out; the claimed ten wait for their lease
    assert len(smtp.messages) == 15
    await OutboxMessage.update({OutboxMessage.claimed_until: datetime.now(timezone.utc) - timedelta(seconds=1)}).where(
        OutboxMessage.status == "sending")
    await work(deployment)
    recipients = [m["To"] for m in smtp.messages]
    assert len(recipients) == 25 and len(set(recipients)) == 25


async def test_two_workers_share_a_queue_of_1000_and_send_each_once(make_deployment, smtp):
    deployment = await make_deployment(["notifications"], sections=sections(smtp.port, batch_size=25))
    pool = deployment.engine.engine_type == "postgres"
    if pool:
        await deployment.engine.start_connection_pool(max_size=10)
    try:
        rows = [OutboxMessage(recipient=f"n{i}@example.org", kind="test", subject="x", body_text="x",
                              idempotency_key=f"bulk:{i}") for i in range(1000)]
        await OutboxMessage.insert(*rows)
        handled = await asyncio.gather(work(deployment), work(deployment))
    finally:
        if pool:
            await deployment.engine.close_connection_pool()
    recipients = [m["To"] for m in smtp.messages]
    assert len(recipients) == 1000 and len(set(recipients)) == 1000
    assert sum(handled) == 1000 and all(h > 0 for h in handled)  # both did work
    assert await statuses() == {"sent": 1000}


async def test_the_same_cause_is_queued_once(make_deployment, smtp):
    await make_deployment(["notifications"], sections=sections(smtp.port))
    first = await service.enqueue(recipient="a@example.org", kind="test", subject="s", body_text="b", idempotency_key="k1")
    again = await service.enqueue(recipient="a@example.org", kind="test", subject="s", body_text="b", idempotency_key="k1")
    assert (first, again) == (True, False) and await OutboxMessage.count() == 1
    assert set(channels(await make_deployment(["notifications"], sections=sections(smtp.port)))) == {"email", "webhook", "apprise"}
