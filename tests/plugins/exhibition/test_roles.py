"""The exhibition declares the "moderator" role: it opens the moderation queue and nothing else of staff."""

from __future__ import annotations

from core.accounts.tables import StaffUser
from core.testing.fixtures import create_staff_user, post_form
from tests.core.web.pages import parse
from tests.plugins.exhibition.helpers import PLUGINS

ACCOUNT = {"name": "Mia Moderatorin", "email": "mia@example.org", "role": "moderator", "active": "1",
           "password": "lange-genug-123"}


async def test_a_moderator_sees_the_moderation_and_nothing_else_of_staff(make_staff_client):
    async with make_staff_client(role="moderator", quartiere=["nordstadt"], plugins=PLUGINS) as client:
        assert (await client.get("/staff/moderation")).status_code == 200
        for url in ("/staff/r/exhibitions/", "/staff/r/contributions/", "/staff/r/events/", "/staff/r/venues/",
                    "/staff/r/quartiere/", "/staff/r/staff-users/", "/staff/plugins", "/staff/audit"):
            assert (await client.get(url)).status_code == 403, url
        menu = parse((await client.get("/staff/")).text).links()
        assert {url for url in menu if url.startswith("/staff/")} - {"/staff/", "/staff/password", "/staff/logout"} \
            == {"/staff/moderation"}


async def test_the_account_form_offers_the_moderator_while_the_exhibition_is_loaded(make_staff_client):
    async with make_staff_client(role="admin", quartiere=[], plugins=PLUGINS) as admin:
        form = parse((await admin.get("/staff/r/staff-users/new")).text)
        assert ("moderator", "Moderation") in form.options("role")
        created = await post_form(admin, "/staff/r/staff-users/new", ACCOUNT)
        assert created.status_code == 303, created.text
        assert (await StaffUser.objects().where(StaffUser.email == "mia@example.org").first()).role == "moderator"


async def test_without_the_exhibition_the_moderator_cannot_be_chosen_and_grants_nothing(make_staff_client):
    async with make_staff_client(role="admin", quartiere=[], plugins=[]) as admin:
        form = parse((await admin.get("/staff/r/staff-users/new")).text)
        assert [value for value, _label in form.options("role") if value] == ["admin", "staff"]
        refused = await post_form(admin, "/staff/r/staff-users/new", ACCOUNT)
        assert refused.status_code == 400
        assert not await StaffUser.exists().where(StaffUser.email == "mia@example.org")

        # an account from when the exhibition was loaded keeps its stored role, marked, and may still be edited
        kept = await create_staff_user("moderator", ["nordstadt"])
        listing = (await admin.get("/staff/r/staff-users/")).text
        assert "moderator (Plugin nicht geladen, gewährt keine Rechte)" in listing
        edited = await post_form(admin, f"/staff/r/staff-users/{kept.id}/edit",
                                 {"name": "Neu benannt", "role": "moderator", "active": "1", "password": ""})
        assert edited.status_code == 303, edited.text
        row = await StaffUser.objects().where(StaffUser.id == kept.id).first()
        assert (row.name, row.role) == ("Neu benannt", "moderator")
        # ... but nobody can be made a moderator anew
        other = await create_staff_user("staff", ["nordstadt"])
        moved = await post_form(admin, f"/staff/r/staff-users/{other.id}/edit",
                                {"name": other.name, "role": "moderator", "active": "1", "password": ""})
        assert moved.status_code == 400 and "kann nicht neu vergeben werden" in moved.text
