"""Staff screens: the generated forms (exhibitions, exhibits, guiding questions), the order of exhibits and images,
editing and deleting images, the QR poster, and the exports (CSV and printable page)."""

from __future__ import annotations

from core.testing.fixtures import post_form
from core.testing.pdf import flat, read_pdf
from core.web.i18n import format_short
from plugins.exhibition import service
from plugins.exhibition.tables import Contribution, Exhibit, ExhibitImage, Exhibition, GuidingQuestion
from tests.core.factories import make_event
from tests.core.web.pages import parse, read_csv
from tests.plugins.exhibition.helpers import (
    IMG_NAME, NO_RATE_LIMIT, PLUGINS, Q1, Q2, SCRIPT, approved, contribute, exhibition, fresh, image_bytes, quartier, stored_files,
)

CSV_HEADER = ["Leitfrage", "Beitrag", "Name", "Status", "Hervorgehoben", "Grund der Ablehnung", "Vom Wortfilter markiert",
              "Eingegangen am", "Auf Papier"]


def field_error(response, name: str) -> str | None:
    page = parse(response.text)
    return next((e.text for e in page.root.iter() if e.get("id", "").endswith(f"{name}-error")), None)


# -- generated forms ---------------------------------------------------------------------------
async def test_exhibition_and_exhibits_through_the_generated_forms(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt", "suedstadt"], plugins=PLUGINS) as client:
        nord, sued = await quartier("nordstadt"), await quartier("suedstadt")
        event = await make_event(nord, "treff")
        far = await make_event(sued, "fern")
        form = {"title": "Gute Nachbarschaft", "slug": "", "quartier": str(nord.id), "introduction": "Willkommen.",
                "events": [str(event.id), str(far.id)]}
        refused = await post_form(client, "/staff/r/exhibitions/new", form)
        assert refused.status_code == 400
        assert field_error(refused, "events") == "Bitte wählen Sie nur Veranstaltungen aus dem Quartier der Ausstellung."
        assert await Exhibition.count() == 0
        created = await post_form(client, "/staff/r/exhibitions/new", {**form, "events": [str(event.id)]})
        assert created.status_code == 303
        row = await Exhibition.objects().first()
        assert (row.title, row.slug, row.status, row.quartier) == ("Gute Nachbarschaft", "gute-nachbarschaft", "draft", nord.id)
        assert await service.event_ids_of(row.id) == [event.id]
        detail = parse((await client.get(created.headers["location"])).text)
        assert {f"/staff/ausstellungen/{row.id}/exponate", f"/staff/r/exhibits/new?exhibition={row.id}",
                f"/staff/ausstellungen/beitraege?ausstellung={row.id}"} <= set(detail.links())
        assert f"/staff/r/exhibitions/{row.id}/action/publish" in detail.post_forms()

        new = parse((await client.get(f"/staff/r/exhibits/new?exhibition={row.id}")).text)
        assert new.field_value("exhibition") == str(row.id)
        for title in ("Erstes", "Zweites", "Drittes"):
            response = await post_form(client, "/staff/r/exhibits/new", {"exhibition": str(row.id), "title": title, "body": "Text"})
            assert response.status_code == 303
        exhibits = await Exhibit.objects().order_by(Exhibit.id)
        assert [(e.title, e.position, e.status) for e in exhibits] == [("Erstes", 1, "draft"), ("Zweites", 2, "draft"),
                                                                       ("Drittes", 3, "draft")]
        order = parse((await client.get(f"/staff/ausstellungen/{row.id}/exponate")).text)
        assert [r[:3] for r in order.table_rows()] == [["1", "Erstes", "Entwurf"], ["2", "Zweites", "Entwurf"], ["3", "Drittes", "Entwurf"]]
        assert "Vorschau, die Ausstellung ist nicht veröffentlicht" in order.main_text


async def test_a_new_title_gives_a_new_address_and_the_old_one_leads_there(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        x = await exhibition(exhibits=1)
        form = parse((await client.get(f"/staff/r/exhibitions/{x.exhibition.id}/edit")).text)
        data = {name: form.field_value(name) or "" for name in ("title", "slug", "introduction")}
        edited = await post_form(client, f"/staff/r/exhibitions/{x.exhibition.id}/edit",
                                 {**data, "title": "Nachbarschaft im Quartier", "slug": ""})
        assert edited.status_code == 303
        row = await fresh(x.exhibition)
        assert (row.title, row.slug, row.status) == ("Nachbarschaft im Quartier", "nachbarschaft-im-quartier", "published")
        new_path = f"/nordstadt/ausstellungen/{row.id}-nachbarschaft-im-quartier"
        old = await client.get(x.path)
        assert old.status_code == 301 and old.headers["location"] == new_path
        assert parse((await client.get(new_path)).text).h1 == "Nachbarschaft im Quartier"


async def test_guiding_questions_need_a_place_in_one_quartier(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt", "suedstadt"], plugins=PLUGINS) as client:
        x = await exhibition()
        far = await make_event(await quartier("suedstadt"), "fern")
        base = {"text": Q1, "exhibition": "", "event": "", "moderation": "pre", "open": "on", "position": ""}
        nowhere = await post_form(client, "/staff/r/guiding-questions/new", base)
        assert nowhere.status_code == 400
        assert field_error(nowhere, "exhibition") == "Bitte wählen Sie eine Ausstellung oder eine Veranstaltung."
        split = await post_form(client, "/staff/r/guiding-questions/new",
                                {**base, "exhibition": str(x.exhibition.id), "event": str(far.id)})
        assert split.status_code == 400
        assert field_error(split, "exhibition") == "Ausstellung und Veranstaltung liegen in verschiedenen Quartieren."
        assert await GuidingQuestion.count() == 0
        ok = await post_form(client, "/staff/r/guiding-questions/new", {**base, "exhibition": str(x.exhibition.id), "moderation": "post"})
        assert ok.status_code == 303
        question = await GuidingQuestion.objects().first()
        assert (question.quartier, question.moderation, question.open) == (x.quartier.id, "post", True)
        detail = parse((await client.get(ok.headers["location"])).text)
        assert {f"/staff/ausstellungen/fragen/{question.id}/aushang", f"/staff/moderation?frage={question.id}"} <= set(detail.links())


# -- order -------------------------------------------------------------------------------------
async def public_order(client, x) -> list[str]:
    page = parse((await client.get(x.path)).text)
    return [span.text for span in page.all("span", class_="exhibit-title")]


async def pager(client, x, exhibit) -> tuple[list[str], list[str]]:
    page = parse((await client.get(f"{x.path}/exponate/{exhibit.id}")).text)
    return [a.get("href") for a in page.all("a", rel="prev")], [a.get("href") for a in page.all("a", rel="next")]


async def test_exhibits_move_forward_and_back(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        x = await exhibition(exhibits=["A", "B", "C"])
        a, b, c = x.exhibits
        assert [e.position for e in x.exhibits] == [1, 2, 3]
        assert await public_order(client, x) == ["A", "B", "C"]

        moved = await post_form(client, f"/staff/ausstellungen/exponate/{a.id}/verschieben", {"richtung": "runter"})
        assert moved.status_code == 303 and moved.headers["location"] == f"/staff/ausstellungen/{x.exhibition.id}/exponate#e{a.id}"
        assert await public_order(client, x) == ["B", "A", "C"]
        assert await pager(client, x, a) == ([f"{x.path}/exponate/{b.id}"], [f"{x.path}/exponate/{c.id}"])
        assert await pager(client, x, b) == ([], [f"{x.path}/exponate/{a.id}"])
        order = parse((await client.get(f"/staff/ausstellungen/{x.exhibition.id}/exponate")).text)
        assert [r[1] for r in order.table_rows()] == ["B", "A", "C"]

        assert (await post_form(client, f"/staff/ausstellungen/exponate/{c.id}/verschieben", {"richtung": "hoch"})).status_code == 303
        assert await public_order(client, x) == ["B", "C", "A"]
        # the generated detail page has the same steps as actions
        assert (await post_form(client, f"/staff/r/exhibits/{a.id}/action/up")).status_code == 303
        assert await public_order(client, x) == ["B", "A", "C"]
        assert (await post_form(client, f"/staff/r/exhibits/{b.id}/action/down")).status_code == 303
        assert await public_order(client, x) == ["A", "B", "C"]
        assert [e.position for e in await Exhibit.objects().order_by(Exhibit.position)] == [1, 2, 3]
        api = (await client.get(f"/api/quartiere/nordstadt/exhibitions/{x.exhibition.id}")).json()
        assert [(e["title"], e["position"]) for e in api["exhibits"]] == [("A", 1), ("B", 2), ("C", 3)]

        first = await post_form(client, f"/staff/ausstellungen/exponate/{a.id}/verschieben", {"richtung": "hoch"})
        page = parse((await client.get(first.headers["location"].split("#")[0])).text)
        assert "Das Exponat steht schon am Anfang." in page.flashes()
        last = await post_form(client, f"/staff/r/exhibits/{c.id}/action/down")
        assert "Das Exponat steht schon am Ende." in parse((await client.get(last.headers["location"])).text).flashes()
        assert await public_order(client, x) == ["A", "B", "C"]


async def test_images_in_order_edited_and_deleted(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections={"exhibition": {"image_widths": [32, 64]}}) as client:
        x = await exhibition(exhibits=1)
        exhibit = x.exhibits[0]
        first = await service.add_image(exhibit, image_bytes("PNG", (100, 50)), service.ImageInput(alt_text="Erstes Bild"))
        second = await service.add_image(exhibit, image_bytes("JPEG", (90, 60)), service.ImageInput(alt_text="Zweites Bild"))
        assert [first.position, second.position] == [1, 2]
        exhibit_url = f"{x.path}/exponate/{exhibit.id}"

        async def alts() -> list[str]:
            main = parse((await client.get(exhibit_url)).text).by_id("main")
            return [e.get("alt") for e in main.iter() if e.tag == "img"]

        assert await alts() == ["Erstes Bild", "Zweites Bild"]
        assert (await post_form(client, f"/staff/ausstellungen/bilder/{second.id}/verschieben", {"richtung": "hoch"})).status_code == 303
        assert await alts() == ["Zweites Bild", "Erstes Bild"]
        api = (await client.get(f"/api/quartiere/nordstadt/exhibits/{exhibit.id}")).json()
        assert [i["alt_text"] for i in api["images"]] == ["Zweites Bild", "Erstes Bild"]
        staff_page = parse((await client.get(f"/staff/ausstellungen/exponate/{exhibit.id}/bilder")).text)
        assert [s.get("id") for s in staff_page.all("section") if s.get("id", "").startswith("i")] == [f"i{second.id}", f"i{first.id}"]
        top = await post_form(client, f"/staff/ausstellungen/bilder/{second.id}/verschieben", {"richtung": "hoch"})
        assert "Das Bild steht schon am Anfang." in parse((await client.get(top.headers["location"].split("#")[0])).text).flashes()

        edit = {"alt_text": "Ein Tisch mit Kaffee", "caption": "Beim Treff", "credit": "Foto: Maria Muster", "licence": "CC BY 4.0"}
        assert (await post_form(client, f"/staff/ausstellungen/bilder/{first.id}/bearbeiten", edit)).status_code == 303
        figure = parse((await client.get(exhibit_url)).text)
        assert "Ein Tisch mit Kaffee" in [img.get("alt") for img in figure.all("img")]
        assert "Beim Treff Bild: Foto: Maria Muster, CC BY 4.0" in [f.text for f in figure.all("figcaption")]
        blank = await post_form(client, f"/staff/ausstellungen/bilder/{first.id}/bearbeiten", {**edit, "alt_text": ""})
        flashes = parse((await client.get(blank.headers["location"].split("#")[0])).text).flashes()
        assert "Bitte beschreiben Sie das Bild für Menschen, die es nicht sehen können." in flashes
        assert (await fresh(first)).alt_text == "Ein Tisch mit Kaffee"

        before = await stored_files(client)
        assert len(before) == 6 and all(n.startswith((first.key, second.key)) for n in before)
        deleted = await post_form(client, f"/staff/ausstellungen/bilder/{first.id}/loeschen")
        assert deleted.status_code == 303
        assert [i.id for i in await ExhibitImage.objects()] == [second.id]
        assert await stored_files(client) == [n for n in before if n.startswith(second.key)]
        assert (await client.get(f"/nordstadt/medien/ausstellung/{first.key}/original.png")).status_code == 404
        assert await alts() == ["Zweites Bild"]


async def test_staff_of_another_quartier_reach_nothing_here(make_staff_client):
    async with make_staff_client(quartiere=["suedstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(exhibits=1, questions=[Q1])
        image = await service.add_image(x.exhibits[0], image_bytes("PNG"), service.ImageInput(alt_text="Bild"))
        c = await contribute(x.questions[0], "Hallo")
        for url in (f"/staff/ausstellungen/{x.exhibition.id}/exponate", f"/staff/ausstellungen/exponate/{x.exhibits[0].id}/bilder",
                    f"/staff/ausstellungen/fragen/{x.questions[0].id}/aushang", f"/staff/ausstellungen/beitraege?frage={x.questions[0].id}",
                    f"/staff/ausstellungen/beitraege.csv?ausstellung={x.exhibition.id}", f"/staff/r/exhibitions/{x.exhibition.id}",
                    f"/staff/r/contributions/{c.id}"):
            assert (await client.get(url)).status_code == 404, url
        for url, data in ((f"/staff/ausstellungen/exponate/{x.exhibits[0].id}/verschieben", {"richtung": "hoch"}),
                          (f"/staff/ausstellungen/bilder/{image.id}/loeschen", {}), (f"/staff/moderation/{c.id}/approve", {}),
                          (f"/staff/r/exhibitions/{x.exhibition.id}/action/archive", {})):
            assert (await post_form(client, url, data)).status_code == 404, url
        assert await ExhibitImage.count() == 1 and (await fresh(c)).status == "pending"
        assert (await fresh(x.exhibition)).status == "published"
        assert c.id not in [int(a.get("id")[1:]) for a in parse((await client.get("/staff/moderation")).text).all("article")]
        assert (await client.get("/staff/ausstellungen/beitraege")).status_code == 404  # no scope given


async def test_the_poster_has_the_question_and_a_qr_code(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        x = await exhibition(questions=[Q1], publish=False)
        draft = parse((await client.get(f"/staff/ausstellungen/fragen/{x.questions[0].id}/aushang")).text)
        assert "Die Frage ist noch nicht öffentlich" in draft.main_text
        await service.publish_exhibition(x.exhibition)
        response = await client.get(f"/staff/ausstellungen/fragen/{x.questions[0].id}/aushang")
        page = parse(response.text)
        assert page.h1 == Q1 and "Die Frage ist noch nicht öffentlich" not in page.main_text
        assert f"http://testserver.local/nordstadt/fragen/{x.questions[0].id}" in page.main_text
        assert "<svg" in response.text and page.all("div", role="img")
        # printed as a PDF in the core's poster layout
        pdf = await client.get(f"/staff/ausstellungen/fragen/{x.questions[0].id}/aushang.pdf")
        assert f"/staff/ausstellungen/fragen/{x.questions[0].id}/aushang.pdf" in response.text
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        [sheet] = read_pdf(pdf.content)
        assert (sheet.width_mm, sheet.height_mm) == (210, 297)
        assert sheet.qr_codes == [f"http://testserver.local/nordstadt/fragen/{x.questions[0].id}"]
        assert Q1 in flat(sheet.text) and "Ihre Meinung ist gefragt" in sheet.text


async def test_the_poster_pdf_of_another_quartier_is_no_page(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        x = await exhibition("suedstadt", questions=[Q1])
        assert (await client.get(f"/staff/ausstellungen/fragen/{x.questions[0].id}/aushang.pdf")).status_code == 404
        assert (await client.get("/staff/ausstellungen/fragen/999999/aushang.pdf")).status_code == 404


# -- exports -----------------------------------------------------------------------------------
async def exported(x):
    """Contributions of every state to two questions."""
    q1, q2 = x.questions
    first = await approved(q1, "Man grüßt sich.", "Anna")
    await service.highlight(first, True)
    await approved(q1, "=HYPERLINK(\"http://evil.example\",\"Klick\")", "+Bernd")
    await service.reject(await contribute(q1, "Werbung für Uhren"), "Werbung")
    await contribute(q1, SCRIPT, IMG_NAME)
    await service.hide(await approved(q2, "Später ausgeblendet"))
    await approved(q2, "Ein Sommerfest.")
    return q1, q2


async def test_csv_export_per_question_and_per_exhibition(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        event = await make_event(await quartier(), "treff")
        x = await exhibition(questions=[Q1, Q2], event_ids=[event.id])
        q1, q2 = await exported(x)
        response = await client.get(f"/staff/ausstellungen/beitraege.csv?frage={q1.id}")
        assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == 'attachment; filename="beitraege-was-verstehe-ich-unter-guter-nachbarschaft.csv"'
        rows = read_csv(response.content)
        assert rows[0] == CSV_HEADER
        assert [row[:7] for row in rows[1:]] == [
            [Q1, "Man grüßt sich.", "Anna", "Freigegeben", "Ja", "", ""],
            [Q1, "'=HYPERLINK(\"http://evil.example\",\"Klick\")", "'+Bernd", "Freigegeben", "", "", "Link"],
            [Q1, "Werbung für Uhren", "", "Abgelehnt", "", "Werbung", ""],
            [Q1, SCRIPT, IMG_NAME, "Wartet auf Prüfung", "", "", ""],
        ]
        # local time, as the office reads it, not UTC, written the German way (Babel)
        berlin = [format_short(c.created_at, "Europe/Berlin")
                  for c in await Contribution.objects().where(Contribution.question == q1.id).order_by(Contribution.id)]
        assert [row[7] for row in rows[1:]] == berlin
        whole = read_csv((await client.get(f"/staff/ausstellungen/beitraege.csv?ausstellung={x.exhibition.id}")).content)
        assert [(row[0], row[1], row[3]) for row in whole[1:]] == [
            (Q1, "Man grüßt sich.", "Freigegeben"), (Q1, "'=HYPERLINK(\"http://evil.example\",\"Klick\")", "Freigegeben"),
            (Q1, "Werbung für Uhren", "Abgelehnt"), (Q1, SCRIPT, "Wartet auf Prüfung"),
            (Q2, "Später ausgeblendet", "Ausgeblendet"), (Q2, "Ein Sommerfest.", "Freigegeben")]
        assert response.content[3:].split(b"\r\n")[0].decode() == ";".join(CSV_HEADER)
        by_event = await client.get(f"/staff/ausstellungen/beitraege.csv?veranstaltung={event.id}")
        assert read_csv(by_event.content) == whole
        assert by_event.headers["content-disposition"] == 'attachment; filename="beitraege-treffen-treff.csv"'


async def test_printable_export_lists_approved_contributions_with_counts(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1, Q2])
        await exported(x)
        response = await client.get(f"/staff/ausstellungen/beitraege?ausstellung={x.exhibition.id}")
        assert response.status_code == 200
        assert SCRIPT not in response.text and "<img src=x" not in response.text
        page = parse(response.text)
        assert page.h1 == "Beiträge: Gute Nachbarschaft"
        sections = page.all("section", class_="export-section")
        assert [next(h for h in s.iter() if h.tag == "h2").text for s in sections] == [Q1, Q2]
        first, second = sections
        assert "2 Beiträge veröffentlicht (eingegangen insgesamt: 4; Wartet auf Prüfung: 1; Abgelehnt: 1)" in first.text
        assert "1 Beitrag veröffentlicht (eingegangen insgesamt: 2; Ausgeblendet: 1)" in second.text
        listed = [li.text for li in first.iter() if li.tag == "li"]
        assert len(listed) == 2
        assert listed[0].startswith("★ Hervorgehoben:") and "Man grüßt sich. – Anna," in listed[0]
        assert listed[1].startswith('=HYPERLINK("http://evil.example","Klick") – +Bernd,')
        assert "Werbung für Uhren" not in page.main_text and SCRIPT not in page.main_text
        assert f"/staff/ausstellungen/beitraege.csv?ausstellung={x.exhibition.id}" in page.links()


async def test_deleting_an_exhibit_or_the_exhibition_removes_the_image_files(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections={"exhibition": {"image_widths": [32]}}) as client:
        x = await exhibition(exhibits=2)
        first = await service.add_image(x.exhibits[0], image_bytes("PNG", (100, 50)), service.ImageInput(alt_text="Eins"))
        second = await service.add_image(x.exhibits[1], image_bytes("PNG", (100, 50)), service.ImageInput(alt_text="Zwei"))
        assert len(await stored_files(client)) == 4

        deleted = await post_form(client, f"/staff/r/exhibits/{x.exhibits[0].id}/delete")
        assert deleted.status_code == 303
        assert [i.id for i in await ExhibitImage.objects()] == [second.id]
        assert all(n.startswith(second.key) for n in await stored_files(client)) and len(await stored_files(client)) == 2
        assert (await client.get(f"/nordstadt/medien/ausstellung/{first.key}/original.png")).status_code == 404

        gone = await post_form(client, f"/staff/r/exhibitions/{x.exhibition.id}/delete")
        assert gone.status_code == 303
        assert await Exhibition.count() == 0 and await ExhibitImage.count() == 0
        assert await stored_files(client) == []


async def test_staff_preview_a_draft_exhibit_of_a_published_exhibition(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        x = await exhibition(exhibits=1)
        draft = await service.create_exhibit(x.exhibition.id, "Noch in Arbeit", "Text")
        url = f"{x.path}/exponate/{draft.id}"
        preview = await client.get(url)
        assert preview.status_code == 200
        assert "Vorschau: nicht alles hier ist veröffentlicht." in parse(preview.text).main_text
        client.cookies.clear()
        assert (await client.get(url)).status_code == 404
