"""The public page /<quartier>/hilfe, its filters, the block on event pages, escaping, the demo data.

Everything through HTTP on both databases (``make_client`` / ``make_staff_client`` use the kit's parametrized
``database_url``).
"""

from __future__ import annotations

from core.testing.fixtures import ensure_quartiere
from hilfsangebote_kit import PLUGINS, cards, facts, offer, parse, published_event, quartier, switch

SCRIPT = "<script>alert('x')</script>"


async def three_offers() -> None:
    await offer(name="Schuldnerberatung", provider="Diakonie", category="Schulden und Geld",
                description="Vertraulich und kostenlos.\n\nTermine nach Vereinbarung.", street="Steinweg 10",
                postal_code="38518", city="Gifhorn", opening_hours="Mo 9–12 Uhr\nDo 14–17 Uhr", phone="(05371) 82 562",
                email="schulden@example.org", website="https://www.example.org/schulden/", languages="de, ru",
                accessible=True)
    await offer(name="Migrationsberatung", provider="Caritas", category="Migration und Sprache", languages="de, tr, ar")
    await offer(name="Sprachcafé", category="Migration und Sprache", languages="de, uk", accessible=True)
    await offer(name="Alte Beratung", category="Beratung", languages="de, tr", active=False)


async def test_the_page_lists_the_active_offers_with_their_details(make_client):
    async with make_client(PLUGINS) as client:
        await quartier("nordstadt", contact_phone="05371 1234", contact_email="qm@example.org")
        await three_offers()
        await offer("suedstadt", name="Pflegestützpunkt Süd", category="Pflege und Alter")

        response = await client.get("/nordstadt/hilfe")
        assert response.status_code == 200
        page = parse(response.text)
        assert page.first("h1").text == "Beratung und Hilfe"
        assert page.first("title").text.startswith("Beratung und Hilfe – Nordstadt")
        assert cards(response.text) == ["Migrationsberatung", "Schuldnerberatung", "Sprachcafé"]  # not inactive, not Südstadt
        assert page.first("h2", id="offers-heading").text == "3 Angebote"

        card = page.by_id(f"angebot-{(await offer_id('Schuldnerberatung'))}")
        assert card.first(class_="offer-meta").text == "Schulden und Geld · Diakonie"
        assert [p.text for p in card.first(class_="offer-description").all("p")] == ["Vertraulich und kostenlos.", "Termine nach Vereinbarung."]
        shown = facts(card)
        assert shown["Adresse"] == "Steinweg 10 38518 Gifhorn"
        assert shown["Öffnungszeiten"] == "Mo 9–12 Uhr Do 14–17 Uhr"
        assert shown["Telefon"] == "(05371) 82 562" and shown["E-Mail"] == "schulden@example.org"
        assert shown["Internet"] == "example.org/schulden" and shown["Sprachen"] == "Deutsch, Russisch"
        assert shown["Zugang"] == "Barrierefrei zugänglich"
        assert {"tel:0537182562", "mailto:schulden@example.org", "https://www.example.org/schulden/"} <= set(card.links())
        other = page.by_id(f"angebot-{(await offer_id('Migrationsberatung'))}")
        assert facts(other)["Zugang"] == "Barrierefreiheit nicht bestätigt – bitte fragen Sie nach."
        assert "Adresse" not in facts(other) and "Telefon" not in facts(other)

        contact = page.by_id("contact-heading")
        assert contact.text == "Nicht das Richtige dabei?"
        assert {"tel:053711234", "mailto:qm@example.org"} <= set(page.links())
        assert "/static/hilfsangebote/hilfsangebote.css" in response.text
        assert (await client.get("/static/hilfsangebote/hilfsangebote.css")).status_code == 200


async def offer_id(name: str) -> int:
    from quartier_hilfsangebote.tables import Offer

    return (await Offer.select(Offer.id).where(Offer.name == name).first())["id"]


async def test_filters_by_category_language_and_access_without_javascript(make_client):
    async with make_client(PLUGINS) as client:
        await three_offers()
        page = parse((await client.get("/nordstadt/hilfe")).text)
        form = page.first("form", role="search")
        assert (form.get("method"), form.get("action")) == ("get", "/nordstadt/hilfe")
        assert form.first("label", for_="filter-kategorie").text == "Thema"
        assert form.first("label", for_="filter-sprache").text == "Sprache"
        # only what the active offers have, categories in the configured order, languages by name
        assert page.options("kategorie") == [("", "Alle Themen"), ("Migration und Sprache", "Migration und Sprache"),
                                             ("Schulden und Geld", "Schulden und Geld")]
        assert page.options("sprache") == [("", "Alle Sprachen"), ("ar", "Arabisch"), ("de", "Deutsch"), ("ru", "Russisch"),
                                           ("tr", "Türkisch"), ("uk", "Ukrainisch")]

        response = await client.get("/nordstadt/hilfe", params={"kategorie": "Migration und Sprache"})
        assert cards(response.text) == ["Migrationsberatung", "Sprachcafé"]
        page = parse(response.text)
        assert page.selected("kategorie") == "Migration und Sprache"
        assert page.first("h2", id="offers-heading").text == "2 Angebote für Ihre Auswahl"
        assert "/nordstadt/hilfe" in page.links()  # "Alle Angebote zeigen"

        both = await client.get("/nordstadt/hilfe", params={"kategorie": "Migration und Sprache", "sprache": "tr"})
        assert cards(both.text) == ["Migrationsberatung"]
        assert parse(both.text).selected("sprache") == "tr"
        assert cards((await client.get("/nordstadt/hilfe", params={"sprache": "ru"})).text) == ["Schuldnerberatung"]
        assert cards((await client.get("/nordstadt/hilfe", params={"sprache": "RU"})).text) == ["Schuldnerberatung"]
        accessible = await client.get("/nordstadt/hilfe", params={"barrierefrei": "1"})
        assert cards(accessible.text) == ["Schuldnerberatung", "Sprachcafé"]
        assert parse(accessible.text).first("input", id="filter-barrierefrei").get("checked") == ""
        none = await client.get("/nordstadt/hilfe", params={"kategorie": "Schulden und Geld", "sprache": "uk"})
        assert cards(none.text) == []
        assert "Für diese Auswahl gibt es leider kein Angebot." in none.text
        assert parse(none.text).first("h2", id="offers-heading").text == "0 Angebote für Ihre Auswahl"

        # values that are not offered are ignored instead of failing
        odd = await client.get("/nordstadt/hilfe", params={"kategorie": "Gibt es nicht", "sprache": "xx<b>", "barrierefrei": "ja"})
        assert odd.status_code == 200
        assert cards(odd.text) == ["Migrationsberatung", "Schuldnerberatung", "Sprachcafé"]
        assert "xx<b>" not in odd.text


async def test_a_quartier_without_offers_says_so(make_client):
    async with make_client(PLUGINS) as client:
        await quartier("nordstadt")
        response = await client.get("/nordstadt/hilfe")
        assert response.status_code == 200
        page = parse(response.text)
        assert page.all("form", role="search") == [] and cards(response.text) == []
        assert "Für Nordstadt sind noch keine Angebote eingetragen." in page.first("main").text
        assert (await client.get("/unbekannt/hilfe")).status_code == 404


async def test_the_page_title_comes_from_the_settings_and_english_from_the_catalog(make_client):
    async with make_client(PLUGINS, sections={"hilfsangebote": {"page_title": "Hilfe im Quartier"}}) as client:
        await three_offers()
        assert parse((await client.get("/nordstadt/hilfe")).text).first("h1").text == "Hilfe im Quartier"
    async with make_client(PLUGINS) as client:  # the same database: the offers are there
        response = await client.get("/nordstadt/hilfe", params={"lang": "en", "kategorie": "Schulden und Geld"})
        page = parse(response.text)
        assert page.first("html").get("lang") == "en"
        assert page.first("h1").text == "Advice and help"
        assert page.options("kategorie")[:2] == [("", "All topics"), ("Migration und Sprache", "Migration and language")]
        assert ("ru", "Russian") in page.options("sprache")
        assert page.first("h2", id="offers-heading").text == "1 service for your selection"
        card = page.first("li", class_="offer")
        assert card.first(class_="offer-meta").text == "Debt and money · Diakonie"
        assert facts(card)["Languages"] == "German, Russian" and facts(card)["Access"] == "Step-free access"
        assert facts(card)["Opening hours"] and facts(card)["Phone"] == "(05371) 82 562"


async def test_a_script_in_an_offer_is_shown_as_text(make_staff_client):
    async with make_staff_client(role="admin", quartiere=[], plugins=PLUGINS) as client:
        q = await quartier("nordstadt")
        await offer(name=f"Beratung {SCRIPT}", provider=f"Träger {SCRIPT}", description=f"Hallo {SCRIPT}",
                    opening_hours=SCRIPT, languages="de")
        response = await client.get("/nordstadt/hilfe")
        assert "<script>alert" not in response.text
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in response.text
        assert cards(response.text) == [f"Beratung {SCRIPT}"]  # the text, as typed

        event_path = await published_event(client, q.id)
        event_page = await client.get(event_path)
        assert event_page.status_code == 200
        assert "<script>alert" not in event_page.text
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in event_page.text


# -- the block on event pages -------------------------------------------------------------------
def block_of(html: str):
    """The section "Beratung vor Ort" of an event page, or None."""
    return next((s for s in parse(html).all("section", class_="block") if s.get("aria-label") == "Beratung vor Ort"), None)


async def test_event_pages_show_up_to_three_offers_of_their_quartier(make_staff_client):
    async with make_staff_client(role="admin", quartiere=[], plugins=PLUGINS) as admin:
        nord, sued = await ensure_quartiere(["nordstadt", "suedstadt"])
        await three_offers()
        await offer("suedstadt", name="Pflegestützpunkt Süd", category="Pflege und Alter")
        path = await published_event(admin, nord.id)

        block = block_of((await admin.get(path)).text)
        assert block is not None
        assert block.first("h2").text == "Beratung vor Ort"
        assert [h.text for h in block.all("h3")] == ["Migrationsberatung", "Schuldnerberatung", "Sprachcafé"]
        assert "/nordstadt/hilfe" in block.links()
        assert "tel:0537182562" in block.links()
        assert block.all(class_="offer-description") == []  # short cards: no description

        await offer(name="Zahnärztlicher Notdienst", category="Notfall")  # a fourth: still three, by name
        block = block_of((await admin.get(path)).text)
        assert [h.text for h in block.all("h3")] == ["Migrationsberatung", "Schuldnerberatung", "Sprachcafé"]
        assert block.first("a", href="/nordstadt/hilfe").text == "Alle Beratungs- und Hilfsangebote in Nordstadt"

        south = await published_event(admin, sued.id, slug="hoffest", title="Hoffest")
        assert [h.text for h in block_of((await admin.get(south)).text).all("h3")] == ["Pflegestützpunkt Süd"]


async def test_no_block_without_active_offers(make_staff_client):
    async with make_staff_client(role="admin", quartiere=[], plugins=PLUGINS) as admin:
        (nord,) = await ensure_quartiere(["nordstadt"])
        await offer(name="Alte Beratung", category="Beratung", active=False)
        response = await admin.get(await published_event(admin, nord.id))
        assert response.status_code == 200 and block_of(response.text) is None


async def test_switched_off_for_a_quartier_no_page_no_block(make_staff_client):
    async with make_staff_client(role="admin", quartiere=[], plugins=PLUGINS) as admin:
        nord, sued = await ensure_quartiere(["nordstadt", "suedstadt"])
        await three_offers()
        await offer("suedstadt", name="Pflegestützpunkt Süd", category="Pflege und Alter")
        path = await published_event(admin, nord.id)
        assert block_of((await admin.get(path)).text) is not None

        await switch(admin, nord.id, on=False)
        assert (await admin.get("/nordstadt/hilfe")).status_code == 404
        event_page = await admin.get(path)
        assert event_page.status_code == 200 and block_of(event_page.text) is None
        assert (await admin.get("/suedstadt/hilfe")).status_code == 200  # only that Quartier
        # the staff screens leave Nordstadt's offers out while it is off; the offers are kept
        staff_list = (await admin.get("/staff/r/hilfsangebote-offers/")).text
        assert "Schuldnerberatung" not in staff_list and "Pflegestützpunkt Süd" in staff_list

        await switch(admin, nord.id, on=True)
        assert cards((await admin.get("/nordstadt/hilfe")).text) == ["Migrationsberatung", "Schuldnerberatung", "Sprachcafé"]
        assert block_of((await admin.get(path)).text) is not None
        assert "Schuldnerberatung" in (await admin.get("/staff/r/hilfsangebote-offers/")).text


async def test_the_setting_switches_the_block_off_everywhere(make_staff_client):
    sections = {"hilfsangebote": {"show_on_event_pages": False}}
    async with make_staff_client(role="admin", quartiere=[], plugins=PLUGINS, sections=sections) as admin:
        (nord,) = await ensure_quartiere(["nordstadt"])
        await three_offers()
        response = await admin.get(await published_event(admin, nord.id))
        assert response.status_code == 200 and block_of(response.text) is None
        assert cards((await admin.get("/nordstadt/hilfe")).text) == ["Migrationsberatung", "Schuldnerberatung", "Sprachcafé"]


async def test_the_block_in_english(make_staff_client):
    async with make_staff_client(role="admin", quartiere=[], plugins=PLUGINS) as admin:
        (nord,) = await ensure_quartiere(["nordstadt"])
        await three_offers()
        response = await admin.get(await published_event(admin, nord.id), params={"lang": "en"})
        block = next(s for s in parse(response.text).all("section", class_="block") if s.get("aria-label") == "Advice nearby")
        assert block.first("a", href="/nordstadt/hilfe").text == "All advice and help services in Nordstadt"


# -- demo -------------------------------------------------------------------------------------
async def test_demo_offers_are_added_once(make_client):
    async with make_client(PLUGINS) as client:
        q = await quartier("gifhorn")
        for _ in range(2):  # `quartier demo` may run again
            await client.deployment.hooks.load_demo(deployment=client.deployment, quartier_id=q.id, event_id=0, quartier=q.id)
        assert len(cards((await client.get("/gifhorn/hilfe")).text)) == 3


async def test_the_quartier_page_links_its_offers(make_staff_client):
    async with make_staff_client(role="admin", quartiere=[], plugins=PLUGINS) as admin:
        nord, _sued = await ensure_quartiere(["nordstadt", "suedstadt"])
        await three_offers()
        link = parse((await admin.get("/nordstadt/")).text).first("a", href="/nordstadt/hilfe")
        assert link.text == "Alle Beratungs- und Hilfsangebote in Nordstadt"
        assert not parse((await admin.get("/suedstadt/")).text).all("a", href="/suedstadt/hilfe")  # no offers there

        await switch(admin, nord.id, on=False)
        assert not parse((await admin.get("/nordstadt/")).text).all("a", href="/nordstadt/hilfe")
