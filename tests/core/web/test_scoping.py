"""A staff user stays inside their Quartiere on every generated screen (Resource.scoped, parse_form's choices)."""

from __future__ import annotations

from typing import Any

import pytest

from core.accounts.tables import StaffUser
from core.events.tables import Event, Venue
from core.quartiere.tables import Quartier
from core.testing.fixtures import post_form
from tests.core.web import helpers
from tests.core.web.helpers import event_form, quartier_form, snapshot, venue_form
from tests.core.web.pages import parse, read_csv


async def two_quartiere() -> dict[str, Any]:
    """Nordstadt (A, the staff user's) and Südstadt (B), each with a venue and a draft event."""
    nord = await helpers.quartier("nordstadt")
    sued = await helpers.quartier("suedstadt")
    await Quartier.update({Quartier.name: "Südstadt"}).where(Quartier.id == sued.id)
    rows: dict[str, Any] = {"nord": nord, "sued": sued}
    for key, q, label in (("a", nord, "Nord"), ("b", sued, "Süd")):
        venue = await helpers.venue(q, name=f"Treffpunkt {label}")
        rows[f"{key}_venue"] = venue
        rows[f"{key}_event"] = await helpers.event(q, f"Fest {label}", slug="fest", venue=venue.id)
    return rows


def own_and_foreign(resource: str, rows: dict[str, Any]) -> tuple[Any, Any, str, str]:
    """(A's row, B's row, A's display name, B's display name) of a resource."""
    if resource == "events":
        return rows["a_event"], rows["b_event"], "Fest Nord", "Fest Süd"
    if resource == "venues":
        return rows["a_venue"], rows["b_venue"], "Treffpunkt Nord", "Treffpunkt Süd"
    return rows["nord"], rows["sued"], "Nordstadt", "Südstadt"


def edit_data(resource: str, rows: dict[str, Any]) -> dict[str, Any]:
    """A valid edit form for that resource (pointing at Quartier A where it names one)."""
    if resource == "events":
        data = event_form(rows["nord"].id, title="Übernommen")
        del data["quartier"]  # not editable
        return data
    if resource == "venues":
        return venue_form(rows["nord"].id, name="Übernommen")
    data = quartier_form(name="Übernommen")
    del data["slug"]  # not editable
    return data


@pytest.mark.parametrize("resource", ["events", "venues", "quartiere"])
async def test_staff_cannot_reach_rows_of_another_quartier(make_staff_client, resource):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        rows = await two_quartiere()
        own, foreign, own_name, foreign_name = own_and_foreign(resource, rows)
        base = f"/staff/r/{resource}"
        assert (await client.get(f"{base}/{own.id}")).status_code == 200  # the same URLs work for A's own row

        before = await snapshot()
        for method, url in [("GET", f"{base}/{foreign.id}"), ("GET", f"{base}/{foreign.id}/edit"),
                            ("POST", f"{base}/{foreign.id}/edit"), ("GET", f"{base}/{foreign.id}/delete"),
                            ("POST", f"{base}/{foreign.id}/delete"), ("POST", f"{base}/{foreign.id}/action/publish"),
                            ("POST", f"{base}/{foreign.id}/action/cancel")]:
            if method == "GET":
                response = await client.get(url)
            else:
                response = await post_form(client, url, edit_data(resource, rows))
            assert response.status_code in (403, 404), f"{method} {url}: {response.status_code}"
            assert foreign_name not in response.text, f"{method} {url} shows B's row"
        assert await snapshot() == before

        listing = await client.get(f"{base}/")
        assert own_name in listing.text and foreign_name not in listing.text
        # not by naming B in the filter either (unknown filter values are ignored)
        response = await client.get(f"{base}/", params={"f_quartier": str(rows["sued"].id), "q": "Süd"})
        assert foreign_name not in response.text
        exported = read_csv((await client.get(f"{base}/export.csv")).content)
        assert [row[0] for row in exported[1:]] == [own_name]
        exported = read_csv((await client.get(f"{base}/export.csv", params={"f_quartier": str(rows["sued"].id)})).content)
        assert foreign_name not in str(exported)


async def test_quartier_choices_offer_only_the_own_quartiere(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        rows = await two_quartiere()
        for url in ("/staff/r/events/new", "/staff/r/venues/new", f"/staff/r/venues/{rows['a_venue'].id}/edit",
                    "/staff/r/events/", "/staff/r/venues/"):
            page = parse((await client.get(url)).text)
            select = "quartier" if "/new" in url or "/edit" in url else "f_quartier"
            assert [label for value, label in page.options(select) if value] == ["Nordstadt"], url
        page = parse((await client.get("/staff/r/events/new")).text)
        assert [label for value, label in page.options("venue") if value] == ["Treffpunkt Nord"]
        dashboard = (await client.get("/staff/")).text
        assert "Fest Nord" in dashboard and "Fest Süd" not in dashboard and "Südstadt" not in dashboard


async def test_staff_cannot_create_or_move_rows_into_another_quartier(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        rows = await two_quartiere()
        sued = rows["sued"].id
        before = await snapshot()

        response = await post_form(client, "/staff/r/events/new", event_form(sued, slug="eingeschleust"))
        assert response.status_code == 400
        assert parse(response.text).text_of("f-quartier-error") == "Bitte wählen Sie einen Eintrag aus der Liste."
        response = await post_form(client, "/staff/r/venues/new", venue_form(sued, name="Eingeschleust"))
        assert response.status_code == 400
        assert parse(response.text).text_of("f-quartier-error") == "Bitte wählen Sie einen Eintrag aus der Liste."
        # an event of A at B's venue
        response = await post_form(client, "/staff/r/events/new", event_form(rows["nord"].id, slug="x", venue=rows["b_venue"].id))
        assert response.status_code == 400
        assert parse(response.text).text_of("f-venue-error") == "Bitte wählen Sie einen Eintrag aus der Liste."
        # moving A's venue to B
        response = await post_form(client, f"/staff/r/venues/{rows['a_venue'].id}/edit", venue_form(sued, name="Treffpunkt Nord"))
        assert response.status_code == 400
        assert parse(response.text).text_of("f-quartier-error") == "Bitte wählen Sie einen Eintrag aus der Liste."
        # pointing A's event at B's venue
        data = event_form(rows["nord"].id, title="Fest Nord", slug="fest", venue=rows["b_venue"].id)
        del data["quartier"]
        response = await post_form(client, f"/staff/r/events/{rows['a_event'].id}/edit", data)
        assert response.status_code == 400
        # a Quartier cannot be created by staff at all
        assert (await post_form(client, "/staff/r/quartiere/new", quartier_form())).status_code == 403
        assert (await client.get("/staff/r/quartiere/new")).status_code == 403

        assert await snapshot() == before
        assert await Event.count() == 2 and await Venue.count() == 2 and await Quartier.count() == 2


async def test_staff_cannot_reach_the_accounts(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        other = await StaffUser.objects().where(StaffUser.id != client.user.id).first()
        assert other is None
        own = client.user.id
        before = await snapshot()
        for url in ("/staff/r/staff-users/", "/staff/r/staff-users/export.csv", "/staff/r/staff-users/new",
                    f"/staff/r/staff-users/{own}", f"/staff/r/staff-users/{own}/edit", f"/staff/r/staff-users/{own}/delete"):
            assert (await client.get(url)).status_code == 403, url
        promote = {"name": "Ich", "role": "admin", "active": "on", "quartiere": [], "password": ""}
        for url in ("/staff/r/staff-users/new", f"/staff/r/staff-users/{own}/edit", f"/staff/r/staff-users/{own}/delete"):
            assert (await post_form(client, url, {**promote, "email": "neu@example.org", "password": "Lang-genug-123"})).status_code == 403, url
        assert await snapshot() == before
        assert "/staff/r/staff-users/" not in parse((await client.get("/staff/")).text).links()


async def test_staff_without_quartiere_sees_nothing(make_staff_client):
    async with make_staff_client(quartiere=[]) as client:
        await two_quartiere()
        for resource in ("events", "venues", "quartiere"):
            page = parse((await client.get(f"/staff/r/{resource}/")).text)
            assert "0 Einträge" in page.main_text, resource
        page = parse((await client.get("/staff/r/events/new")).text)
        assert [value for value, _label in page.options("quartier") if value] == []


async def test_admin_sees_every_quartier(make_staff_client):
    async with make_staff_client(role="admin", quartiere=[]) as admin:
        rows = await two_quartiere()
        for resource in ("events", "venues", "quartiere"):
            own, foreign, own_name, foreign_name = own_and_foreign(resource, rows)
            listing = (await admin.get(f"/staff/r/{resource}/")).text
            assert own_name in listing and foreign_name in listing
            exported = read_csv((await admin.get(f"/staff/r/{resource}/export.csv")).content)
            assert sorted(row[0] for row in exported[1:]) == sorted([own_name, foreign_name])
            assert (await admin.get(f"/staff/r/{resource}/{foreign.id}")).status_code == 200
            assert (await admin.get(f"/staff/r/{resource}/{foreign.id}/edit")).status_code == 200
        filtered = await admin.get("/staff/r/events/", params={"f_quartier": str(rows["sued"].id)})
        assert parse(filtered.text).first_column() == ["Fest Süd"]
        assert (await admin.get("/staff/r/staff-users/")).status_code == 200
