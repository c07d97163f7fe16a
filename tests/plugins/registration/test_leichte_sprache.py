"""The registration form in Leichte Sprache: its UI texts (a partial catalog), its consent text as a version."""

from __future__ import annotations

from pathlib import Path

from core.content import easy
from core.plugin_api import save_versions
from core.testing.catalog import catalog_file, extract_messages, read_catalog
from plugins.registration.tables import Registration
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form
from tests.plugins.registration.test_content_languages import CONSENT_DE, register

LS = "de-x-ls"
ROOT = Path(__file__).resolve().parents[3]
PLUGIN = ROOT / "plugins" / "registration"
PUBLIC = ("block.html", "confirm.html", "cancel.html", "result.html", "form_page.html")


async def test_the_form_speaks_leichte_sprache_and_stores_the_consent_as_seen(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, form = await event_with_form(consent_text=CONSENT_DE)
        consent_ls = "Wir speichern Ihren Namen. Und Ihre E-Mail-Adresse. Das ist für die Anmeldung."
        await save_versions("registration_forms", form, LS, {"consent_text": consent_ls})
        page = await register(client, event, LS, "leicht@example.org")
        assert page.html_lang == "de"
        assert "Sie können sich jetzt anmelden." in page.main_text and "Ja, das ist in Ordnung für mich." in page.main_text
        assert page.text_of("reg-consent-text") == consent_ls and page.by_id("reg-consent-text").get("lang") is None
        (row,) = await Registration.objects()
        assert (row.language, row.consent_text) == (LS, consent_ls)


def test_the_ls_catalog_covers_the_public_templates_and_keeps_its_own_rules():
    wanted = [m for m, where in extract_messages(PLUGIN, ROOT).items() if any(f.endswith(PUBLIC) for f, _line in where)]
    catalog = read_catalog(catalog_file(PLUGIN / "locale", LS), "de")
    missing = [m for m in wanted if not (catalog.get(m if isinstance(m, str) else m[0]) and catalog.get(m if isinstance(m, str) else m[0]).string)]
    assert not missing, missing
    texts = [s for m in catalog if m.id for s in ([m.string] if isinstance(m.string, str) else m.string)]
    assert not [t for t in texts if easy.hints(t)], [easy.hints(t) for t in texts if easy.hints(t)]


async def test_the_demo_consent_text_comes_in_the_demos_languages(make_client):
    from core.demo.loader import load_demo
    from tests.core.web.pages import parse

    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        event = await load_demo(client.deployment)
        url = f"/gifhorn/veranstaltungen/{event.id}-{event.slug}"
        for lang, start in ((LS, "Wir speichern Ihre Angaben."), ("en", "I agree that my details"),
                            ("ar", "أوافق على حفظ بياناتي")):
            page = parse((await client.get(url, params={"lang": lang})).text)
            assert page.text_of("reg-consent-text").startswith(start), lang
            assert not page.all("p", class_="fallback-notice"), lang
        page = parse((await client.get(url, params={"lang": "ru"})).text)
        assert page.by_id("reg-consent-text").get("lang") == "de"
