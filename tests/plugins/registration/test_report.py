"""The walk-in counter at the door and the registration plugin's figures in the report, through HTTP,
also after the deletion deadline erased the personal data (and after the registrations are gone).

Runs on SQLite and PostgreSQL (``make_staff_client`` uses the parametrized ``database_url``).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from core.events import service as events
from core.reports.tables import EventFigure
from core.testing.fixtures import ensure_quartiere, post_form
from plugins.registration import service
from plugins.registration.tables import Registration
from tests.core.factories import make_event
from tests.core.web.pages import parse
from tests.plugins.registration.test_staff import register

PLUGINS = ["registration"]


def walk_in_url(event_id: int) -> str:
    return f"/staff/anmeldungen/{event_id}/ohne-anmeldung"


def count_text(html: str) -> str:
    (count,) = parse(html).all("p", class_="walk-in-count")
    return count.text


async def held_yesterday(slug: str = "fest", quartier: str = "nordstadt"):
    """An event registered for while ahead, then moved to yesterday (so it is held), with a registration form."""
    (row,) = await ensure_quartiere([quartier])
    event = await make_event(row, slug, days=3)
    await service.ensure_form(event.id, capacity=10, max_companions=1)
    return event


async def move_to_yesterday(event_id: int) -> None:
    start = (datetime.now(timezone.utc) - timedelta(days=1)).replace(hour=13, minute=0, second=0, microsecond=0)
    await events.update_event(event_id, starts_at=start, ends_at=start + timedelta(hours=3))


def report_params() -> dict[str, str]:
    today = datetime.now(timezone.utc).date()
    return {"period": "custom", "from": (today - timedelta(days=40)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}


def totals(html: str) -> dict[str, str]:
    return {row[0]: row[1] for row in parse(html).table_rows()}


async def test_walk_in_counter_counts_up_and_down_without_javascript(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event = await held_yesterday()
        url = walk_in_url(event.id)
        page = parse((await client.get(url)).text)
        assert page.h1 == f"Ohne Anmeldung: {event.title}"
        assert count_text((await client.get(url)).text) == "Ohne Anmeldung gezählt: 0"
        assert url in page.post_forms()
        assert page.checked("age_group") == [""]  # "keine Angabe" is the default

        response = await post_form(client, url, {"delta": "1", "age_group": "65+", "first_time": "on"})
        assert response.status_code == 303 and response.headers["location"] == url
        await post_form(client, url, {"delta": "1", "age_group": ""})
        await post_form(client, url, {"delta": "1", "age_group": "u14"})
        assert count_text((await client.get(url)).text) == "Ohne Anmeldung gezählt: 3"
        back = await post_form(client, url, {"delta": "-1", "age_group": "u14"})
        assert back.status_code == 303
        page = parse((await client.get(url)).text)
        assert count_text(page.html) == "Ohne Anmeldung gezählt: 2"
        rows = {row[0]: row[1] for row in page.table_rows()}
        assert rows["Ältere (ab 65)"] == "1" and rows["Kinder (bis 13)"] == "0" and rows["zum ersten Mal hier"] == "1"
        assert rows["keine Angabe"] == "1"


async def test_walk_in_counter_refuses_below_zero_and_bad_input(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event = await held_yesterday()
        url = walk_in_url(event.id)
        await post_form(client, url, {"delta": "1", "age_group": "18-64"})
        below = await post_form(client, url, {"delta": "-1", "age_group": "65+"})  # that group has none
        assert below.status_code == 400
        assert parse(below.text).text_of("form-errors") == "Der Zähler kann nicht unter null fallen."
        for bad in ({"delta": "5"}, {"delta": "1", "age_group": "99+"}, {"delta": ""}, {}):
            response = await post_form(client, url, bad)
            assert response.status_code == 400, bad
            assert parse(response.text).text_of("form-errors") == "Bitte wählen Sie einen Eintrag aus der Liste."
        assert count_text((await client.get(url)).text) == "Ohne Anmeldung gezählt: 1"
        assert (await post_form(client, url, {"delta": "1"}, csrf=False)).status_code == 403
        rows = await EventFigure.select().where(EventFigure.event == event.id)
        assert [(r["kind"], r["age_group"], r["count"]) for r in rows if r["count"]] == [("walk_in", "18-64", 1)]


async def test_walk_in_counter_is_for_the_staff_of_the_events_quartier_only(make_staff_client):
    async with make_staff_client(role="admin", plugins=PLUGINS) as admin, \
            make_staff_client(quartiere=["nordstadt"], client=admin) as nord:
        theirs = await held_yesterday("sued-fest", quartier="suedstadt")
        assert (await nord.get(walk_in_url(theirs.id))).status_code == 404
        assert (await post_form(nord, walk_in_url(theirs.id), {"delta": "1"})).status_code == 404
        assert (await admin.get(walk_in_url(theirs.id))).status_code == 200
        assert (await nord.get(walk_in_url(999999))).status_code == 404


async def test_report_totals_match_what_happened_also_after_the_deletion_deadline(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event = await held_yesterday()
        erika = await register(event.id, "Erika Muster", phone="05371 1", companions=1)
        await register(event.id, "Max Mustermann", phone="05371 2")
        cancelled = await register(event.id, "Clara Absage", phone="05371 3")
        await service.cancel(cancelled)
        await move_to_yesterday(event.id)
        await post_form(client, f"/staff/anmeldungen/{event.id}/checkin/{erika.id}", {"present": "1"})
        for age_group, first in (("18-64", "on"), ("65+", ""), ("", "")):
            await post_form(client, walk_in_url(event.id), {"delta": "1", "age_group": age_group, "first_time": first})

        expected = {"Veranstaltungen durchgeführt": "1", "Angemeldet": "3", "Eingecheckt": "2",
                    "Ohne Anmeldung gekommen": "3", "davon zum ersten Mal hier": "1", "davon Erwachsene (18–64)": "1",
                    "davon Ältere (ab 65)": "1", "davon Kinder (bis 13)": "0"}
        before = totals((await client.get("/staff/berichte", params=report_params())).text)
        assert {k: before[k] for k in expected} == expected

        # the deletion deadline passes: names go, the figures stay, also when the rows are deleted afterwards
        assert await service.anonymise_due(days=0, moment=datetime.now(timezone.utc) + timedelta(days=1)) == 3
        assert not await Registration.exists().where(Registration.name == "Erika Muster")
        await Registration.delete().where(Registration.event == event.id)
        after_page = (await client.get("/staff/berichte", params=report_params())).text
        assert {k: totals(after_page)[k] for k in expected} == expected
        assert "Erika" not in after_page

        # figures follow their event when it moves (here: out of the period)
        await events.update_event(event.id, starts_at=event.starts_at - timedelta(days=400),
                                  ends_at=event.ends_at - timedelta(days=400))
        moved = totals((await client.get("/staff/berichte", params=report_params())).text)
        assert moved["Eingecheckt"] == "0" and moved["Ohne Anmeldung gekommen"] == "0"
        await move_to_yesterday(event.id)

        xlsx = await client.get("/staff/berichte/bericht.xlsx", params=report_params())
        assert xlsx.status_code == 200
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        values = {row[0]: row[1] for row in sheet.iter_rows(min_row=6, values_only=True)}
        assert values["Angemeldet"] == 3 and values["Eingecheckt"] == 2 and values["Ohne Anmeldung gekommen"] == 3
        assert isinstance(values["Angemeldet"], int)

        # the event deleted: what was counted stays in the report
        assert (await post_form(client, f"/staff/r/events/{event.id}/delete")).status_code == 303
        gone = totals((await client.get("/staff/berichte", params=report_params())).text)
        assert (gone["Veranstaltungen durchgeführt"], gone["Angemeldet"], gone["Eingecheckt"],
                gone["Ohne Anmeldung gekommen"]) == ("1", "3", "2", "3")


async def test_check_in_and_its_undo_keep_the_anonymous_count_right(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event = await held_yesterday()
        reg = await register(event.id, "Erika Muster", companions=1)
        url = f"/staff/anmeldungen/{event.id}/checkin/{reg.id}"
        await post_form(client, url, {"present": "1"})
        await post_form(client, url, {"present": "1"})  # twice is harmless
        counted = await EventFigure.select(EventFigure.count).where(
            (EventFigure.event == event.id) & (EventFigure.kind == "checked_in")).first()
        assert counted["count"] == 2
        await post_form(client, url, {"present": "0"})
        counted = await EventFigure.select(EventFigure.count).where(
            (EventFigure.event == event.id) & (EventFigure.kind == "checked_in")).first()
        assert counted["count"] == 0


async def test_the_demo_has_a_past_event_with_check_ins_and_walk_ins_in_its_report(make_staff_client):
    from core.demo.loader import load_demo

    async with make_staff_client(role="admin", plugins=["registration", "exhibition"]) as admin:
        await load_demo(admin.deployment)
        await load_demo(admin.deployment)  # twice changes nothing
        today = datetime.now(ZoneInfo(admin.deployment.settings.timezone)).date()  # the report's days are local
        params = {"period": "custom", "from": (today - timedelta(days=60)).isoformat(), "to": today.isoformat()}
        page = parse((await admin.get("/staff/berichte", params=params)).text)
        assert page.h1 == "Bericht: Gifhorn"
        found = {row[0]: row[1] for row in page.table_rows()}
        assert found["Veranstaltungen durchgeführt"] == "1" and found["Angemeldet"] == "18"
        assert found["Eingecheckt"] == "15" and found["Ohne Anmeldung gekommen"] == "20"
        assert found["davon zum ersten Mal hier"] == "6" and found["Beiträge (freigegeben)"] != "0"
        assert len(page.all("svg")) == 5


async def test_the_report_as_an_a4_pdf_carries_the_totals(make_staff_client):
    from core.testing.pdf import flat, read_pdf

    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event = await held_yesterday()
        await register(event.id, "Erika Muster", phone="05371 1")
        await move_to_yesterday(event.id)
        for _i in range(3):
            await post_form(client, walk_in_url(event.id), {"delta": "1", "age_group": "65+"})
        response = await client.get("/staff/berichte/bericht.pdf", params=report_params())
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
        assert 'filename="bericht-nordstadt-' in response.headers["content-disposition"]
        pages = read_pdf(response.content)
        first = pages[0]
        assert (first.width_mm, first.height_mm) == (297, 210)  # A4 landscape
        text = flat(" ".join(page.text for page in pages))
        assert "Bericht: Nordstadt" in text and "Ohne Anmeldung gekommen 3" in text and "Angemeldet 1" in text
        assert "Erika" not in text
        bad = await client.get("/staff/berichte/bericht.pdf", params={"period": "custom", "from": "2026-02-01", "to": "2026-01-01"})
        assert bad.status_code == 400 and "Das Ende des Zeitraums muss nach seinem Beginn liegen." in bad.text


async def test_undoing_a_check_in_from_before_the_figures_were_kept_works(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event = await held_yesterday()
        reg = await register(event.id, "Erika Muster")
        # checked in by the version before anonymous figures: no count to take back
        await Registration.update({Registration.checked_in_at: datetime.now(timezone.utc)}).where(Registration.id == reg.id)
        undone = await post_form(client, f"/staff/anmeldungen/{event.id}/checkin/{reg.id}", {"present": "0"})
        assert undone.status_code == 303
        assert (await Registration.objects().where(Registration.id == reg.id).first()).checked_in_at is None
