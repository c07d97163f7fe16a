"""The JSON API GET /api/quartiere/{quartier}/hilfsangebote and its OpenAPI description."""

from __future__ import annotations

from core.testing.fixtures import ensure_quartiere
from hilfsangebote_kit import PLUGINS, offer, switch

URL = "/api/quartiere/nordstadt/hilfsangebote"


async def seed() -> None:
    await offer(name="Schuldnerberatung", provider="Diakonie", category="Schulden und Geld", street="Steinweg 10",
                postal_code="38518", city="Gifhorn", opening_hours="Mo 9–12 Uhr", phone="05371 82562",
                email="schulden@example.org", website="https://example.org/schulden", languages="de, ru", accessible=True,
                description="<b>vertraulich</b>")
    await offer(name="Migrationsberatung", category="Migration und Sprache", languages="de, tr, ar")
    await offer(name="Sprachcafé", category="Migration und Sprache", languages="de, uk")
    await offer(name="Alte Beratung", category="Beratung", languages="tr", active=False)
    await offer("suedstadt", name="Pflegestützpunkt Süd", category="Pflege und Alter", languages="tr")


async def test_the_offers_of_a_quartier_as_json(make_client):
    async with make_client(PLUGINS) as client:
        await seed()
        response = await client.get(URL)
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert [o["name"] for o in body] == ["Migrationsberatung", "Schuldnerberatung", "Sprachcafé"]
        first = body[1]
        assert first == {
            "id": first["id"], "quartier": "nordstadt", "name": "Schuldnerberatung", "provider": "Diakonie",
            "category": "Schulden und Geld", "description": "<b>vertraulich</b>",
            "address": {"street": "Steinweg 10", "postal_code": "38518", "city": "Gifhorn"},
            "opening_hours": "Mo 9–12 Uhr", "phone": "05371 82562", "email": "schulden@example.org",
            "website": "https://example.org/schulden", "languages": ["de", "ru"], "accessible": True,
            "updated_at": first["updated_at"], "url": f"http://testserver.local/nordstadt/hilfe#angebot-{first['id']}",
        }

        by_category = await client.get(URL, params={"category": "Migration und Sprache"})
        assert [o["name"] for o in by_category.json()] == ["Migrationsberatung", "Sprachcafé"]
        by_language = await client.get(URL, params={"language": "tr"})
        assert [o["name"] for o in by_language.json()] == ["Migrationsberatung"]  # not inactive, not Südstadt
        both = await client.get(URL, params={"category": "Migration und Sprache", "language": "uk"})
        assert [o["name"] for o in both.json()] == ["Sprachcafé"]
        assert len((await client.get(URL, params={"category": "", "language": ""})).json()) == 3
        assert (await client.get(URL, params={"category": "Gibt es nicht"})).json() == []


async def test_unknown_or_switched_off_quartier_gives_404(make_staff_client):
    async with make_staff_client(role="admin", quartiere=[], plugins=PLUGINS) as admin:
        await seed()
        missing = await admin.get("/api/quartiere/unbekannt/hilfsangebote")
        assert missing.status_code == 404 and missing.json()["status_code"] == 404
        (nord,) = await ensure_quartiere(["nordstadt"])
        await switch(admin, nord.id, on=False)
        assert (await admin.get(URL)).status_code == 404
        assert (await admin.get("/api/quartiere/suedstadt/hilfsangebote")).status_code == 200


async def test_the_api_is_described_in_openapi(make_client):
    async with make_client(PLUGINS) as client:
        schema = (await client.get("/schema/openapi.json")).json()
        operation = schema["paths"]["/api/quartiere/{quartier}/hilfsangebote"]["get"]
        assert operation["summary"] == "Help and counselling offers of a Quartier"
        assert operation["tags"] == ["Hilfsangebote"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert parameters["quartier"]["in"] == "path" and parameters["quartier"]["required"] is True
        assert parameters["category"]["in"] == "query" and not parameters["category"].get("required", False)
        assert "ISO 639" in parameters["language"]["description"]
        result = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert result["type"] == "array" and result["items"]["$ref"].endswith("OfferOut")
        offer_schema = schema["components"]["schemas"]["OfferOut"]
        assert set(offer_schema["properties"]) >= {"name", "category", "languages", "accessible", "address", "url"}
        assert "/{quartier}/hilfe" not in schema["paths"]  # the HTML page is not part of the API
