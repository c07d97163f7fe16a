"""Event series through the staff form and the public series page."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.events.tables import Event, EventSeries
from core.testing.fixtures import post_form
from tests.core.web import helpers
from tests.core.web.pages import parse

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2030, 3, 4, 13, 0, tzinfo=timezone.utc)  # Montag, 4. März 2030, 14:00 in Berlin (first Monday)


async def _cafe(publish: bool = True) -> Event:
    nord = await helpers.quartier("nordstadt")
    return await helpers.event(nord, "Nachbarschaftscafé", slug="cafe", start=MONDAY, publish=publish)


def _form(first: Event, **values: str) -> dict[str, str]:
    return {"event": str(first.id), "frequency": "weekly", "until": "", "count": "", "exceptions": "", **values}


async def _starts(series_id: int) -> list[str]:
    rows = await Event.objects().where(Event.series == series_id).order_by(Event.starts_at)
    return [r.starts_at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") for r in rows]


async def test_a_weekly_series_makes_one_event_per_date_and_a_public_page(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        cafe = await _cafe()
        detail = parse((await client.get(f"/staff/r/events/{cafe.id}")).text)
        assert f"/staff/r/series/new?event={cafe.id}" in detail.links()
        form = parse((await client.get(f"/staff/r/series/new?event={cafe.id}")).text)
        assert form.field_value("event") == str(cafe.id) and form.field_value("frequency") == "weekly"

        response = await post_form(client, "/staff/r/series/new", _form(cafe, count="8", exceptions="18.03.2030"))
        assert response.status_code == 303, response.text
        (series,) = await EventSeries.objects()
        # eight dates, 18 March left out, 14:00 also after the clocks change on 31 March
        assert await _starts(series.id) == [f"2030-{d} 14:00" for d in (
            "03-04", "03-11", "03-25", "04-01", "04-08", "04-15", "04-22")]
        copies = await Event.objects().where((Event.series == series.id) & (Event.id != cafe.id))
        assert {e.status for e in copies} == {"published"} and "cafe-2030-04-01" in {e.slug for e in copies}

        response = await client.get(f"/nordstadt/reihen/{series.id}")
        assert response.status_code == 301 and response.headers["location"] == f"/nordstadt/reihen/{series.id}-cafe"
        page = parse((await client.get(response.headers["location"])).text)
        assert page.h1 == "Nachbarschaftscafé"
        assert len(page.all("li", class_="card")) == 7
        event_page = parse((await client.get(f"/nordstadt/veranstaltungen/{cafe.id}-cafe")).text)
        assert f"/nordstadt/reihen/{series.id}-cafe" in event_page.links()
        assert (await client.get(f"/suedstadt/reihen/{series.id}-cafe")).status_code == 404
        assert (await client.get("/nordstadt/reihen/abc")).status_code == 404

        # the event is in a series now: a second one is refused beside the field
        response = await post_form(client, "/staff/r/series/new", _form(cafe, count="3"))
        assert response.status_code == 400 and "Diese Veranstaltung gehört schon zu einer Reihe." in response.text
        # deleting the series keeps its events
        assert (await post_form(client, f"/staff/r/series/{series.id}/delete")).status_code == 303
        assert await Event.count() == 7 and not await Event.exists().where(Event.series.is_not_null())


@pytest.mark.parametrize("values, dates", [
    ({"frequency": "biweekly", "until": "2030-04-01"}, ["03-04", "03-18", "04-01"]),
    ({"frequency": "monthly", "count": "3"}, ["03-04", "04-01", "05-06"]),  # the first Monday
])
async def test_every_second_week_and_monthly_on_the_first_monday(make_staff_client, values, dates):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        cafe = await _cafe(publish=False)
        assert (await post_form(client, "/staff/r/series/new", _form(cafe, **values))).status_code == 303
        (series,) = await EventSeries.objects()
        assert await _starts(series.id) == [f"2030-{d} 14:00" for d in dates]
        assert {e.status for e in await Event.objects()} == {"draft"}


@pytest.mark.parametrize("values, field, message", [
    ({}, "until", "Bitte geben Sie ein Enddatum oder die Anzahl der Termine an."),
    ({"count": "61"}, "count", "60"),
    ({"until": "2032-01-01"}, "until", "Eine Reihe hat höchstens 60 Termine."),
    ({"until": "2030-01-01"}, "until", "Das Enddatum liegt vor dem ersten Termin."),
    ({"count": "4", "exceptions": "12.03.2030"}, "exceptions", "Am 12.03.2030 gibt es keinen Termin dieser Reihe."),
    ({"count": "4", "exceptions": "Ostern"}, "exceptions", "„Ostern“ ist kein Datum wie 24.12.2030."),
    ({"count": "4", "frequency": "daily"}, "frequency", "Liste"),
    ({"count": "4", "event": "999999"}, "event", "Liste"),
])
async def test_a_wrong_series_is_refused_beside_its_field_and_writes_nothing(make_staff_client, values, field, message):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        cafe = await _cafe()
        response = await post_form(client, "/staff/r/series/new", _form(cafe, **values))
        assert response.status_code == 400
        error = parse(response.text).text_of(f"f-{field}-error")
        assert error and message in error, response.text
        assert await Event.count() == 1 and not await EventSeries.exists()


async def test_staff_of_another_quartier_cannot_make_a_series_of_the_event(make_staff_client):
    async with make_staff_client(quartiere=["suedstadt"]) as client:
        cafe = await _cafe()
        response = await post_form(client, "/staff/r/series/new", _form(cafe, count="3"))
        assert response.status_code == 400 and await Event.count() == 1
