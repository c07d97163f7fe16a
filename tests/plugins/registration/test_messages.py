"""People get the right e-mail at the right moment, through a real SMTP server."""

import icalendar

from plugins.notifications.tables import OutboxMessage
from plugins.notifications.worker import work
from tests.plugins.registration.helpers import event_with_form, with_notifications
from core.testing.fixtures import deliver_pending_events

PLUGINS = ["registration", "notifications"]


async def send_all(client) -> int:
    return await work(client.deployment)


def text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


async def test_confirmation_request_then_registered_with_calendar(make_client, smtp_server):
    import re

    async with make_client(PLUGINS, sections=with_notifications(smtp_server.port)) as client:
        _q, event, _form = await event_with_form(capacity=5)
        response = await client.post(f"/api/events/{event.id}/registrations",
                                     json={"name": "Erika Muster", "email": "erika@example.org", "consent": True})
        assert response.json()["status"] == "unconfirmed"
        assert await send_all(client) == 1
        (mail,) = smtp_server.to("erika@example.org")
        assert mail["Subject"] == "Bitte bestätigen Sie Ihre Anmeldung: Treffen treff"
        assert mail["From"] == "Quartiersmanagement <qm@gifhorn.example>"
        assert mail["Auto-Submitted"] == "auto-generated"
        assert mail.get_content_type() == "multipart/alternative"
        body = text_part(mail)
        assert "Guten Tag Erika Muster" in body and "Telefon: 05371 1234" in body and "E-Mail: nordstadt@example.org" in body
        html = mail.get_body(preferencelist=("html",)).get_content()
        assert "<img" not in html and 'href="http://testserver.local/anmeldung/' in html

        confirm_url = re.search(r"(http://testserver.local/anmeldung/\S+/bestaetigen)", body).group(1)
        path = confirm_url.removeprefix("http://testserver.local")
        page = await client.get(path)
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        assert (await client.post(path, data={"_csrf_token": token})).status_code == 200
        assert await send_all(client) == 1
        (_, registered) = smtp_server.to("erika@example.org")
        assert registered["Subject"] == "Sie sind angemeldet: Treffen treff"
        (attachment,) = [part for part in registered.iter_attachments()]
        assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "PUBLISH"
        cal = icalendar.Calendar.from_ical(attachment.get_content())
        (vevent,) = cal.walk("VEVENT")
        assert vevent["UID"] == f"event-{event.id}@testserver.local" and vevent.decoded("DTSTART") == event.starts_at
        # the same cause never twice
        assert await send_all(client) == 0 and len(smtp_server.messages) == 2


async def test_waiting_list_promotion_and_cancellation_mails(make_client, smtp_server):
    from plugins.registration import service
    from plugins.registration.tables import Registration

    async with make_client(PLUGINS, sections=with_notifications(smtp_server.port)) as client:
        _q, event, _form = await event_with_form(capacity=1, double_opt_in=False)
        for who in ("anna", "bert"):
            await client.post(f"/api/events/{event.id}/registrations", json={"name": who.title(), "email": f"{who}@example.org", "consent": True, "language": "en" if who == "bert" else "de"})
        await send_all(client)
        assert smtp_server.to("anna@example.org")[0]["Subject"] == "Sie sind angemeldet: Treffen treff"
        assert smtp_server.to("bert@example.org")[0]["Subject"] == "You are on the waiting list: Treffen treff"
        assert "(place 1)" in text_part(smtp_server.to("bert@example.org")[0])

        await service.cancel(await Registration.objects().where(Registration.name == "Anna").first())
        await deliver_pending_events()
        await send_all(client)
        assert smtp_server.to("anna@example.org")[-1]["Subject"] == "Ihre Anmeldung ist storniert: Treffen treff"
        promoted = smtp_server.to("bert@example.org")[-1]
        assert promoted["Subject"] == "A place has become free: Treffen treff"
        assert "You are registered now" in text_part(promoted)
        assert [p.get_content_type() for p in promoted.iter_attachments()] == ["text/calendar"]


async def test_phone_only_registrations_go_on_the_staff_call_list(make_staff_client, smtp_server):
    from core.events import service as events
    from core.testing.fixtures import post_form

    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=with_notifications(smtp_server.port)) as staff:
        _q, event, _form = await event_with_form()
        await staff.post(f"/api/events/{event.id}/registrations", json={"name": "Herr Ohnemail", "phone": "05371 1", "consent": True})
        await events.cancel_event(event.id)
        assert await send_all(staff) == 0 and smtp_server.messages == []  # nothing for the mail worker
        listing = (await staff.get("/staff/r/call-list/")).text
        assert "Herr Ohnemail" in listing and "05371 1" in listing
        call = await OutboxMessage.objects().where(OutboxMessage.kind == "registration.event_cancelled").first()
        detail = (await staff.get(f"/staff/r/call-list/{call.id}")).text
        assert "leider müssen wir" in detail
        await post_form(staff, f"/staff/r/call-list/{call.id}/action/called")
        done = await OutboxMessage.objects().where(OutboxMessage.id == call.id).first()
        assert done.status == "sent" and done.last_error.startswith("angerufen von")
        assert "Herr Ohnemail" not in (await staff.get("/staff/r/notifications-log/")).text


async def test_erasure_removes_queued_and_sent_messages(make_client, smtp_server):
    from plugins.registration import service
    from plugins.registration.tables import Registration

    async with make_client(PLUGINS, sections=with_notifications(smtp_server.port)) as client:
        _q, event, _form = await event_with_form()
        await client.post(f"/api/events/{event.id}/registrations", json={"name": "Lösch Mich", "email": "weg@example.org", "consent": True})
        assert await OutboxMessage.count() == 1
        await send_all(client)
        await service.erase(await Registration.objects().first())
        await deliver_pending_events()
        assert await OutboxMessage.count() == 0


async def test_a_multi_day_event_names_both_days_in_the_mail_and_the_staff_list(make_staff_client, smtp_server):
    from datetime import datetime, timedelta, timezone

    from core.events.service import update_event

    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=with_notifications(smtp_server.port)) as client:
        _q, event, _form = await event_with_form()
        start = datetime(2030, 6, 14, 13, 0, tzinfo=timezone.utc)
        await update_event(event.id, starts_at=start, ends_at=start + timedelta(days=2, hours=3))
        await deliver_pending_events()  # the change is told before Erika registers (else she may hear of it too)
        response = await client.post(f"/api/events/{event.id}/registrations",
                                     json={"name": "Erika Muster", "email": "erika@example.org", "consent": True})
        assert response.status_code == 201, response.text
        await deliver_pending_events()
        await send_all(client)
        (mail,) = smtp_server.to("erika@example.org")
        assert "am Freitag, 14. Juni 2030, 15:00 – Sonntag, 16. Juni 2030, 18:00" in text_part(mail)
        staff = await client.get(f"/staff/anmeldungen/{event.id}/liste")
        assert "Freitag, 14. Juni 2030, 15:00 – Sonntag, 16. Juni 2030, 18:00" in staff.text
