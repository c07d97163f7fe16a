"""Exhibitions, exhibits, image alt texts and guiding questions in the reader's language (core/content)."""

from __future__ import annotations

from core.plugin_api import save_versions
from plugins.exhibition import service
from tests.core.web.pages import parse
from tests.plugins.exhibition import helpers

NOTICE_EN = "This text is only available in German."


async def test_exhibit_and_alt_text_in_english_with_the_german_fallback_marked(make_client):
    async with make_client(helpers.PLUGINS) as client:
        shown = await helpers.exhibition(exhibits=["Der Hof"], questions=[helpers.Q1])
        exhibit, question = shown.exhibits[0], shown.questions[0]
        image = await service.add_image(exhibit, helpers.image_bytes(), service.ImageInput(
            alt_text="Nachbarn an einer Kaffeetafel", caption="Sommerfest 2026"))
        await save_versions("exhibitions", shown.exhibition, "en", {"title": "Good neighbourhood"})
        await save_versions("exhibits", exhibit, "en", {"title": "The courtyard"})
        await save_versions("exhibit_images", image, "en", {"alt_text": "Neighbours at a coffee table"})
        await save_versions("guiding_questions", question, "en", {"text": "What is good neighbourhood to me?"})

        page = parse((await client.get(f"{shown.path}/exponate/{exhibit.id}", params={"lang": "en"})).text)
        assert page.h1 == "The courtyard"
        (img,) = [i for i in page.all("img") if i.get("alt")]
        assert img.get("alt") == "Neighbours at a coffee table" and img.get("lang") is None
        # the exhibit's body and the caption have no English version: German, marked, with the notice
        assert NOTICE_EN in page.main_text
        assert [e.text for e in page.all("div", class_="prose") if e.get("lang") == "de"] == ["Text zu Der Hof."]
        assert [e.text for e in page.all("span") if e.get("lang") == "de"] == ["Sommerfest 2026"]

        overview = parse((await client.get(shown.path, params={"lang": "en"})).text)
        assert overview.h1 == "Good neighbourhood"
        assert "What is good neighbourhood to me?" in [h.text for h in overview.all("h2")]
        german = parse((await client.get(shown.path, params={"lang": "de"})).text)
        assert german.h1 == "Gute Nachbarschaft" and helpers.Q1 in german.main_text and NOTICE_EN not in german.main_text

        client.cookies.clear()  # ?lang=de was remembered; without it the browser's language counts
        body = (await client.get(f"/api/quartiere/nordstadt/exhibits/{exhibit.id}", headers={"Accept-Language": "en"})).json()
        assert body["title"] == "The courtyard" and body["images"][0]["alt_text"] == "Neighbours at a coffee table"
        assert body["images"][0]["caption"] == "Sommerfest 2026"


async def test_staff_translate_a_guiding_question(make_staff_client):
    from core.testing.fixtures import post_form

    async with make_staff_client(plugins=helpers.PLUGINS, quartiere=["nordstadt"]) as client:
        shown = await helpers.exhibition(questions=[helpers.Q1])
        question = shown.questions[0]
        url = f"/staff/r/guiding-questions/{question.id}/translations/en"
        assert (await post_form(client, url, {"text": "x" * 301})).status_code == 400
        assert (await post_form(client, url, {"text": "What is good neighbourhood to me?"})).status_code == 303
        page = parse((await client.get(f"/nordstadt/fragen/{question.id}", params={"lang": "en"})).text)
        assert "What is good neighbourhood to me?" in [h.text for h in page.all("h2")]


async def test_staff_write_an_alt_text_in_english_from_the_image_page(make_staff_client):
    from core.testing.fixtures import post_form

    async with make_staff_client(plugins=helpers.PLUGINS, quartiere=["nordstadt"]) as client:
        shown = await helpers.exhibition(exhibits=["Der Hof"])
        exhibit = shown.exhibits[0]
        image = await service.add_image(exhibit, helpers.image_bytes(), service.ImageInput(alt_text="Nachbarn im Hof"))
        images_page = parse((await client.get(f"/staff/ausstellungen/exponate/{exhibit.id}/bilder")).text)
        assert f"/staff/r/exhibit-images/{image.id}" in images_page.links()
        assert "/staff/r/exhibit-images/" not in parse((await client.get("/staff/")).text).links()  # not in the menu
        detail = parse((await client.get(f"/staff/r/exhibit-images/{image.id}")).text)
        assert "fehlt" in detail.main_text
        url = f"/staff/r/exhibit-images/{image.id}/translations/en"
        assert (await post_form(client, url, {"alt_text": "Neighbours in the courtyard", "caption": "x" * 301})).status_code == 400
        assert (await post_form(client, url, {"alt_text": "Neighbours in the courtyard"})).status_code == 303
        page = parse((await client.get(f"{shown.path}/exponate/{exhibit.id}", params={"lang": "en"})).text)
        assert [i.get("alt") for i in page.all("img") if i.get("alt")] == ["Neighbours in the courtyard"]
        # the generated screens neither upload nor delete images
        assert (await client.get("/staff/r/exhibit-images/new")).status_code == 403
        assert (await client.get(f"/staff/r/exhibit-images/{image.id}/delete")).status_code == 403
