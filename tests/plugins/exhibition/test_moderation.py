"""The moderation queue: pre- and post-moderation, the word filter, approve / reject / hide / highlight, wrong steps,
and what a moderator of one Quartier may see and do."""

from __future__ import annotations

from core.testing.fixtures import CSRF_FIELD, post_form
from core.web.tables import AuditEntry
from plugins.exhibition import service
from plugins.exhibition.tables import Contribution
from tests.core.web.pages import Page, parse
from tests.plugins.exhibition.helpers import (
    IMG_NAME, NO_RATE_LIMIT, PLUGINS, Q1, Q2, SCRIPT, approved, contribute, contribution_texts, decide, exhibition, fresh,
    wall_texts,
)

WATCHED = {"exhibition": {"rate_limit_per_minute": 0, "flag_words": ["mist", "sieg heil"]}}


def items(page: Page) -> dict[int, str]:
    """The contributions in the queue: id -> the text of their entry."""
    return {int(a.get("id")[1:]): a.text for a in page.all("article", class_="moderation-item")}


async def public_texts(client, x, question) -> tuple[list[str], list[str], list[str]]:
    page = contribution_texts((await client.get(x.path)).text)
    wall = wall_texts((await client.get(f"{x.path}/wand")).text)
    api = [c["text"] for c in (await client.get(f"/api/quartiere/nordstadt/questions/{question.id}/contributions")).json()]
    return page, wall, api


async def test_pre_moderation_shows_only_after_approval(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        c = await contribute(x.questions[0], "Man grüßt sich.", "Erika")
        assert c.status == "pending"
        assert await public_texts(client, x, x.questions[0]) == ([], [], [])
        queue = parse((await client.get("/staff/moderation")).text)
        assert "Wartet auf Prüfung" in items(queue)[c.id] and "Erika" in items(queue)[c.id]
        assert "Zu prüfen (1)" in queue.main_text
        assert f"/staff/moderation/{c.id}/approve" in queue.post_forms() and f"/staff/moderation/{c.id}/hide" not in queue.post_forms()
        dashboard = await client.get("/staff/")
        assert "1 Beitrag wartet auf Prüfung." in dashboard.text
        after = parse((await decide(client, c, "approve")).text)
        assert "Der Beitrag ist freigegeben." in after.flashes() and items(after) == {}
        assert await public_texts(client, x, x.questions[0]) == (["Man grüßt sich."],) * 3
        row = await fresh(c)
        assert (row.status, row.reviewed, row.decided_by) == ("approved", True, client.user.id)
        audit = await AuditEntry.objects().where(AuditEntry.action == "contribution-approve").first()
        assert (audit.resource, audit.object_id, audit.user_id) == ("contributions", str(c.id), client.user.id)
        approved_tab = parse((await client.get("/staff/moderation?status=freigegeben")).text)
        assert c.id in items(approved_tab)


async def test_post_moderation_shows_at_once_but_waits_for_review(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition()
        q = await service.create_question(Q2, exhibition_id=x.exhibition.id, moderation="post")
        c = await contribute(q, "Ein Sommerfest!")
        assert c.status == "approved"
        assert await public_texts(client, x, q) == (["Ein Sommerfest!"],) * 3
        queue = parse((await client.get("/staff/moderation")).text)
        assert "Freigegeben (noch nicht geprüft)" in items(queue)[c.id]
        assert "Als geprüft markieren" in queue.main_text
        after = parse((await decide(client, c, "approve")).text)
        assert items(after) == {} and (await fresh(c)).reviewed
        assert await public_texts(client, x, q) == (["Ein Sommerfest!"],) * 3
        again = parse((await decide(client, c, "approve")).text)
        assert "Der Beitrag ist schon freigegeben." in again.flashes()


async def test_the_word_filter_holds_and_marks_but_never_drops(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=WATCHED) as client:
        x = await exhibition()
        q = await service.create_question(Q2, exhibition_id=x.exhibition.id, moderation="post")
        swear = await contribute(q, "So ein MIST hier.")
        link = await contribute(q, "Billig kaufen auf www.example.com/angebot")
        by_name = await contribute(q, "Alles gut.", name="Sieg Heil")
        clean = await contribute(q, "Kommisterei ist kein Wort, aber harmlos.")
        assert [(c.status, c.flags) for c in (swear, link, by_name, clean)] == [
            ("pending", "mist"), ("pending", "Link"), ("pending", "sieg heil"), ("approved", "")]
        assert await public_texts(client, x, q) == (["Kommisterei ist kein Wort, aber harmlos."],) * 3
        queue = items(parse((await client.get("/staff/moderation")).text))
        assert "Vom Wortfilter markiert: mist" in queue[swear.id] and "Vom Wortfilter markiert: Link" in queue[link.id]
        assert "Vom Wortfilter markiert" not in queue[clean.id]
        assert await Contribution.count() == 4  # flagged, kept for a person to decide


async def test_reject_needs_a_reason_and_hides_it_everywhere(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        c = await approved(x.questions[0], "Kaufen Sie Uhren!")
        without = parse((await decide(client, c, "reject", reason="  ")).text)
        assert "Bitte geben Sie einen Grund für die Ablehnung an." in without.flashes()
        assert (await fresh(c)).status == "approved"
        after = parse((await decide(client, c, "reject", reason="Werbung")).text)
        assert "Der Beitrag ist abgelehnt." in after.flashes()
        row = await fresh(c)
        assert (row.status, row.reject_reason) == ("rejected", "Werbung")
        assert await public_texts(client, x, x.questions[0]) == ([], [], [])
        rejected_tab = items(parse((await client.get("/staff/moderation?status=abgelehnt")).text))
        assert "Grund der Ablehnung: Werbung" in rejected_tab[c.id]
        twice = parse((await decide(client, c, "reject", reason="Noch mal")).text)
        assert "Der Beitrag ist schon abgelehnt." in twice.flashes()
        assert (await fresh(c)).reject_reason == "Werbung"


async def test_hide_highlight_and_wrong_steps(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        q = x.questions[0]
        first = await approved(q, "Erster")
        second = await approved(q, "Zweiter")
        third = await approved(q, "Dritter")
        waiting = await contribute(q, "Wartet")
        assert (await public_texts(client, x, q))[0] == ["Dritter", "Zweiter", "Erster"]

        assert "Der Beitrag ist hervorgehoben." in parse((await decide(client, first, "highlight")).text).flashes()
        assert await public_texts(client, x, q) == (["Erster", "Dritter", "Zweiter"],) * 3
        page = parse((await client.get(x.path)).text)
        assert [li.get("id") for li in page.all("li") if "highlighted" in li.get("class", "").split()] == [f"beitrag-{first.id}"]
        assert "Der Beitrag ist nicht mehr hervorgehoben." in parse((await decide(client, first, "unhighlight")).text).flashes()
        assert (await public_texts(client, x, q))[2] == ["Dritter", "Zweiter", "Erster"]

        assert "Der Beitrag ist ausgeblendet." in parse((await decide(client, third, "hide")).text).flashes()
        assert await public_texts(client, x, q) == (["Zweiter", "Erster"],) * 3
        assert third.id in items(parse((await client.get("/staff/moderation?status=ausgeblendet")).text))

        wrong = [(waiting, "hide", "Nur freigegebene Beiträge können ausgeblendet werden."),
                 (waiting, "highlight", "Nur freigegebene Beiträge können hervorgehoben werden."),
                 (third, "highlight", "Nur freigegebene Beiträge können hervorgehoben werden."),
                 (third, "hide", "Nur freigegebene Beiträge können ausgeblendet werden.")]
        for contribution, decision, message in wrong:
            page = parse((await decide(client, contribution, decision)).text)
            assert message in page.flashes(), (decision, page.flashes())
        assert [(await fresh(c)).status for c in (waiting, third)] == ["pending", "hidden"]
        assert (await post_form(client, f"/staff/moderation/{second.id}/loeschen")).status_code == 404
        assert (await post_form(client, "/staff/moderation/999/approve")).status_code == 404
        assert (await client.post(f"/staff/moderation/{waiting.id}/approve", data={"back": "/staff/moderation"})).status_code == 403
        assert (await fresh(waiting)).status == "pending"


async def test_back_stays_inside_the_queue(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1, Q2])
        a = await contribute(x.questions[0], "Zur ersten Frage")
        b = await contribute(x.questions[1], "Zur zweiten Frage")
        filtered = items(parse((await client.get(f"/staff/moderation?frage={x.questions[1].id}")).text))
        assert list(filtered) == [b.id]
        kept = await post_form(client, f"/staff/moderation/{b.id}/hide", {"back": f"/staff/moderation?frage={x.questions[1].id}"})
        assert kept.headers["location"] == f"/staff/moderation?frage={x.questions[1].id}#c{b.id}"
        away = await post_form(client, f"/staff/moderation/{a.id}/approve", {"back": "https://evil.example/"})
        assert away.headers["location"] == "/staff/moderation"


async def test_the_queue_shows_payloads_as_text(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        c = await contribute(x.questions[0], SCRIPT, IMG_NAME)
        response = await client.get("/staff/moderation")
        assert SCRIPT not in response.text and "<img src=x" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
        assert SCRIPT in items(parse(response.text))[c.id]


async def test_a_moderator_sees_only_their_quartier_and_edits_nothing(make_staff_client):
    async with make_staff_client(role="moderator", quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        north = await exhibition(exhibits=1, questions=[Q1])
        south = await exhibition("suedstadt", "Im Süden", exhibits=1, questions=[Q2])
        mine = await contribute(north.questions[0], "Aus dem Norden")
        theirs = await contribute(south.questions[0], "Aus dem Süden")
        queue = parse((await client.get("/staff/moderation")).text)
        assert list(items(queue)) == [mine.id]
        assert [v for v, _label in queue.options("frage") if v] == [str(north.questions[0].id)]
        assert "Moderation" in [a.text for a in queue.all("a")]
        assert (await post_form(client, f"/staff/moderation/{theirs.id}/approve", {"back": "/staff/moderation"})).status_code == 404
        assert (await fresh(theirs)).status == "pending"
        await decide(client, mine, "approve")
        assert (await fresh(mine)).status == "approved"
        for url in (f"/staff/ausstellungen/beitraege.csv?ausstellung={north.exhibition.id}",
                    f"/staff/ausstellungen/beitraege?ausstellung={north.exhibition.id}",
                    f"/staff/ausstellungen/exponate/{north.exhibits[0].id}/bilder", f"/staff/ausstellungen/{north.exhibition.id}/exponate",
                    f"/staff/ausstellungen/fragen/{north.questions[0].id}/aushang", "/staff/r/exhibitions/", "/staff/r/contributions/"):
            assert (await client.get(url)).status_code == 403, url
        token = {CSRF_FIELD: client.csrf()}
        moved = await client.post(f"/staff/ausstellungen/exponate/{north.exhibits[0].id}/verschieben", data={**token, "richtung": "hoch"})
        assert moved.status_code == 403
