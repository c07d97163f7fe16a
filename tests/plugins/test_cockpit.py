"""The event cockpit with the built-in plugins: each adds its panel, reached from the events list, the
event's detail page and the dashboard; a plugin switched off for the Quartier adds nothing.
(The hook itself: tests/core/test_hooks.py::test_hook_event_cockpit_panels.)"""

from __future__ import annotations

from core.quartiere.service import set_plugin_enabled
from plugins.exhibition import service as exhibition
from plugins.exhibition.service import ContributionInput
from plugins.notifications.tables import OutboxMessage
from plugins.registration import service as registration
from plugins.registration.service import RegistrationInput
from tests.core.factories import make_event
from tests.core.web.pages import parse
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form

PLUGINS = ["registration", "notifications", "exhibition"]


def panels(page) -> dict[str, dict[str, str]]:
    """Each panel's figures, by the panel's title."""
    result = {}
    for section in page.all("section", class_="widget cockpit-panel"):
        title = next(el.text for el in section.iter() if el.tag == "h2")
        terms = [el.text for el in section.iter() if el.tag == "dt"]
        values = [el.text for el in section.iter() if el.tag == "dd"]
        result[title] = dict(zip(terms, values))
    return result


async def test_the_cockpit_shows_and_links_everything_about_an_event(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        quartier, event, form = await event_with_form(capacity=1)
        for name in ("Anna", "Bert"):  # Bert lands on the waiting list
            await registration.register(event.id, RegistrationInput(name=name, phone="05371 1", consent=True), channel="phone")
        question = await exhibition.create_question("Was fehlt im Quartier?", event_id=event.id)
        await exhibition.submit(question, ContributionInput(text="Eine Bank am Spielplatz"))
        await OutboxMessage(recipient="anna@example.org", kind="announcement", idempotency_key="k1", status="failed",
                            event_id=event.id, quartier_id=quartier.id).save()
        url = f"/staff/veranstaltungen/{event.id}"

        # reached from the events list, the event's detail page and the dashboard
        assert url in parse((await client.get("/staff/r/events/")).text).links()
        assert url in parse((await client.get(f"/staff/r/events/{event.id}")).text).links()
        assert url in parse((await client.get("/staff/")).text).links()

        page = parse((await client.get(url)).text)
        assert page.h1 == event.title
        quick = [a.get("href") for a in page.all("a", class_="button primary")]
        assert quick[0] == f"/staff/anmeldungen/{event.id}/checkin"  # the check-in first
        shown = panels(page)
        assert shown["Anmeldungen"] == {"Plätze vergeben": "1 von 1", "davon unbestätigt": "0", "Warteliste": "1", "Eingecheckt": "0",
                                     "Ohne Anmeldung": "0"}
        assert shown["Ausstellung"] == {"Ausstellungen": "0", "Leitfragen": "1", "Beiträge zu prüfen": "1"}
        # Anna and Bert gave only a phone number: their confirmations wait on the call list
        assert shown["Benachrichtigungen"] == {"Versandt": "0", "Ausstehend": "0", "Fehlgeschlagen": "1", "Anrufliste": "2"}
        assert {
            f"/{quartier.slug}/veranstaltungen/{event.id}-{event.slug}",  # the public page
            f"/staff/r/events/{event.id}/edit",
            f"/staff/r/registrations/?f_event={event.id}", f"/staff/r/registrations/new?event={event.id}",
            f"/staff/anmeldungen/{event.id}/liste", f"/staff/anmeldungen/{event.id}/export.csv",
            f"/staff/anmeldungen/{event.id}/export.xlsx", f"/staff/r/registration-forms/{form.id}",
            f"/staff/r/announcements/new?event={event.id}", f"/staff/r/notifications-log/?f_event_id={event.id}",
            f"/staff/r/guiding-questions/{question.id}", f"/staff/ausstellungen/fragen/{question.id}/aushang",
        } <= set(page.links())

        await set_plugin_enabled(quartier.id, "registration", False)
        page = parse((await client.get(url)).text)
        assert "Anmeldungen" not in panels(page) and {"Ausstellung", "Benachrichtigungen"} <= set(panels(page))
        assert f"/staff/anmeldungen/{event.id}/checkin" not in page.links()


async def test_the_cockpit_of_an_event_elsewhere_or_unknown_is_not_found(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        from core.testing.fixtures import ensure_quartiere

        _nord, sued = await ensure_quartiere(["nordstadt", "suedstadt"])
        other = await make_event(sued, "fest")
        assert (await client.get(f"/staff/veranstaltungen/{other.id}")).status_code == 404
        assert (await client.get("/staff/veranstaltungen/999999")).status_code == 404


async def test_a_moderator_has_no_cockpit(make_staff_client):
    async with make_staff_client(role="moderator", quartiere=["nordstadt"], plugins=PLUGINS) as client:
        _q, event, _form = await event_with_form()
        assert (await client.get(f"/staff/veranstaltungen/{event.id}")).status_code == 404


async def test_the_cockpit_links_the_posters_series_report_sign_in_sheet_walk_ins_and_paper_answers(make_staff_client):
    from core.events.series import create_series

    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        quartier, event, _form = await event_with_form()
        series = await create_series(event.id, "weekly", None, 2, "")
        question = await exhibition.create_question("Was fehlt im Quartier?", event_id=event.id)
        for _i in range(3):
            await registration.count_walk_in(event.id, 1)
        page = parse((await client.get(f"/staff/veranstaltungen/{event.id}")).text)
        assert panels(page)["Anmeldungen"]["Ohne Anmeldung"] == "3"
        base = f"/staff/anmeldungen/{event.id}"
        new_links = [
            f"/staff/veranstaltungen/{event.id}/plakat.pdf", f"/staff/veranstaltungen/{event.id}/handzettel.pdf",
            f"/staff/r/series/{series.id}", f"/{quartier.slug}/reihen/{series.id}-{series.slug}", f"/api/series/{series.id}/series.ics",
            f"/staff/berichte?quartier={quartier.id}", f"{base}/anwesenheitsliste.pdf", f"{base}/ohne-anmeldung",
            f"/staff/r/call-list/?f_event_id={event.id}&f_status=pending", f"/staff/ausstellungen/fragen/{question.id}/papier",
        ]
        assert set(new_links) <= set(page.links())
        for url in new_links:  # each one opens for the staff who sees the cockpit
            assert (await client.get(url)).status_code == 200, url

        # an open event without registration: the walk-ins are still counted from its cockpit
        other = await make_event(quartier, "offen")
        page = parse((await client.get(f"/staff/veranstaltungen/{other.id}")).text)
        assert panels(page)["Anmeldungen"] == {"Ohne Anmeldung": "0"}
        assert f"/staff/anmeldungen/{other.id}/ohne-anmeldung" in page.links()
        assert not any("/reihen/" in url or "/api/series/" in url for url in page.links())
