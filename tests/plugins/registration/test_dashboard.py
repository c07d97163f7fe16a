"""The dashboard widget of the registration plugin: counts and an accessible SVG chart per upcoming event."""

from __future__ import annotations

import re
from datetime import date

import pytest

from core.testing.fixtures import ensure_quartiere
from plugins.registration import service
from plugins.registration.service import RegistrationInput
from plugins.registration.widgets import chart_svg
from tests.core.factories import make_event
from tests.core.web.pages import Element, parse

PLUGINS = ["registration"]


async def event_in(quartier: str, slug: str, form: bool = True, days: int = 10, **form_values):
    (row,) = await ensure_quartiere([quartier])
    event = await make_event(row, slug, days=days)
    if form:
        await service.ensure_form(event.id, **form_values)
    return event


async def register(event_id: int, name: str, **values) -> None:
    await service.register(event_id, RegistrationInput(name=name, consent=True, **({"phone": "05371 1234"} | values)))


def widgets(html: str) -> dict[str, Element]:
    """The dashboard's widget sections by their heading."""
    return {next(e for e in section.iter() if e.tag == "h2").text: section for section in parse(html).all("section", class_="widget")}


def facts(section: Element) -> dict[str, str]:
    dts = [e.text for e in section.iter() if e.tag == "dt"]
    dds = [e.text for e in section.iter() if e.tag == "dd"]
    return dict(zip(dts, dds))


async def test_widget_shows_counts_and_an_accessible_chart(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event = await event_in("nordstadt", "treff", capacity=3, max_companions=1)
        await event_in("nordstadt", "ohne-anmeldung", form=False)
        await register(event.id, "Anna", email="anna@example.org", companions=1)  # unconfirmed, 2 seats
        await register(event.id, "Bernd", phone="05371 2")  # phone only: confirmed
        await register(event.id, "Carla", phone="05371 3")  # waiting list
        from plugins.registration.tables import Registration

        bernd = await Registration.objects().where(Registration.name == "Bernd").first()
        await service.check_in(bernd)

        response = await client.get("/staff/")
        assert response.status_code == 200
        found = widgets(response.text)
        assert list(found) == [f"Anmeldungen: {event.title}"]  # no widget for the event without registration
        section = found[f"Anmeldungen: {event.title}"]
        assert section.get("aria-label") == f"Anmeldungen: {event.title}"
        assert facts(section) == {"Plätze vergeben": "3 von 3", "davon unbestätigt": "2", "Warteliste": "1", "Eingecheckt": "1"}
        assert "Zusammen bisher 4 Plätze angefragt (inkl. Warteliste und Stornierungen)." in section.text

        (svg,) = [e for e in section.iter() if e.tag == "svg"]
        assert svg.get("role") == "img"
        (title,) = [e for e in svg.iter() if e.tag == "title"]
        assert title.text == "Angemeldete Plätze in den letzten drei Wochen"
        assert svg.get("aria-labelledby") == title.get("id")
        assert len(parse(response.text).all(id=title.get("id"))) == 1
        # the y axis ends at the running total
        assert "4" in [e.text for e in svg.iter() if e.tag == "text"]
        assert re.search(r"<svg[^>]*role=\"img\"", response.text)

        links = [a.get("href") for a in section.iter() if a.tag == "a"]
        assert links == [f"/staff/r/registrations/?f_event={event.id}", f"/staff/anmeldungen/{event.id}/liste",
                         f"/staff/anmeldungen/{event.id}/anwesenheitsliste.pdf", f"/staff/anmeldungen/{event.id}/checkin"]
        for href in links:
            assert (await client.get(href)).status_code == 200


def test_charts_get_ids_of_their_own():
    titles = [re.search(r'<title id="([^"]+)"', str(chart_svg([date.today()], [n], f"Chart {n}"))).group(1) for n in range(5)]
    assert len(set(titles)) == 5, titles


async def test_several_widgets_each_with_a_chart(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        events = [await event_in("nordstadt", f"treff-{i}", days=5 + i) for i in range(4)]
        page = parse((await client.get("/staff/")).text)
        assert list(widgets(page.html)) == [f"Anmeldungen: {e.title}" for e in events]  # the next event first
        assert len(page.all("svg", role="img")) == 4


async def test_no_widget_for_past_or_cancelled_events(make_staff_client):
    from core.events import service as events

    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        past = await event_in("nordstadt", "vorbei", days=-5)
        cancelled = await event_in("nordstadt", "abgesagt")
        await events.cancel_event(cancelled.id)
        found = widgets((await client.get("/staff/")).text)
        assert f"Anmeldungen: {past.title}" not in found and f"Anmeldungen: {cancelled.title}" not in found
        assert found == {}


async def test_a_moderator_sees_no_widget(make_staff_client):
    async with make_staff_client(role="moderator", quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event = await event_in("nordstadt", "treff")
        await register(event.id, "Anna")
        response = await client.get("/staff/")
        assert response.status_code == 200
        assert widgets(response.text) == {} and "<svg" not in response.text
        assert event.title in response.text  # the event itself is listed, only the widget is missing


async def test_staff_of_another_quartier_see_no_widget_for_it(make_staff_client):
    async with make_staff_client(quartiere=["suedstadt"], plugins=PLUGINS) as sued, \
            make_staff_client(role="admin", quartiere=[], client=sued) as admin:
        nord_event = await event_in("nordstadt", "treff")
        sued_event = await event_in("suedstadt", "fest")
        await register(nord_event.id, "Anna")
        found = widgets((await sued.get("/staff/")).text)
        assert list(found) == [f"Anmeldungen: {sued_event.title}"]
        assert nord_event.title not in (await sued.get("/staff/")).text
        assert set(widgets((await admin.get("/staff/")).text)) == {
            f"Anmeldungen: {nord_event.title}", f"Anmeldungen: {sued_event.title}"}
