"""Structured accessibility of venues and events (core/events/accessibility.py): staff form, event page,
JSON-LD, API, iCalendar and the filter on a Quartier's page, all through HTTP."""

from __future__ import annotations

import typing
from datetime import timedelta
from pathlib import Path

import icalendar

from core.events import accessibility, service
from core.events.tables import Event, Venue
from core.testing.fixtures import open_client, post_form
from tests.core.web import helpers
from tests.core.web.helpers import event_form, venue_form
from tests.core.web.pages import parse, parse_json_ld

STATIC = Path(__file__).resolve().parents[3] / "core" / "static" / "accessibility"


def test_every_feature_has_a_key_type_entry_and_a_symbol():
    assert list(typing.get_args(accessibility.FeatureKey)) == [f.key for f in accessibility.FEATURES]
    assert sorted(p.stem for p in STATIC.glob("*.svg")) == sorted(f.key for f in accessibility.FEATURES)
    assert accessibility.parse("seating  step_free bogus step_free") == ["step_free", "seating"]
    assert accessibility.join(["easy_language", "elevator"]) == "elevator easy_language"


async def _venue_through_the_form(client, quartier_id: int, features: list[str], note: str = "") -> Venue:
    response = await post_form(client, "/staff/r/venues/new", venue_form(
        quartier_id, accessibility_features=features, accessibility=note))
    assert response.status_code == 303, response.text
    return await Venue.objects().order_by(Venue.id, ascending=False).first()


async def test_staff_tick_features_of_a_venue_and_the_free_text_stays(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        form = parse((await client.get("/staff/r/venues/new")).text)
        offered = [e.get("value") for e in form.all("input", type="checkbox", name="accessibility_features")]
        assert offered == [f.key for f in accessibility.FEATURES]
        assert "Stufenloser Zugang" in form.main_text and "Hinweise zur Barrierefreiheit" in form.main_text

        venue = await _venue_through_the_form(client, nord.id, ["accessible_toilet", "step_free"], "Klingel am Seiteneingang.")
        assert venue.accessibility_features == "step_free accessible_toilet"
        assert venue.accessibility == "Klingel am Seiteneingang."
        edit = parse((await client.get(f"/staff/r/venues/{venue.id}/edit")).text)
        assert edit.checked("accessibility_features") == ["step_free", "accessible_toilet"]
        detail = parse((await client.get(f"/staff/r/venues/{venue.id}")).text)
        assert "Stufenloser Zugang, Barrierefreies WC" in detail.main_text

        # unticking everything empties the list
        response = await post_form(client, f"/staff/r/venues/{venue.id}/edit", venue_form(nord.id, accessibility="x"))
        assert response.status_code == 303
        assert (await Venue.objects().where(Venue.id == venue.id).first()).accessibility_features == ""


async def test_a_made_up_feature_is_refused_in_german_and_nothing_is_written(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        response = await post_form(client, "/staff/r/venues/new", venue_form(nord.id, accessibility_features=["step_free", "teleporter"]))
        assert response.status_code == 400
        assert "Bitte wählen Sie nur Einträge aus der Liste." in parse(response.text).main_text
        assert await Venue.count() == 0
        response = await post_form(client, "/staff/r/events/new", event_form(nord.id, accessibility_added=["<script>"]))
        assert response.status_code == 400 and await Event.count() == 0


async def _event_with_features(client, nord) -> Event:
    """A venue with step-free access and an accessible toilet; the event adds sign language, lacks the toilet, is free."""
    venue = await _venue_through_the_form(client, nord.id, ["step_free", "accessible_toilet"], "Rampe am Seiteneingang.")
    response = await post_form(client, "/staff/r/events/new", event_form(
        nord.id, venue=venue.id, summary="Kaffee und Kuchen", accessibility_added=["sign_language"],
        accessibility_removed=["accessible_toilet"], free_admission="on"))
    assert response.status_code == 303, response.text
    event = await Event.objects().first()
    assert (event.accessibility_added, event.accessibility_removed, event.free_admission) == \
        ("sign_language", "accessible_toilet", True)
    assert (await post_form(client, f"/staff/r/events/{event.id}/action/publish")).status_code == 303
    return await Event.objects().where(Event.id == event.id).first()


async def test_the_event_page_shows_symbols_and_text_and_json_ld_names_them(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        event = await _event_with_features(client, nord)
        assert event.status == "published"
        async with open_client(client.app) as visitor:
            response = await visitor.get(f"/nordstadt/veranstaltungen/{event.id}-{event.slug}")
            assert response.status_code == 200
            page = parse(response.text)
            facts = dict(zip((dt.text for dt in page.all("dt")), (dd.text for dd in page.all("dd"))))
            assert "Stufenloser Zugang" in facts["Barrierefreiheit"] and "Gebärdensprache" in facts["Barrierefreiheit"]
            assert "Barrierefreies WC" not in facts["Barrierefreiheit"]  # lacking at this event
            assert "Rampe am Seiteneingang." in facts["Barrierefreiheit"]
            assert facts["Eintritt"] == "Der Eintritt ist frei."
            symbols = [e for e in page.all("img") if e.get("src", "").startswith("/static/core/accessibility/")]
            assert [e.get("src") for e in symbols] == ["/static/core/accessibility/step_free.svg",
                                                      "/static/core/accessibility/sign_language.svg"]
            assert all(e.get("alt") == "" and e.get("aria-hidden") == "true" for e in symbols)
            svg = await visitor.get("/static/core/accessibility/step_free.svg")
            assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")

            data = parse_json_ld(page)
            assert data["accessibilityFeature"] == ["signLanguage"]
            assert data["isAccessibleForFree"] is True
            assert data["location"]["amenityFeature"] == [
                {"@type": "LocationFeatureSpecification", "name": "Stufenloser Zugang", "value": True}]
            assert data["accessibilitySummary"] == "Stufenloser Zugang, Gebärdensprache"

            english = parse((await visitor.get(f"/nordstadt/veranstaltungen/{event.id}-{event.slug}", params={"lang": "en"})).text)
            assert "Step-free access" in english.main_text


async def test_the_api_and_the_calendar_carry_the_features(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        event = await _event_with_features(client, nord)
        async with open_client(client.app) as visitor:
            data = (await visitor.get(f"/api/events/{event.id}")).json()
            assert [f["key"] for f in data["accessibility"]] == ["step_free", "sign_language"]
            assert data["accessibility"][1]["schema_org"] == "signLanguage"
            assert data["accessibility"][0]["label"] == "Stufenloser Zugang"
            assert data["venue"]["accessibility_features"] == ["step_free", "accessible_toilet"]
            assert data["venue"]["accessibility"] == "Rampe am Seiteneingang."
            assert data["free_admission"] is True

            listed = await visitor.get("/api/quartiere/nordstadt/events", params={"accessibility": ["step_free", "sign_language"]})
            assert [e["id"] for e in listed.json()] == [event.id]
            none = await visitor.get("/api/quartiere/nordstadt/events", params={"accessibility": "accessible_toilet"})
            assert none.json() == []
            bad = await visitor.get("/api/quartiere/nordstadt/events", params={"accessibility": "teleporter"})
            assert bad.status_code == 422
            assert bad.json()["errors"] == {"accessibility": "Unbekannter Wert: die erlaubten Werte nennt die API-Beschreibung."}

            schema = (await visitor.get("/schema/openapi.json")).json()["components"]["schemas"]
            feature = next(v for k, v in schema.items() if k.endswith("AccessibilityFeatureOut"))
            assert set(feature["properties"]["key"]["enum"]) == {f.key for f in accessibility.FEATURES}
            assert "schema.org" in feature["properties"]["schema_org"]["description"]

            ics = icalendar.Calendar.from_ical((await visitor.get(f"/api/events/{event.id}/event.ics")).content)
            (vevent,) = ics.walk("VEVENT")
            description = str(vevent["DESCRIPTION"])
            assert "Barrierefreiheit: Stufenloser Zugang, Gebärdensprache" in description
            assert "Eintritt frei" in description and description.startswith("Kaffee und Kuchen")


async def test_the_quartier_page_filters_by_features_without_javascript(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        event = await _event_with_features(client, nord)
        plain = await helpers.event(nord, "Lesecafé", publish=True)
        await Event.update({Event.starts_at: event.starts_at.replace(year=2031), Event.ends_at: event.ends_at.replace(year=2031)}).where(
            Event.id == plain.id)
        async with open_client(client.app) as visitor:
            page = parse((await visitor.get("/nordstadt/")).text)
            form = next(f for f in page.all("form") if f.get("method") == "get")
            assert form.get("action") == "/nordstadt/"
            assert [e.get("value") for e in page.all("input", name="barrierefrei")] == [f.key for f in accessibility.FEATURES]
            assert "Sommerfest im Park" in page.main_text and "Lesecafé" in page.main_text

            filtered = parse((await visitor.get("/nordstadt/", params={"barrierefrei": "step_free"})).text)
            assert "Sommerfest im Park" in filtered.main_text and "Lesecafé" not in filtered.main_text
            assert filtered.checked("barrierefrei") == ["step_free"]
            assert any(e.get("open") is not None for e in filtered.all("details"))

            lacking = parse((await visitor.get("/nordstadt/", params={"barrierefrei": ["step_free", "accessible_toilet"]})).text)
            assert "Sommerfest im Park" not in lacking.main_text
            assert "Keine geplante Veranstaltung bietet alles, was Sie ausgewählt haben." in lacking.main_text
            # a key the form does not offer is ignored, not an error
            ignored = await visitor.get("/nordstadt/", params={"barrierefrei": "<b>x</b>"})
            assert ignored.status_code == 200 and "Lesecafé" in parse(ignored.text).main_text


async def test_the_filter_keeps_to_its_pages(make_staff_client, monkeypatch):
    from core.web import public_routes

    monkeypatch.setattr(public_routes, "EVENTS_PER_PAGE", 1)
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        venue = await _venue_through_the_form(client, nord.id, ["seating"])
        for day in (1, 2, 3):
            start = helpers.BERLIN_2030_05_04_14H_UTC.replace(day=day)
            await helpers.event(nord, f"Café {day}", start=start, publish=True, venue=venue.id if day != 2 else None)
        async with open_client(client.app) as visitor:
            first = parse((await visitor.get("/nordstadt/", params={"barrierefrei": "seating"})).text)
            assert "Café 1" in first.main_text
            assert "?barrierefrei=seating&page=2" in first.links()
            second = parse((await visitor.get("/nordstadt/", params={"barrierefrei": "seating", "page": "2"})).text)
            assert "Café 3" in second.main_text and "Café 2" not in second.main_text


async def test_the_filter_runs_in_the_database_on_whole_keys_past_any_number_of_events(make_client):
    """Not a scan of the first events in Python: a match after 2,100 events that lack the feature is found; a key is
    matched whole ("sign_language" is not "sign_language_on_request", "_" is no wildcard); an event without a venue
    offers what it adds; one that lacks its venue's feature does not offer it."""
    async with make_client() as client:
        nord = await helpers.quartier("nordstadt")
        near = helpers.BERLIN_2030_05_04_14H_UTC
        lacking = [Event(quartier=nord.id, title=f"Ohne {i}", slug=f"ohne-{i}", starts_at=near, ends_at=near + timedelta(hours=1),
                         status="published", accessibility_added="sign_language_on_request signXlanguage") for i in range(2100)]
        for chunk in range(0, len(lacking), 300):
            await Event.insert(*lacking[chunk:chunk + 300])
        later = near + timedelta(days=1)
        signed = await helpers.event(nord, "Mit Gebärdensprache", start=later, publish=True, accessibility_added="sign_language")
        venue = await helpers.venue(nord)
        await Venue.update({Venue.accessibility_features: "step_free seating"}).where(Venue.id == venue.id)
        seated = await helpers.event(nord, "Mit Sitzplätzen", start=later, publish=True, venue=venue.id)
        await helpers.event(nord, "Ohne Sitzplätze", start=later, publish=True, venue=venue.id, accessibility_removed="seating")

        def titles(response) -> list[str]:
            assert response.status_code == 200, response.text
            return [e["title"] for e in response.json()]

        api = "/api/quartiere/nordstadt/events"
        assert titles(await client.get(api, params={"accessibility": "sign_language"})) == [signed.title]
        assert titles(await client.get(api, params={"accessibility": ["seating", "step_free"]})) == [seated.title]
        assert titles(await client.get(api, params={"accessibility": "seating", "offset": 1})) == []
        page = parse((await client.get("/nordstadt/", params={"barrierefrei": "sign_language"})).text)
        assert "Mit Gebärdensprache" in page.main_text and "Ohne 1" not in page.main_text


async def test_a_copied_event_keeps_its_accessibility(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        event = await _event_with_features(client, nord)
        copy = await service.copy_event(event.id)
        assert (copy.accessibility_added, copy.accessibility_removed, copy.free_admission) == \
            ("sign_language", "accessible_toilet", True)
