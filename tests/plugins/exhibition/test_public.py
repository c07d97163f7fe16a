"""What a citizen sees and does: exhibition, exhibit and question pages, the contribution form, the wall, drafts kept out
of sight, escaping of what citizens write, and the plugin switched off for a Quartier."""

from __future__ import annotations

from core.quartiere.service import set_plugin_enabled
from core.testing.fixtures import CSRF_FIELD, create_staff_user, open_client, post_form, staff_login
from plugins.exhibition import service
from plugins.exhibition.tables import Contribution
from tests.core.factories import make_event
from tests.core.web.pages import parse
from tests.plugins.exhibition.helpers import (
    IMG_NAME, NO_RATE_LIMIT, PLUGINS, Q1, Q2, SCRIPT, answer, approved, contribution_texts, csrf_of, exhibition, image_bytes,
    quartier, wall_texts,
)

PENDING_MESSAGE = "Danke für Ihren Beitrag! Er erscheint, sobald ihn jemand aus dem Quartiersmanagement freigegeben hat."
PUBLIC_MESSAGE = "Danke für Ihren Beitrag! Er ist jetzt zu sehen."


def qpath(question) -> str:
    return f"/nordstadt/fragen/{question.id}"


# -- pages -------------------------------------------------------------------------------------
async def test_exhibition_page_exhibits_and_questions(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(exhibits=3, questions=[Q1, Q2])
        listing = parse((await client.get("/nordstadt/ausstellungen")).text)
        assert x.path in listing.links()
        page = parse((await client.get(x.path)).text)
        assert page.h1 == "Gute Nachbarschaft" and "Eine Einführung." in page.main_text
        exhibit_links = [a for a in page.links() if "/exponate/" in a]
        assert exhibit_links[:3] == [f"{x.path}/exponate/{e.id}" for e in x.exhibits]
        assert [h.text for h in page.all("h2", class_="question-text")] == [Q1, Q2]
        assert len([f for f in page.post_forms() if "/fragen/" in f]) == 2
        assert f"{x.path}/wand" in page.links()
        # the short address leads to the canonical one
        short = await client.get(f"/nordstadt/ausstellungen/{x.exhibition.id}")
        assert short.status_code == 301 and short.headers["location"] == x.path
        first = parse((await client.get(f"{x.path}/exponate/{x.exhibits[0].id}")).text)
        assert first.h1 == "Exponat 1" and "Exponat 1 von 3" in first.main_text
        assert [a.get("href") for a in first.all("a", rel="next")] == [f"{x.path}/exponate/{x.exhibits[1].id}"]
        assert first.all("a", rel="prev") == []
        last = parse((await client.get(f"{x.path}/exponate/{x.exhibits[2].id}")).text)
        assert [a.get("href") for a in last.all("a", rel="prev")] == [f"{x.path}/exponate/{x.exhibits[1].id}"]
        assert f"{x.path}#fragen" in last.links()
        # an exhibition is found only under its own Quartier
        await exhibition("suedstadt", "Anderswo")
        assert (await client.get(f"/suedstadt/ausstellungen/{x.exhibition.id}-gute-nachbarschaft")).status_code == 404
        assert (await client.get(f"/nordstadt/ausstellungen/{x.exhibition.id}-gute-nachbarschaft/exponate/999")).status_code == 404


async def test_the_event_page_links_exhibition_and_questions(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        event = await make_event(await quartier(), "treff")
        x = await exhibition(event_ids=[event.id], questions=[Q1])
        own = await service.create_question("Was fehlt im Treff?", event_id=event.id)
        page = parse((await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff")).text)
        assert x.path in page.links() and "Ausstellung „Gute Nachbarschaft“ ansehen" in page.main_text
        assert {qpath(x.questions[0]), qpath(own)} <= set(page.links())
        assert "Ihre Meinung ist gefragt" in page.main_text
        exhibition_page = parse((await client.get(x.path)).text)
        assert f"/nordstadt/veranstaltungen/{event.id}-treff" in exhibition_page.links()
        # a question of the event alone has its page, linking back to the event
        question_page = parse((await client.get(qpath(own))).text)
        assert question_page.all("h2", class_="question-text")[0].text == "Was fehlt im Treff?"
        assert f"/nordstadt/veranstaltungen/{event.id}-treff" in question_page.links()


# -- drafts stay out of sight ------------------------------------------------------------------
async def hidden_everywhere(client, x, image) -> None:
    exhibit = x.exhibits[0]
    question = x.questions[0]
    urls = [x.path, f"{x.path}/exponate/{exhibit.id}", f"{x.path}/wand", qpath(question), f"{qpath(question)}/wand",
            f"{qpath(question)}/qr.svg", f"/nordstadt/medien/ausstellung/{image.key}/original.png",
            f"/api/quartiere/nordstadt/exhibitions/{x.exhibition.id}", f"/api/quartiere/nordstadt/exhibits/{exhibit.id}",
            f"/api/quartiere/nordstadt/questions/{question.id}/contributions"]
    for url in urls:
        assert (await client.get(url)).status_code == 404, url
    assert (await client.get("/api/quartiere/nordstadt/exhibitions")).json() == []
    assert x.path not in parse((await client.get("/nordstadt/ausstellungen")).text).links()
    sent = await client.post(f"/api/quartiere/nordstadt/questions/{question.id}/contributions", json={"text": "Hallo"})
    assert sent.status_code == 404
    assert await Contribution.count() == 0


async def test_draft_and_archived_exhibitions_are_not_public(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(exhibits=1, questions=[Q1], publish=False)
        image = await service.add_image(x.exhibits[0], image_bytes("PNG"), service.ImageInput(alt_text="Ein Bild"))
        await hidden_everywhere(client, x, image)
        published = await service.publish_exhibition(x.exhibition)
        assert (await client.get(x.path)).status_code == 200
        assert (await client.get(f"/nordstadt/medien/ausstellung/{image.key}/original.png")).status_code == 200
        await service.set_exhibition_status(published, "archived")
        await hidden_everywhere(client, x, image)


async def test_draft_exhibits_of_a_published_exhibition_are_not_public(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(exhibits=["Erstes", "Zweites"])
        draft = await service.create_exhibit(x.exhibition.id, "Noch geheim", "Text")
        image = await service.add_image(draft, image_bytes("PNG"), service.ImageInput(alt_text="Ein Bild"))
        page = parse((await client.get(x.path)).text)
        assert "Noch geheim" not in page.main_text and f"{x.path}/exponate/{draft.id}" not in page.links()
        assert (await client.get(f"{x.path}/exponate/{draft.id}")).status_code == 404
        second = parse((await client.get(f"{x.path}/exponate/{x.exhibits[1].id}")).text)
        assert "Exponat 2 von 2" in second.main_text and not second.all("a", rel="next")
        api = (await client.get(f"/api/quartiere/nordstadt/exhibitions/{x.exhibition.id}")).json()
        assert [e["title"] for e in api["exhibits"]] == ["Erstes", "Zweites"]
        assert (await client.get(f"/api/quartiere/nordstadt/exhibits/{draft.id}")).status_code == 404
        for name in ("original.png", f"{service.variant_widths(image)[0]}.webp"):
            assert (await client.get(f"/nordstadt/medien/ausstellung/{image.key}/{name}")).status_code == 404


async def test_staff_of_the_quartier_see_a_preview_others_do_not(make_client, fast_passwords):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(exhibits=1, publish=False)
        draft_exhibit = await service.create_exhibit(x.exhibition.id, "Entwurfsexponat")
        image = await service.add_image(draft_exhibit, image_bytes("PNG"), service.ImageInput(alt_text="Ein Bild"))
        own = await create_staff_user("staff", ["nordstadt"])
        other = await create_staff_user("staff", ["suedstadt"])
        moderator = await create_staff_user("moderator", ["nordstadt"])
        async with open_client(client.app) as browser:
            assert (await staff_login(browser, own.email)).status_code == 303
            page = parse((await browser.get(x.path)).text)
            assert "Vorschau: Diese Ausstellung ist nicht veröffentlicht." in page.flashes()
            assert "Entwurfsexponat" in page.main_text and "Entwurf" in [b.text for b in page.all("span", class_="badge")]
            exhibit_page = await browser.get(f"{x.path}/exponate/{draft_exhibit.id}")
            assert exhibit_page.status_code == 200 and "Vorschau" in exhibit_page.text
            media = await browser.get(f"/nordstadt/medien/ausstellung/{image.key}/original.png")
            assert media.status_code == 200 and media.headers["cache-control"] == "private, no-store"
        for user in (other, moderator):
            async with open_client(client.app) as browser:
                assert (await staff_login(browser, user.email)).status_code == 303
                assert (await browser.get(x.path)).status_code == 404
                assert (await browser.get(f"/nordstadt/medien/ausstellung/{image.key}/original.png")).status_code == 404


async def test_publishing_makes_it_public_and_tells_once(make_staff_client, published_events):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as staff:
        x = await exhibition(exhibits=1, publish=False)
        async with open_client(staff.app) as citizen:
            assert (await citizen.get(x.path)).status_code == 404
            response = await post_form(staff, f"/staff/r/exhibitions/{x.exhibition.id}/action/publish")
            assert response.status_code == 303
            assert (await citizen.get(x.path)).status_code == 200
            events = await published_events("exhibition.published")
            assert [(e.exhibition, e.title, e.url) for e in events] == [
                (x.exhibition.id, "Gute Nachbarschaft", f"http://testserver.local{x.path}")]
            # archived and published again: still the one announcement
            assert (await post_form(staff, f"/staff/r/exhibitions/{x.exhibition.id}/action/archive")).status_code == 303
            assert (await citizen.get(x.path)).status_code == 404
            assert (await post_form(staff, f"/staff/r/exhibitions/{x.exhibition.id}/action/publish")).status_code == 303
            assert (await citizen.get(x.path)).status_code == 200
            assert len(await published_events("exhibition.published")) == 1


# -- the contribution form ---------------------------------------------------------------------
async def test_pre_moderated_answer_waits_post_moderated_shows_at_once(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        post = await service.create_question(Q2, exhibition_id=x.exhibition.id, moderation="post")
        response = await answer(client, qpath(x.questions[0]), "Man hilft sich beim Einkaufen.", name="Erika")
        assert response.status_code == 201
        assert parse(response.text).text_of(f"q{x.questions[0].id}-result") == PENDING_MESSAGE
        row = await Contribution.objects().first()
        assert (row.text, row.author_name, row.status, row.notify_email) == ("Man hilft sich beim Einkaufen.", "Erika", "pending", None)
        assert contribution_texts((await client.get(qpath(x.questions[0]))).text) == []
        shown = await answer(client, qpath(post), "Mehr Bänke im Park.")
        assert shown.status_code == 201 and parse(shown.text).text_of(f"q{post.id}-result") == PUBLIC_MESSAGE
        assert contribution_texts(shown.text) == ["Mehr Bänke im Park."]
        assert contribution_texts((await client.get(x.path)).text) == ["Mehr Bänke im Park."]
        assert "anonym" in (await client.get(qpath(post))).text


async def test_honeypot_and_missing_csrf_token_keep_nothing(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        response = await answer(client, qpath(x.questions[0]), "Billige Uhren!", website="http://spam.example")
        assert response.status_code == 201 and PENDING_MESSAGE in response.text  # a bot learns nothing
        forged = await client.post(qpath(x.questions[0]), data={"text": "Ohne Token"})
        assert forged.status_code == 403
        assert await Contribution.count() == 0


async def test_rate_limit_per_address(make_client):
    async with make_client(PLUGINS, sections={"exhibition": {"rate_limit_per_minute": 2}}) as client:
        x = await exhibition(questions=[Q1])
        codes = [(await answer(client, qpath(x.questions[0]), f"Beitrag {n}")).status_code for n in range(2)]
        third = await answer(client, qpath(x.questions[0]), "Beitrag 3")
        assert codes == [201, 201] and third.status_code == 429
        assert "Zu viele Beiträge von dieser Adresse. Bitte warten Sie eine Minute." in parse(third.text).text_of(
            f"q{x.questions[0].id}-errors")
        api = await client.post(f"/api/quartiere/nordstadt/questions/{x.questions[0].id}/contributions", json={"text": "Noch einer"})
        assert api.status_code == 429 and api.json()["detail"].startswith("Zu viele Beiträge")
        assert await Contribution.count() == 2


async def test_too_long_text_and_name_are_refused_with_field_messages(make_client):
    sections = {"exhibition": {"rate_limit_per_minute": 0, "contribution_max_length": 50, "name_max_length": 10}}
    async with make_client(PLUGINS, sections=sections) as client:
        x = await exhibition(questions=[Q1])
        fid = f"q{x.questions[0].id}"
        response = await answer(client, qpath(x.questions[0]), "x" * 51, name="Ein sehr langer Name")
        assert response.status_code == 400
        page = parse(response.text)
        assert page.text_of(f"{fid}-text-error") == "Ihr Beitrag ist zu lang (51 von höchstens 50 Zeichen)."
        assert page.text_of(f"{fid}-name-error") == "Der Name ist zu lang (höchstens 10 Zeichen)."
        assert page.field_value("text") == "x" * 51 and page.field_value("name") == "Ein sehr langer Name"
        empty = await answer(client, qpath(x.questions[0]), "   ")
        assert empty.status_code == 400 and parse(empty.text).text_of(f"{fid}-text-error") == "Bitte schreiben Sie Ihren Beitrag."
        assert await Contribution.count() == 0


async def test_a_name_with_an_internet_address_is_refused_on_form_and_api(make_client):
    message = "Bitte geben Sie nur Ihren Namen an, ohne Internetadresse."
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        fid = f"q{x.questions[0].id}"
        response = await answer(client, qpath(x.questions[0]), "Mehr Bänke!", name="Erika www.evil.example")
        assert response.status_code == 400
        page = parse(response.text)
        assert page.text_of(f"{fid}-name-error") == message and page.field_value("name") == "Erika www.evil.example"
        api = await client.post(f"/api/quartiere/nordstadt/questions/{x.questions[0].id}/contributions",
                                json={"text": "Mehr Bänke!", "name": "evil.example/login"})
        assert api.status_code == 422 and api.json()["errors"] == {"name": message}
        assert await Contribution.count() == 0
        assert (await answer(client, qpath(x.questions[0]), "Mehr Bänke!", name="Erika M.")).status_code == 201


async def test_a_closed_question_shows_no_form_and_takes_nothing(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition()
        closed = await service.create_question(Q1, exhibition_id=x.exhibition.id, open=False)
        token = await csrf_of(client, x.path)
        page = parse((await client.get(qpath(closed))).text)
        assert qpath(closed) not in page.post_forms()
        assert "Zu dieser Frage werden keine Beiträge mehr angenommen." in page.main_text
        response = await client.post(qpath(closed), data={CSRF_FIELD: token, "text": "Trotzdem"})
        assert response.status_code == 409
        api = await client.post(f"/api/quartiere/nordstadt/questions/{closed.id}/contributions", json={"text": "Trotzdem"})
        assert api.status_code == 409 and api.json()["detail"] == "Zu dieser Frage werden keine Beiträge mehr angenommen."
        assert await Contribution.count() == 0


# -- the wall ----------------------------------------------------------------------------------
async def test_the_wall_shows_approved_contributions_with_a_feed(make_client):
    async with make_client(PLUGINS, sections={"exhibition": {"rate_limit_per_minute": 0, "wall_refresh_seconds": 7}}) as client:
        x = await exhibition(questions=[Q1, Q2])
        await approved(x.questions[0], "Grüßen im Treppenhaus.")
        await service.highlight(await approved(x.questions[0], "Hilfe beim Umzug."), True)
        await approved(x.questions[1], "Ein Sommerfest.")
        await service.reject(await service.submit(x.questions[1], service.ContributionInput(text="Abgelehnt")), "Test")
        await service.submit(x.questions[1], service.ContributionInput(text="Wartet noch"))
        wall = await client.get(f"{x.path}/wand")
        page = parse(wall.text)
        assert wall.status_code == 200 and page.title == "Gute Nachbarschaft – Beitragswand"
        assert wall_texts(wall.text) == ["Hilfe beim Umzug.", "Grüßen im Treppenhaus.", "Ein Sommerfest."]
        (main,) = page.all("main")
        assert main.get("data-refresh") == "7"
        feeds = [ul.get("data-feed") for ul in page.all("ul") if ul.get("data-feed")]
        assert feeds == [f"/api/quartiere/nordstadt/questions/{q.id}/contributions?limit=60" for q in x.questions]
        assert "/static/exhibition/wall.js" in wall.text
        assert (await client.get(feeds[1])).json()[0]["text"] == "Ein Sommerfest."
        single = await client.get(f"{qpath(x.questions[1])}/wand")
        assert wall_texts(single.text) == ["Ein Sommerfest."]
        qr = await client.get(f"{qpath(x.questions[0])}/qr.svg")
        assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml") and b"<svg" in qr.content


# -- escaping ----------------------------------------------------------------------------------
async def test_a_script_payload_is_shown_as_text_everywhere_public(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        await approved(x.questions[0], SCRIPT, name=IMG_NAME)
        for url in (qpath(x.questions[0]), x.path, f"{x.path}/wand", f"{qpath(x.questions[0])}/wand"):
            response = await client.get(url)
            assert SCRIPT not in response.text and "<img src=x" not in response.text, url
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text, url
            assert "&lt;img src=x onerror=" in response.text, url
            assert SCRIPT in (contribution_texts(response.text) or wall_texts(response.text)), url
        (item,) = (await client.get(f"/api/quartiere/nordstadt/questions/{x.questions[0].id}/contributions")).json()
        assert (item["text"], item["name"]) == (SCRIPT, IMG_NAME)
        # a refused form shows what was typed, still as text
        response = await answer(client, qpath(x.questions[0]), SCRIPT, name=IMG_NAME * 5)
        assert response.status_code == 400
        assert SCRIPT not in response.text and "<img src=x" not in response.text
        assert parse(response.text).field_value("text") == SCRIPT


# -- switched off for a Quartier ---------------------------------------------------------------
async def test_switched_off_for_the_quartier(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        event = await make_event(await quartier(), "treff")
        x = await exhibition(exhibits=1, questions=[Q1], event_ids=[event.id])
        image = await service.add_image(x.exhibits[0], image_bytes("PNG"), service.ImageInput(alt_text="Ein Bild"))
        other = await exhibition("suedstadt", "Im Süden")
        event_url = f"/nordstadt/veranstaltungen/{event.id}-treff"
        assert x.path in parse((await client.get(event_url)).text).links()
        await set_plugin_enabled(x.quartier.id, "exhibition", False)
        for url in ("/nordstadt/ausstellungen", x.path, f"{x.path}/exponate/{x.exhibits[0].id}", f"{x.path}/wand",
                    qpath(x.questions[0]), f"/nordstadt/medien/ausstellung/{image.key}/original.png",
                    "/api/quartiere/nordstadt/exhibitions", f"/api/quartiere/nordstadt/exhibitions/{x.exhibition.id}",
                    f"/api/quartiere/nordstadt/questions/{x.questions[0].id}/contributions", f"/api/events/{event.id}/questions"):
            assert (await client.get(url)).status_code == 404, url
        sent = await client.post(f"/api/quartiere/nordstadt/questions/{x.questions[0].id}/contributions", json={"text": "Hallo"})
        assert sent.status_code == 404 and await Contribution.count() == 0
        event_page = await client.get(event_url)
        assert event_page.status_code == 200
        assert x.path not in parse(event_page.text).links() and "Ausstellung „" not in event_page.text
        assert (await client.get(other.path)).status_code == 200  # the other Quartier keeps it


async def test_the_quartier_page_links_its_published_exhibitions(make_client):
    async with make_client(PLUGINS) as client:
        x = await exhibition(title="Gute Nachbarschaft")
        await exhibition(title="Noch in Arbeit", publish=False)
        await quartier("suedstadt")
        page = parse((await client.get("/nordstadt/")).text)
        assert x.path in page.links()
        assert "Noch in Arbeit" not in page.main_text
        assert not [link for link in parse((await client.get("/suedstadt/")).text).links() if "/ausstellungen/" in link]

        await set_plugin_enabled(x.quartier.id, "exhibition", False)
        assert x.path not in parse((await client.get("/nordstadt/")).text).links()
