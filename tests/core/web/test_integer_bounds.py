"""Integers outside the database's range and NUL characters, through HTTP on both databases: 404 or 4xx with a
readable message, never a server error, never a stored row."""

from __future__ import annotations

from typing import Any

import pytest

from core.testing.fixtures import create_staff_user, post_form
from core.web.params import MAX_INT
from tests.plugins.exhibition.helpers import exhibition, image_bytes

PLUGINS = ["registration", "exhibition"]
HUGE_IDS = [2**31, 2**63, 2**63 + 1, -5822932442, 0]
STAFF_PAGES = ["/staff/r/events/{n}", "/staff/veranstaltungen/{n}", "/staff/anmeldungen/{n}/checkin", "/staff/ausstellungen/{n}/exponate",
               "/staff/ausstellungen/beitraege?frage={n}"]
API_PATHS = ["/api/events/{n}", "/api/events/{n}/availability", "/api/events/{n}/event.ics", "/api/events/{n}/questions",
             "/api/events/{n}/registrations", "/api/quartiere/nordstadt/questions/{n}/contributions"]
PAGES = ["/nordstadt/veranstaltungen/{n}", "/nordstadt/fragen/{n}", "/nordstadt/ausstellungen/{n}-x"]


def readable(response: Any) -> None:
    assert "Traceback" not in response.text and "Internal Server Error" not in response.text
    if response.headers["content-type"].startswith("application/json"):
        body = response.json()
        assert body["status_code"] == response.status_code and body["detail"], body


async def _token(email: str) -> str:
    from core.accounts.service import create_api_token

    return await create_api_token(email, "test")


async def test_ids_out_of_range(make_staff_client: Any) -> None:
    async with make_staff_client("staff", ["nordstadt"], PLUGINS) as client:
        headers = {"Authorization": f"Bearer {await _token(client.user.email)}"}
        for n in HUGE_IDS:
            for path in API_PATHS:
                response = await client.get(path.format(n=n), headers=headers)
                assert response.status_code == 404, (path, n, response.text)
                readable(response)
            response = await client.post(f"/api/events/{n}/registrations", json={"name": "Erika", "email": "e@example.org",
                                                                                  "consent": True})
            assert response.status_code == 404, (n, response.text)
            readable(response)
            for path in [*PAGES, *STAFF_PAGES]:
                response = await client.get(path.format(n=n))
                assert response.status_code == 404, (path, n, response.status_code)
                assert "Seite nicht gefunden" in response.text
                readable(response)


@pytest.mark.parametrize(("query", "field", "message"), [
    ("offset=9223372036854775808", "offset", f"Die Zahl darf höchstens {MAX_INT} sein."),
    ("offset=-1", "offset", "Die Zahl muss mindestens 0 sein."),
    ("limit=0", "limit", "Die Zahl muss mindestens 1 sein."),
    ("limit=100000", "limit", "Die Zahl darf höchstens 500 sein."),
    ("limit=abc", "limit", "Ungültiger Wert: erwartet wird eine ganze Zahl."),
])
async def test_events_api_query_out_of_range(make_client: Any, query: str, field: str, message: str) -> None:
    async with make_client(PLUGINS) as client:
        from core.testing.fixtures import ensure_quartiere

        await ensure_quartiere(["nordstadt"])
        response = await client.get(f"/api/quartiere/nordstadt/events?{query}")
        assert response.status_code == 422, response.text
        readable(response)
        assert response.json()["errors"] == {field: message}
        assert (await client.get("/api/quartiere/nordstadt/events?limit=500&offset=2147483647")).json() == []


async def test_registration_body_integers_and_nul(make_client: Any) -> None:
    from plugins.registration.tables import Registration
    from tests.core.web.helpers import event, quartier

    async with make_client(PLUGINS, sections={"registration": {"rate_limit_per_minute": 0}}) as client:
        e = await event(await quartier("nordstadt"), "Sommerfest", publish=True)
        url = f"/api/events/{e.id}/registrations"
        base = {"name": "Erika", "email": "erika@example.org", "consent": True}
        response = await client.post(url, json={**base, "companions": 2**63})
        assert response.status_code == 422 and response.json()["errors"] == {"companions": f"Die Zahl darf höchstens {MAX_INT} sein."}
        response = await client.post(url, json={**base, "companions": -1})
        assert response.status_code == 422 and response.json()["errors"] == {"companions": "Die Zahl muss mindestens 0 sein."}
        response = await client.post(url, json={**base, "name": "Eri\u0000ka"})
        assert response.status_code == 400, response.text
        readable(response)
        assert "NUL" in response.json()["detail"]
        response = await client.get(f"/api/events/{e.id}/availability?x=a%00b")
        assert response.status_code == 400
        readable(response)
        response = await client.get("/nordstadt%00/veranstaltungen")
        assert response.status_code == 404
        assert await Registration.count() == 0
        response = await client.post(url, content=b'{"name": "x"')
        assert response.status_code == 400 and response.json() == {"status_code": 400, "detail": "Der Inhalt ist kein gültiges JSON."}


async def test_capacity_out_of_range_is_a_field_error(make_staff_client: Any) -> None:
    from plugins.registration.tables import RegistrationForm
    from tests.core.web.helpers import event, quartier

    async with make_staff_client("staff", ["nordstadt"], PLUGINS) as client:
        e = await event(await quartier("nordstadt"), "Sommerfest", publish=True)
        before = await RegistrationForm.count()
        response = await post_form(client, "/staff/r/registration-forms/new",
                                   {"event": str(e.id), "capacity": "99999999999", "max_companions": "0"})
        assert response.status_code == 400, response.status_code
        assert f"Die Zahl darf höchstens {MAX_INT} sein." in response.text
        assert await RegistrationForm.count() == before


async def test_nul_in_multipart_text_is_refused(make_staff_client: Any) -> None:
    from plugins.exhibition.tables import ExhibitImage

    async with make_staff_client("staff", ["nordstadt"], ["exhibition"]) as client:
        exhibits = (await exhibition("nordstadt", exhibits=1)).exhibits
        url = f"/staff/ausstellungen/exponate/{exhibits[0].id}/bilder"
        response = await client.post(url, data={"alt_text": "Ein Hof\u0000", "_csrf_token": client.csrf() or ""},
                                     files={"file": ("hof.png", image_bytes(), "image/png")})
        assert response.status_code == 400, response.status_code
        assert "Die Anfrage enthält ungültige Angaben." in response.text
        readable(response)
        assert await ExhibitImage.count() == 0
        response = await client.post(url, data={"alt_text": "Ein Hof", "_csrf_token": client.csrf() or ""},
                                     files={"file": ("hof.png", image_bytes(), "image/png")})
        assert response.status_code == 303, response.text
        assert await ExhibitImage.count() == 1


async def test_staff_list_page_number_out_of_range(make_staff_client: Any) -> None:
    async with make_staff_client("admin", ["nordstadt"]) as client:
        for page in ("9223372036854775808", "-3", "x"):
            response = await client.get(f"/staff/r/events?page={page}")
            assert response.status_code == 200, (page, response.status_code)


async def test_plugin_guard_never_sees_a_huge_id(make_client: Any) -> None:
    """The plugins' guard looks the event up: the core's guard answers first."""
    async with make_client(PLUGINS) as client:
        await create_staff_user("staff", ["nordstadt"])
        response = await client.get(f"/api/events/{2**63}/availability")
        assert response.status_code == 404
