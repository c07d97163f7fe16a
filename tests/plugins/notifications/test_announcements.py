"""Staff write to everyone registered, preview, test, send; recipients unsubscribe with one click."""

import re

from core.testing.fixtures import post_form
from plugins.notifications.tables import OutboxMessage
from plugins.notifications.worker import work
from tests.plugins.notifications.conftest import sections
from tests.plugins.registration.helpers import event_with_form
from core.testing.fixtures import deliver_pending_events

PLUGINS = ["registration", "notifications"]


async def setup_people(client, event):
    for who, lang in (("anna", "de"), ("bert", "en"), ("carla", "de")):
        await client.post(f"/api/events/{event.id}/registrations",
                          json={"name": who.title(), "email": f"{who}@example.org", "consent": True, "language": lang})
    await client.post(f"/api/events/{event.id}/registrations", json={"name": "Ohne Mail", "phone": "05371 1", "consent": True})


async def test_announcement_preview_test_send_progress(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff:
        _q, event, _form = await event_with_form(capacity=2, double_opt_in=False)
        await setup_people(staff, event)  # anna, bert seated; carla waiting; one without e-mail
        await work(staff.deployment)
        smtp.messages.clear()

        created = await post_form(staff, "/staff/r/announcements/new", {
            "event": str(event.id), "audience": "registration.registered", "subject": "Raumwechsel",
            "body": "Wir treffen uns im großen Saal.\n\nBitte bringen Sie <gute Laune> mit."})
        assert created.status_code == 303
        detail = (await staff.get(created.headers["location"])).text
        assert "Guten Tag Anna" in detail and "Wir treffen uns im großen Saal." in detail  # preview with a real recipient
        assert "&lt;gute Laune&gt;" in detail
        announcement_id = int(created.headers["location"].rsplit("/", 1)[1])

        await post_form(staff, f"/staff/r/announcements/{announcement_id}/action/test")
        await work(staff.deployment)
        (test_mail,) = smtp.messages
        assert test_mail["To"] == staff.user.email and test_mail["Subject"] == "[Test] Raumwechsel"

        await post_form(staff, f"/staff/r/announcements/{announcement_id}/action/send")
        again = await post_form(staff, f"/staff/r/announcements/{announcement_id}/action/send")
        assert again.status_code == 404  # the button is gone once sent
        await work(staff.deployment)
        sent = {m["To"]: m for m in smtp.messages[1:]}
        assert set(sent) == {"anna@example.org", "bert@example.org"}  # registered only, each once
        anna = sent["anna@example.org"]
        assert anna["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(r"<http://testserver.local/benachrichtigungen/abbestellen/[0-9a-f]+\.[0-9a-f]+>", anna["List-Unsubscribe"])
        assert "Hello Bert" in sent["bert@example.org"].get_body(preferencelist=("plain",)).get_content()
        detail = (await staff.get(f"/staff/r/announcements/{announcement_id}")).text
        assert "2 versandt, 0 ausstehend, 0 fehlgeschlagen" in detail

        # Anna's erasure request takes the announcement she got along (DSGVO Art. 17); Bert's stays.
        from plugins.registration import service
        from plugins.registration.tables import Registration

        await service.erase(await Registration.objects().where(Registration.name == "Anna").first())
        kept = {m.recipient for m in await OutboxMessage.objects().where(OutboxMessage.kind == "announcement")}
        assert kept == {"bert@example.org"}


async def test_one_click_unsubscribe_acts_on_post_only(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff:
        _q, event, _form = await event_with_form(double_opt_in=False)
        await setup_people(staff, event)
        created = await post_form(staff, "/staff/r/announcements/new", {
            "event": str(event.id), "audience": "registration.all", "subject": "Eins", "body": "Text"})
        first_id = int(created.headers["location"].rsplit("/", 1)[1])
        await post_form(staff, f"/staff/r/announcements/{first_id}/action/send")
        await work(staff.deployment)
        anna = next(m for m in smtp.messages if m["To"] == "anna@example.org" and m["Subject"] == "Eins")
        url = anna["List-Unsubscribe"].strip("<>").removeprefix("http://testserver.local")

        assert (await staff.get(url)).status_code == 200  # a GET (a link scanner) changes nothing
        one_click = await staff.post(url, content=b"List-Unsubscribe=One-Click",
                                     headers={"content-type": "application/x-www-form-urlencoded"})
        assert one_click.status_code == 200
        assert (await staff.post(url.replace(".", ".0"), content=b"List-Unsubscribe=One-Click")).status_code == 404

        created = await post_form(staff, "/staff/r/announcements/new", {
            "event": str(event.id), "audience": "registration.all", "subject": "Zwei", "body": "Text"})
        await post_form(staff, f"/staff/r/announcements/{int(created.headers['location'].rsplit('/', 1)[1])}/action/send")
        recipients = {m.recipient for m in await OutboxMessage.objects().where(
            (OutboxMessage.subject == "Zwei") & (OutboxMessage.channel == "email"))}
        assert recipients == {"bert@example.org", "carla@example.org"}
        # transactional mail about her own registration still reaches her
        from plugins.registration import service
        from plugins.registration.tables import Registration

        await service.cancel(await Registration.objects().where(Registration.name == "Anna").first())
        await deliver_pending_events()
        assert await OutboxMessage.count().where((OutboxMessage.recipient == "anna@example.org") & (OutboxMessage.kind == "registration.cancelled")) == 1


async def test_delivery_log_shows_failures_and_resends(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff:
        _q, event, _form = await event_with_form(double_opt_in=False)
        smtp.refuse["anna@example.org"] = "550 5.1.1 No such user"
        await setup_people(staff, event)
        await work(staff.deployment)
        listing = await staff.get("/staff/r/notifications-log/", params={"f_status": "failed"})
        assert "anna@example.org" in listing.text and "bert@example.org" not in listing.text
        failed = await OutboxMessage.objects().where(OutboxMessage.status == "failed").first()
        detail = (await staff.get(f"/staff/r/notifications-log/{failed.id}")).text
        assert "SMTP 550: 5.1.1 No such user" in detail
        del smtp.refuse["anna@example.org"]
        assert (await post_form(staff, f"/staff/r/notifications-log/{failed.id}/action/resend")).status_code == 303
        await work(staff.deployment)
        assert len(smtp.to("anna@example.org")) == 1


async def test_people_without_email_land_on_the_call_list_with_the_text_to_read_out(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff:
        _q, event, _form = await event_with_form(double_opt_in=False)
        await setup_people(staff, event)  # three with e-mail, "Ohne Mail" with a phone number only
        created = await post_form(staff, "/staff/r/announcements/new", {
            "event": str(event.id), "audience": "registration.all", "subject": "Raumwechsel",
            "body": "Wir treffen uns im großen Saal."})
        announcement_id = int(created.headers["location"].rsplit("/", 1)[1])
        detail = (await staff.get(f"/staff/r/announcements/{announcement_id}")).text
        assert re.search(r"Auf die Anrufliste \(ohne E-Mail\)</dt>\s*<dd>1\s*</dd>", detail), detail
        await post_form(staff, f"/staff/r/announcements/{announcement_id}/action/send")
        await work(staff.deployment)
        assert {m["To"] for m in smtp.messages if m["Subject"] == "Raumwechsel"} == {
            "anna@example.org", "bert@example.org", "carla@example.org"}  # the call is not mailed anywhere

        listing = (await staff.get("/staff/r/call-list/", params={"f_event_id": str(event.id), "f_status": "pending"})).text
        assert "Ohne Mail" in listing and "anna@example.org" not in listing
        call = await OutboxMessage.objects().where((OutboxMessage.channel == "call") & (OutboxMessage.kind == "announcement")).first()
        assert call.recipient == "05371 1" and call.status == "pending"
        shown = (await staff.get(f"/staff/r/call-list/{call.id}")).text
        assert "Raumwechsel" in shown and "Wir treffen uns im großen Saal." in shown
        assert "3 versandt, 1 ausstehend" in (await staff.get(f"/staff/r/announcements/{announcement_id}")).text  # until called

        assert (await post_form(staff, f"/staff/r/call-list/{call.id}/action/called")).status_code == 303
        assert f'href="/staff/r/call-list/{call.id}"' in listing
        assert f'href="/staff/r/call-list/{call.id}"' not in (await staff.get("/staff/r/call-list/", params={"f_status": "pending"})).text
        ticked = await OutboxMessage.objects().where(OutboxMessage.id == call.id).first()
        assert ticked.status == "sent" and staff.user.name in ticked.last_error
        assert "4 versandt, 0 ausstehend" in (await staff.get(f"/staff/r/announcements/{announcement_id}")).text
