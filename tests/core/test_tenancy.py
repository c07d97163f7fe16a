"""Per-Quartier plugin switches: off means no pages and no domain events for that Quartier."""

from core.plugin_api import publish
from core.quartiere.service import is_plugin_enabled, set_plugin_enabled
from core.testing.fixtures import deliver_pending_events
from tests.core.factories import make_quartier, table_names


async def test_plugin_is_on_by_default_and_can_be_switched(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        assert await is_plugin_enabled(nord.id, "greeter")
        await set_plugin_enabled(nord.id, "greeter", False)
        assert not await is_plugin_enabled(nord.id, "greeter")
        await set_plugin_enabled(nord.id, "greeter", True)
        assert await is_plugin_enabled(nord.id, "greeter")


async def test_switched_off_plugin_pages_answer_404_only_in_that_quartier(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        await make_quartier("suedstadt")
        assert (await client.get("/nordstadt/greeting")).status_code == 200
        await set_plugin_enabled(nord.id, "greeter", False)
        assert (await client.get("/nordstadt/greeting")).status_code == 404
        response = await client.get("/suedstadt/greeting")
        assert response.status_code == 200 and "Moin, Suedstadt!" in response.text
        assert (await client.get("/unbekannt/greeting")).status_code == 404


async def test_switched_off_plugin_gets_no_domain_events_of_that_quartier(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        sued = await make_quartier("suedstadt")
        await set_plugin_enabled(nord.id, "greeter", False)
        # The route itself is off in nordstadt, so publish there directly.
        from quartier_greeter.plugin import GreetingSent

        await publish(GreetingSent(quartier_id=nord.id, text="hallo nord"))
        assert (await client.post("/api/greeter/suedstadt/greetings", json={"text": "hallo süd"})).status_code == 201
        await deliver_pending_events()
        received = (await client.get("/api/greeter/received")).json()
        assert received == [{"name": "greeter.greeting_sent", "quartier_id": sued.id}]


async def test_unlisted_plugin_has_no_routes_or_tables(make_client, sample_plugins):
    async with make_client([]) as client:
        await make_quartier("nordstadt")
        assert (await client.get("/nordstadt/greeting")).status_code == 404
        assert (await client.get("/api/greeter/received")).status_code == 404
        tables = await table_names()
        assert "quartiere" in tables
        assert "greeter_received_events" not in tables


async def test_admin_switches_plugins_per_quartier_in_the_staff_ui(make_staff_client, sample_plugins):
    from core.testing.fixtures import post_form

    async with make_staff_client(role="admin", quartiere=["nordstadt", "suedstadt"], plugins=["greeter"]) as admin:
        page = await admin.get("/staff/plugins")
        assert page.status_code == 200 and "greeter" in page.text
        nord = (await admin.get("/api/quartiere/nordstadt")).json()["id"]
        assert (await admin.get("/nordstadt/greeting")).status_code == 200

        assert (await admin.post(f"/staff/plugins/{nord}/greeter", data={"enabled": "0"})).status_code == 403  # no CSRF token
        response = await post_form(admin, f"/staff/plugins/{nord}/greeter", {"enabled": "0"})
        assert response.status_code == 303
        assert "„greeter“ ist in Nordstadt jetzt ausgeschaltet." in (await admin.get("/staff/plugins")).text
        assert not await is_plugin_enabled(nord, "greeter")
        assert (await admin.get("/nordstadt/greeting")).status_code == 404
        assert (await admin.get("/suedstadt/greeting")).status_code == 200
        assert "plugin-off" in (await admin.get("/staff/audit")).text

        async with make_staff_client(role="staff", quartiere=["nordstadt"], client=admin) as staff:
            assert (await staff.get("/staff/plugins")).status_code == 403
            assert (await post_form(staff, f"/staff/plugins/{nord}/greeter", {"enabled": "1"})).status_code == 403
        assert not await is_plugin_enabled(nord, "greeter")


async def test_quartier_slug_cannot_shadow_the_apps_own_pages(make_staff_client):
    from core.quartiere.tables import Quartier
    from core.testing.fixtures import post_form

    async with make_staff_client(role="admin", quartiere=[]) as admin:
        for slug in ("staff", "api", "impressum"):
            response = await post_form(admin, "/staff/r/quartiere/new", {"name": "X", "slug": slug})
            assert response.status_code == 400
            assert f"„{slug}“ ist als Kurzbezeichnung reserviert." in response.text
        assert await Quartier.count() == 0
