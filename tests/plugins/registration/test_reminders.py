"""Reminders at an offset before the start: moved with the event, dropped when it or the registration ends."""

from datetime import timedelta

from core.events import service as events
from plugins.notifications import service
from plugins.notifications.tables import OutboxMessage
from plugins.notifications.worker import work
from tests.plugins.registration.helpers import event_with_form, with_notifications
from core.testing.fixtures import deliver_pending_events

PLUGINS = ["registration", "notifications"]


async def reminders(status: str = "pending") -> list[OutboxMessage]:
    return await OutboxMessage.objects().where((OutboxMessage.kind == "registration.reminder") & (OutboxMessage.status == status))


async def register(client, event, name="Rita", email="rita@example.org"):
    return await client.post(f"/api/events/{event.id}/registrations", json={"name": name, "email": email, "consent": True})


async def test_reminder_is_due_a_day_before_and_not_earlier(make_client, smtp_server):
    async with make_client(PLUGINS, sections=with_notifications(smtp_server.port)) as client:
        _q, event, _form = await event_with_form(days=10, double_opt_in=False)
        await register(client, event)
        (reminder,) = await reminders()
        assert reminder.next_attempt_at == event.starts_at - timedelta(hours=24)
        await work(client.deployment)  # sends the "registered" mail only
        assert [m["Subject"] for m in smtp_server.messages] == ["Sie sind angemeldet: Treffen treff"]
        # the clock moves to one minute before / after the reminder time
        assert await service.claim(10, moment=reminder.next_attempt_at - timedelta(minutes=1)) == []
        (claimed,) = await service.claim(10, moment=reminder.next_attempt_at + timedelta(minutes=1))
        assert claimed.id == reminder.id and claimed.subject.startswith("Erinnerung: Treffen treff am ")


async def test_moved_event_moves_the_reminder_and_tells_people(make_client, smtp_server):
    async with make_client(PLUGINS, sections=with_notifications(smtp_server.port)) as client:
        _q, event, _form = await event_with_form(days=10, double_opt_in=False)
        await register(client, event)
        await work(client.deployment)
        await events.update_event(event.id, starts_at=event.starts_at + timedelta(days=2), ends_at=event.ends_at + timedelta(days=2))
        await deliver_pending_events()
        (old,) = await reminders("cancelled")
        (new,) = await reminders()
        assert new.next_attempt_at - old.next_attempt_at == timedelta(days=2)
        await work(client.deployment)
        changed = smtp_server.messages[-1]
        assert changed["Subject"] == "Geändert: Treffen treff"
        assert [p.get_content_type() for p in changed.iter_attachments()] == ["text/calendar"]


async def test_cancelled_event_drops_reminders_and_tells_people(make_client, smtp_server):
    async with make_client(PLUGINS, sections=with_notifications(smtp_server.port)) as client:
        _q, event, _form = await event_with_form(days=10, double_opt_in=False)
        await register(client, event)
        await register(client, event, "Otto", "otto@example.org")
        await events.cancel_event(event.id)
        await deliver_pending_events()
        assert await reminders() == [] and len(await reminders("cancelled")) == 2
        await work(client.deployment)
        cancelled = [m["To"] for m in smtp_server.messages if m["Subject"] == "Abgesagt: Treffen treff"]
        assert sorted(cancelled) == ["otto@example.org", "rita@example.org"]


async def test_cancelled_registration_drops_its_reminder(make_client, smtp_server):
    from plugins.registration import service as registrations
    from plugins.registration.tables import Registration

    async with make_client(PLUGINS, sections=with_notifications(smtp_server.port)) as client:
        _q, event, _form = await event_with_form(days=10, double_opt_in=False)
        await register(client, event)
        await registrations.cancel(await Registration.objects().first())
        await deliver_pending_events()
        assert await reminders() == [] and len(await reminders("cancelled")) == 1


async def test_no_reminder_when_switched_off_or_too_late(make_client, smtp_server):
    async with make_client(PLUGINS, sections=with_notifications(smtp_server.port, reminder_hours_before=0)) as client:
        _q, event, _form = await event_with_form(days=10, double_opt_in=False)
        await register(client, event)
        assert await reminders() == []


async def test_a_confirmation_handled_after_the_cancellation_schedules_no_reminder(make_client, smtp_server):
    """Two web processes may hand over their events out of order: the reminder follows the registration's state."""
    import json

    import msgspec

    from core.domain_events.tables import DomainEventRecord
    from core.plugin_api import current
    from plugins.registration import service as registrations
    from plugins.registration.domain_events import RegistrationCreated
    from plugins.registration.tables import Registration

    async with make_client(PLUGINS, sections=with_notifications(smtp_server.port)) as client:
        _q, event, _form = await event_with_form(days=10, double_opt_in=False)
        await register(client, event)
        record = await DomainEventRecord.objects().where(DomainEventRecord.name == "registration.created").first()
        created = msgspec.convert(json.loads(record.payload) if isinstance(record.payload, str) else record.payload,
                                  RegistrationCreated)
        await OutboxMessage.delete().where(OutboxMessage.kind == "registration.reminder")  # as if not handled yet
        await registrations.cancel(await Registration.objects().first())
        await deliver_pending_events()
        await current().hooks.on_domain_event(event=created, deployment=current(), quartier=created.quartier_id)
        assert await reminders() == []  # the confirmation came late: no reminder for a cancelled registration
