"""Public JSON API, iCalendar feeds and OpenAPI document."""

from datetime import datetime, timedelta, timezone

import icalendar

from core.events import service
from tests.core.factories import make_event, make_quartier


async def test_quartiere_are_listed(make_client):
    async with make_client() as client:
        await make_quartier("nordstadt", "Nordstadt")
        await make_quartier("altstadt", "Altstadt")
        body = (await client.get("/api/quartiere")).json()
        assert [q["slug"] for q in body] == ["altstadt", "nordstadt"]
        assert body[1]["contact_email"] == "nordstadt@example.org"
        assert body[1]["events_url"] == "http://testserver.local/api/quartiere/nordstadt/events"
        assert (await client.get("/api/quartiere/nirgendwo")).status_code == 404


async def test_events_of_a_quartier_show_published_upcoming_only(make_client):
    async with make_client() as client:
        nord = await make_quartier("nordstadt")
        sued = await make_quartier("suedstadt")
        later = await make_event(nord, "spaeter", days=20)
        soon = await make_event(nord, "bald", days=5)
        await make_event(nord, "entwurf", days=6, publish=False)
        await make_event(nord, "vorbei", days=-10)
        await make_event(sued, "anderswo", days=3)

        body = (await client.get("/api/quartiere/nordstadt/events")).json()
        assert [e["slug"] for e in body] == ["bald", "spaeter"]
        first = body[0]
        assert first["id"] == soon.id and first["status"] == "published"
        assert first["timezone"] == "Europe/Berlin"
        assert first["venue"]["name"] == "Treff-PUNKT 53"
        assert [(o["name"], o["role"]) for o in first["organisers"]] == [("Landkreis Gifhorn", "organiser"), ("GWG eG", "partner")]
        assert first["contact"] == {"name": "Ulrike Buka", "phone": "(05371) 82562", "email": "qm@example.org"}
        # Local time with offset, the same instant as stored
        assert datetime.fromisoformat(first["starts_at"]) == soon.starts_at
        assert first["starts_at"][-6:] in ("+01:00", "+02:00")

        past = (await client.get("/api/quartiere/nordstadt/events", params={"include_past": "true"})).json()
        assert [e["slug"] for e in past] == ["vorbei", "bald", "spaeter"]
        paged = (await client.get("/api/quartiere/nordstadt/events", params={"limit": 1, "offset": 1})).json()
        assert [e["id"] for e in paged] == [later.id]


async def test_bad_query_parameters_get_a_readable_422(make_client):
    async with make_client() as client:
        await make_quartier("nordstadt")
        response = await client.get("/api/quartiere/nordstadt/events", params={"limit": "0"})
        assert response.status_code == 422
        assert response.json() == {"status_code": 422, "detail": "Bitte prüfen Sie Ihre Angaben.",
                                   "errors": {"limit": "Die Zahl muss mindestens 1 sein."}}
        response = await client.get("/api/quartiere/nordstadt/events", params={"include_past": "vielleicht"})
        assert response.status_code == 422
        assert response.json()["errors"] == {"include_past": "Ungültiger Wert: erwartet wird true oder false."}


async def test_single_event_published_only(make_client):
    async with make_client() as client:
        nord = await make_quartier("nordstadt")
        published = await make_event(nord, "offen")
        draft = await make_event(nord, "geheim", publish=False)
        assert (await client.get(f"/api/events/{published.id}")).json()["title"] == "Treffen offen"
        assert (await client.get(f"/api/events/{draft.id}")).status_code == 404
        assert (await client.get(f"/api/events/{draft.id}/event.ics")).status_code == 404
        assert (await client.get("/api/events/999999")).status_code == 404
        assert (await client.get("/api/events/abc")).status_code == 404


async def test_cancelled_event_stays_visible_as_cancelled(make_client):
    async with make_client() as client:
        nord = await make_quartier("nordstadt")
        event = await make_event(nord, "abgesagt")
        await service.cancel_event(event.id)
        assert (await client.get(f"/api/events/{event.id}")).json()["status"] == "cancelled"
        cal = icalendar.Calendar.from_ical((await client.get(f"/api/events/{event.id}/event.ics")).content)
        (vevent,) = cal.walk("VEVENT")
        assert vevent["STATUS"] == "CANCELLED"


def parse_calendar(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


async def test_event_ics_parses_back_with_the_library(make_client):
    async with make_client() as client:
        nord = await make_quartier("nordstadt")
        event = await make_event(nord, "netzwerktreff")
        response = await client.get(f"/api/events/{event.id}/event.ics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        cal = parse_calendar(response.content)
        assert cal["METHOD"] == "PUBLISH" and cal["VERSION"] == "2.0"
        (vevent,) = cal.walk("VEVENT")
        assert vevent["UID"] == f"event-{event.id}@testserver.local"
        assert vevent["SUMMARY"] == "Treffen netzwerktreff"
        assert vevent["LOCATION"] == "Treff-PUNKT 53, Hauptstraße 1, 38518 Gifhorn"
        assert vevent["STATUS"] == "CONFIRMED"
        start = vevent.decoded("DTSTART")
        assert start == event.starts_at and str(start.tzinfo) == "Europe/Berlin"
        assert vevent.decoded("DTEND") - start == timedelta(hours=3)
        assert str(vevent["ORGANIZER"]) == "mailto:qm@example.org"
        assert vevent["URL"] == f"http://testserver.local/nordstadt/veranstaltungen/{event.id}-netzwerktreff"
        assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]


async def test_changed_event_keeps_uid_and_raises_sequence(make_client):
    async with make_client() as client:
        nord = await make_quartier("nordstadt")
        event = await make_event(nord, "verschoben")
        before = parse_calendar((await client.get(f"/api/events/{event.id}/event.ics")).content).walk("VEVENT")[0]
        await service.update_event(event.id, starts_at=event.starts_at + timedelta(days=1), ends_at=event.ends_at + timedelta(days=1))
        after = parse_calendar((await client.get(f"/api/events/{event.id}/event.ics")).content).walk("VEVENT")[0]
        assert after["UID"] == before["UID"]
        assert after["SEQUENCE"] > before["SEQUENCE"]
        assert after.decoded("DTSTART") - before.decoded("DTSTART") == timedelta(days=1)


async def test_quartier_feed_holds_its_upcoming_public_events(make_client):
    async with make_client() as client:
        nord = await make_quartier("nordstadt")
        sued = await make_quartier("suedstadt")
        a = await make_event(nord, "eins", days=3)
        b = await make_event(nord, "zwei", days=9)
        await make_event(nord, "entwurf", publish=False)
        await make_event(sued, "fremd")
        cal = parse_calendar((await client.get("/api/quartiere/nordstadt/events.ics")).content)
        assert cal["X-WR-CALNAME"] == "Nordstadt"
        uids = sorted(str(v["UID"]) for v in cal.walk("VEVENT"))
        assert uids == sorted([f"event-{a.id}@testserver.local", f"event-{b.id}@testserver.local"])
        assert (await client.get("/api/quartiere/nirgendwo/events.ics")).status_code == 404


async def test_event_rules_give_german_messages(make_client):
    import pytest

    async with make_client():
        nord = await make_quartier("nordstadt")
        start = datetime.now(timezone.utc) + timedelta(days=3)
        with pytest.raises(service.EventError, match="Ende muss nach dem Beginn"):
            await service.create_event(quartier_id=nord.id, title="x", slug="x", starts_at=start, ends_at=start)
        await make_event(nord, "doppelt")
        with pytest.raises(service.EventError, match="schon vergeben"):
            await make_event(nord, "doppelt")
        draft = await make_event(nord, "entwurf", publish=False)
        await service.cancel_event(draft.id)
        with pytest.raises(service.EventError, match="kann nicht"):
            await service.publish_event(draft.id)


async def test_openapi_document_without_cdn(make_client):
    async with make_client() as client:
        response = await client.get("/schema/openapi.json")
        assert response.status_code == 200
        paths = response.json()["paths"]
        assert {"/api/quartiere", "/api/quartiere/{quartier}/events", "/api/events/{event_id}"} <= set(paths)
        # No page that loads a UI from elsewhere
        for url in ("/schema", "/schema/swagger", "/schema/redoc", "/schema/elements", "/schema/rapidoc"):
            text = (await client.get(url)).text
            assert "cdn" not in text.lower() and "<script" not in text.lower()


async def test_a_multi_day_event_is_one_timed_entry_over_its_days_in_feed_and_api(make_client):
    async with make_client() as client:
        nord = await make_quartier("nordstadt")
        event = await make_event(nord, "sommerfest")
        await service.update_event(event.id, ends_at=event.starts_at + timedelta(days=2, hours=3))
        (vevent,) = parse_calendar((await client.get("/api/quartiere/nordstadt/events.ics")).content).walk("VEVENT")
        start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
        assert isinstance(start, datetime) and isinstance(end, datetime)  # timed, not all-day (VALUE=DATE)
        assert end - start == timedelta(days=2, hours=3) and str(end.tzinfo) == "Europe/Berlin"
        (item,) = (await client.get("/api/quartiere/nordstadt/events")).json()
        assert datetime.fromisoformat(item["ends_at"]) - datetime.fromisoformat(item["starts_at"]) == timedelta(days=2, hours=3)
