"""The staff report (/staff/berichte) over HTTP: periods and their bounds, who sees which Quartier,
accessible SVG charts with tables, and the XLSX with numbers and dates as such. Runs on both databases."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from core.events import service as events
from core.reports.service import Period, PeriodError, change_count, parse_period
from core.testing.fixtures import ensure_quartiere, post_form
from tests.core.factories import make_event
from tests.core.web.pages import parse

REPORT = "/staff/berichte"
XLSX = "/staff/berichte/bericht.xlsx"


def totals(html: str) -> dict[str, str]:
    return {row[0]: row[1] for row in parse(html).table_rows()}


def error(html: str) -> str | None:
    return parse(html).text_of("form-errors")


@pytest.mark.parametrize("params, expected", [
    ({}, Period(date(2026, 1, 1), date(2026, 12, 31))),
    ({"period": "year", "year": "2024"}, Period(date(2024, 1, 1), date(2024, 12, 31))),
    ({"period": "quarter", "year": "2024", "quarter": "1"}, Period(date(2024, 1, 1), date(2024, 3, 31))),
    ({"period": "month", "year": "2024", "month": "2"}, Period(date(2024, 2, 1), date(2024, 2, 29))),
    ({"period": "custom", "from": "2025-11-15", "to": "2026-01-03"}, Period(date(2025, 11, 15), date(2026, 1, 3))),
])
def test_periods(params, expected):
    period = parse_period(params, date(2026, 12, 6))
    assert period == expected
    assert period.months[0] == expected.start.replace(day=1) and period.months[-1] == expected.end.replace(day=1)


@pytest.mark.parametrize("params, message", [
    ({"period": "custom", "from": "2026-05-01", "to": "2026-04-30"}, "Das Ende des Zeitraums muss nach seinem Beginn liegen."),
    ({"period": "custom", "from": "2015-01-01", "to": "2026-01-01"}, "Ein Zeitraum darf höchstens fünf Jahre umfassen."),
    ({"period": "custom", "from": "gestern", "to": ""}, "Bitte geben Sie Beginn und Ende als Datum an."),
    ({"period": "custom", "from": "1899-01-01", "to": "1899-02-01"}, "Bitte wählen Sie einen Zeitraum zwischen 2000 und 2100."),
    ({"period": "decade"}, "Bitte wählen Sie einen Zeitraum aus der Liste."),
    ({"period": "year", "year": "99999999999999999999"}, "Bitte wählen Sie einen Zeitraum zwischen 2000 und 2100."),
    ({"period": "month", "month": "13"}, "Bitte wählen Sie einen Zeitraum aus der Liste."),
    ({"period": "quarter", "quarter": "-1"}, "Bitte wählen Sie einen Zeitraum aus der Liste."),
])
async def test_a_bad_period_is_a_400_with_one_sentence_on_screen_and_for_the_xlsx(make_staff_client, params, message):
    with pytest.raises(PeriodError):
        parse_period(params, date(2026, 12, 6))
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        for url in (REPORT, XLSX):
            response = await client.get(url, params=params)
            assert response.status_code == 400, url
            assert error(response.text) == message
            assert "Traceback" not in response.text


async def test_staff_see_only_their_quartiere_and_admins_all(make_staff_client):
    async with make_staff_client(role="admin") as admin, \
            make_staff_client(quartiere=["nordstadt"], client=admin) as nord:
        nordstadt, suedstadt = await ensure_quartiere(["nordstadt", "suedstadt"])
        await make_event(suedstadt, "sued", days=-3)
        page = parse((await nord.get(REPORT)).text)
        assert [label for _value, label in page.options("quartier")] == ["Nordstadt"]
        assert page.h1 == "Bericht: Nordstadt"
        for url in (REPORT, XLSX):
            assert (await nord.get(url, params={"quartier": str(suedstadt.id)})).status_code == 404
            assert (await nord.get(url, params={"quartier": "x"})).status_code == 404
        assert "/staff/berichte" in parse((await nord.get("/staff/")).text).links()

        recent = {"period": "custom", "from": (date.today() - timedelta(days=10)).isoformat(), "to": date.today().isoformat()}
        page = parse((await admin.get(REPORT, params={"quartier": str(suedstadt.id), **recent})).text)
        assert [label for _value, label in page.options("quartier")] == ["Nordstadt", "Suedstadt"]
        assert totals(page.html)["Veranstaltungen durchgeführt"] == "1"
        assert totals((await admin.get(REPORT, params={"quartier": str(nordstadt.id), **recent})).text)[
            "Veranstaltungen durchgeführt"] == "0"
    async with make_staff_client(login=False) as anonymous:
        response = await anonymous.get(REPORT)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")


async def test_a_held_event_stays_counted_after_it_is_deleted_and_one_ahead_never_counts(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        (nordstadt,) = await ensure_quartiere(["nordstadt"])
        held = await make_event(nordstadt, "war", days=-2)
        ahead = await make_event(nordstadt, "kommt", days=3)
        period = {"period": "custom", "from": (date.today() - timedelta(days=10)).isoformat(),
                  "to": (date.today() + timedelta(days=10)).isoformat()}
        assert totals((await client.get(REPORT, params=period)).text)["Veranstaltungen durchgeführt"] == "1"
        for event in (held, ahead):
            assert (await post_form(client, f"/staff/r/events/{event.id}/delete")).status_code == 303
        assert totals((await client.get(REPORT, params=period)).text)["Veranstaltungen durchgeführt"] == "1"
        # the date it was held on decides the period, as for a live event
        earlier = {"period": "custom", "from": (date.today() - timedelta(days=30)).isoformat(),
                   "to": (date.today() - timedelta(days=20)).isoformat()}
        assert totals((await client.get(REPORT, params=earlier)).text)["Veranstaltungen durchgeführt"] == "0"


async def test_the_report_counts_held_events_by_month_with_accessible_charts(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        (nordstadt,) = await ensure_quartiere(["nordstadt"])
        held = await make_event(nordstadt, "war", days=-2)
        await make_event(nordstadt, "kommt", days=5)  # not held yet
        draft = await make_event(nordstadt, "entwurf", days=-2, publish=False)
        cancelled = await make_event(nordstadt, "abgesagt", days=-2)
        await events.cancel_event(cancelled.id)
        await change_count("test", held.id, "waved", 2)  # figures of no loaded plugin are not shown
        assert draft.status == "draft"
        day = (datetime.now().date() - timedelta(days=2))
        params = {"period": "month", "year": str(day.year), "month": str(day.month)}
        page = parse((await client.get(REPORT, params=params)).text)
        rows = page.table_rows()
        assert rows == [["Veranstaltungen durchgeführt", "1", "1"]]
        svg = page.all("svg")
        assert len(svg) == 1 and svg[0].get("role") == "img"
        labelled = svg[0].get("aria-labelledby").split()
        assert [page.by_id(i).tag for i in labelled] == ["title", "desc"]
        assert page.text_of(labelled[0]) == "Veranstaltungen durchgeführt"
        assert "insgesamt 1." in page.text_of(labelled[1])
        section = page.all("section", class_="report-figure")[0]
        assert any(e.tag == "table" for e in section.iter())  # the numbers next to the chart

        year = parse((await client.get(REPORT, params={"period": "year", "year": str(day.year)})).text)
        header = [e for e in year.root.iter() if e.tag == "thead"][0]
        assert len([e for e in header.iter() if e.tag == "th"]) == 2 + 12
        assert re.search(r"Zeitraum: .*1\. Januar %d – .*31\. Dezember %d" % (day.year, day.year), year.main_text)


async def test_the_xlsx_holds_numbers_as_numbers_and_dates_as_dates(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        (nordstadt,) = await ensure_quartiere(["nordstadt"])
        await make_event(nordstadt, "war", days=-2)
        day = datetime.now().date() - timedelta(days=2)
        response = await client.get(XLSX, params={"period": "quarter", "year": str(day.year), "quarter": str((day.month - 1) // 3 + 1)})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        assert "bericht-nordstadt-" in response.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet["A1"].value == "Quartier" and sheet["B1"].value == "Nordstadt"
        assert isinstance(sheet["B2"].value, datetime) and isinstance(sheet["B3"].value, datetime)
        header = [cell.value for cell in sheet[5]]
        assert header[:2] == ["Kennzahl", "Gesamt"] and len(header) == 5
        assert all(isinstance(value, datetime) and value.day == 1 for value in header[2:])
        row = [cell.value for cell in sheet[6]]
        assert row[0] == "Veranstaltungen durchgeführt" and row[1] == 1 and sum(row[2:]) == 1


async def test_a_role_that_is_neither_admin_nor_staff_gets_no_report(make_staff_client):
    async with make_staff_client(role="moderator", quartiere=["nordstadt"], plugins=["exhibition"]) as moderator:
        for url in (REPORT, XLSX, "/staff/berichte/bericht.pdf"):
            assert (await moderator.get(url)).status_code == 403
        assert REPORT not in parse((await moderator.get("/staff/moderation")).text).links()
