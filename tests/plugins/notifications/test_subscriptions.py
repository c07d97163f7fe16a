"""Subscribing to a Quartier's (or a series') new events without an account: double opt-in, digests, one-click unsubscribe."""

import re
from datetime import timedelta

from core.events import service as events
from core.events.series import create_series
from core.plugin_api import Quartier
from core.testing.fixtures import deliver_pending_events, open_client, post_form
from plugins.notifications import subscriptions
from plugins.notifications.tables import OutboxMessage, Subscription
from plugins.notifications.worker import work
from tests.core.factories import make_event
from tests.plugins.notifications.conftest import sections

PLUGINS = ["registration", "notifications"]
SENT = "Fast geschafft"


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message, action: str) -> str:
    found = re.search(rf"http://testserver\.local(/benachrichtigungen/abo/[^/\s]+/{action})", plain(message))
    assert found, plain(message)
    return found.group(1)


async def digest_round(deployment) -> None:
    await deliver_pending_events()
    await subscriptions.send_digests(deployment)
    await work(deployment)


async def test_double_opt_in_digest_and_one_click_unsubscribe(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff, \
            open_client(staff.app, address="10.0.0.7") as citizen:
        nord = await Quartier.objects().where(Quartier.slug == "nordstadt").first()
        page = (await citizen.get("/nordstadt")).text
        assert "Neue Termine per E-Mail" in page and 'action="/nordstadt/abonnieren"' in page and 'name="series"' not in page

        answer = await post_form(citizen, "/nordstadt/abonnieren",
                                 {"email": " Erika@Example.org ", "frequency": "instant", "consent": "on"})
        assert answer.status_code == 200 and SENT in answer.text
        again = await post_form(citizen, "/nordstadt/abonnieren", {"email": "erika@example.org", "frequency": "instant", "consent": "on"})
        assert again.status_code == 200 and SENT in again.text  # the same answer: nobody learns who subscribed
        (row,) = await Subscription.objects()
        assert (row.email, row.frequency, row.language, row.consent_version) == ("erika@example.org", "instant", "de", "1")
        assert row.consent_text.startswith("Ich möchte per E-Mail über neue Veranstaltungen informiert werden.")
        assert row.confirmed_at is None

        await make_event(nord, "vorher")  # published before she confirms: never in her mails
        await digest_round(staff.deployment)
        (request,) = smtp.to("erika@example.org")  # once, although she subscribed twice
        assert request["Subject"] == "Bitte bestätigen Sie Ihr Abonnement: Nordstadt"
        assert request["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert request["List-Unsubscribe"] == f"<http://testserver.local{link_in(request, 'abbestellen')}>"

        confirm = link_in(request, "bestaetigen")
        shown = await citizen.get(confirm)  # a link scanner's GET confirms nothing
        assert shown.status_code == 200 and "Abonnement bestätigen" in shown.text
        assert (await Subscription.objects().first()).confirmed_at is None
        done = await post_form(citizen, confirm)
        assert done.status_code == 200 and "Ihr Abonnement ist bestätigt" in done.text

        await make_event(nord, "sommerfest")
        await make_event(nord, "entwurf", publish=False)
        await digest_round(staff.deployment)
        (digest,) = smtp.to("erika@example.org")[1:]
        assert digest["Subject"] == "1 neuer Termin: Nordstadt"
        text = plain(digest)
        assert "Treffen sommerfest" in text and "/nordstadt/veranstaltungen/" in text
        assert "Treffen vorher" not in text and "Treffen entwurf" not in text
        assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = link_in(digest, "abbestellen")
        assert digest["List-Unsubscribe"] == f"<http://testserver.local{unsubscribe}>"
        await digest_round(staff.deployment)
        assert len(smtp.to("erika@example.org")) == 2  # nothing new, no mail

        assert (await citizen.get(unsubscribe)).status_code == 200  # GET only shows the button
        assert await Subscription.count() == 1
        async with open_client(staff.app, address="10.0.0.8") as mail_program:  # no session, no CSRF token
            one_click = await mail_program.post(unsubscribe, content=b"List-Unsubscribe=One-Click",
                                                headers={"content-type": "application/x-www-form-urlencoded"})
            assert one_click.status_code == 200
            assert (await mail_program.post(unsubscribe, content=b"List-Unsubscribe=One-Click")).status_code == 404
        assert await Subscription.count() == 0
        assert await OutboxMessage.count().where(OutboxMessage.recipient == "erika@example.org") == 0  # erased


async def test_bad_input_is_refused_with_one_sentence_and_nothing_is_kept(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS,
                                 sections=sections(smtp.port, subscription_rate_limit_per_minute=3)) as staff, \
            open_client(staff.app, address="10.0.0.9") as citizen:
        for values, field, message in (
            ({"email": "keine-adresse", "frequency": "weekly", "consent": "on"}, "email",
             "Bitte geben Sie eine gültige E-Mail-Adresse an."),
            ({"email": "a@example.org", "frequency": "täglich", "consent": "on"}, "frequency",
             "Bitte wählen Sie, wie oft Sie Nachricht bekommen möchten."),
            ({"email": "a@example.org", "frequency": "weekly"}, "consent",
             "Bitte stimmen Sie der Speicherung Ihrer E-Mail-Adresse zu."),
        ):
            answer = await post_form(citizen, "/nordstadt/abonnieren", values)
            assert answer.status_code == 400
            assert f'<p class="field-error" id="sub-{field}-error">{message}</p>' in answer.text
        assert (await post_form(citizen, "/nordstadt/abonnieren", {"email": "a@example.org", "series": "abc"})).status_code == 404
        assert (await post_form(citizen, "/nordstadt/abonnieren", {"email": "a@example.org", "series": "999"})).status_code == 404
        assert (await post_form(citizen, "/nirgendwo/abonnieren", {"email": "a@example.org"})).status_code == 404
        limited = await post_form(citizen, "/nordstadt/abonnieren", {"email": "b@example.org", "frequency": "weekly", "consent": "on"})
        assert limited.status_code == 429 and "Bitte warten Sie eine Minute." in limited.text
        assert await Subscription.count() == 0 and await OutboxMessage.count() == 0
        assert (await citizen.get("/benachrichtigungen/abo/unbekannt/bestaetigen")).status_code == 404
        assert (await citizen.post("/benachrichtigungen/abo/unbekannt/abbestellen")).status_code == 404


async def test_series_weekly_in_the_language_of_subscribing(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff, \
            open_client(staff.app, address="10.0.0.10") as citizen:
        nord = await Quartier.objects().where(Quartier.slug == "nordstadt").first()
        first = await make_event(nord, "cafe", publish=False)
        series = await create_series(first.id, "weekly", None, 3, "")
        page = (await citizen.get(f"/nordstadt/reihen/{series.id}-{series.slug}?lang=en")).text
        assert f'<input type="hidden" name="series" value="{series.id}">' in page and "New dates by email" in page
        answer = await post_form(citizen, "/nordstadt/abonnieren?lang=en",
                                 {"email": "bert@example.org", "frequency": "weekly", "consent": "on", "series": str(series.id)})
        assert answer.status_code == 200
        row = await Subscription.objects().first()
        assert (row.series_id, row.language) == (series.id, "en")
        assert row.consent_text.startswith("I would like to be informed about new events by email.")
        await work(staff.deployment)
        (request,) = smtp.to("bert@example.org")
        assert request["Subject"].startswith("Please confirm your subscription")
        await post_form(citizen, link_in(request, "bestaetigen"))

        dates = await events.public_events(nord.id, series_id=series.id)  # none published yet
        assert dates == []
        from core.events.tables import Event

        for event in await Event.objects().where(Event.series == series.id).order_by(Event.starts_at).limit(2):
            await events.publish_event(event.id)
        await make_event(nord, "anderes")  # the Quartier's, not the series'
        await digest_round(staff.deployment)
        assert len(smtp.to("bert@example.org")) == 1  # weekly: not yet a week since confirming

        await Subscription.update({Subscription.confirmed_at: Subscription.confirmed_at - timedelta(days=8)}).where(
            Subscription.id == row.id)
        await digest_round(staff.deployment)
        digest = smtp.to("bert@example.org")[1]
        assert digest["Subject"].startswith("2 new dates:")
        text = plain(digest)
        assert text.count("Treffen cafe") == 2 and "Treffen anderes" not in text and "Hello," in text
        await digest_round(staff.deployment)
        assert len(smtp.to("bert@example.org")) == 2  # the next one in a week at the earliest


async def test_deletion_rule_and_what_staff_see(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff, \
            make_staff_client(role="admin", client=staff) as admin, \
            open_client(staff.app, address="10.0.0.11") as citizen:
        for who in ("old", "new", "sure"):
            await post_form(citizen, "/nordstadt/abonnieren", {"email": f"{who}@example.org", "frequency": "weekly", "consent": "on"})
        await work(staff.deployment)
        await post_form(citizen, link_in(smtp.to("sure@example.org")[0], "bestaetigen"))
        old_link = link_in(smtp.to("old@example.org")[0], "bestaetigen")
        await Subscription.update({Subscription.created_at: Subscription.created_at - timedelta(days=8)}).where(
            Subscription.email.is_in(["old@example.org", "sure@example.org"]))
        assert (await citizen.get(old_link)).status_code == 404  # the link expired with the time to confirm
        again = await post_form(citizen, "/nordstadt/abonnieren", {"email": "old@example.org", "frequency": "instant", "consent": "on"})
        assert again.status_code == 200  # the same address later: a new link that works
        await work(staff.deployment)
        fresh_link = link_in(smtp.to("old@example.org")[-1], "bestaetigen")
        assert fresh_link != old_link and (await citizen.get(fresh_link)).status_code == 200
        assert (await Subscription.objects().where(Subscription.email == "old@example.org").first()).frequency == "instant"
        await Subscription.update({Subscription.created_at: Subscription.created_at - timedelta(days=8)}).where(
            Subscription.email == "old@example.org")

        dashboard = (await staff.get("/staff/")).text
        assert "Abonnements neuer Termine" in dashboard
        assert re.search(r"<th scope=\"row\">Nordstadt</th><td>1</td><td>2</td>", dashboard), dashboard
        assert "old@example.org" not in dashboard
        assert (await staff.get("/staff/r/subscriptions/")).status_code == 403  # addresses: admins only
        listing = (await admin.get("/staff/r/subscriptions/")).text
        assert "sure@example.org" in listing and "old@example.org" in listing

        assert await subscriptions.purge(staff.deployment) == 1
        assert {row.email for row in await Subscription.objects()} == {"new@example.org", "sure@example.org"}
        assert await OutboxMessage.count().where(OutboxMessage.recipient == "old@example.org") == 0


async def test_in_leichte_sprache_and_leaving_after_the_quartier_switched_notifications_off(make_staff_client, smtp):
    from core.quartiere.service import set_plugin_enabled

    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff, \
            open_client(staff.app, address="10.0.0.11") as citizen:
        answer = await post_form(citizen, "/nordstadt/abonnieren?lang=de-x-ls",
                                 {"email": "lena@example.org", "frequency": "weekly", "consent": "on"})
        assert answer.status_code == 200
        assert (await Subscription.objects().first()).language == "de-x-ls"  # 7 characters, on PostgreSQL too
        await work(staff.deployment)
        (request,) = smtp.to("lena@example.org")
        await post_form(citizen, link_in(request, "bestaetigen"))

        nord = await Quartier.objects().where(Quartier.slug == "nordstadt").first()
        await set_plugin_enabled(nord.id, "notifications", False)
        unsubscribe = link_in(request, "abbestellen")
        assert (await citizen.get(unsubscribe)).status_code == 200
        left = await citizen.post(unsubscribe, content=b"List-Unsubscribe=One-Click",
                                  headers={"content-type": "application/x-www-form-urlencoded"})
        assert left.status_code == 200 and await Subscription.count() == 0


async def test_deleting_a_series_erases_its_subscriptions_and_keeps_the_quartiers(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff, \
            open_client(staff.app, address="10.0.0.12") as citizen:
        nord = await Quartier.objects().where(Quartier.slug == "nordstadt").first()
        first = await make_event(nord, "cafe")
        series = await create_series(first.id, "weekly", None, 3, "")
        for email, scope in (("reihe@example.org", {"series": str(series.id)}), ("alles@example.org", {})):
            answer = await post_form(citizen, "/nordstadt/abonnieren",
                                     {"email": email, "frequency": "instant", "consent": "on", **scope})
            assert answer.status_code == 200
        await work(staff.deployment)
        assert await OutboxMessage.count() == 2

        assert (await post_form(staff, f"/staff/r/series/{series.id}/delete")).status_code == 303
        await deliver_pending_events()
        assert [row.email for row in await Subscription.objects()] == ["alles@example.org"]
        assert await OutboxMessage.count().where(OutboxMessage.recipient == "reihe@example.org") == 0
        assert (await citizen.get(f"/nordstadt/veranstaltungen/{first.id}-{first.slug}")).status_code == 200  # dates stay


async def test_the_deletion_rule_erases_subscriptions_of_a_series_that_is_gone(make_staff_client, smtp):
    """A series deleted while the plugin was off in its Quartier: its domain event reached no one; the daily rule
    still erases the addresses."""
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff, \
            open_client(staff.app, address="10.0.0.13") as citizen:
        nord = await Quartier.objects().where(Quartier.slug == "nordstadt").first()
        first = await make_event(nord, "cafe")
        series = await create_series(first.id, "weekly", None, 3, "")
        await post_form(citizen, "/nordstadt/abonnieren",
                        {"email": "reihe@example.org", "frequency": "instant", "consent": "on", "series": str(series.id)})
        await post_form(citizen, "/nordstadt/abonnieren", {"email": "alles@example.org", "frequency": "instant", "consent": "on"})
        from core.events.tables import Event, EventSeries

        await Event.update({Event.series: None}).where(Event.series == series.id)  # gone without its domain event
        await EventSeries.delete().where(EventSeries.id == series.id)
        await subscriptions.purge(staff.deployment)
        assert [row.email for row in await Subscription.objects()] == ["alles@example.org"]
