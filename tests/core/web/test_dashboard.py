"""The staff dashboard: a fresh deployment's first steps, ticked off as they are done; the next events lead to their cockpit."""

from __future__ import annotations

from core.testing.fixtures import create_staff_user
from tests.core.factories import make_event
from tests.core.web.pages import parse


def steps(html: str) -> list[tuple[str, bool]]:
    """(text, done) of each first step; empty when the section is not shown."""
    return [(li.text.split(" (")[0].lstrip("✓ "), li.get("class") == "done")
            for ol in parse(html).all("ol", class_="first-steps") for li in ol.iter() if li.tag == "li"]


async def test_a_fresh_deployment_shows_the_admin_its_first_steps(make_staff_client):
    async with make_staff_client(role="admin", quartiere=[]) as admin:
        html = (await admin.get("/staff/")).text
        assert steps(html) == [("Quartier anlegen", False), ("Treffpunkt anlegen", False), ("Veranstaltung anlegen", False),
                               ("Konto anlegen", False)]
        assert {"/staff/r/quartiere/new", "/staff/r/venues/new", "/staff/r/events/new", "/staff/r/staff-users/new"} <= set(
            parse(html).links())

        await create_staff_user("staff", ["nordstadt"])  # a second account, and a Quartier
        assert steps((await admin.get("/staff/")).text) == [
            ("Quartier anlegen", True), ("Treffpunkt anlegen", False), ("Veranstaltung anlegen", False), ("Konto anlegen", True)]

        from core.quartiere.tables import Quartier

        event = await make_event(await Quartier.objects().first(), "treff")  # with its venue
        html = (await admin.get("/staff/")).text
        assert steps(html) == [] and "Erste Schritte" not in html  # all done: the section is gone
        assert f"/staff/veranstaltungen/{event.id}" in parse(html).links()  # the next event leads to its cockpit


async def test_staff_who_may_not_create_quartiere_see_only_their_steps(make_staff_client):
    async with make_staff_client(role="staff", quartiere=["nordstadt"]) as client:
        assert steps((await client.get("/staff/")).text) == [
            ("Treffpunkt anlegen", False), ("Veranstaltung anlegen", False)]
