"""The catalogs (one per language folder) cover every German text the plugin shows, and only the plugin's catalog translates them.

The texts come from ``_()`` / ``gettext`` / ``ngettext`` in the code and templates (found with Babel as
``babel.cfg`` says, like ``pybabel extract``) and from declarations the core or the plugin translates when it
renders them: the staff resource (labels, help texts, menu group), the form messages, the default categories,
the language names and the block title. Texts the core's catalog translates need no entry here (the core's
catalog is where this plugin's texts fall back to); no other plugin's catalog is ever used for them.

After changing texts: add the new ones to quartier_hilfsangebote/locale/<lang>/LC_MESSAGES/messages.po
for every language (this test names them).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

import quartier_hilfsangebote
from core.testing.catalog import Declared, build_catalog, catalog_languages, check_catalog, core_catalog, extract_messages
from hilfsangebote_kit import PLUGINS, offer, parse, quartier
from quartier_hilfsangebote import blocks, callbacks, languages, service, settings
from quartier_hilfsangebote.resources import CALLBACKS, OFFERS

PACKAGE = Path(quartier_hilfsangebote.__file__).parent
ROOT = PACKAGE.parent  # holds babel.cfg
LOCALE = PACKAGE / "locale"


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


@pytest.mark.parametrize("lang", catalog_languages(LOCALE))
def test_the_catalog_of_every_language_is_complete(lang):
    """Every text translated (not fuzzy), no stale entries, placeholders kept, all plural forms: per language folder."""
    problems = check_catalog(template_catalog(), LOCALE, lang)
    assert problems == [], "\n".join(problems)


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
