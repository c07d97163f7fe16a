"""Capacity is never exceeded: hundreds of simultaneous requests through the HTTP app, on SQLite and PostgreSQL."""

import asyncio
import re

from plugins.registration.tables import Registration, RegistrationForm
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form, person


async def test_registration_rush_holds_capacity_exactly(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, form = await event_with_form(capacity=20, waitlist_enabled=True, double_opt_in=False)
        responses = await asyncio.gather(*[
            client.post(f"/api/events/{event.id}/registrations", json=person(i)) for i in range(200)
        ])
        assert sorted({r.status_code for r in responses}) == [201]
        bodies = [r.json() for r in responses]
        assert sum(b["status"] == "confirmed" for b in bodies) == 20
        waiting = sorted(b["waitlist_position"] for b in bodies if b["status"] == "waitlisted")
        assert waiting == list(range(1, 181))  # gap-free, each place once

        assert await Registration.count().where(Registration.status == "confirmed") == 20
        assert (await RegistrationForm.objects().where(RegistrationForm.id == form.id).first()).taken == 20
        availability = (await client.get(f"/api/events/{event.id}/availability")).json()
        assert availability["seats_left"] == 0 and availability["waitlist_length"] == 180


async def test_cancel_storm_promotes_exactly_into_freed_seats(make_client):
    from plugins.registration import service

    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, form = await event_with_form(capacity=20, double_opt_in=False)
        await asyncio.gather(*[client.post(f"/api/events/{event.id}/registrations", json=person(i)) for i in range(60)])
        seated = await Registration.objects().where(Registration.status == "confirmed")
        first_waiting = await Registration.objects().where(Registration.status == "waitlisted").order_by(
            Registration.waitlist_seq).limit(10)

        # Ten people cancel through their personal links at the same moment.
        first_page = await client.get(f"/anmeldung/{seated[0].token}/stornieren")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', first_page.text).group(1)
        results = await asyncio.gather(*[
            client.post(f"/anmeldung/{reg.token}/stornieren", data={"_csrf_token": csrf}) for reg in seated[:10]
        ])
        assert {r.status_code for r in results} == {200}
        assert all("Ihre Anmeldung ist storniert" in r.text for r in results)

        confirmed = await Registration.objects().where(Registration.status == "confirmed")
        assert len(confirmed) == 20
        promoted = {r.id for r in confirmed} - {r.id for r in seated}
        assert promoted == {r.id for r in first_waiting}  # exactly the first ten in line
        assert (await RegistrationForm.objects().where(RegistrationForm.id == form.id).first()).taken == 20
        assert await Registration.count().where(Registration.status == "waitlisted") == 30
        positions = sorted([await service.position(r) for r in await Registration.objects().where(Registration.status == "waitlisted")])
        assert positions == list(range(1, 31))


async def test_double_click_makes_one_registration(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(capacity=5)
        responses = await asyncio.gather(*[
            client.post(f"/api/events/{event.id}/registrations", json=person(1)) for _ in range(10)
        ])
        assert sorted(r.status_code for r in responses).count(201) == 1
        assert {r.status_code for r in responses} <= {200, 201}
        assert len({r.json()["id"] for r in responses}) == 1
        assert await Registration.count() == 1
        assert (await RegistrationForm.objects().first()).taken == 1
