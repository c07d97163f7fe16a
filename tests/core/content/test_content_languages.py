"""Content in several languages (core/content): public pages, API, iCalendar, staff versions, bad input."""

from __future__ import annotations

import icalendar

from core.content.service import save_versions
from core.content.tables import ContentTranslation
from core.events import service
from core.testing.fixtures import post_form
from core.web.tables import AuditEntry
from tests.core.web import helpers
from tests.core.web.pages import parse

NOTICE_DE = "Dieser Text liegt nur auf Deutsch vor."
NOTICE_EN = "This text is only available in German."


async def netzwerktreff(english: dict[str, str] | None = None):
    nord = await helpers.quartier("nordstadt")
    venue = await helpers.venue(nord)
    event = await helpers.event(nord, "Netzwerktreff", slug="netzwerktreff", publish=True, venue=venue.id,
                                summary="Kaffee und Gespräche", description="Für alle Nachbarinnen und Nachbarn.")
    if english:
        await save_versions("events", event, "en", english)
    return nord, event


async def test_an_event_in_english_by_query_and_by_accept_language(make_client):
    async with make_client() as client:
        _nord, event = await netzwerktreff({"title": "Network meeting", "summary": "Coffee and talk",
                                            "description": "For all neighbours."})
        url = f"/nordstadt/veranstaltungen/{event.id}-netzwerktreff"
        for options in ({"headers": {"Accept-Language": "en-GB,en;q=0.9,de;q=0.5"}}, {"params": {"lang": "en"}}):
            client.cookies.clear()
            response = await client.get(url, **options)
            page = parse(response.text)
            assert response.status_code == 200 and page.html_lang == "en"
            assert page.h1 == "Network meeting"
            assert "For all neighbours." in page.main_text and "Für alle" not in page.main_text
            assert NOTICE_EN not in page.main_text
            assert page.all("h1")[0].get("lang") is None
        # German readers see the German text, without a notice
        page = parse((await client.get(url, params={"lang": "de"})).text)
        assert page.h1 == "Netzwerktreff" and NOTICE_DE not in page.main_text
        listing = parse((await client.get("/nordstadt/", params={"lang": "en"})).text)
        assert [h.text for h in listing.all("h3")] == ["Network meeting"]
        assert "Coffee and talk" in listing.main_text


async def test_a_missing_version_shows_german_marked_de_with_a_notice(make_client):
    async with make_client() as client:
        _nord, event = await netzwerktreff({"title": "Network meeting"})  # no English description
        page = parse((await client.get(f"/nordstadt/veranstaltungen/{event.id}-netzwerktreff", params={"lang": "en"})).text)
        assert page.h1 == "Network meeting"
        assert NOTICE_EN in page.main_text
        german = [e for e in page.all("div", class_="prose") if e.get("lang") == "de"]
        assert german and "Für alle Nachbarinnen und Nachbarn." in german[0].text
        # the list: an event with no English title keeps its German title, marked
        untranslated = await helpers.event(_nord, "Flohmarkt", publish=True)
        listing = parse((await client.get("/nordstadt/", params={"lang": "en"})).text)
        marked = {h.text: h.get("lang") for h in listing.all("h3")}
        assert marked["Flohmarkt"] == "de" and marked["Network meeting"] is None
        assert untranslated.id


async def test_the_api_and_the_calendar_use_the_readers_language(make_client):
    async with make_client() as client:
        _nord, event = await netzwerktreff({"title": "Network meeting", "summary": "Coffee and talk"})
        body = (await client.get(f"/api/events/{event.id}", headers={"Accept-Language": "en"})).json()
        assert (body["title"], body["summary"], body["language"]) == ("Network meeting", "Coffee and talk", "en")
        assert body["description"] == "Für alle Nachbarinnen und Nachbarn." and body["untranslated"] == ["description"]
        listed = (await client.get("/api/quartiere/nordstadt/events", params={"lang": "en"})).json()
        assert [e["title"] for e in listed] == ["Network meeting"]
        german = (await client.get(f"/api/events/{event.id}", params={"lang": "de"})).json()
        assert german["title"] == "Netzwerktreff" and german["untranslated"] == [] and german["language"] == "de"

        for url in (f"/api/events/{event.id}/event.ics", "/api/quartiere/nordstadt/events.ics"):
            cal = icalendar.Calendar.from_ical((await client.get(url, params={"lang": "en"})).content)
            (vevent,) = cal.walk("VEVENT")
            assert str(vevent["SUMMARY"]) == "Network meeting" and vevent["SUMMARY"].params["LANGUAGE"] == "en"
            assert str(vevent["DESCRIPTION"]) == "Coffee and talk"


async def test_the_page_gains_one_query_in_english_and_none_in_german(make_client, monkeypatch):
    from core.content import service as content

    calls = []
    original = content.ContentTranslation.select
    monkeypatch.setattr(content.ContentTranslation, "select", lambda *a, **k: calls.append(1) or original(*a, **k))
    async with make_client() as client:
        nord, event = await netzwerktreff({"title": "Network meeting"})
        for n in range(5):
            await helpers.event(nord, f"Treffen {n}", publish=True, venue=event.venue)
        calls.clear()
        await client.get("/nordstadt/", params={"lang": "de"})
        await client.get(f"/nordstadt/veranstaltungen/{event.id}-netzwerktreff")
        assert calls == []
        await client.get("/nordstadt/", params={"lang": "en"})
        assert calls == [1]  # events, venues and the Quartier text together
        await client.get(f"/nordstadt/veranstaltungen/{event.id}-netzwerktreff")
        assert calls == [1, 1]


async def test_staff_write_a_version_and_see_it_marked_veraltet_after_the_german_text_changed(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        _nord, event = await netzwerktreff()
        detail = parse((await client.get(f"/staff/r/events/{event.id}")).text)
        assert "fehlt" in detail.main_text and "veraltet" not in detail.main_text
        assert f"/staff/r/events/{event.id}/translations/en" in detail.links()

        form = parse((await client.get(f"/staff/r/events/{event.id}/translations/en")).text)
        assert "Für alle Nachbarinnen und Nachbarn." in form.text_of("f-description-source")
        assert form.by_id("f-title").get("lang") == "en"
        response = await post_form(client, f"/staff/r/events/{event.id}/translations/en",
                                   {"title": "Network meeting", "summary": "", "description": "For all neighbours."})
        assert response.status_code == 303
        rows = await ContentTranslation.select().where(ContentTranslation.row_id == event.id).order_by(ContentTranslation.field)
        assert [(r["field"], r["lang"], r["text"]) for r in rows] == [
            ("description", "en", "For all neighbours."), ("title", "en", "Network meeting")]
        assert await AuditEntry.exists().where(AuditEntry.action == "translate:en")
        detail = parse((await client.get(f"/staff/r/events/{event.id}")).text)
        assert "Network meeting" in detail.main_text and "veraltet" not in detail.main_text

        await service.update_event(event.id, description="Für alle. Neu: mit Kinderbetreuung.")
        detail = parse((await client.get(f"/staff/r/events/{event.id}")).text)
        assert detail.main_text.count("veraltet") == 1
        public = (await client.get(f"/nordstadt/veranstaltungen/{event.id}-{event.slug}?lang=en")).text
        assert "Network meeting" in public and "Für alle. Neu: mit Kinderbetreuung." in public
        assert "For all neighbours." not in public  # made from the old German text: readers get the new German one
        await client.get("/nordstadt/?lang=de")
        # saving the version again confirms it against the new German text; an empty field removes a version
        await post_form(client, f"/staff/r/events/{event.id}/translations/en",
                        {"title": "", "description": "For all. New: childcare."})
        detail = parse((await client.get(f"/staff/r/events/{event.id}")).text)
        assert "veraltet" not in detail.main_text
        assert [r["field"] for r in await ContentTranslation.select().where(ContentTranslation.row_id == event.id)] == ["description"]


async def test_bad_versions_are_refused_with_a_german_sentence(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        _nord, event = await netzwerktreff()
        url = f"/staff/r/events/{event.id}/translations/en"
        response = await post_form(client, url, {"title": "x" * 201, "description": "ok"})
        assert response.status_code == 400
        assert "Höchstens 200 Zeichen." in parse(response.text).text_of("f-title-error")
        assert (await post_form(client, url, {"summary": "\x00"})).status_code == 400
        response = await post_form(client, url, {"title": ["a", "b"], "description": "d" * 20_001})
        assert response.status_code == 400
        assert "Höchstens 20000 Zeichen." in parse(response.text).text_of("f-description-error")
        await service.update_event(event.id, summary="")
        response = await post_form(client, url, {"summary": "A summary"})
        assert response.status_code == 400
        assert parse(response.text).text_of("f-summary-error") == "Bitte schreiben Sie zuerst den deutschen Text."
        assert not await ContentTranslation.exists()
        assert (await client.get(f"/staff/r/events/{event.id}/translations/xx")).status_code == 404
        assert (await post_form(client, f"/staff/r/events/{event.id}/translations/de", {"title": "x"})).status_code == 404
        assert (await post_form(client, url, {"title": "x"}, csrf=False)).status_code == 403
        assert (await client.get(f"/staff/r/organisations/1/translations/en")).status_code == 404


async def test_deleting_a_row_deletes_its_versions(make_staff_client):
    async with make_staff_client(role="admin") as client:
        _nord, event = await netzwerktreff({"title": "Network meeting"})
        assert (await post_form(client, f"/staff/r/events/{event.id}/delete")).status_code == 303
        assert not await ContentTranslation.exists()


async def test_the_demo_netzwerktreff_has_an_english_version(make_client):
    from core.demo.loader import load_demo

    async with make_client() as client:
        event = await load_demo(client.deployment)
        await load_demo(client.deployment)  # a second load changes nothing
        from core.demo.loader import CAFE_DATES

        # the Netzwerktreff's three texts and the Quartier's, the café's three on each of its dates, the festival's three
        assert await ContentTranslation.count().where(ContentTranslation.lang == "en") == 4 + 3 * CAFE_DATES + 3
        page = parse((await client.get(f"/gifhorn/veranstaltungen/{event.id}-{event.slug}", params={"lang": "en"})).text)
        assert page.h1 == "Building community: the Quartiersmanagement's network meeting"
        assert "What does good neighbourhood mean to me?" in page.main_text


async def test_the_demo_netzwerktreff_comes_in_five_versions_and_russian_readers_get_german_with_the_notice(make_client):
    from core.demo.loader import VERSIONS, load_demo

    async with make_client() as client:
        event = await load_demo(client.deployment)
        url = f"/gifhorn/veranstaltungen/{event.id}-{event.slug}"
        titles = {"de": event.title, **{lang: texts["title"] for lang, texts in VERSIONS.items()}}
        assert set(titles) == {"de", "de-x-ls", "en", "tr", "ar"}
        for lang, title in titles.items():
            page = parse((await client.get(url, params={"lang": lang})).text)
            assert page.h1 == title and not page.all("p", class_="fallback-notice"), lang
            quartier = parse((await client.get("/gifhorn/", params={"lang": lang})).text)
            assert not quartier.all("p", class_="fallback-notice"), lang
        page = parse((await client.get(url, params={"lang": "ru"})).text)
        assert page.h1 == event.title and page.all("h1")[0].get("lang") == "de" and page.all("p", class_="fallback-notice")


async def test_versions_of_rows_deleted_with_their_quartier_go_too(make_staff_client):
    async with make_staff_client(role="admin") as client:
        nord, _event = await netzwerktreff({"title": "Network meeting"})
        assert (await post_form(client, f"/staff/r/quartiere/{nord.id}/delete")).status_code == 303
        assert not await ContentTranslation.exists()
        # a new event that gets the old id on SQLite starts without versions
        nord, event = await netzwerktreff()
        page = parse((await client.get(f"/nordstadt/veranstaltungen/{event.id}-netzwerktreff", params={"lang": "en"})).text)
        assert page.h1 == "Netzwerktreff"


def test_accept_language_picks_the_most_wanted_offered_language():
    from core.web.i18n import accepted_language

    offered = ["de", "en"]
    assert accepted_language("tr-TR,tr;q=0.9,en;q=0.8,de;q=0.7", offered) == "en"
    assert accepted_language("de;q=0.5, en;q=0.9", offered) == "en"
    assert accepted_language("en;q=0, fr", offered) is None
    assert accepted_language("en;q=x, de", offered) == "de"
    assert accepted_language("", offered) is None


async def test_saving_confirms_only_the_stale_versions_the_editor_changed_or_ticked(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        _nord, event = await netzwerktreff({"title": "Network meeting", "summary": "Coffee and talk",
                                            "description": "For all neighbours."})
        await service.update_event(event.id, title="Netzwerktreff neu", summary="Kaffee, Tee und Gespräche",
                                   description="Für alle. Neu: mit Kinderbetreuung.")
        url = f"/staff/r/events/{event.id}/translations/en"
        form = parse((await client.get(url)).text)
        assert form.main_text.count("veraltet") == 3 and form.by_id("f-summary-confirm") is not None
        # the title is rewritten, the summary ticked as still right, the description left as it was
        response = await post_form(client, url, {"title": "Network meeting, new", "summary": "Coffee and talk",
                                                  "confirm": "summary", "description": "For all neighbours."})
        assert response.status_code == 303
        versions = await content_versions(event.id)
        assert versions == {"title": False, "summary": False, "description": True}
        # the page in English: the unconfirmed description is still German
        page = parse((await client.get(f"/nordstadt/veranstaltungen/{event.id}-{event.slug}", params={"lang": "en"})).text)
        assert page.h1 == "Network meeting, new" and "Für alle. Neu: mit Kinderbetreuung." in page.main_text


async def content_versions(event_id: int) -> dict[str, bool]:
    """{field: stale} of an event's English versions."""
    from core.content.service import versions
    from core.events.tables import Event

    row = await Event.objects().where(Event.id == event_id).first()
    return {field: by_lang["en"].stale for field, by_lang in (await versions("events", row, ["title", "summary", "description"])).items()}
