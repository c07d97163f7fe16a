"""The JSON API: published exhibitions, exhibits and approved contributions to read; a contribution to send."""

from __future__ import annotations

from plugins.exhibition import service
from plugins.exhibition.tables import Contribution
from tests.core.factories import make_event
from tests.plugins.exhibition.helpers import NO_RATE_LIMIT, PLUGINS, Q1, Q2, approved, exhibition, image_bytes, quartier

BASE = "http://testserver.local"
CHECK = "Bitte prüfen Sie Ihre Angaben."


def url(path: str) -> str:
    return f"/api/quartiere/nordstadt{path}"


async def test_exhibitions_exhibits_and_questions(make_client):
    async with make_client(PLUGINS, sections={"exhibition": {"rate_limit_per_minute": 0, "image_widths": [32, 64]}}) as client:
        event = await make_event(await quartier(), "treff")
        x = await exhibition(exhibits=["Erstes", "Zweites"], questions=[Q1, Q2], event_ids=[event.id])
        post = x.questions[1]
        await service.create_exhibit(x.exhibition.id, "Entwurf")
        image = await service.add_image(x.exhibits[1], image_bytes("PNG", (100, 50)), service.ImageInput(
            alt_text="Ein Tisch", caption="Beim Treffen", credit="Foto: Maria Muster", licence="CC BY 4.0"))
        await exhibition(title="Noch nicht fertig", publish=False)

        listing = (await client.get(url("/exhibitions"))).json()
        assert [(e["id"], e["title"], e["url"], e["api_url"]) for e in listing] == [
            (x.exhibition.id, "Gute Nachbarschaft", BASE + x.path, BASE + url(f"/exhibitions/{x.exhibition.id}"))]
        assert listing[0]["published_at"]

        detail = (await client.get(url(f"/exhibitions/{x.exhibition.id}"))).json()
        assert (detail["title"], detail["introduction"], detail["events"]) == ("Gute Nachbarschaft", "Eine Einführung.", [event.id])
        assert [(e["id"], e["title"], e["position"]) for e in detail["exhibits"]] == [
            (x.exhibits[0].id, "Erstes", 1), (x.exhibits[1].id, "Zweites", 2)]
        assert [(q["id"], q["text"], q["open"], q["moderation"]) for q in detail["questions"]] == [
            (x.questions[0].id, Q1, True, "pre"), (post.id, Q2, True, "pre")]
        assert detail["questions"][0]["url"] == f"{BASE}/nordstadt/fragen/{x.questions[0].id}"
        assert detail["questions"][0]["contributions_url"] == BASE + url(f"/questions/{x.questions[0].id}/contributions")

        second = (await client.get(url(f"/exhibits/{x.exhibits[1].id}"))).json()
        assert (second["title"], second["body"], second["position"], second["previous"], second["next"]) == (
            "Zweites", "Text zu Zweites.", 2, x.exhibits[0].id, None)
        (pic,) = second["images"]
        media = f"{BASE}/nordstadt/medien/ausstellung/{image.key}"
        assert pic == {"url": f"{media}/original.png", "width": 100, "height": 50, "alt_text": "Ein Tisch", "caption": "Beim Treffen",
                       "credit": "Foto: Maria Muster", "licence": "CC BY 4.0",
                       "sizes": {"32": f"{media}/32.webp", "64": f"{media}/64.webp"}}  # wider than 64: no full-size WebP
        for address in pic["sizes"].values():
            served = await client.get(address.removeprefix(BASE))
            assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
        assert (await client.get(url(f"/exhibits/{x.exhibits[0].id}"))).json()["next"] == x.exhibits[1].id
        await quartier("suedstadt")
        assert (await client.get(f"/api/quartiere/suedstadt/exhibits/{x.exhibits[0].id}")).status_code == 404
        assert (await client.get(f"/api/quartiere/suedstadt/exhibitions/{x.exhibition.id}")).status_code == 404

        questions = (await client.get(f"/api/events/{event.id}/questions")).json()
        assert [q["id"] for q in questions] == [q.id for q in x.questions]
        for missing in (url("/exhibitions/999"), url("/exhibits/999"), "/api/quartiere/nirgendwo/exhibitions", "/api/events/999/questions"):
            assert (await client.get(missing)).status_code == 404, missing


async def test_approved_contributions_highlighted_first_then_newest(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        q = x.questions[0]
        first = await approved(q, "Erster", "Anna")
        await approved(q, "Zweiter")
        await approved(q, "Dritter")
        await service.submit(q, service.ContributionInput(text="Wartet"))
        feed = url(f"/questions/{q.id}/contributions")
        response = await client.get(feed)
        assert response.headers["cache-control"] == "no-cache"
        assert [c["text"] for c in response.json()] == ["Dritter", "Zweiter", "Erster"]
        await service.highlight(first, True)
        body = (await client.get(feed)).json()
        assert [(c["text"], c["name"], c["highlighted"]) for c in body] == [
            ("Erster", "Anna", True), ("Dritter", "", False), ("Zweiter", "", False)]
        assert set(body[0]) == {"id", "question", "text", "name", "highlighted", "on_paper", "created_at"}  # no e-mail, no status
        assert [c["text"] for c in (await client.get(feed, params={"limit": 1})).json()] == ["Erster"]


async def test_post_a_contribution(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        post = await service.create_question(Q2, exhibition_id=x.exhibition.id, moderation="post")
        pending = await client.post(url(f"/questions/{x.questions[0].id}/contributions"), json={"text": "  Grüßen!  ", "name": "Erika"})
        assert pending.status_code == 201
        body = pending.json()
        row = await Contribution.objects().where(Contribution.id == body["id"]).first()
        assert body == {"id": row.id, "status": "pending",
                        "message": "Danke für Ihren Beitrag! Er erscheint, sobald ihn jemand aus dem Quartiersmanagement freigegeben hat."}
        assert (row.text, row.author_name, row.status) == ("Grüßen!", "Erika", "pending")
        public = await client.post(url(f"/questions/{post.id}/contributions"), json={"text": "Sofort sichtbar", "language": "en"})
        assert public.status_code == 201 and public.json()["status"] == "approved"
        assert public.json()["message"] == "Danke für Ihren Beitrag! Er ist jetzt zu sehen."
        assert [c["text"] for c in (await client.get(url(f"/questions/{post.id}/contributions"))).json()] == ["Sofort sichtbar"]


async def test_refusals_give_field_messages_and_store_nothing(make_client):
    async with make_client(PLUGINS, sections={"exhibition": {"rate_limit_per_minute": 0, "contribution_max_length": 20}}) as client:
        x = await exhibition(questions=[Q1])
        target = url(f"/questions/{x.questions[0].id}/contributions")
        cases = [
            ({"text": ""}, {"text": "Bitte schreiben Sie Ihren Beitrag."}),
            ({"text": "   "}, {"text": "Bitte schreiben Sie Ihren Beitrag."}),
            ({"text": "x" * 21}, {"text": "Ihr Beitrag ist zu lang (21 von höchstens 20 Zeichen)."}),
            ({"text": 5}, {"text": "Ungültiger Wert: erwartet wird Text."}),
            ({"text": "Hallo", "name": ["Anna"]}, {"name": "Ungültiger Wert: erwartet wird Text."}),
            ({"text": "Hallo", "status": "approved"}, {"status": "Dieses Feld ist unbekannt."}),
            ({"name": "Anna"}, {"text": "Dieses Feld fehlt."}),
            ({"text": "Hallo", "language": "fr"}, {"language": "Diese Sprache wird hier nicht angeboten."}),
        ]
        for sent, errors in cases:
            response = await client.post(target, json=sent)
            assert response.status_code == 422, sent
            assert response.json() == {"status_code": 422, "detail": CHECK, "errors": errors}, sent
        for raw in (b"{text: Hallo}", b"", b'{"text": "Hallo"'):
            bad = await client.post(target, content=raw, headers={"content-type": "application/json"})
            assert bad.status_code == 400 and bad.json()["detail"] == "Der Inhalt ist kein gültiges JSON.", raw
        not_object = await client.post(target, json=["Hallo"])
        assert not_object.status_code == 422
        assert not_object.json()["errors"] == {"body": "Ungültiger Wert: erwartet wird ein Objekt."}
        for missing in (url("/questions/999/contributions"), "/api/quartiere/suedstadt/questions/1/contributions"):
            assert (await client.post(missing, json={"text": "Hallo"})).status_code == 404
        assert await Contribution.count() == 0

