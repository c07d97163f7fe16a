"""Poster (A4), flyer (A6) and the Quartier's programme as PDFs, through HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from core.content.service import save_versions
from core.events import service as events
from core.events.tables import Event, Venue
from core.testing.pdf import flat, read_pdf
from tests.core.factories import make_event, make_quartier

BERLIN = ZoneInfo("Europe/Berlin")


async def test_poster_and_flyer_carry_the_event_and_its_qr_code(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        from core.quartiere.service import get_by_slug

        q = await get_by_slug("nordstadt")
        event = await make_event(q, "sommerfest", summary="Musik, Kuchen und Spiele für alle Generationen.")
        start = datetime(2027, 6, 11, 15, 0, tzinfo=BERLIN)
        await Event.update({Event.starts_at: start, Event.ends_at: start + timedelta(days=2, hours=3)}).where(Event.id == event.id)
        await Venue.update({Venue.accessibility: "Stufenloser Eingang, barrierefreie Toilette",
                            Venue.accessibility_features: "step_free"}).where(Venue.id == event.venue)
        await Event.update({Event.free_admission: True}).where(Event.id == event.id)
        url = f"http://testserver.local/nordstadt/veranstaltungen/{event.id}-sommerfest"
        detail = await client.get(f"/staff/r/events/{event.id}")
        assert f"/staff/veranstaltungen/{event.id}/plakat.pdf" in detail.text
        assert f"/staff/veranstaltungen/{event.id}/handzettel.pdf" in detail.text

        for name, size in (("plakat", (210, 297)), ("handzettel", (105, 148))):
            response = await client.get(f"/staff/veranstaltungen/{event.id}/{name}.pdf")
            assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
            assert f'filename="{name}-sommerfest-de.pdf"' in response.headers["content-disposition"]
            [page] = read_pdf(response.content)
            text = flat(page.text)
            assert (page.width_mm, page.height_mm) == size
            assert page.qr_codes == [url]
            assert "Treffen sommerfest" in text
            # several days: the end's day is named
            assert "Freitag, 11. Juni 2027, 15:00 – Sonntag, 13. Juni 2027, 18:00" in text
            assert "Treff-PUNKT 53, Hauptstraße 1, 38518 Gifhorn" in text
            assert "Barrierefreiheit: Stufenloser Zugang · Stufenloser Eingang" in text  # the features, then the note
            assert "Der Eintritt ist frei." in text
            assert "Ulrike Buka" in text and "(05371) 82562" in text
            assert "Musik, Kuchen" in text


async def test_poster_in_a_language_version(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        from core.quartiere.service import get_by_slug

        q = await get_by_slug("nordstadt")
        event = await make_event(q, "cafe")
        await save_versions("events", event, "ar", {"title": "مقهى الجيران"})
        await save_versions("events", event, "uk", {"title": "Сусідське кафе"})
        response = await client.get(f"/staff/veranstaltungen/{event.id}/plakat.pdf?lang=ar")
        assert response.status_code == 200
        assert "set-cookie" not in response.headers or "lang=" not in response.headers["set-cookie"]  # staff pages stay German
        [page] = read_pdf(response.content)
        assert "مقهى" in page.text and "الجيران" in page.text
        assert page.qr_codes == [f"http://testserver.local/nordstadt/veranstaltungen/{event.id}-cafe?lang=ar"]
        [page] = read_pdf((await client.get(f"/staff/veranstaltungen/{event.id}/handzettel.pdf?lang=uk")).content)
        assert "Сусідське кафе" in page.text and "Контакт" in page.text  # the labels in Ukrainian too
        staff_page = await client.get(f"/staff/r/events/{event.id}")
        assert 'lang="de"' in staff_page.text


async def test_poster_refuses_bad_requests(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        from core.quartiere.service import get_by_slug

        other = await make_quartier("suedstadt")
        foreign = await make_event(other, "fremd")
        own = await make_event(await get_by_slug("nordstadt"), "eigen")
        assert (await client.get("/staff/veranstaltungen/999999/plakat.pdf")).status_code == 404
        assert (await client.get(f"/staff/veranstaltungen/{foreign.id}/plakat.pdf")).status_code == 404
        response = await client.get(f"/staff/veranstaltungen/{own.id}/handzettel.pdf?lang=xx")
        assert response.status_code == 400 and "Diese Sprache wird nicht angeboten." in response.text
        client.cookies.clear()
        response = await client.get(f"/staff/veranstaltungen/{own.id}/plakat.pdf", follow_redirects=False)
        assert response.status_code == 303 and "/staff/login" in response.headers["location"]


async def test_programme_of_a_week_and_a_month(make_client):
    async with make_client() as client:
        q = await make_quartier("nordstadt")
        monday = datetime(2027, 3, 1, 14, 0, tzinfo=BERLIN)  # a Monday
        cafe = await make_event(q, "cafe", title="Nachbarschaftscafé", summary="Kaffee und Kuchen")
        await Event.update({Event.starts_at: monday, Event.ends_at: monday + timedelta(hours=2)}).where(Event.id == cafe.id)
        await Venue.update({Venue.accessibility: "Stufenloser Zugang über den Hof"}).where(Venue.id == cafe.venue)
        later = await make_event(q, "fest", title="Frühlingsfest")
        await Event.update({Event.starts_at: monday + timedelta(days=20), Event.ends_at: monday + timedelta(days=21)}).where(Event.id == later.id)
        draft = await make_event(q, "entwurf", title="Geheimer Entwurf", publish=False)
        await Event.update({Event.starts_at: monday, Event.ends_at: monday + timedelta(hours=1)}).where(Event.id == draft.id)
        gone = await make_event(q, "abgesagt", title="Lesung")
        await Event.update({Event.starts_at: monday + timedelta(days=2), Event.ends_at: monday + timedelta(days=2, hours=1)}).where(Event.id == gone.id)
        await events.cancel_event(gone.id)

        page_html = (await client.get("/nordstadt/")).text
        assert "/nordstadt/programm.pdf?zeitraum=woche" in page_html and "Programm drucken" in page_html

        week = await client.get("/nordstadt/programm.pdf?zeitraum=woche&ab=2027-03-03")
        assert week.status_code == 200 and week.headers["content-type"] == "application/pdf"
        pages = read_pdf(week.content)
        text = flat(" ".join(p.text for p in pages))
        assert (pages[0].width_mm, pages[0].height_mm) == (210, 297)
        assert pages[0].qr_codes == ["http://testserver.local/nordstadt/"]
        assert "Programm Nordstadt" in text and "1.–7. März 2027" in text
        assert "Nachbarschaftscafé" in text and "Kaffee und Kuchen" in text and "Stufenloser Zugang" in text
        assert "Abgesagt: Lesung" in text
        assert "Frühlingsfest" not in text and "Geheimer Entwurf" not in text
        month = flat(" ".join(p.text for p in read_pdf((await client.get("/nordstadt/programm.pdf?zeitraum=monat&ab=2027-03-03")).content)))
        assert "März 2027" in month and "Nachbarschaftscafé" in month and "Frühlingsfest" in month
        # the order: by start
        assert month.index("Nachbarschaftscafé") < month.index("Lesung") < month.index("Frühlingsfest")
        empty = read_pdf((await client.get("/nordstadt/programm.pdf?zeitraum=woche&ab=2027-05-03")).content)
        assert "Zurzeit sind keine Veranstaltungen geplant." in empty[0].text


async def test_programme_refuses_bad_requests(make_client):
    async with make_client() as client:
        await make_quartier("nordstadt")
        assert (await client.get("/unbekannt/programm.pdf")).status_code == 404
        far = (datetime.now(timezone.utc) + timedelta(days=3 * 366)).date().isoformat()
        for query in ("zeitraum=jahr", "ab=gestern", f"ab={far}", "ab=2027-02-30", "zeitraum=monat&ab=1900-01-01"):
            response = await client.get(f"/nordstadt/programm.pdf?{query}")
            assert response.status_code == 400, query
            assert "Bitte wählen Sie eine Woche oder einen Monat, höchstens zwei Jahre von heute entfernt." in response.text
        response = await client.get("/nordstadt/programm.pdf?lang=xx")
        assert response.status_code == 400 and "Diese Sprache wird nicht angeboten." in response.text


async def test_programme_is_limited_per_client(make_client):
    async with make_client() as client:
        from core.events.printing import PROGRAMMES_PER_MINUTE

        await make_quartier("nordstadt")
        for _ in range(PROGRAMMES_PER_MINUTE):
            assert (await client.get("/nordstadt/programm.pdf?zeitraum=jahr")).status_code == 400  # cheap, but counted
        response = await client.get("/nordstadt/programm.pdf")
        assert response.status_code == 429 and "Zu viele Anfragen" in response.text


async def test_moderators_get_no_poster(make_staff_client):
    async with make_staff_client(role="moderator", quartiere=["nordstadt"], plugins=["exhibition"]) as client:
        from core.quartiere.service import get_by_slug

        event = await make_event(await get_by_slug("nordstadt"), "cafe")
        assert (await client.get(f"/staff/veranstaltungen/{event.id}/plakat.pdf")).status_code == 404
