"""The English catalog covers every German text the plugin shows, and only the plugin's catalog translates them.

The texts come from ``_()`` / ``gettext`` / ``ngettext`` in the code and templates (found with Babel as
``babel.cfg`` says, like ``pybabel extract``) and from declarations the core or the plugin translates when it
renders them: the staff resource (labels, help texts, menu group), the form messages, the default categories,
the language names and the block title. Texts the core's catalog translates need no entry here (the core's
catalog is where this plugin's texts fall back to); no other plugin's catalog is ever used for them.

After changing texts: add the new ones to quartier_hilfsangebote/locale/en/LC_MESSAGES/messages.po
(this test names them).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog

import quartier_hilfsangebote
from core.testing.catalog import (
    Declared, build_catalog, core_catalog, extract_messages, missing_translations, read_catalog, stale_entries,
    wrong_placeholders,
)
from hilfsangebote_kit import PLUGINS, offer, parse, quartier
from quartier_hilfsangebote import blocks, callbacks, languages, service, settings
from quartier_hilfsangebote.resources import CALLBACKS, OFFERS

PACKAGE = Path(quartier_hilfsangebote.__file__).parent
ROOT = PACKAGE.parent  # holds babel.cfg
CATALOG = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "messages.po"


def declared() -> Declared:
    found = Declared()
    found.add_resource(OFFERS)
    found.add_resource(CALLBACKS)
    found.add(callbacks.CONFIRMATION.label, "callbacks.CONFIRMATION: label")  # shown to staff editing the message texts
    for where, texts in {
        "block title": [blocks.BLOCK_TITLE], "page title": [settings.HilfsangeboteSettings().page_title],
        "service.MESSAGES": service.MESSAGES.values(), "callbacks.MESSAGES": callbacks.MESSAGES.values(),
        "service.LABELS": service.LABELS.values(),
        "settings.CATEGORIES": settings.CATEGORIES, "languages.NAMES": languages.NAMES.values(),
    }.items():
        for text in texts:
            found.add(text, where)
    return found


def template_catalog() -> Catalog:
    return build_catalog("quartier-hilfsangebote", extract_messages(PACKAGE, ROOT), declared())


def test_every_text_has_an_english_translation():
    missing = missing_translations(template_catalog(), read_catalog(CATALOG), core=core_catalog())
    assert missing == [], "not in the English catalog:\n" + "\n".join(missing)


def test_no_stale_entries():
    assert stale_entries(template_catalog(), read_catalog(CATALOG)) == [], "in the catalog but not used"


def test_placeholders_survive_translation():
    assert wrong_placeholders(read_catalog(CATALOG)) == []


async def test_another_plugins_catalog_does_not_translate_our_texts(make_client):
    """The notifications catalog says "URL" for its own "Adresse" (an Apprise target's); loaded first, it
    must not change the offer's "Adresse" here, which this plugin's catalog translates as "Address"."""
    assert core_catalog().get("Adresse") is None  # so only a plugin's catalog can translate it
    async with make_client(["notifications", *PLUGINS]) as client:
        await quartier("nordstadt")
        await offer(name="Schuldnerberatung", street="Steinweg 10", postal_code="38518", city="Gifhorn")
        html = (await client.get("/nordstadt/hilfe?lang=en")).text
        terms = [dt.text for dt in parse(html).all("dt")]
        assert "Address" in terms and "URL" not in terms, terms
        assert "Adresse" not in terms
