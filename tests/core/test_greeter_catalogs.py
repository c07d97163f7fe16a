"""The greeter sample's catalogs: every language folder translates what its English catalog (the reference) does."""

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from core.testing.catalog import catalog_file, catalog_languages, check_catalog, read_catalog

LOCALE = Path(__file__).parent / "sample_plugins" / "quartier_greeter" / "locale"


def wanted() -> Catalog:
    template = Catalog()
    for message in read_catalog(catalog_file(LOCALE, "en")):
        if message.id:
            template.add(message.id)
    return template


@pytest.mark.parametrize("lang", catalog_languages(LOCALE))
def test_the_catalog_of_every_language_is_complete(lang):
    problems = check_catalog(wanted(), LOCALE, lang)
    assert problems == [], "\n".join(problems)
