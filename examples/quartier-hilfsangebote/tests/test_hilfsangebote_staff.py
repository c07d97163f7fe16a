"""The staff screens the core generates from the resource "hilfsangebote-offers": the create form, checks,
editing, search and filters, and keeping staff inside their Quartiere. Through HTTP on both databases."""

from __future__ import annotations

from core.testing.fixtures import ensure_quartiere, post_form
from hilfsangebote_kit import PLUGINS, STAFF_URL, cards, offer, offer_form, parse
from quartier_hilfsangebote.tables import Offer


def errors_of(response) -> str:
    box = parse(response.text).by_id("form-errors")
    return box.text if box is not None else ""


def list_names(response) -> list[str]:
    return [th.text for th in parse(response.text).all("th", scope="row")]


async def test_staff_create_an_offer_through_the_generated_form(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        (nord,) = await ensure_quartiere(["nordstadt"])
        dashboard = parse((await client.get("/staff/")).text)
        assert f"{STAFF_URL}/" in dashboard.links()  # the menu entry

        page = parse((await client.get(f"{STAFF_URL}/new")).text)
        assert page.first("h1").text == "Hilfsangebot anlegen"
        labels = {label.get("for"): label.text for label in page.all("label")}
        assert labels["f-provider"] == "Träger des Angebots" and labels["f-languages"] == "Sprachen"
        assert labels["f-category"] == "Kategorie (Pflichtfeld)" and labels["f-accessible"] == "Barrierefrei zugänglich"
        assert page.options("category")[1:4] == [("Beratung", "Beratung"), ("Gesundheit", "Gesundheit"),
                                                 ("Pflege und Alter", "Pflege und Alter")]
        assert page.options("quartier") == [("", "– bitte wählen –"), (str(nord.id), "Nordstadt")]
        assert page.by_id("f-active").get("checked") == ""  # shown by default

        response = await post_form(client, f"{STAFF_URL}/new", offer_form(nord.id))
        assert response.status_code == 303, errors_of(response)
        (row,) = await Offer.objects()
        assert response.headers["location"] == f"{STAFF_URL}/{row.id}"
        assert (row.name, row.provider, row.category, row.quartier) == ("Migrationsberatung", "Caritas", "Migration und Sprache", nord.id)
        assert row.languages == "de, tr, ar"  # tidied
        assert row.email == "migration@example.org" and row.opening_hours == "Mo 9–12 Uhr\nDo 14–17 Uhr"
        assert row.accessible is True and row.active is True and row.updated_at is not None

        detail = parse((await client.get(response.headers["location"])).text)
        assert [e.text for e in detail.all(class_="flash")] == ["„Migrationsberatung“ wurde angelegt."]
        assert cards((await client.get("/nordstadt/hilfe")).text) == ["Migrationsberatung"]


async def test_the_form_refuses_bad_values_and_keeps_the_input(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        (nord,) = await ensure_quartiere(["nordstadt"])
        languages = await post_form(client, f"{STAFF_URL}/new", offer_form(nord.id, languages="Deutsch, Türkisch"))
        assert languages.status_code == 400
        assert "Sprachen: Bitte geben Sie Sprachcodes wie „de, en, tr“ an." in errors_of(languages)
        assert parse(languages.text).first("input", name="languages").get("value") == "Deutsch, Türkisch"

        postal = await post_form(client, f"{STAFF_URL}/new", offer_form(nord.id, postal_code="3851"))
        assert "PLZ: Bitte geben Sie eine fünfstellige Postleitzahl an." in errors_of(postal)
        email = await post_form(client, f"{STAFF_URL}/new", offer_form(nord.id, email="keine-adresse"))
        assert parse(email.text).by_id("f-email-error").text == "Bitte geben Sie eine gültige E-Mail-Adresse ein."
        website = await post_form(client, f"{STAFF_URL}/new", offer_form(nord.id, website="javascript:alert(1)"))
        assert parse(website.text).by_id("f-website-error").text == "Bitte geben Sie eine Adresse beginnend mit https:// ein."
        nothing = await post_form(client, f"{STAFF_URL}/new", offer_form(nord.id, name="", category=""))
        page = parse(nothing.text)
        assert page.by_id("f-name-error").text == "Dieses Feld ist erforderlich."
        assert page.by_id("f-category-error").text == "Dieses Feld ist erforderlich."
        unknown = await post_form(client, f"{STAFF_URL}/new", offer_form(nord.id, category="Sonstiges"))
        assert parse(unknown.text).by_id("f-category-error").text == "Bitte wählen Sie einen Eintrag aus der Liste."
        assert await Offer.count() == 0

        english = await post_form(client, f"{STAFF_URL}/new?lang=en", offer_form(nord.id, languages="x1"))
        assert "Languages: Please enter language codes such as “de, en, tr”." in errors_of(english)


async def test_staff_edit_an_offer(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        row = await offer(name="Sprachcafé", category="Migration und Sprache", languages="de")
        page = parse((await client.get(f"{STAFF_URL}/{row.id}/edit")).text)
        assert page.all("select", name="quartier") == []  # the Quartier is set once
        assert page.first("input", name="name").get("value") == "Sprachcafé"

        response = await post_form(client, f"{STAFF_URL}/{row.id}/edit", offer_form(
            name="Sprachcafé", category="Freizeit und Begegnung", languages="de uk", accessible=None, active=None))
        assert response.status_code == 303, errors_of(response)
        changed = await Offer.objects().where(Offer.id == row.id).first()
        assert (changed.category, changed.languages, changed.accessible, changed.active) == ("Freizeit und Begegnung", "de, uk", False, False)
        assert changed.updated_at >= row.updated_at
        assert cards((await client.get("/nordstadt/hilfe")).text) == []  # not shown any more


async def test_search_and_filters(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        await offer(name="Schuldnerberatung", provider="Diakonie", category="Schulden und Geld", accessible=True)
        await offer(name="Migrationsberatung", provider="Caritas", category="Migration und Sprache")
        await offer(name="Alte Beratung", category="Beratung", active=False, accessible=True)

        assert list_names(await client.get(f"{STAFF_URL}/")) == ["Alte Beratung", "Migrationsberatung", "Schuldnerberatung"]
        assert list_names(await client.get(f"{STAFF_URL}/", params={"q": "diakonie"})) == ["Schuldnerberatung"]
        assert list_names(await client.get(f"{STAFF_URL}/", params={"f_category": "Migration und Sprache"})) == ["Migrationsberatung"]
        assert list_names(await client.get(f"{STAFF_URL}/", params={"f_active": "0"})) == ["Alte Beratung"]
        assert list_names(await client.get(f"{STAFF_URL}/", params={"f_accessible": "1", "f_active": "1"})) == ["Schuldnerberatung"]
        page = parse((await client.get(f"{STAFF_URL}/")).text)
        assert [label.text for label in page.first("form", role="search").all("label")] == [
            "Suche", "Kategorie", "Öffentlich anzeigen", "Barrierefrei zugänglich"]
        export = await client.get(f"{STAFF_URL}/export.csv")
        assert export.status_code == 200 and "Schuldnerberatung" in export.content.decode("utf-8-sig")


async def test_staff_stay_inside_their_quartiere(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as nord, \
            make_staff_client(quartiere=["suedstadt"], client=nord) as sued, \
            make_staff_client(role="admin", quartiere=[], client=nord) as admin:
        north, south = await ensure_quartiere(["nordstadt", "suedstadt"])
        own = await offer("nordstadt", name="Schuldnerberatung")
        foreign = await offer("suedstadt", name="Pflegestützpunkt Süd", category="Pflege und Alter")

        assert list_names(await nord.get(f"{STAFF_URL}/")) == ["Schuldnerberatung"]
        assert list_names(await nord.get(f"{STAFF_URL}/", params={"q": "Pflege"})) == []
        assert list_names(await sued.get(f"{STAFF_URL}/")) == ["Pflegestützpunkt Süd"]
        assert list_names(await admin.get(f"{STAFF_URL}/")) == ["Pflegestützpunkt Süd", "Schuldnerberatung"]
        assert "Pflegestützpunkt" not in (await nord.get(f"{STAFF_URL}/export.csv")).content.decode("utf-8-sig")

        assert (await nord.get(f"{STAFF_URL}/{foreign.id}")).status_code == 404
        assert (await nord.get(f"{STAFF_URL}/{foreign.id}/edit")).status_code == 404
        assert (await post_form(nord, f"{STAFF_URL}/{foreign.id}/edit", offer_form(name="Übernommen"))).status_code == 404
        assert (await post_form(nord, f"{STAFF_URL}/{foreign.id}/delete")).status_code == 404
        # an offer cannot be put into another Quartier by editing the form
        sneaky = await post_form(nord, f"{STAFF_URL}/new", offer_form(south.id))
        assert sneaky.status_code == 400
        assert parse(sneaky.text).by_id("f-quartier-error").text == "Bitte wählen Sie einen Eintrag aus der Liste."
        assert await Offer.count() == 2

        assert (await nord.get(f"{STAFF_URL}/{own.id}")).status_code == 200
        assert (await post_form(nord, f"{STAFF_URL}/{own.id}/delete")).status_code == 303
        assert [row["name"] for row in await Offer.select(Offer.name)] == ["Pflegestützpunkt Süd"]
        assert (await admin.get(f"{STAFF_URL}/{foreign.id}")).status_code == 200
