"""Every POST form of the staff UI needs the CSRF token (Litestar's CSRFConfig in core/app.py); without it nothing changes."""

from __future__ import annotations

from typing import Any

import pytest

from core.accounts.tables import StaffUser
from core.testing.fixtures import CSRF_FIELD, STAFF_PASSWORD, create_staff_user, open_client, post_form, staff_login
from tests.core.web import helpers
from tests.core.web.helpers import event_form, quartier_form, snapshot, venue_form
from tests.core.web.pages import parse

pytestmark = pytest.mark.usefixtures("fast_passwords")


async def still_logged_in(client) -> bool:
    return (await client.get("/staff/")).status_code == 200


async def foreign_token(client) -> str:
    """A well-formed token that belongs to another browser."""
    async with open_client(client.app) as other:
        await other.get("/staff/login")
        token = other.cookies["csrftoken"]
    assert token != client.cookies.get("csrftoken")
    return token


async def refused(client, url: str, data: dict[str, Any]) -> None:
    """POST without a token, with a garbled one and with another browser's: 403 each, and no change."""
    before = await snapshot()
    for token in (None, "", "0" * 128, await foreign_token(client)):
        form = dict(data) if token is None else {**data, CSRF_FIELD: token}
        response = await client.post(url, data=form)
        assert response.status_code == 403, f"{url} with token {token!r}: {response.status_code}"
        assert await snapshot() == before, f"{url} changed the database without a valid token"


async def test_every_staff_form_carries_the_token(make_staff_client):
    async with make_staff_client(role="admin") as admin:
        nord = await helpers.quartier("nordstadt")
        venue = await helpers.venue(nord)
        event = await helpers.event(nord, "Fest")
        org = await helpers.organisation("GWG eG")
        urls = ["/staff/", "/staff/password", "/staff/audit"]
        for resource, row in (("events", event), ("venues", venue), ("quartiere", nord), ("organisations", org),
                              ("staff-users", admin.user)):
            base = f"/staff/r/{resource}"
            urls += [f"{base}/", f"{base}/new", f"{base}/{row.id}", f"{base}/{row.id}/edit", f"{base}/{row.id}/delete"]
        token = admin.csrf()
        seen = set()
        for url in urls:
            response = await admin.get(url)
            assert response.status_code == 200, url
            page = parse(response.text)
            for form in (e for e in page.root.iter() if e.tag == "form" and e.get("method") == "post"):
                hidden = [i.get("value") for i in form.iter() if i.tag == "input" and i.get("name") == CSRF_FIELD]
                assert hidden == [token], f"form {form.get('action')} on {url}"
                seen.add(form.get("action"))
        assert {"/staff/logout", "/staff/password", "/staff/r/events/new", f"/staff/r/events/{event.id}/edit",
                f"/staff/r/events/{event.id}/delete", f"/staff/r/events/{event.id}/action/publish",
                f"/staff/r/events/{event.id}/action/cancel", f"/staff/r/staff-users/{admin.user.id}/delete"} <= seen
        async with open_client(admin.app) as anonymous:
            login = parse((await anonymous.get("/staff/login")).text)
            assert login.post_forms() == ["/staff/login"] and login.field_value(CSRF_FIELD) == anonymous.cookies["csrftoken"]


async def test_login_needs_the_token(make_client):
    async with make_client() as client:
        user = await create_staff_user("staff", ["nordstadt"])
        await client.get("/staff/login")
        await refused(client, "/staff/login", {"email": user.email, "password": STAFF_PASSWORD})
        assert not await still_logged_in(client)
        assert (await staff_login(client, user.email)).status_code == 303


async def test_logout_and_password_need_the_token(make_staff_client):
    async with make_staff_client() as client:
        change = {"current": client.password, "new": "Neues-Passwort-1", "repeat": "Neues-Passwort-1"}
        await refused(client, "/staff/password", change)
        await refused(client, "/staff/logout", {})
        assert await still_logged_in(client)
        hash_before = (await StaffUser.objects().get(StaffUser.id == client.user.id)).password_hash
        assert (await post_form(client, "/staff/password", change)).status_code == 303
        assert (await StaffUser.objects().get(StaffUser.id == client.user.id)).password_hash != hash_before
        assert (await post_form(client, "/staff/logout")).status_code == 303
        assert not await still_logged_in(client)


async def test_resource_forms_need_the_token(make_staff_client):
    """Create, edit, delete and every action of each core resource: refused without the token, done with it."""
    async with make_staff_client(role="admin") as admin:
        nord = await helpers.quartier("nordstadt")
        ost = await helpers.quartier("ostdorf")
        venue = await helpers.venue(nord)
        spare_venue = await helpers.venue(nord, name="Alte Schule")
        org = await helpers.organisation("GWG eG")
        spare_org = await helpers.organisation("Verein")
        draft = await helpers.event(nord, "Entwurf")
        published = await helpers.event(nord, "Offen", publish=True)
        doomed = await helpers.event(nord, "Weg damit")
        colleague = await create_staff_user("staff", ["nordstadt"])
        leaving = await create_staff_user("staff", ["nordstadt"])

        edit_event = event_form(nord.id, title="Entwurf geändert", slug="entwurf")
        del edit_event["quartier"]
        edit_quartier = quartier_form(name="Nordstadt-Mitte")
        del edit_quartier["slug"]
        cases: list[tuple[str, dict[str, Any]]] = [
            ("/staff/r/events/new", event_form(nord.id, slug="neu")),
            (f"/staff/r/events/{draft.id}/edit", edit_event),
            (f"/staff/r/events/{draft.id}/action/publish", {}),
            (f"/staff/r/events/{published.id}/action/cancel", {}),
            (f"/staff/r/events/{doomed.id}/delete", {}),
            ("/staff/r/venues/new", venue_form(nord.id)),
            (f"/staff/r/venues/{venue.id}/edit", venue_form(nord.id, name="Treff umbenannt")),
            (f"/staff/r/venues/{spare_venue.id}/delete", {}),
            ("/staff/r/quartiere/new", quartier_form()),
            (f"/staff/r/quartiere/{nord.id}/edit", edit_quartier),
            (f"/staff/r/quartiere/{ost.id}/delete", {}),
            ("/staff/r/organisations/new", {"name": "Nachbarschaftshilfe", "website": "", "phone": "", "email": ""}),
            (f"/staff/r/organisations/{org.id}/edit", {"name": "GWG eG Gifhorn", "website": "https://gwg.example", "phone": "", "email": ""}),
            (f"/staff/r/organisations/{spare_org.id}/delete", {}),
            ("/staff/r/staff-users/new", {"name": "Neu", "email": "neu@example.org", "role": "staff", "active": "on",
                                          "quartiere": [str(nord.id)], "password": "Lang-genug-123"}),
            (f"/staff/r/staff-users/{colleague.id}/edit", {"name": "Umbenannt", "role": "admin", "active": "on",
                                                          "quartiere": [], "password": ""}),
            (f"/staff/r/staff-users/{leaving.id}/delete", {}),
        ]
        for url, data in cases:
            await refused(admin, url, data)
            assert await still_logged_in(admin)
            before = await snapshot()
            response = await post_form(admin, url, data)  # the same request with the token goes through
            assert response.status_code == 303, f"{url}: {response.status_code} {response.text[:300]}"
            assert await snapshot() != before, url


async def test_missing_token_gets_a_german_explanation(make_staff_client):
    async with make_staff_client() as client:
        response = await client.post("/staff/logout", data={})
        assert response.status_code == 403
        page = parse(response.text)
        assert page.h1 == "Formular abgelaufen"
        assert "CSRF token verification failed" not in response.text
