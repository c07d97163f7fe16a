"""Offers in the reader's language through core.plugin_api's content model; German where a version is missing."""

from __future__ import annotations

from core.plugin_api import save_versions
from hilfsangebote_kit import PLUGINS, cards, offer, parse

NOTICE_EN = "This text is only available in German."


async def test_an_offer_in_english_with_its_german_description_marked(make_client):
    async with make_client(PLUGINS) as client:
        row = await offer(name="Schuldnerberatung", description="Vertraulich und kostenlos.", opening_hours="Mo 9–12 Uhr")
        await save_versions("hilfsangebote_offers", row, "en", {"name": "Debt advice", "opening_hours": "Mon 9am–12pm"})

        english = await client.get("/nordstadt/hilfe", params={"lang": "en"})
        assert cards(english.text) == ["Debt advice"]
        card = parse(english.text).by_id(f"angebot-{row.id}")
        assert card.first(class_="offer-hours").text == "Mon 9am–12pm"
        description = card.first(class_="offer-description")
        assert description.get("lang") == "de" and description.text == "Vertraulich und kostenlos."
        assert NOTICE_EN in card.text

        german = await client.get("/nordstadt/hilfe", params={"lang": "de"})
        assert cards(german.text) == ["Schuldnerberatung"] and "Dieser Text liegt nur auf Deutsch vor." not in german.text
