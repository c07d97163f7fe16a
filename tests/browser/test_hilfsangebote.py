"""The plugin "hilfsangebote" (examples/quartier-hilfsangebote, installed as a package) in a real browser:
a citizen filters the help and counselling offers of a Quartier, and axe-core finds no WCAG 2.1 A/AA
violations on the page or on an event page with the block "Beratung vor Ort"."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

import pytest
from playwright.sync_api import expect

from core.testing.browser import LiveServer, run_async
from tests.browser.conftest import LiveApp, _seed

pytestmark = pytest.mark.browser

PLUGINS = ["hilfsangebote"]
OFFERS = [
    {"name": "Schuldnerberatung", "provider": "Diakonie", "category": "Schulden und Geld",
     "description": "Vertraulich und kostenlos. Termine nach Vereinbarung.", "street": "Steinweg 10",
     "postal_code": "38518", "city": "Gifhorn", "opening_hours": "Mo 9–12 Uhr\nDo 14–17 Uhr", "phone": "(05371) 82 562",
     "email": "schulden@example.org", "website": "https://example.org/schulden", "languages": "de, ru", "accessible": True},
    {"name": "Migrationsberatung", "provider": "Caritas", "category": "Migration und Sprache",
     "description": "Beratung zu Aufenthalt, Arbeit und Sprachkursen.", "street": "Lindenstraße 4", "postal_code": "38518",
     "city": "Gifhorn", "opening_hours": "Di 9–12 Uhr", "phone": "05371 123 45", "languages": "de, tr, ar"},
    {"name": "Sprachcafé", "provider": "Nachbarschaftsverein", "category": "Migration und Sprache",
     "description": "Deutsch üben bei Kaffee und Tee.", "opening_hours": "Mi 16–18 Uhr", "languages": "de, uk, ar",
     "accessible": True},
    {"name": "Pflegestützpunkt", "provider": "Landkreis", "category": "Pflege und Alter",
     "description": "Beratung rund um Pflege, auch zu Hause.", "phone": "05371 82 0", "languages": "de, tr"},
]


async def _seed_offers(quartier_id: int) -> None:
    from quartier_hilfsangebote import service
    from quartier_hilfsangebote.settings import CATEGORIES

    for values in OFFERS:
        await service.create_offer(quartier_id, service.check(values, CATEGORIES))


async def _quartier_id(slug: str) -> int:
    from core.plugin_api import get_quartier

    return (await get_quartier(slug)).id


@pytest.fixture
def hilfe_app(make_settings: Callable[..., Any], cheap_passwords: None) -> Iterator[LiveApp]:
    """Like ``live_app``, with plugins=["hilfsangebote"] and four offers in Nordstadt."""
    from core.app import create_app
    from core.plugin_manager import load_deployment

    deployment = load_deployment(make_settings(plugins=PLUGINS))
    run_async(deployment.migrate())
    seeded = run_async(_seed())
    run_async(_seed_offers(run_async(_quartier_id(seeded["quartier_slug"]))))
    with LiveServer(create_app(deployment=deployment)) as server:
        yield LiveApp(url=server.url, deployment=deployment, **seeded)


def _card_names(page: Any) -> list[str]:
    return page.locator("li.offer h3").all_inner_texts()


def test_citizen_filters_offers_by_topic_and_language(hilfe_app, page, screenshot, assert_no_axe_violations):
    page.goto(hilfe_app.at("/nordstadt/hilfe"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Beratung und Hilfe")
    expect(page.get_by_role("heading", level=2, name="4 Angebote")).to_be_visible()
    assert _card_names(page) == ["Migrationsberatung", "Pflegestützpunkt", "Schuldnerberatung", "Sprachcafé"]
    assert_no_axe_violations(page, "help and counselling offers")

    filters = page.get_by_role("search", name="Angebote filtern")
    filters.get_by_label("Thema").select_option(label="Migration und Sprache")
    filters.get_by_label("Sprache", exact=True).select_option(label="Türkisch")
    filters.get_by_role("button", name="Angebote anzeigen").click()

    expect(page).to_have_url(re.compile(r"/nordstadt/hilfe\?kategorie=Migration\+und\+Sprache&sprache=tr"))
    expect(page.get_by_role("heading", level=2, name="1 Angebot für Ihre Auswahl")).to_be_visible()
    assert _card_names(page) == ["Migrationsberatung"]
    card = page.locator("li.offer")
    expect(card).to_contain_text("Deutsch, Türkisch, Arabisch")
    expect(card.get_by_role("link", name="05371 123 45")).to_have_attribute("href", "tel:0537112345")
    expect(filters.get_by_label("Thema")).to_have_value("Migration und Sprache")
    expect(filters.get_by_label("Sprache", exact=True)).to_have_value("tr")
    screenshot(page, "hilfsangebote")
    assert_no_axe_violations(page, "help and counselling offers, filtered")

    filters.get_by_label("Sprache", exact=True).select_option(label="Ukrainisch")
    filters.get_by_role("button", name="Angebote anzeigen").click()
    assert _card_names(page) == ["Sprachcafé"]

    page.get_by_role("link", name="Alle Angebote zeigen").click()
    expect(page.get_by_role("heading", level=2, name="4 Angebote")).to_be_visible()
    filters.get_by_label("Nur barrierefreie Angebote").check()
    filters.get_by_role("button", name="Angebote anzeigen").click()
    assert _card_names(page) == ["Schuldnerberatung", "Sprachcafé"]


def test_event_page_shows_advice_nearby(hilfe_app, page, screenshot, assert_no_axe_violations):
    page.goto(hilfe_app.at(hilfe_app.event_path))
    block = page.get_by_role("region", name="Beratung vor Ort")
    expect(block.get_by_role("heading", level=2)).to_have_text("Beratung vor Ort")
    expect(block.get_by_role("heading", level=3)).to_have_text(["Migrationsberatung", "Pflegestützpunkt", "Schuldnerberatung"])
    screenshot(page, "hilfsangebote-event-block")
    assert_no_axe_violations(page, "event page with the block 'Beratung vor Ort'")
    block.get_by_role("link", name="Alle Beratungs- und Hilfsangebote in Nordstadt").click()
    expect(page).to_have_url(re.compile(r"/nordstadt/hilfe$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Beratung und Hilfe")
