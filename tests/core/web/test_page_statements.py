"""SQL statements of the event page and the events API before their answer (issue 18: at most 4 and 3), counted
by the app's statement counter with every built-in plugin loaded and one plugin switched off."""

from __future__ import annotations

from core.db import statements
from core.quartiere.service import set_plugin_enabled
from tests.plugins.registration.helpers import event_with_form

PLUGINS = ["registration", "notifications", "exhibition"]


def statements_of(folder, client_get_count: int) -> int:
    statements.flush()
    tally = statements.read_totals(folder)["GET 200"]
    assert tally["requests"] == client_get_count
    return tally["before"]


async def test_the_event_page_and_the_events_api_stay_within_their_statements(make_client, counting):
    async with make_client(PLUGINS, settle=False) as client:
        quartier, event, _form = await event_with_form(capacity=10)
        await set_plugin_enabled(quartier.id, "notifications", False)  # the switches come in the Quartier's statement
        page = await client.get(f"/{quartier.slug}/veranstaltungen/{event.id}-{event.slug}")
        assert page.status_code == 200 and 'name="consent"' in page.text and "Treff-PUNKT 53" in page.text
        assert "Landkreis Gifhorn" in page.text
        # The Quartier with its switches, the event with venue and series; its organisations; the registration
        # form; the exhibition plugin's one look whether it has anything to show.
        assert statements_of(counting, 1) == 4
        api = await client.get(f"/api/quartiere/{quartier.slug}/events")
        assert api.status_code == 200 and [e["id"] for e in api.json()] == [event.id]
        assert statements_of(counting, 2) == 4 + 3  # the Quartier with its switches; the events with venues; organisations
