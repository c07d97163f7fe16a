"""The generated staff screens, shown on events (core/web/resources.py, staff_routes.py, core/events/resources.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

import pytest

from core.events.tables import Event, EventOrganisation
from core.testing.fixtures import post_form
from core.web.tables import AuditEntry
from tests.core.web import helpers
from tests.core.web.helpers import BERLIN_2030_05_04_14H_UTC, event_form
from tests.core.web.pages import parse, read_csv

def query(href: str) -> dict[str, str]:
    assert href.startswith("?")
    return dict(parse_qsl(href[1:]))


CSV_HEADER = ["Titel", "Kurzbezeichnung", "Quartier", "Beginn", "Ende", "Treffpunkt", "Kurzbeschreibung", "Beschreibung",
              "Träger", "Kooperationspartner", "Ansprechperson", "Telefon", "E-Mail", "Eintritt frei", "Zusätzlich barrierefrei",
              "Diesmal nicht verfügbar", "Status", "Nur an diesem Termin geändert"]


async def test_create_event_through_the_form(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        treff = await helpers.venue(nord)
        landkreis = await helpers.organisation("Landkreis Gifhorn")
        gwg = await helpers.organisation("GWG eG")
        caritas = await helpers.organisation("Caritas")

        form = parse((await client.get("/staff/r/events/new")).text)
        assert form.options("quartier") == [("", "– bitte wählen –"), (str(nord.id), "Nordstadt")]
        assert form.options("venue") == [("", "– bitte wählen –"), (str(treff.id), "Treff-PUNKT 53")]
        assert form.by_id("f-title").get("required") == "" and form.by_id("f-title").get("maxlength") == "200"
        assert form.by_id("f-starts_at").get("type") == "datetime-local"

        response = await post_form(client, "/staff/r/events/new", event_form(
            nord.id, venue=treff.id, summary="Musik und Kuchen", description="Für alle.\n\nEintritt frei.",
            organisers=[str(landkreis.id), str(caritas.id)], partners=[str(gwg.id)],
            contact_name="Ulrike Buka", contact_phone="(05371) 82562", contact_email="QM@Example.org"))
        assert response.status_code == 303, response.text
        (created,) = await Event.objects()
        assert response.headers["location"] == f"/staff/r/events/{created.id}"
        assert created.title == "Sommerfest im Park" and created.status == "draft" and created.quartier == nord.id
        assert created.starts_at == BERLIN_2030_05_04_14H_UTC
        assert created.ends_at == BERLIN_2030_05_04_14H_UTC + timedelta(hours=4)
        assert created.venue == treff.id and created.contact_email == "qm@example.org"
        links = await EventOrganisation.objects().where(EventOrganisation.event == created.id).order_by(EventOrganisation.position)
        assert [(link.organisation, link.role) for link in links] == [
            (landkreis.id, "organiser"), (caritas.id, "organiser"), (gwg.id, "partner")]

        detail = parse((await client.get(response.headers["location"])).text)
        assert detail.flashes() == ["„Sommerfest im Park“ wurde angelegt."]
        assert detail.h1 == "Sommerfest im Park"
        facts = dict(zip((dt.text for dt in detail.all("dt")), (dd.text for dd in detail.all("dd"))))
        assert facts["Beginn"] == "04.05.30, 14:00" and facts["Status"] == "Entwurf" and facts["Treffpunkt"] == "Treff-PUNKT 53"
        assert facts["Träger"] == "Landkreis Gifhorn, Caritas" and facts["Kooperationspartner"] == "GWG eG"
        assert "tel:0537182562" in detail.links() and "mailto:qm@example.org" in detail.links()
        assert f"/staff/r/events/{created.id}/action/publish" in detail.post_forms()
        # the flash is shown once
        assert parse((await client.get(response.headers["location"])).text).flashes() == []

        listing = parse((await client.get("/staff/r/events/")).text)
        assert listing.table_rows() == [["Sommerfest im Park", "04.05.30, 14:00", "04.05.30, 18:00", "Nordstadt", "Entwurf"]]


async def test_invalid_form_shows_german_errors_beside_the_fields_and_keeps_the_input(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        org = await helpers.organisation("Landkreis Gifhorn")
        response = await post_form(client, "/staff/r/events/new", event_form(
            nord.id, title="", slug="Sommer Fest!", contact_email="keine-adresse", starts_at="2030-05-04T18:00",
            ends_at="2030-05-04T14:00", organisers=[str(org.id)], description="Zeile 1\n<b>fett</b>"))
        assert response.status_code == 400
        page = parse(response.text)
        assert page.text_of("f-title-error") == "Dieses Feld ist erforderlich."
        assert page.text_of("f-slug-error") == "Nur Kleinbuchstaben, Ziffern und Bindestriche, z. B. „sommerfest-2026“."
        assert page.text_of("f-contact_email-error") == "Bitte geben Sie eine gültige E-Mail-Adresse ein."
        assert page.by_id("f-title").get("aria-invalid") == "true"
        assert "f-title-error" in page.by_id("f-title").get("aria-describedby")
        assert "Bitte prüfen Sie die markierten Felder." in page.text_of("form-errors")
        # what was typed stays in the form
        assert page.field_value("slug") == "Sommer Fest!"
        assert page.field_value("starts_at") == "2030-05-04T18:00" and page.field_value("ends_at") == "2030-05-04T14:00"
        assert page.field_value("quartier") == str(nord.id)
        assert page.field_value("contact_email") == "keine-adresse"
        assert page.field_value("description") == "Zeile 1\n<b>fett</b>"
        assert page.checked("organisers") == [str(org.id)]
        assert await Event.count() == 0

        # Fields fine, but the end before the start: the service's rule, in German
        response = await post_form(client, "/staff/r/events/new", event_form(
            nord.id, starts_at="2030-05-04T18:00", ends_at="2030-05-04T14:00"))
        assert response.status_code == 400
        page = parse(response.text)
        assert "Das Ende muss nach dem Beginn liegen." in page.text_of("form-errors")
        assert page.field_value("title") == "Sommerfest im Park" and page.field_value("ends_at") == "2030-05-04T14:00"
        assert await Event.count() == 0

        response = await post_form(client, "/staff/r/events/new", event_form(nord.id, starts_at="morgen"))
        assert parse(response.text).text_of("f-starts_at-error") == "Bitte geben Sie Datum und Uhrzeit an, z. B. 28.12.2026 14:00."
        response = await post_form(client, "/staff/r/events/new", event_form(nord.id, title="x" * 201))
        assert parse(response.text).text_of("f-title-error") == "Höchstens 200 Zeichen."
        response = await post_form(client, "/staff/r/events/new", event_form(nord.id, organisers=["999"]))
        assert parse(response.text).text_of("f-organisers-error") == "Bitte wählen Sie nur Einträge aus der Liste."
        assert await Event.count() == 0

        assert (await post_form(client, "/staff/r/events/new", event_form(nord.id))).status_code == 303
        response = await post_form(client, "/staff/r/events/new", event_form(nord.id))
        assert response.status_code == 400
        assert "„sommerfest-im-park“ ist in diesem Quartier schon vergeben" in parse(response.text).text_of("form-errors")
        assert await Event.count() == 1


async def test_end_before_start_is_reported_beside_the_end_field_with_the_other_errors(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        response = await post_form(client, "/staff/r/events/new", event_form(
            nord.id, title="", starts_at="2030-05-04T18:00", ends_at="2030-05-04T14:00"))
        page = parse(response.text)
        assert page.text_of("f-title-error") == "Dieses Feld ist erforderlich."
        assert page.text_of("f-ends_at-error") == "Das Ende muss nach dem Beginn liegen."


async def test_list_search_filter_sort_and_pages(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        start = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)
        for n in range(1, 28):
            await helpers.event(nord, f"Termin {n:02d}", start=start + timedelta(days=n))
        await helpers.event(nord, "Sommerfest", start=start + timedelta(days=100), publish=True)
        await helpers.event(nord, "Herbstfest", start=start + timedelta(days=200), publish=True)
        await helpers.event(nord, "Winterzauber", start=start + timedelta(days=300), publish=True, summary="Ein Fest im Schnee")

        async def titles(**params) -> list[str]:
            response = await client.get("/staff/r/events/", params=params)
            assert response.status_code == 200
            return parse(response.text).first_column()

        first = parse((await client.get("/staff/r/events/")).text)
        assert "30 Einträge" in first.main_text and "Seite 1 von 2" in first.main_text
        assert len(first.first_column()) == 25
        assert first.first_column()[:3] == ["Winterzauber", "Herbstfest", "Sommerfest"]  # newest start first
        assert [query(a.get("href")) for a in first.all("a", rel="next")] == [{"page": "2"}]
        second = await titles(page=2)
        assert second == ["Termin 05", "Termin 04", "Termin 03", "Termin 02", "Termin 01"]
        assert sorted(first.first_column() + second) == sorted([f"Termin {n:02d}" for n in range(1, 28)] + ["Sommerfest", "Herbstfest", "Winterzauber"])
        assert await titles(page=99) == second  # past the end: the last page
        assert await titles(page="abc") == first.first_column()

        assert await titles(q="fest") == ["Winterzauber", "Herbstfest", "Sommerfest"]  # title or summary
        assert await titles(q="HERBST") == ["Herbstfest"]
        assert await titles(q="%") == (await titles())  # wildcards are not special
        assert await titles(q="nichts dergleichen") == []
        assert "Keine Einträge gefunden." in parse((await client.get("/staff/r/events/", params={"q": "nichts"})).text).main_text

        assert await titles(f_status="published") == ["Winterzauber", "Herbstfest", "Sommerfest"]
        page = parse((await client.get("/staff/r/events/", params={"f_status": "draft"})).text)
        assert "27 Einträge" in page.main_text and page.field_value("f_status") == "draft"
        assert len(await titles(f_status="gelöscht")) == 25  # unknown value: no filter
        assert await titles(f_status="published", q="sommer") == ["Sommerfest"]

        assert (await titles(sort="title"))[:3] == ["Herbstfest", "Sommerfest", "Termin 01"]
        assert (await titles(sort="-title"))[:2] == ["Winterzauber", "Termin 27"]
        assert (await titles(sort="starts_at"))[0] == "Termin 01"
        assert (await titles(sort="password"))[0] == "Winterzauber"  # not a column: the default order
        page = parse((await client.get("/staff/r/events/", params={"sort": "title"})).text)
        assert [th.get("aria-sort") for th in page.all("th", scope="col")] == ["ascending", None, None, None, None]

        # search, filter and sort survive paging
        page = parse((await client.get("/staff/r/events/", params={"q": "Termin", "f_status": "draft", "sort": "title"})).text)
        (next_link,) = page.all("a", rel="next")
        assert query(next_link.get("href")) == {"q": "Termin", "f_status": "draft", "sort": "title", "page": "2"}
        assert await titles(q="Termin", f_status="draft", sort="title", page=2) == ["Termin 26", "Termin 27"]


async def test_csv_export_holds_the_visible_rows(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        sued = await helpers.quartier("suedstadt")
        org = await helpers.organisation("Landkreis Gifhorn")
        partner = await helpers.organisation("GWG eG")
        treff = await helpers.venue(nord)
        await helpers.event(nord, "Sommerfest; mit \"Grill\"", slug="sommerfest", venue=treff.id, contact_phone="05371 1",
                            organisations=[(org.id, "organiser"), (partner.id, "partner")])
        await helpers.event(nord, "Lesecafé", start=BERLIN_2030_05_04_14H_UTC + timedelta(days=1), publish=True)
        await helpers.event(sued, "Südstadtfest", start=BERLIN_2030_05_04_14H_UTC + timedelta(days=2), publish=True)

        response = await client.get("/staff/r/events/export.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["content-disposition"] == 'attachment; filename="events.csv"'
        assert response.content.split(b"\r\n")[0].count(b";") == len(CSV_HEADER) - 1
        rows = read_csv(response.content)
        assert rows[0] == CSV_HEADER
        assert rows[1:] == [
            ["Lesecafé", "lesecafe", "Nordstadt", "05.05.30, 14:00", "05.05.30, 16:00", "", "", "", "", "", "", "", "", "Nein", "", "", "Veröffentlicht", ""],
            ["Sommerfest; mit \"Grill\"", "sommerfest", "Nordstadt", "04.05.30, 14:00", "04.05.30, 16:00", "Treff-PUNKT 53", "", "",
             "Landkreis Gifhorn", "GWG eG", "", "05371 1", "", "Nein", "", "", "Entwurf", ""],
        ]
        # the list's search and filters apply to the export too
        filtered = read_csv((await client.get("/staff/r/events/export.csv", params={"f_status": "draft"})).content)
        assert [row[0] for row in filtered[1:]] == ["Sommerfest; mit \"Grill\""]
        # the list links to the export with its query
        listing = parse((await client.get("/staff/r/events/", params={"q": "fest"})).text)
        assert "/staff/r/events/export.csv?q=fest" in listing.links()


async def test_csv_export_content_type_names_the_charset_once(make_staff_client):
    async with make_staff_client() as client:
        response = await client.get("/staff/r/events/export.csv")
        assert response.headers["content-type"] == "text/csv; charset=utf-8"


async def test_edit_event(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        org = await helpers.organisation("Landkreis Gifhorn")
        partner = await helpers.organisation("GWG eG")
        row = await helpers.event(nord, "Lesecafé", organisations=[(org.id, "organiser")], contact_name="Frau Buka")

        form = parse((await client.get(f"/staff/r/events/{row.id}/edit")).text)
        assert form.field_value("title") == "Lesecafé"
        assert form.field_value("starts_at") == "2030-05-04T14:00"  # local time
        assert form.field_value("contact_name") == "Frau Buka"
        assert form.checked("organisers") == [str(org.id)] and form.checked("partners") == []
        assert form.field_value("quartier") is None  # the Quartier cannot be changed
        assert f"/staff/r/events/{row.id}/edit" in form.post_forms()

        data = {"title": "Lesecafé am Abend", "slug": "lesecafe", "starts_at": "2030-05-04T19:00", "ends_at": "2030-05-04T21:00",
                "venue": "", "summary": "", "description": "", "organisers": [str(partner.id)], "partners": [str(org.id)],
                "contact_name": "Frau Buka", "contact_phone": "", "contact_email": ""}
        response = await post_form(client, f"/staff/r/events/{row.id}/edit", {**data, "ends_at": "2030-05-04T18:00"})
        assert response.status_code == 400
        page = parse(response.text)
        assert "Das Ende muss nach dem Beginn liegen." in page.text_of("form-errors")
        assert page.field_value("title") == "Lesecafé am Abend"
        assert (await Event.objects().get(Event.id == row.id)).title == "Lesecafé"

        response = await post_form(client, f"/staff/r/events/{row.id}/edit", data)
        assert response.status_code == 303 and response.headers["location"] == f"/staff/r/events/{row.id}"
        assert parse((await client.get(response.headers["location"])).text).flashes() == [
            "Änderungen an „Lesecafé am Abend“ wurden gespeichert."]
        changed = await Event.objects().get(Event.id == row.id)
        assert changed.title == "Lesecafé am Abend" and changed.sequence == row.sequence + 1
        assert changed.starts_at == BERLIN_2030_05_04_14H_UTC + timedelta(hours=5)
        links = await EventOrganisation.objects().where(EventOrganisation.event == row.id).order_by(EventOrganisation.position)
        assert [(link.organisation, link.role) for link in links] == [(partner.id, "organiser"), (org.id, "partner")]
        entry = await AuditEntry.objects().where(AuditEntry.action == "update").first()
        assert entry.resource == "events" and entry.object_id == str(row.id) and entry.user_id == client.user.id
        changes = entry.changes if isinstance(entry.changes, dict) else json.loads(entry.changes)
        assert changes["title"] == "Lesecafé am Abend" and "contact_name" not in changes


async def test_delete_event_after_confirming(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        org = await helpers.organisation("Landkreis Gifhorn")
        row = await helpers.event(nord, "Flohmarkt", organisations=[(org.id, "organiser")])
        keep = await helpers.event(nord, "Lesecafé")

        confirm = parse((await client.get(f"/staff/r/events/{row.id}/delete")).text)
        assert confirm.h1 == "„Flohmarkt“ löschen?"
        assert f"/staff/r/events/{row.id}/delete" in confirm.post_forms()
        assert await Event.exists().where(Event.id == row.id)  # nothing happens on GET

        response = await post_form(client, f"/staff/r/events/{row.id}/delete")
        assert response.status_code == 303 and response.headers["location"] == "/staff/r/events/"
        listing = parse((await client.get("/staff/r/events/")).text)
        assert listing.flashes() == ["„Flohmarkt“ wurde gelöscht."]
        assert listing.first_column() == ["Lesecafé"]
        assert [e.id for e in await Event.objects()] == [keep.id]
        assert await EventOrganisation.count() == 0
        assert await AuditEntry.exists().where((AuditEntry.action == "delete") & (AuditEntry.object_id == str(row.id)))
        assert (await client.get(f"/staff/r/events/{row.id}")).status_code == 404
        assert (await post_form(client, f"/staff/r/events/{row.id}/delete")).status_code == 404


async def test_publish_and_cancel_actions(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        row = await helpers.event(nord, "Nachbarschaftstreff")
        assert (await client.get(f"/api/events/{row.id}")).status_code == 404

        response = await post_form(client, f"/staff/r/events/{row.id}/action/publish")
        assert response.status_code == 303 and response.headers["location"] == f"/staff/r/events/{row.id}"
        detail = parse((await client.get(response.headers["location"])).text)
        assert detail.flashes() == ["„Veröffentlichen“ wurde ausgeführt."]
        assert detail.post_forms() == ["/staff/logout", f"/staff/r/events/{row.id}/action/cancel",
                                       f"/staff/r/events/{row.id}/action/copy"]  # publish is gone
        api = await client.get(f"/api/events/{row.id}")
        assert api.status_code == 200 and api.json()["status"] == "published"
        assert await AuditEntry.exists().where((AuditEntry.action == "publish") & (AuditEntry.object_id == str(row.id)))

        # an action that does not apply (any more), or does not exist
        assert (await post_form(client, f"/staff/r/events/{row.id}/action/publish")).status_code == 404
        assert (await post_form(client, f"/staff/r/events/{row.id}/action/explode")).status_code == 404

        assert (await post_form(client, f"/staff/r/events/{row.id}/action/cancel")).status_code == 303
        assert (await client.get(f"/api/events/{row.id}")).json()["status"] == "cancelled"


async def test_copy_makes_a_draft_a_week_later_and_opens_its_form(make_staff_client):
    from core.content.service import save_versions
    from core.content.tables import ContentTranslation

    async with make_staff_client(quartiere=["nordstadt"]) as client, make_staff_client(quartiere=["suedstadt"], client=client) as other:
        nord = await helpers.quartier("nordstadt")
        await helpers.quartier("suedstadt")
        venue = await helpers.venue(nord)
        gwg = await helpers.organisation("GWG eG")
        start = datetime(2030, 3, 25, 13, 0, tzinfo=timezone.utc)  # Monday 14:00 in Berlin, the week before the clocks change
        row = await helpers.event(nord, "Nachbarschaftscafé", slug="cafe", start=start, publish=True, venue=venue.id,
                                  summary="Kaffee", organisations=[(gwg.id, "partner")])
        await save_versions("events", row, "en", {"title": "Neighbourhood café"})

        response = await post_form(client, f"/staff/r/events/{row.id}/action/copy")
        assert response.status_code == 303
        copy = await Event.objects().where(Event.id != row.id).first()
        assert response.headers["location"] == f"/staff/r/events/{copy.id}/edit"
        form = parse((await client.get(response.headers["location"])).text)
        assert form.field_value("title") == "Nachbarschaftscafé" and form.field_value("starts_at") == "2030-04-01T14:00"
        assert (copy.status, copy.slug, copy.venue, copy.summary) == ("draft", "cafe-kopie", venue.id, "Kaffee")
        assert copy.starts_at == start + timedelta(days=7, hours=-1)  # 14:00 summer time
        assert await EventOrganisation.count().where((EventOrganisation.event == copy.id) & (EventOrganisation.role == "partner")) == 1
        assert await ContentTranslation.exists().where((ContentTranslation.row_id == copy.id) & (ContentTranslation.text == "Neighbourhood café"))

        # a second copy gets the next free slug; the copy of a copy one week later still
        await post_form(client, f"/staff/r/events/{row.id}/action/copy")
        assert sorted(e.slug for e in await Event.objects()) == ["cafe", "cafe-kopie", "cafe-kopie-2"]
        # another Quartier's staff, an unknown event, a GET: no copy
        assert (await post_form(other, f"/staff/r/events/{row.id}/action/copy")).status_code == 404
        assert (await post_form(client, "/staff/r/events/999999/action/copy")).status_code == 404
        assert (await client.get(f"/staff/r/events/{row.id}/action/copy")).status_code == 405
        assert await Event.count() == 3


async def test_audit_log_shows_changes_to_admins_only(make_staff_client):
    async with make_staff_client(role="admin") as admin, make_staff_client(quartiere=["nordstadt"], client=admin) as staff:
        nord = await helpers.quartier("nordstadt")
        response = await post_form(staff, "/staff/r/events/new", event_form(nord.id, title="Kiezfest", slug="kiezfest"))
        assert response.status_code == 303
        (created,) = await Event.objects()

        assert (await staff.get("/staff/audit")).status_code == 403
        assert "/staff/audit" not in parse((await staff.get("/staff/")).text).links()

        audit = await admin.get("/staff/audit")
        assert audit.status_code == 200
        rows = parse(audit.text).table_rows()
        create_rows = [r for r in rows if r[2] == "create"]
        assert len(create_rows) == 1
        _at, who, _action, area, entry, changes = create_rows[0]
        assert who == staff.user.email and area == "events" and entry == f"Kiezfest ({created.id})"
        assert '"title": "Kiezfest"' in changes and '"slug": "kiezfest"' in changes
        assert [r[2] for r in rows].count("login") == 2  # both logins, newest first
        assert rows[0][2] == "create"


async def test_search_ignores_case_of_umlauts(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        nord = await helpers.quartier("nordstadt")
        await helpers.event(nord, "Über den Wolken", slug="wolken")
        response = await client.get("/staff/r/events/", params={"q": "über"})
        assert parse(response.text).first_column() == ["Über den Wolken"]
