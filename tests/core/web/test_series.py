"""Event series through the staff form and the public series page."""

from __future__ import annotations

import json
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


def _edit(event: Event, scope: str, **values: str) -> dict[str, str]:
    """The edit form of a date as staff see it, with ``values`` changed."""
    local = {name: getattr(event, name).astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M") for name in ("starts_at", "ends_at")}
    return {"title": event.title, "slug": event.slug, **local, "venue": "", "summary": "", "description": "",
            "contact_name": "", "contact_phone": "", "contact_email": "", "series_scope": scope, **values}


async def _weekly(client, count: int = 5, publish: bool = True) -> tuple[EventSeries, list[Event]]:
    cafe = await _cafe(publish=publish)
    assert (await post_form(client, "/staff/r/series/new", _form(cafe, count=str(count)))).status_code == 303
    (series,) = await EventSeries.objects()
    return series, await Event.objects().where(Event.series == series.id).order_by(Event.starts_at)


async def _dates(series_id: int) -> list[Event]:
    return await Event.objects().where(Event.series == series_id).order_by(Event.starts_at)


async def test_one_date_changed_alone_keeps_its_change_when_all_dates_change(make_staff_client, published_events):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        series, dates = await _weekly(client)
        form = parse((await client.get(f"/staff/r/events/{dates[1].id}/edit")).text)
        assert form.field_value("series_scope") == "this"
        assert "series_scope" not in (await client.get("/staff/r/events/new")).text
        # only the second date: another title
        response = await post_form(client, f"/staff/r/events/{dates[1].id}/edit", _edit(dates[1], "this", title="Café mit Musik"))
        assert response.status_code == 303, response.text
        assert [e.title for e in await _dates(series.id)] == ["Nachbarschaftscafé", "Café mit Musik"] + ["Nachbarschaftscafé"] * 3
        assert "Titel" in parse((await client.get(f"/staff/r/events/{dates[1].id}")).text).text_of("main")

        # all dates: a new title and 15:00 – 17:00 instead of 14:00 – 16:00; the second date keeps its title
        response = await post_form(client, f"/staff/r/events/{dates[0].id}/edit", _edit(
            dates[0], "all", title="Nachbarschaftscafé am Montag", starts_at="2030-03-04T15:00", ends_at="2030-03-04T17:00"))
        assert response.status_code == 303, response.text
        after = await _dates(series.id)
        assert [e.title for e in after] == ["Nachbarschaftscafé am Montag", "Café mit Musik"] + ["Nachbarschaftscafé am Montag"] * 3
        assert [e.starts_at.astimezone(BERLIN).strftime("%d.%m. %H:%M") for e in after] == [
            "04.03. 15:00", "11.03. 15:00", "18.03. 15:00", "25.03. 15:00", "01.04. 15:00"]  # also after the clocks change
        assert {e.ends_at - e.starts_at for e in after} == {timedelta(hours=2)}
        assert all(e.sequence > d.sequence for e, d in zip(after, dates))
        changed = [e for e in await published_events("event.changed")]
        assert {e.event for e in changed} == {d.id for d in dates}  # registered people of every date are told
        assert (await EventSeries.objects().first()).title == "Nachbarschaftscafé am Montag"


async def test_this_and_following_splits_the_series_at_that_date(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        series, dates = await _weekly(client, count=5)
        response = await post_form(client, f"/staff/r/events/{dates[2].id}/edit", _edit(
            dates[2], "following", starts_at="2030-03-18T10:00", ends_at="2030-03-18T12:00", title="Frühstückscafé"))
        assert response.status_code == 303, response.text
        # the series keeps its id (page, feed, subscribers) for the dates to come; the earlier ones get a new one
        new, old = await EventSeries.objects().order_by(EventSeries.id)
        assert new.id == series.id
        assert str(old.until) == "2030-03-17" and old.count is None and str(new.until) == "2030-04-01"
        assert [(e.title, e.starts_at.astimezone(BERLIN).strftime("%H:%M")) for e in await _dates(old.id)] == [
            ("Nachbarschaftscafé", "14:00")] * 2
        assert [(e.title, e.starts_at.astimezone(BERLIN).strftime("%H:%M")) for e in await _dates(new.id)] == [
            ("Frühstückscafé", "10:00")] * 3
        assert new.title == "Frühstückscafé" and old.title == "Nachbarschaftscafé"
        feed = await client.get(f"/api/series/{series.id}/series.ics")
        assert feed.text.count("BEGIN:VEVENT") == 3 and "Frühstückscafé" in feed.text

        # "this and following" on the first date of a series is "all": no split
        first = (await _dates(new.id))[0]
        response = await post_form(client, f"/staff/r/events/{first.id}/edit", _edit(first, "following", title="Frühstück"))
        assert response.status_code == 303 and len(await EventSeries.select(EventSeries.id)) == 2
        assert {e.title for e in await _dates(new.id)} == {"Frühstück"}


async def test_a_wrong_scope_is_refused_and_changes_nothing(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        series, dates = await _weekly(client, count=3)
        response = await post_form(client, f"/staff/r/events/{dates[1].id}/edit", _edit(dates[1], "jeden", title="Anders"))
        assert response.status_code == 400 and parse(response.text).text_of("f-series_scope-error")
        response = await post_form(client, f"/staff/r/events/{dates[1].id}/edit", _edit(
            dates[1], "all", starts_at="2030-03-11T18:00", ends_at="2030-03-11T17:00"))
        assert response.status_code == 400
        assert "Das Ende muss nach dem Beginn liegen." in parse(response.text).text_of("f-ends_at-error")
        assert [(e.title, e.starts_at, e.sequence) for e in await _dates(series.id)] == [
            (e.title, e.starts_at, e.sequence) for e in dates]


def _rule(**values: str) -> dict[str, str]:
    return {"until": "", "count": "", "exceptions": "", **values}


async def test_shortening_cancels_published_dates_and_extending_adds_dates(make_staff_client, published_events):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        series, dates = await _weekly(client, count=5)
        form = parse((await client.get(f"/staff/r/series/{series.id}/edit")).text)
        assert form.field_value("count") == "5"
        # three dates, and 11 March skipped: the 11th, the 25th and 1 April are cancelled, nothing deleted
        response = await post_form(client, f"/staff/r/series/{series.id}/edit", _rule(count="3", exceptions="11.03.2030"))
        assert response.status_code == 303, response.text
        after = await _dates(series.id)
        assert [e.id for e in after] == [e.id for e in dates]
        assert [e.status for e in after] == ["published", "cancelled", "published", "cancelled", "cancelled"]
        assert {e.event for e in await published_events("event.cancelled")} == {dates[1].id, dates[3].id, dates[4].id}

        # extended to 15 April: new published dates after the last one, the cancelled ones stay cancelled
        response = await post_form(client, f"/staff/r/series/{series.id}/edit", _rule(until="2030-04-15", exceptions="11.03.2030"))
        assert response.status_code == 303, response.text
        after = await _dates(series.id)
        assert [(e.starts_at.astimezone(BERLIN).strftime("%d.%m. %H:%M"), e.status) for e in after][-2:] == [
            ("08.04. 14:00", "published"), ("15.04. 14:00", "published")]
        assert len(after) == 7 and str((await EventSeries.objects().first()).until) == "2030-04-15"


async def test_shortening_a_draft_series_deletes_its_draft_dates(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        series, dates = await _weekly(client, count=4, publish=False)
        assert (await post_form(client, f"/staff/r/series/{series.id}/edit", _rule(count="2"))).status_code == 303
        assert [e.id for e in await _dates(series.id)] == [dates[0].id, dates[1].id]


@pytest.mark.parametrize("values, field, message", [
    ({}, "until", "Bitte geben Sie ein Enddatum oder die Anzahl der Termine an."),
    ({"until": "2030-01-01"}, "until", "Das Enddatum liegt vor dem ersten Termin."),
    ({"count": "3", "exceptions": "12.03.2030"}, "exceptions", "Am 12.03.2030 gibt es keinen Termin dieser Reihe."),
    ({"count": "3", "exceptions": "01.04.2030"}, "exceptions", "Am 01.04.2030 gibt es keinen Termin dieser Reihe."),
    ({"count": "3", "exceptions": "04.03.2030"}, "exceptions", "Am 04.03.2030 gibt es keinen Termin dieser Reihe."),
])
async def test_a_wrong_rule_change_is_refused_beside_its_field(make_staff_client, values, field, message):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        series, dates = await _weekly(client, count=3)
        response = await post_form(client, f"/staff/r/series/{series.id}/edit", _rule(**values))
        assert response.status_code == 400
        assert message in (parse(response.text).text_of(f"f-{field}-error") or ""), response.text
        assert [(e.id, e.status) for e in await _dates(series.id)] == [(e.id, "published") for e in dates]
        assert (await EventSeries.objects().first()).count == 3


async def test_the_series_feed_holds_every_date_with_stable_uids(make_staff_client):
    import icalendar

    async with make_staff_client(quartiere=["nordstadt"]) as client:
        series, dates = await _weekly(client, count=4)
        before = icalendar.Calendar.from_ical((await client.get(f"/api/series/{series.id}/series.ics")).content)
        assert (await post_form(client, f"/staff/r/series/{series.id}/edit", _rule(count="4", exceptions="18.03.2030"))).status_code == 303
        response = await client.get(f"/api/series/{series.id}/series.ics")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
        cal = icalendar.Calendar.from_ical(response.content)
        assert str(cal["X-WR-CALNAME"]) == "Nachbarschaftscafé"
        items = cal.walk("VEVENT")
        uids = [str(i["UID"]) for i in items]
        assert uids == [str(i["UID"]) for i in before.walk("VEVENT")]  # stable per date
        assert [u.split("@")[0] for u in uids] == [f"event-{e.id}" for e in dates]
        assert [str(i["STATUS"]) for i in items] == ["CONFIRMED", "CONFIRMED", "CANCELLED", "CONFIRMED"]
        assert int(items[2]["SEQUENCE"]) > int(before.walk("VEVENT")[2]["SEQUENCE"])
        assert {str(i["RELATED-TO"]) for i in items} == {f"series-{series.id}@{str(items[0]['UID']).split('@')[1]}"}
        # the Quartier's feed still parses and names the series too
        quartier = icalendar.Calendar.from_ical((await client.get("/api/quartiere/nordstadt/events.ics")).content)
        assert len(quartier.walk("VEVENT")) == 4 and all("RELATED-TO" in i for i in quartier.walk("VEVENT"))
        assert (await client.get("/api/series/999999/series.ics")).status_code == 404

        page = parse((await client.get(f"/nordstadt/reihen/{series.id}-cafe")).text)
        assert f"/api/series/{series.id}/series.ics" in page.links()
        assert len(page.all("li", class_="card cancelled")) == 1
        (ld,) = [json.loads(text) for text in page.json_ld() if '"EventSeries"' in text]
        assert ld["name"] == "Nachbarschaftscafé" and len(ld["subEvent"]) == 4
        assert ld["subEvent"][2]["eventStatus"] == "https://schema.org/EventCancelled"


async def test_dates_that_are_over_stay_as_they_were(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        start = (datetime.now(timezone.utc) - timedelta(days=14)).replace(microsecond=0)
        first = await helpers.event(nord, "Café", slug="cafe", start=start, publish=True)
        assert (await post_form(client, "/staff/r/series/new", _form(first, count="4"))).status_code == 303
        (series,) = await EventSeries.objects()
        dates = await _dates(series.id)
        # a new title for all dates: the two that are over keep theirs
        response = await post_form(client, f"/staff/r/events/{dates[3].id}/edit", _edit(dates[3], "all", title="Neues Café"))
        assert response.status_code == 303, response.text
        assert [e.title for e in await _dates(series.id)] == ["Café", "Café", "Neues Café", "Neues Café"]
        # shortened to one date: the second one is over and is not cancelled afterwards
        first_day = dates[0].starts_at.astimezone(BERLIN).date().isoformat()
        response = await post_form(client, f"/staff/r/series/{series.id}/edit", _rule(until=first_day))
        assert response.status_code == 303, response.text
        assert [e.status for e in await _dates(series.id)] == ["published", "published", "cancelled", "cancelled"]


async def test_an_event_outside_a_series_is_not_asked_which_dates_a_change_is_for(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        cafe = await _cafe()
        assert "series_scope" not in (await client.get(f"/staff/r/events/{cafe.id}/edit")).text
        values = _edit(cafe, "this", title="Café am Dienstag")
        del values["series_scope"]
        assert (await post_form(client, f"/staff/r/events/{cafe.id}/edit", values)).status_code == 303
        assert (await Event.objects().where(Event.id == cafe.id).first()).title == "Café am Dienstag"
