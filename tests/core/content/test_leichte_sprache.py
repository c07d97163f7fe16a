"""Leichte Sprache (de-x-ls): a version like a language, its link with the pictogram, its UI texts, the staff hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, LegalTexts, PagesSettings, Settings, load_settings
from core.content import easy
from core.content.service import save_versions
from core.content.tables import ContentTranslation
from core.testing.catalog import catalog_file, extract_messages, read_catalog
from core.testing.fixtures import post_form
from tests.core.content.test_content_languages import netzwerktreff
from tests.core.web.pages import parse

LS = "de-x-ls"
ROOT = Path(__file__).resolve().parents[3]
LS_NOTICE = "Diesen Text gibt es nicht in Leichter Sprache. Hier steht der Text in schwerer Sprache."


async def test_an_event_in_leichte_sprache_is_german_to_screen_readers_with_larger_type(make_client):
    async with make_client() as client:
        _nord, event = await netzwerktreff()
        await save_versions("events", event, LS, {"title": "Treffen für Nachbarn", "summary": "Wir trinken Kaffee. Wir reden."})
        url = f"/nordstadt/veranstaltungen/{event.id}-netzwerktreff"
        page = parse((await client.get(url, params={"lang": LS})).text)
        assert page.html_lang == "de" and page.all("html")[0].get("class") == "leicht"
        assert page.h1 == "Treffen für Nachbarn"
        # the description has no LS version: the standard German text, with the notice in Leichte Sprache
        assert LS_NOTICE in page.main_text and "Für alle Nachbarinnen und Nachbarn." in page.main_text
        assert "Wann ist das?" in page.main_text  # the UI's own texts in Leichte Sprache
        current = [e for e in page.all("li", class_="easy-link")]
        assert current and current[0].text.strip() == "Leichte Sprache"
        # the choice is remembered like a language; the list shows the LS title
        listing = parse((await client.get("/nordstadt/")).text)
        assert [h.text for h in listing.all("h3")] == ["Treffen für Nachbarn"]
        api = (await client.get(f"/api/events/{event.id}", params={"lang": LS})).json()
        assert api["title"] == "Treffen für Nachbarn" and api["language"] == LS and api["untranslated"] == ["description"]


async def test_every_public_page_links_to_leichte_sprache_with_the_served_pictogram(make_client):
    async with make_client() as client:
        _nord, event = await netzwerktreff()
        for url in ("/", "/nordstadt/", f"/nordstadt/veranstaltungen/{event.id}-netzwerktreff", "/impressum", "/gibt-es-nicht"):
            page = parse((await client.get(url, params={"lang": "en"})).text)
            (item,) = page.all("li", class_="easy-link")
            (link,) = [e for e in item.iter() if e.tag == "a"]
            assert link.get("href").endswith("lang=de-x-ls") and link.get("lang") == "de" and "Leichte Sprache" in link.text
            (img,) = [e for e in item.iter() if e.tag == "img"]
            assert img.get("src") == "/static/core/leichte-sprache.svg" and img.get("alt") == ""
        svg = await client.get("/static/core/leichte-sprache.svg")
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
        # not offered: no link
    async with make_client(languages=["de", "en"]) as client:
        assert not parse((await client.get("/")).text).all("li", class_="easy-link")


def test_the_ls_catalog_covers_the_public_pages_and_keeps_its_own_rules():
    wanted = [msgid for msgid, where in extract_messages(ROOT / "core", ROOT).items()
              if any("/public/" in f or f.endswith(("core/base.html", "core/error.html")) for f, _line in where)]
    catalog = read_catalog(catalog_file(ROOT / "core" / "locale", LS), "de")
    missing = [m for m in wanted if not (catalog.get(m) and catalog.get(m).string)]
    assert not missing, missing
    too_hard = {m.id: easy.hints(m.string) for m in catalog if m.id and easy.hints(m.string)}
    assert not too_hard, too_hard


def test_the_hints_name_long_sentences_and_long_words_not_divided_ones():
    long_sentence = "Wir treffen uns am Montag im Haus am Markt und trinken zusammen Kaffee und reden über den Stadtteil."
    assert easy.hints("Wir treffen uns. Es gibt Kaffee.") == []
    (hint,) = easy.hints(long_sentence)
    assert hint.startswith("Ein Satz hat 18 Wörter")
    (hint,) = easy.hints("Das Nachbarschaftsveranstaltungsprogramm ist da.")
    assert "„Nachbarschaftsveranstaltungsprogramm“" in hint and "Medio·punkt" in hint
    assert easy.hints("Das Nachbarschafts·veranstaltungs·programm ist da.") == []


async def test_staff_see_the_checklist_and_warnings_but_can_save(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        _nord, event = await netzwerktreff()
        url = f"/staff/r/events/{event.id}/translations/{LS}"
        form = parse((await client.get(url)).text)
        assert "Prüfliste Leichte Sprache" in form.main_text and form.by_id("f-title").get("lang") == "de"
        assert parse((await client.get(f"/staff/r/events/{event.id}/translations/en")).text).by_id("easy-checklist-title") is None
        text = "Das Nachbarschaftsveranstaltungsprogramm beginnt am Montag um drei Uhr im großen Saal vom Haus am Markt mit Kaffee."
        response = await post_form(client, url, {"title": "Treffen", "description": text})
        assert response.status_code == 303 and response.headers["location"] == url  # saved, back to the hints
        assert await ContentTranslation.count().where(ContentTranslation.lang == LS) == 2
        form = parse((await client.get(url)).text)
        assert "Bitte prüfen Sie die Hinweise zur Leichten Sprache." in form.flashes()
        hints = form.text_of("f-description-hints")
        assert "17 Wörter" in hints and "Nachbarschaftsveranstaltungsprogramm" in hints
        assert "f-description-hints" in form.by_id("f-description").get("aria-describedby")
        # a plain text: saved and back to the detail page
        response = await post_form(client, url, {"title": "Treffen", "description": "Wir trinken Kaffee."})
        assert response.headers["location"] == f"/staff/r/events/{event.id}"


async def test_legal_pages_per_language_with_the_fallback_notice(make_client):
    pages = PagesSettings(impressum="Landkreis Gifhorn, Quartiersmanagement", datenschutz="Wir speichern nur das Nötige.",
                          versions={LS: LegalTexts(impressum="Diese Seite macht der Landkreis Gifhorn."),
                                    "ar": LegalTexts(impressum="مقاطعة غيفهورن")})
    async with make_client(pages=pages) as client:
        page = parse((await client.get("/impressum", params={"lang": LS})).text)
        assert "Diese Seite macht der Landkreis Gifhorn." in page.main_text and LS_NOTICE not in page.main_text
        page = parse((await client.get("/datenschutz")).text)  # still LS: the German text, with the notice
        assert "Wir speichern nur das Nötige." in page.main_text and LS_NOTICE in page.main_text
        page = parse((await client.get("/impressum", params={"lang": "ar"})).text)
        assert "مقاطعة غيفهورن" in page.main_text and page.all("div", class_="prose")[0].get("lang") is None
        page = parse((await client.get("/datenschutz")).text)
        (prose,) = page.all("div", class_="prose")
        assert (prose.get("lang"), prose.get("dir")) == ("de", "ltr") and page.html_lang == "ar"
        assert "هذا النص متوفر باللغة الألمانية فقط." in page.main_text
        page = parse((await client.get("/datenschutz", params={"lang": "de"})).text)
        assert "Wir speichern nur das Nötige." in page.main_text and "nur auf Deutsch" not in page.main_text


def test_legal_page_versions_must_be_of_an_offered_language(tmp_path):
    config = tmp_path / "quartier.toml"
    config.write_text('languages = ["de", "en"]\n[pages]\nimpressum = "x"\n[pages.versions.tr]\nimpressum = "y"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'pages.versions' is invalid: 'tr' is not one of the offered languages"):
        load_settings(config, environ={})
    config.write_text('[pages.versions."de-x-ls"]\nimpressum = "Leicht"\n', encoding="utf-8")
    assert load_settings(config, environ={}).pages.versions[LS].impressum == "Leicht"
    assert isinstance(Settings(), Settings)
