"""The demo deployment carries the office's year: right after loading it every page has something to show —
the weekly café series, a festival over three days, a past event with check-ins and walk-ins and its year report."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from core.demo.loader import CAFE_DATES, CAFE_SLUG, FESTIVAL_SLUG, PAST_SLUG, TZ, load_demo
from core.events.tables import Event, EventSeries
from core.testing.pdf import flat, read_pdf
from tests.core.web.pages import parse

PLUGINS = ["registration", "notifications", "exhibition"]


async def test_the_demo_has_a_series_a_multi_day_event_a_past_event_and_its_year_report(make_staff_client):
    async with make_staff_client(role="admin", plugins=PLUGINS) as admin:
        await load_demo(admin.deployment)
        await load_demo(admin.deployment)  # twice changes nothing
        assert await Event.count().where(Event.slug == FESTIVAL_SLUG) == 1

        # the weekly café: one series, eight dates on its page and in its calendar
        (series,) = await EventSeries.objects().where(EventSeries.slug.like(f"{CAFE_SLUG}%"))
        page = parse((await admin.get(f"/gifhorn/reihen/{series.id}-{series.slug}")).text)
        assert page.h1 == "Nachbarschaftscafé"
        dates = {url for url in page.links() if url.startswith("/gifhorn/veranstaltungen/")}
        assert len(dates) == CAFE_DATES
        ics = (await admin.get(f"/api/series/{series.id}/series.ics")).text
        assert ics.count("BEGIN:VEVENT") == CAFE_DATES

        # the summer festival: Friday to Sunday, shown as such
        festival = await Event.objects().where(Event.slug == FESTIVAL_SLUG).first()
        start, end = festival.starts_at.astimezone(TZ), festival.ends_at.astimezone(TZ)
        assert (start.weekday(), end.weekday(), (end.date() - start.date()).days) == (4, 6, 2)
        public = parse((await admin.get(f"/gifhorn/veranstaltungen/{festival.id}-{festival.slug}")).text)
        assert public.h1 == "Sommerfest im Quartier"
        assert f"Freitag, {start.day}." in public.main_text and f"Sonntag, {end.day}." in public.main_text
        assert f"/gifhorn/veranstaltungen/{festival.id}-{festival.slug}" in parse((await admin.get("/gifhorn/")).text).links()
        assert (await admin.get(f"/staff/veranstaltungen/{festival.id}")).status_code == 200

        # the past party: its walk-ins in its cockpit, its figures in the year report as XLSX and PDF
        past = await Event.objects().where(Event.slug == PAST_SLUG).first()
        cockpit = (await admin.get(f"/staff/veranstaltungen/{past.id}")).text
        assert "Ohne Anmeldung" in cockpit and f"/staff/anmeldungen/{past.id}/ohne-anmeldung" in parse(cockpit).links()
        year = past.starts_at.astimezone(TZ).year
        params = {"quartier": str(past.quartier), "period": "year", "year": str(year)}
        page = parse((await admin.get("/staff/berichte", params=params)).text)
        found = {row[0]: row[1] for row in page.table_rows()}
        assert found["Eingecheckt"] == "15" and found["Ohne Anmeldung gekommen"] == "20"
        xlsx = await admin.get("/staff/berichte/bericht.xlsx", params=params)
        assert xlsx.status_code == 200 and f"-{year}-01-01-{year}-12-31.xlsx" in xlsx.headers["content-disposition"]
        rows = {row[0]: row[1] for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True) if row}
        assert rows["Angemeldet"] == 18 and rows["Eingecheckt"] == 15 and rows["Ohne Anmeldung gekommen"] == 20
        pdf = await admin.get("/staff/berichte/bericht.pdf", params=params)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = flat(" ".join(p.text for p in read_pdf(pdf.content)))
        assert "Bericht: Gifhorn" in text and "Eingecheckt 15" in text and "Ohne Anmeldung gekommen 20" in text


async def test_a_passed_festival_moves_forward_on_the_next_load(make_staff_client):
    async with make_staff_client(role="admin", plugins=PLUGINS) as admin:
        await load_demo(admin.deployment)
        festival = await Event.objects().where(Event.slug == FESTIVAL_SLUG).first()
        later = festival.starts_at.astimezone(TZ).date() + timedelta(days=3)
        await load_demo(admin.deployment, today=later)
        moved = await Event.objects().where(Event.slug == FESTIVAL_SLUG).first()
        assert moved.starts_at.astimezone(TZ).date() > later and moved.starts_at.weekday() == 4
