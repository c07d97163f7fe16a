"""Answers written on paper cards: staff type several in at once; they are marked "auf Papier", moderated like online
ones and counted in the exports (staff_routes.paper_form / paper_submit, service.submit_paper)."""

from __future__ import annotations

import json

from core.testing.fixtures import CSRF_FIELD, post_form
from core.web.tables import AuditEntry
from plugins.exhibition import service
from plugins.exhibition.tables import Contribution
from tests.core.web.pages import parse, read_csv
from tests.plugins.exhibition.helpers import (
    NO_RATE_LIMIT, PLUGINS, Q1, Q2, contribute, contribution_texts, decide, exhibition, fresh, wall_texts,
)

CARDS = "Man grüßt sich.\n\n  \nHilfe beim Einkaufen,\nwenn jemand krank ist.\r\n\r\nEin Sommerfest!"


def paper_url(question) -> str:
    return f"/staff/ausstellungen/fragen/{question.id}/papier"


def field_error(response) -> str:
    return next(e.text for e in parse(response.text).root.iter() if e.get("id") == "f-text-error")


def test_cards_are_split_at_empty_lines():
    assert service.paper_answers(CARDS) == ["Man grüßt sich.", "Hilfe beim Einkaufen,\nwenn jemand krank ist.", "Ein Sommerfest!"]
    assert service.paper_answers(" \n\n ") == []


async def test_staff_enter_several_cards_and_they_are_moderated_like_online_ones(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        q = x.questions[0]
        online = await contribute(q, "Online geschrieben.")
        detail = parse((await client.get(f"/staff/r/guiding-questions/{q.id}")).text)
        assert paper_url(q) in detail.links()
        form = parse((await client.get(paper_url(q))).text)
        assert form.h1 == "Antworten von Papier eingeben" and Q1 in form.main_text
        assert form.by_id("f-text").get("aria-describedby") == "f-text-help"

        response = await post_form(client, paper_url(q), {"text": CARDS})
        assert response.status_code == 303 and response.headers["location"] == paper_url(q)
        assert parse((await client.get(paper_url(q))).text).flashes() == ["3 Antworten von Papier sind gespeichert."]
        rows = await Contribution.objects().where(Contribution.on_paper == True).order_by(Contribution.id)  # noqa: E712
        assert [(c.text, c.status, c.author_name, c.notify_email) for c in rows] == [
            ("Man grüßt sich.", "pending", "", None), ("Hilfe beim Einkaufen,\nwenn jemand krank ist.", "pending", "", None),
            ("Ein Sommerfest!", "pending", "", None)]
        assert not (await fresh(online)).on_paper
        audit = await AuditEntry.objects().where(AuditEntry.action == "contribution-paper").first()
        assert audit.user_id == client.user.id and json.loads(audit.changes) == {"contributions": ",".join(str(c.id) for c in rows)}

        # in the queue with a discreet mark; nothing public yet
        queue = parse((await client.get(f"/staff/moderation?frage={q.id}")).text)
        entries = {a.get("id"): a.text for a in queue.all("article", class_="moderation-item")}
        assert "auf Papier" in entries[f"c{rows[0].id}"] and "auf Papier" not in entries[f"c{online.id}"]
        assert contribution_texts((await client.get(x.path)).text) == []

        await decide(client, rows[0], "approve")
        await decide(client, online, "approve")
        page = parse((await client.get(x.path)).text)
        marks = {bq.text: li.text for li in page.all("li") if "contribution" in li.get("class", "").split()
                 for bq in li.iter() if bq.tag == "blockquote"}
        assert "auf Papier" in marks["Man grüßt sich."] and "auf Papier" not in marks["Online geschrieben."]
        wall = (await client.get(f"{x.path}/wand")).text
        assert wall_texts(wall) == ["Man grüßt sich.", "Online geschrieben."] and 'data-paper="auf Papier"' in wall
        feed = (await client.get(f"/api/quartiere/nordstadt/questions/{q.id}/contributions")).json()
        assert [(c["text"], c["on_paper"]) for c in feed] == [("Man grüßt sich.", True), ("Online geschrieben.", False)]

        # counted in the figures: the export page and the CSV
        export = parse((await client.get(f"/staff/ausstellungen/beitraege?frage={q.id}")).text)
        assert "eingegangen insgesamt: 4, davon auf Papier: 3" in export.main_text
        rows_csv = read_csv((await client.get(f"/staff/ausstellungen/beitraege.csv?frage={q.id}")).content)
        assert rows_csv[0][-1] == "Auf Papier"
        assert sorted(row[-1] for row in rows_csv[1:]) == ["", "Ja", "Ja", "Ja"]
        listing = parse((await client.get("/staff/r/contributions/", params={"f_on_paper": "1"})).text)
        assert len(listing.table_rows()) == 3


async def test_post_moderation_and_a_closed_question_take_paper_too(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition()
        q = await service.create_question(Q2, exhibition_id=x.exhibition.id, moderation="post")
        await q.update_self({"open": False})
        response = await post_form(client, paper_url(q), {"text": "Ein Bücherschrank.\n\nMehr Bänke."})
        assert response.status_code == 303
        rows = await Contribution.objects().order_by(Contribution.id)
        assert [(c.status, c.reviewed, c.on_paper) for c in rows] == [("approved", False, True)] * 2


async def test_bad_input_is_refused_in_german_and_nothing_is_written(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS,
                                 sections={"exhibition": {"rate_limit_per_minute": 0, "contribution_max_length": 20}}) as client:
        x = await exhibition(questions=[Q1])
        q = x.questions[0]
        empty = await post_form(client, paper_url(q), {"text": " \n\n "})
        assert empty.status_code == 400
        assert field_error(empty) == "Bitte schreiben Sie mindestens eine Antwort ab."
        assert "Bitte prüfen Sie die markierten Felder." in parse(empty.text).main_text

        too_long = await post_form(client, paper_url(q), {"text": "Kurz.\n\n" + "x" * 21 + "\n\nAuch kurz."})
        assert too_long.status_code == 400
        assert field_error(too_long) == "Antwort 2: Ihr Beitrag ist zu lang (21 von höchstens 20 Zeichen)."
        assert parse(too_long.text).field_value("text").startswith("Kurz.")  # kept for correcting

        too_many = await post_form(client, paper_url(q), {"text": "\n\n".join(f"Karte {n}" for n in range(51))})
        assert too_many.status_code == 400
        assert field_error(too_many) == "Höchstens 50 Antworten auf einmal; Sie haben 51 eingegeben."
        missing = await post_form(client, paper_url(q), {})
        assert missing.status_code == 400
        assert await Contribution.count() == 0


async def test_only_editors_of_the_quartier_enter_paper(make_staff_client):
    async with make_staff_client(role="moderator", quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as moderator, \
            make_staff_client(quartiere=["suedstadt"], client=moderator, email="sued@example.org") as other:
        north = await exhibition(questions=[Q1])
        url = paper_url(north.questions[0])
        assert (await moderator.get(url)).status_code == 403
        assert (await post_form(moderator, url, {"text": "Hallo"})).status_code == 403
        assert (await other.get(url)).status_code == 404
        assert (await post_form(other, url, {"text": "Hallo"})).status_code == 404
        assert (await other.post(url, data={"text": "Hallo", CSRF_FIELD: "falsch"})).status_code == 403
        assert (await other.get("/staff/ausstellungen/fragen/999999/papier")).status_code == 404
        assert await Contribution.count() == 0
