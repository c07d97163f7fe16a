"""The plugin is an installed package with an entry point, loaded only where the deployment lists it, and its
settings are checked at start."""

from __future__ import annotations

import importlib.metadata

import pytest

from core.plugin_api import ConfigError, Quartier, is_postgres
from hilfsangebote_kit import PLUGINS, STAFF_URL, offer, quartier


async def table_names() -> set[str]:
    if is_postgres():
        rows = await Quartier.raw("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    else:
        rows = await Quartier.raw("SELECT name AS table_name FROM sqlite_master WHERE type = 'table'")
    return {row["table_name"] for row in rows}


def test_the_package_declares_its_entry_point():
    (entry,) = [ep for ep in importlib.metadata.entry_points(group="quartier") if ep.name == "hilfsangebote"]
    assert entry.value == "quartier_hilfsangebote.plugin"
    assert entry.dist.name == "quartier-hilfsangebote" and entry.dist.version == "0.1.0"


async def test_a_deployment_without_the_plugin_has_no_page_no_api_no_table(make_staff_client):
    async with make_staff_client(role="admin", quartiere=["nordstadt"], plugins=[]) as client:
        assert "hilfsangebote" not in client.deployment.plugins
        assert "hilfsangebote_offers" not in await table_names()
        assert (await client.get("/nordstadt")).status_code == 200  # the Quartier exists
        assert (await client.get("/nordstadt/hilfe")).status_code == 404
        assert (await client.get("/api/quartiere/nordstadt/hilfsangebote")).status_code == 404
        assert (await client.get(f"{STAFF_URL}/")).status_code == 404
        assert STAFF_URL not in (await client.get("/staff/")).text
        assert "hilfsangebote" not in (await client.get("/schema/openapi.json")).text


async def test_a_deployment_that_lists_it_has_everything(make_client):
    async with make_client(PLUGINS) as client:
        assert "hilfsangebote_offers" in await table_names()
        await offer(name="Schuldnerberatung")
        assert (await client.get("/nordstadt/hilfe")).status_code == 200
        assert (await client.get("/api/quartiere/nordstadt/hilfsangebote")).json()[0]["name"] == "Schuldnerberatung"
        assert client.deployment.settings_for("hilfsangebote").page_title == "Beratung und Hilfe"


async def test_deleting_a_quartier_deletes_its_offers(make_client):
    from quartier_hilfsangebote.tables import Offer

    async with make_client(PLUGINS):
        await offer("nordstadt", name="Schuldnerberatung")
        await offer("suedstadt", name="Pflegestützpunkt", category="Pflege und Alter")
        await Quartier.delete().where(Quartier.slug == "nordstadt")
        assert [row["name"] for row in await Offer.select(Offer.name)] == ["Pflegestützpunkt"]


@pytest.mark.parametrize(("section", "message"), [
    ({"colour": "rot"}, "setting 'hilfsangebote.colour' is invalid: there is no such setting"),
    ({"show_on_event_pages": "vielleicht"}, "setting 'hilfsangebote.show_on_event_pages' is invalid"),
    ({"categories": []}, "setting 'hilfsangebote.categories' is invalid"),
])
async def test_wrong_settings_stop_the_start(make_deployment, section, message):
    with pytest.raises(ConfigError) as error:
        await make_deployment(PLUGINS, sections={"hilfsangebote": section})
    assert "Plugin 'hilfsangebote'" in str(error.value) and message in str(error.value)


async def test_own_categories_from_the_settings(make_staff_client):
    sections = {"hilfsangebote": {"categories": ["Beratung", "Lernhilfe"]}}
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections) as client:
        await quartier("nordstadt")
        page = (await client.get(f"{STAFF_URL}/new")).text
        assert 'value="Lernhilfe"' in page and 'value="Notfall"' not in page
        await offer(name="Hausaufgabenhilfe", category="lernhilfe")  # matched ignoring case
        api = (await client.get("/api/quartiere/nordstadt/hilfsangebote")).json()
        assert [(o["name"], o["category"]) for o in api] == [("Hausaufgabenhilfe", "Lernhilfe")]
