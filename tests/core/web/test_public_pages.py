"""Public pages for citizens (core/web/public_routes.py, templates/core/public/)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from core.events import service
from core.testing.fixtures import open_client
from core.web.tables import StoredValue
from tests.core.web import helpers
from tests.core.web.pages import parse, parse_json_ld

MONDAY_14H = datetime(2030, 5, 6, 12, 0, tzinfo=timezone.utc)  # Montag, 6. Mai 2030, 14:00 in Berlin


async def full_event(title: str = "Nachbarschaftsfest", *, publish: bool = True, **fields):
    """A Nordstadt event with venue, organiser (with website), partner and contact."""
    nord = await helpers.quartier("nordstadt")
    venue = await helpers.venue(nord)
    organiser = await helpers.organisation("Landkreis Gifhorn", website="https://landkreis.example")
    partner = await helpers.organisation("GWG eG")
    values = dict(summary="Musik und Kuchen", description="Für alle.\n\nEintritt frei.", venue=venue.id,
                  contact_name="Ulrike Buka", contact_phone="(05371) 825 62", contact_email="qm@example.org",
                  organisations=[(organiser.id, "organiser"), (partner.id, "partner")])
    values.update(fields)
    return await helpers.event(nord, title, slug="nachbarschaftsfest", start=MONDAY_14H, publish=publish, **values)


async def test_home_lists_the_quartiere(make_client):
    async with make_client() as client:
        await helpers.quartier("nordstadt")
        await helpers.quartier("altstadt")
        page = parse((await client.get("/")).text)
        assert [a.get("href") for a in page.all("a") if a.get("href", "").endswith("stadt/")] == ["/altstadt/", "/nordstadt/"]
        assert page.html_lang == "de"
        assert {"/impressum", "/datenschutz", "/barrierefreiheit"} <= set(page.links())


async def test_quartier_page_lists_published_upcoming_events_only(make_client):
    async with make_client() as client:
        nord = await helpers.quartier("nordstadt")
        sued = await helpers.quartier("suedstadt")
        now = datetime.now(timezone.utc).replace(microsecond=0)
        later = await helpers.event(nord, "Später", slug="spaeter", start=now + timedelta(days=20), publish=True)
        soon = await helpers.event(nord, "Bald", slug="bald", start=now + timedelta(days=2), publish=True)
        cancelled = await helpers.event(nord, "Fällt aus", slug="faellt-aus", start=now + timedelta(days=5), publish=True)
        await service.cancel_event(cancelled.id)
        await helpers.event(nord, "Entwurf", start=now + timedelta(days=3))
        await helpers.event(nord, "Vorbei", start=now - timedelta(days=3), publish=True)
        await helpers.event(sued, "Anderswo", start=now + timedelta(days=4), publish=True)

        response = await client.get("/nordstadt/")
        assert response.status_code == 200
        page = parse(response.text)
        assert page.h1 == "Nordstadt"
        headings = [h.text for h in page.all("h3")]
        assert headings == ["Bald", "Fällt aus", "Später"]
        assert "Abgesagt" in page.all("li", class_="card cancelled")[0].text
        links = page.links()
        for row, slug in ((soon, "bald"), (later, "spaeter")):
            assert f"/nordstadt/veranstaltungen/{row.id}-{slug}" in links
        assert "/api/quartiere/nordstadt/events.ics" in links
        assert (await client.get("/nirgendwo/")).status_code == 404
        assert parse((await client.get("/nirgendwo/")).text).h1 == "Seite nicht gefunden"


async def test_a_long_programme_is_split_into_pages(make_client):
    from core.web.public_routes import EVENTS_PER_PAGE

    async with make_client() as client:
        nord = await helpers.quartier("nordstadt")
        start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
        for n in range(EVENTS_PER_PAGE + 3):
            await helpers.event(nord, f"Treffen {n + 1}", slug=f"treffen-{n + 1}", start=start + timedelta(hours=n), publish=True)
        first = parse((await client.get("/nordstadt/")).text)
        titles = [h.text for h in first.all("h3")]
        assert titles == [f"Treffen {n + 1}" for n in range(EVENTS_PER_PAGE)]
        assert "?page=2" in first.links() and "?page=0" not in first.links()
        second = parse((await client.get("/nordstadt/?page=2")).text)
        assert [h.text for h in second.all("h3")] == [f"Treffen {n + 1}" for n in range(EVENTS_PER_PAGE, EVENTS_PER_PAGE + 3)]
        assert "?page=1" in second.links() and "?page=3" not in second.links()
        assert (await client.get("/nordstadt/?page=3")).status_code == 404
        assert (await client.get("/nordstadt/?page=abc")).status_code == 200


async def test_event_page_shows_everything_a_visitor_needs(make_client):
    async with make_client() as client:
        event = await full_event()
        response = await client.get(f"/nordstadt/veranstaltungen/{event.id}-nachbarschaftsfest")
        assert response.status_code == 200
        page = parse(response.text)
        assert page.h1 == "Nachbarschaftsfest" and page.title == "Nachbarschaftsfest – Nordstadt"
        facts = dict(zip((dt.text for dt in page.all("dt")), (dd.text for dd in page.all("dd"))))
        assert facts["Wann"].startswith("Montag, 6. Mai 2030, 14:00 – 16:00")
        times = [t.get("datetime") for t in page.all("time")]
        assert times == ["2030-05-06T14:00:00+02:00", "2030-05-06T16:00:00+02:00"]
        assert facts["Wo"] == "Treff-PUNKT 53 Hauptstraße 1 38518 Gifhorn"
        assert facts["Veranstalter"] == "Landkreis Gifhorn" and facts["In Kooperation mit"] == "GWG eG"
        assert "https://landkreis.example" in page.links()
        assert "Ulrike Buka" in facts["Kontakt"]
        assert "tel:0537182562" in page.links() and "mailto:qm@example.org" in page.links()
        assert [p.text for p in page.all("p") if p.text in ("Für alle.", "Eintritt frei.")] == ["Für alle.", "Eintritt frei."]

        ics_url = f"/api/events/{event.id}/event.ics"
        assert ics_url in page.links()
        assert (await client.get(ics_url)).headers["content-type"].startswith("text/calendar")

        data = parse_json_ld(page)
        assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
        assert data["name"] == "Nachbarschaftsfest"
        assert data["startDate"] == "2030-05-06T14:00:00+02:00" and data["endDate"] == "2030-05-06T16:00:00+02:00"
        assert data["eventStatus"] == "https://schema.org/EventScheduled"
        assert data["location"]["@type"] == "Place" and data["location"]["name"] == "Treff-PUNKT 53"
        assert data["location"]["address"]["postalCode"] == "38518"
        assert data["organizer"] == [{"@type": "Organization", "name": "Landkreis Gifhorn", "url": "https://landkreis.example"}]
        assert data["url"] == f"http://testserver.local/nordstadt/veranstaltungen/{event.id}-nachbarschaftsfest"

        await service.cancel_event(event.id)
        page = parse((await client.get(f"/nordstadt/veranstaltungen/{event.id}-nachbarschaftsfest")).text)
        assert "Diese Veranstaltung wurde abgesagt." in page.main_text
        assert parse_json_ld(page)["eventStatus"] == "https://schema.org/EventCancelled"


async def test_a_multi_day_event_shows_both_days_in_each_language(make_client):
    async with make_client() as client:
        nord = await helpers.quartier("nordstadt")
        start = datetime(2030, 6, 14, 13, 0, tzinfo=timezone.utc)
        event = await helpers.event(nord, "Sommerfest", start=start, end=start + timedelta(days=2, hours=3), publish=True)
        url = f"/nordstadt/veranstaltungen/{event.id}-sommerfest"
        page = parse((await client.get(url)).text)
        facts = dict(zip((dt.text for dt in page.all("dt")), (dd.text for dd in page.all("dd"))))
        assert facts["Wann"].startswith("Freitag, 14. Juni 2030, 15:00 – Sonntag, 16. Juni 2030, 18:00")
        assert [t.get("datetime") for t in page.all("time")] == ["2030-06-14T15:00:00+02:00", "2030-06-16T18:00:00+02:00"]
        listing = parse((await client.get("/nordstadt/")).text)
        assert "Freitag, 14. Juni 2030, 15:00 – Sonntag, 16. Juni 2030, 18:00" in listing.main_text
        english = parse((await client.get(url, params={"lang": "en"})).text)
        assert [t.text for t in english.all("time")] == ["Friday, June 14, 2030, 3:00 PM", "Sunday, June 16, 2030, 6:00 PM"]


async def test_event_urls_redirect_to_the_canonical_one(make_client):
    async with make_client() as client:
        event = await full_event()
        canonical = f"/nordstadt/veranstaltungen/{event.id}-nachbarschaftsfest"
        for url in (f"/nordstadt/veranstaltungen/{event.id}-alter-name", f"/nordstadt/veranstaltungen/{event.id}"):
            response = await client.get(url)
            assert response.status_code == 301, url
            assert response.headers["location"] == canonical
        await helpers.quartier("suedstadt")
        for url in (f"/suedstadt/veranstaltungen/{event.id}-nachbarschaftsfest", "/nordstadt/veranstaltungen/abc-x",
                    "/nordstadt/veranstaltungen/99999-x", f"/nirgendwo/veranstaltungen/{event.id}-nachbarschaftsfest"):
            assert (await client.get(url)).status_code == 404, url


async def test_draft_event_page_is_not_found(make_client):
    async with make_client() as client:
        event = await full_event(publish=False)
        response = await client.get(f"/nordstadt/veranstaltungen/{event.id}-nachbarschaftsfest")
        assert response.status_code == 404
        assert "Nachbarschaftsfest" not in response.text
        assert "Nachbarschaftsfest" not in (await client.get("/nordstadt/")).text


@pytest.mark.parametrize("slug,heading,text", [
    ("impressum", "Impressum", "Impressum (Test)"),
    ("datenschutz", "Datenschutz", "Datenschutz (Test)"),
    ("barrierefreiheit", "Barrierefreiheit", "Barrierefreiheit (Test)"),
])
async def test_legal_pages_show_the_configured_text(make_client, slug, heading, text):
    async with make_client() as client:
        response = await client.get(f"/{slug}")
        assert response.status_code == 200
        page = parse(response.text)
        assert page.h1 == heading
        assert [p.text for p in page.all("div", class_="prose")] == [text]


async def test_language_switch_is_remembered(make_client):
    async with make_client() as client:
        event = await full_event()
        url = f"/nordstadt/veranstaltungen/{event.id}-nachbarschaftsfest"
        response = await client.get(url, params={"lang": "en"})
        assert any(c.startswith("lang=en;") for c in response.headers.get_list("set-cookie"))
        page = parse(response.text)
        assert page.html_lang == "en"
        assert page.all("time")[0].text.startswith("Monday, May 6, 2030")
        # the cookie keeps it
        assert parse((await client.get("/nordstadt/")).text).html_lang == "en"
        assert parse((await client.get("/impressum")).text).h1 != "Impressum"
        # an unknown language changes nothing, German switches back
        assert parse((await client.get("/", params={"lang": "fr"})).text).html_lang == "en"
        assert parse((await client.get("/", params={"lang": "de"})).text).html_lang == "de"
        assert parse((await client.get("/")).text).html_lang == "de"


async def test_script_in_a_title_is_shown_as_text(make_staff_client):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        event = await full_event(title=payload, summary=payload)
        async with open_client(client.app) as visitor:
            quartier_page = await visitor.get("/nordstadt/")
            event_page = await visitor.get(f"/nordstadt/veranstaltungen/{event.id}-nachbarschaftsfest")
        staff_list = await client.get("/staff/r/events/")
        staff_detail = await client.get(f"/staff/r/events/{event.id}")
        for name, response in (("quartier", quartier_page), ("event", event_page), ("staff list", staff_list),
                               ("staff detail", staff_detail)):
            assert response.status_code == 200
            html = response.text
            for raw in parse(html).json_ld():  # the title as JSON string data, inert in the script element
                html = html.replace(raw, "")
            assert "<script>alert" not in html and "<img src=x" not in html, name
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text, name
            page = parse(response.text)
            scripts = [e for e in page.root.iter() if e.tag == "script"]
            assert all(s.get("type") == "application/ld+json" for s in scripts), name
            # the only images: the app's own (accessibility symbols, the Leichte-Sprache pictogram)
            assert not [e for e in page.root.iter() if e.tag == "img" and not e.get("src", "").startswith("/static/core/")], name
        assert payload in parse(staff_list.text).first_column()
        # JSON-LD keeps the title as data, and "</script>" cannot end the element early
        page = parse(event_page.text)
        (raw,) = page.json_ld()
        assert "</script" not in raw.lower()
        assert json.loads(raw)["name"] == payload


async def test_json_ld_cannot_swallow_the_page(make_client):
    async with make_client() as client:
        event = await full_event(title="Basteln <!-- <script> für Kinder")
        page = parse((await client.get(f"/nordstadt/veranstaltungen/{event.id}-nachbarschaftsfest")).text)
        (raw,) = page.json_ld()
        assert json.loads(raw)["name"] == "Basteln <!-- <script> für Kinder"
        assert "<!--" not in raw and "<script" not in raw.lower()


async def test_anonymous_visitors_get_no_session(make_client):
    async with make_client() as client:
        event = await full_event()
        for url in ("/", "/nordstadt/", f"/nordstadt/veranstaltungen/{event.id}-nachbarschaftsfest", "/impressum",
                    "/api/quartiere", "/api/quartiere/nordstadt/events.ics"):
            async with open_client(client.app) as visitor:
                response = await visitor.get(url)
                assert response.status_code == 200
                assert not any(c.startswith("session=") for c in response.headers.get_list("set-cookie")), url
        assert await StoredValue.count() == 0
