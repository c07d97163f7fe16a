"""SQL statements of the work after a registration (its domain event's delivery and the messages it asks for),
counted by the app's counter under "background", and the per-process calendar text cache."""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from core.db import statements
from core.domain_events.service import deliver_pending_events
from core.events import service as events_service
from core.events.tables import Event, Venue
from plugins.notifications import delivery
from plugins.notifications.tables import MessageTemplate, OutboxMessage
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form, person

PLUGINS = ["registration", "notifications", "exhibition"]
SECTIONS = {"registration": NO_RATE_LIMIT["registration"], "notifications": {"poll_seconds": 3600}}


def background(folder) -> int:
    statements.flush()
    return statements.read_totals(folder).get(statements.BACKGROUND, {"after": 0})["after"]


async def register(client, event_id: int, i: int, folder) -> tuple[str, int]:
    """(status, statements of the delivery after the answer)."""
    already = background(folder)
    answer = await client.post(f"/api/events/{event_id}/registrations", json=person(i))
    await deliver_pending_events()
    return answer.json()["status"], background(folder) - already


async def test_the_work_after_a_registration_stays_within_its_statements(make_client, counting):
    # no jobs in the app: only the delivery counts in the background
    async with make_client(PLUGINS, sections=SECTIONS, settle=False, jobs_run_in="worker") as client:
        _q, event, _form = await event_with_form(capacity=2, double_opt_in=False)
        await deliver_pending_events()
        # Waiting for an earlier event about the registration? The plugin switches; BEGIN, the event with the
        # registration's status, the message's one read (Quartier, texts, calendar key), its outbox INSERT, the
        # reminder's read and INSERT, COMMIT; the domain event's UPDATE. The first message about the event also
        # builds its calendar text (3 statements); the next one takes it from the cache.
        assert await register(client, event.id, 1, counting) == ("confirmed", 13)
        assert await register(client, event.id, 2, counting) == ("confirmed", 10)
        # Waitlisted: no calendar, no reminder, nothing to withdraw.
        assert await register(client, event.id, 3, counting) == ("waitlisted", 8)
        kinds = await OutboxMessage.select(OutboxMessage.kind).order_by(OutboxMessage.id)
        assert [row["kind"] for row in kinds] == ["registration.registered", "registration.reminder"] * 2 + [
            "registration.waitlisted"]


async def calendar_of(email: str) -> str:
    row = await OutboxMessage.select(OutboxMessage.calendar).where(
        (OutboxMessage.recipient == email) & (OutboxMessage.kind == "registration.registered")).first()
    return row["calendar"]


async def test_the_calendar_text_and_the_template_follow_every_change(make_client):
    async with make_client(PLUGINS, sections=SECTIONS, settle=False) as client:
        quartier, event, _form = await event_with_form(capacity=10, double_opt_in=False)
        people = iter(range(1, 10))

        async def next_mail() -> OutboxMessage:
            i = next(people)
            await client.post(f"/api/events/{event.id}/registrations", json=person(i))
            await deliver_pending_events()
            return await OutboxMessage.objects().where(
                (OutboxMessage.recipient == f"person{i}@example.org") & (OutboxMessage.kind == "registration.registered")
            ).first()

        first = (await next_mail()).calendar
        assert "LOCATION:Treff-PUNKT 53\\, Hauptstraße 1" in first
        assert (await next_mail()).calendar == first  # from the cache: the same text, its stamp included

        later = event.starts_at + timedelta(hours=1)
        await events_service.update_event(event.id, starts_at=later, ends_at=event.ends_at + timedelta(hours=1))
        moved = (await next_mail()).calendar
        local = later.astimezone(ZoneInfo(event.timezone))
        assert f"DTSTART;TZID={event.timezone}:{local:%Y%m%dT%H%M}00" in moved and "SEQUENCE:2" in moved

        # The venue changes without a new SEQUENCE of the event: the next file shows it all the same.
        await Venue.update({Venue.street: "Markt 2"}).where(Venue.id == event.venue)
        assert "LOCATION:Treff-PUNKT 53\\, Markt 2" in (await next_mail()).calendar
        venue = await Venue.objects().create(quartier=quartier.id, name="Großer Saal", street="Markt 1")
        await Event.update({Event.venue: venue.id}).where(Event.id == event.id)
        assert "LOCATION:Großer Saal\\, Markt 1" in (await next_mail()).calendar

        await MessageTemplate.insert(MessageTemplate(kind="registration.registered", language="de", quartier=quartier.id,
                                                     text="Betreff: Neu: {{ event_title }}\nDa."))
        assert (await next_mail()).subject.startswith("Neu: ")


async def test_the_calendar_cache_is_bounded(make_deployment, monkeypatch: pytest.MonkeyPatch):
    await make_deployment(PLUGINS)
    made = []

    async def text(event_id: int) -> str:
        made.append(event_id)
        return f"calendar {event_id}"

    monkeypatch.setattr(delivery, "_calendars", OrderedDict())
    monkeypatch.setattr(delivery, "event_calendar_text", text)
    for i in range(delivery.CALENDARS + 10):
        assert await delivery.calendar_text(i, "de", ("v",)) == f"calendar {i}"
    assert len(delivery._calendars) == delivery.CALENDARS
    await delivery.calendar_text(delivery.CALENDARS + 9, "de", ("v",))  # kept: not made again
    await delivery.calendar_text(0, "de", ("v",))  # the oldest went first
    assert made == [*range(delivery.CALENDARS + 10), 0]


async def test_a_batch_of_mails_is_recorded_as_sent_ten_at_a_time(make_deployment, counting, smtp):
    from plugins.notifications import service
    from plugins.notifications.worker import channels
    from tests.plugins.notifications.conftest import sections

    deployment = await make_deployment(PLUGINS, sections=sections(smtp.port))
    for i in range(12):
        await service.enqueue(recipient=f"p{i}@example.org", kind="test", subject="Hallo", body_text="Text",
                              idempotency_key=f"test:{i}")
    already = background(counting)
    assert await service.run_batch(channels(deployment)) == {"sent": 12}
    # BEGIN, the claim (UPDATE … RETURNING), COMMIT; one UPDATE for the first ten sent (a crash re-sends at most ten),
    # one for the last two
    assert background(counting) - already == 5
    assert len(smtp.messages) == 12
    rows = await OutboxMessage.select(OutboxMessage.status, OutboxMessage.sent_at, OutboxMessage.claimed_until)
    assert len(rows) == 12 and all(r["status"] == "sent" and r["sent_at"] and r["claimed_until"] is None for r in rows)


async def test_a_batch_gives_back_what_it_could_not_send_in_half_its_lease(make_deployment, smtp, monkeypatch):
    """A slow relay: once half the claim's lease has passed, the rest goes back to pending, so no other process
    that claims them after the lease sends a mail twice."""
    from plugins.notifications import service
    from plugins.notifications.worker import channels
    from tests.plugins.notifications.conftest import sections

    deployment = await make_deployment(PLUGINS, sections=sections(smtp.port))
    for i in range(5):
        await service.enqueue(recipient=f"p{i}@example.org", kind="test", subject="Hallo", body_text="Text",
                              idempotency_key=f"test:{i}")
    ticks = iter([0.0, 0.0, 1.0, 10_000.0])  # the start, then before each mail: two in time, then late
    monkeypatch.setattr(service, "clock", lambda: next(ticks))
    assert await service.run_batch(channels(deployment)) == {"sent": 2}
    assert len(smtp.messages) == 2
    rows = await OutboxMessage.select(OutboxMessage.status, OutboxMessage.claimed_until).order_by(OutboxMessage.id)
    assert [r["status"] for r in rows] == ["sent", "sent", "pending", "pending", "pending"]
    assert all(r["claimed_until"] is None for r in rows)
