"""Every offered language in a real browser, on the demo: lang/dir on every page and on mixed-language fragments,
the Leichte-Sprache link with its pictogram, and no axe-core WCAG 2.1 A/AA violations (Leichte Sprache and
right-to-left included)."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
from playwright.sync_api import expect

from core.config import LegalTexts, PagesSettings
from core.testing.browser import LiveServer, run_async
from core.web.i18n import EASY_LANGUAGE, LANGUAGES, direction, html_lang
from tests.browser.test_exhibition import SECTIONS as EXHIBITION_SECTIONS
from tests.browser.test_registration import SETTINGS as REGISTRATION_SETTINGS

pytestmark = pytest.mark.browser

# the privacy page in German and Leichte Sprache only: the other languages show the German text with the notice
LEGAL = PagesSettings(datenschutz="Wir speichern nur, was für die Anmeldung nötig ist.",
                      versions={EASY_LANGUAGE: LegalTexts(datenschutz="Wir speichern nur wenige Daten von Ihnen.")})


@pytest.fixture
def demo_url(make_deployment: Callable[..., Any]) -> Iterator[tuple[str, str]]:
    """The demo (the Netzwerktreff with its registration form and exhibition) served live: (url, event path)."""
    from core.app import create_app
    from core.demo.loader import load_demo

    deployment = run_async(make_deployment(plugins=["registration", "exhibition"], pages=LEGAL,
                                           sections={**REGISTRATION_SETTINGS, **EXHIBITION_SECTIONS}))
    event = run_async(load_demo(deployment))
    with LiveServer(create_app(deployment=deployment)) as server:
        yield server.url, f"/gifhorn/veranstaltungen/{event.id}-{event.slug}"


# every element whose language differs from the page's: its lang, its computed direction, the start of its text
FRAGMENTS = """() => [...document.querySelectorAll('body [lang]')]
    .filter(e => e.lang !== document.documentElement.lang && !e.closest('.lang-switch'))
    .map(e => [e.lang, getComputedStyle(e).direction, e.getAttribute('dir'), e.textContent.trim().slice(0, 40)])"""


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_public_pages_in_every_language(lang, demo_url, page, screenshot, assert_no_axe_violations):
    url, event_path = demo_url
    rtl = direction(lang) == "rtl"
    for path in ("/", "/gifhorn/", event_path, "/datenschutz"):
        page.goto(f"{url}{path}?lang={lang}")
        where = f"{path} in {lang}"
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [html_lang(lang), direction(lang)], where
        fragments = page.evaluate(FRAGMENTS)
        if path == event_path:  # the demo has no Russian or Ukrainian versions
            assert bool(fragments) == (lang in ("ru", "uk")), (where, fragments)
        for fragment_lang, computed, attribute, text in fragments:
            # a German text inside another language's page: marked German, and left to right inside an Arabic page
            assert fragment_lang == "de", (where, text)
            assert computed == "ltr" and (attribute == "ltr" or not rtl), (where, text)
        easy = page.locator("li.easy-link img")
        expect(easy).to_have_attribute("src", "/static/core/leichte-sprache.svg")
        assert page.evaluate("document.querySelector('li.easy-link img').naturalWidth") > 0, where
        assert_no_axe_violations(page, f"{where} ({page.url})")
        screenshot(page, f"lang-{lang}-{path.strip('/').split('/')[0] or 'home'}")
    fallback = page.locator("p.fallback-notice")
    if lang in ("de", EASY_LANGUAGE):
        expect(fallback).to_have_count(0)  # the privacy page has a Leichte-Sprache version
    else:
        expect(fallback).to_have_count(1)
        expect(page.locator("div.prose")).to_have_attribute("lang", "de")


def test_leichte_sprache_pages_are_larger_and_linked_back(demo_url, page):
    url, event_path = demo_url
    page.goto(f"{url}{event_path}")
    normal = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    page.get_by_role("link", name="Leichte Sprache").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Treffen für Nachbarn")
    page.wait_for_load_state("load")  # the stylesheet applied, not only the heading parsed (a loaded machine is slow)
    size, line = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('main p'));
        return [parseFloat(s.fontSize), parseFloat(s.lineHeight) / parseFloat(s.fontSize)]; }""")
    assert size >= normal * 1.15 and line >= 1.75, (normal, size, line)
    page.get_by_role("link", name="Deutsch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gemeinschaft stärken: Netzwerktreff des Quartiersmanagements")
