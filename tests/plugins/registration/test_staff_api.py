"""The staff JSON API: API tokens or the session (with JSON), scoped to the user's Quartiere."""

from core.accounts.service import create_api_token, revoke_api_tokens
from core.testing.fixtures import create_staff_user
from plugins.registration.tables import Registration
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form, person


async def test_api_token_lists_and_changes_registrations(make_client, fast_passwords):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(capacity=1, double_opt_in=False)
        for i in range(2):
            await client.post(f"/api/events/{event.id}/registrations", json=person(i))
        user = await create_staff_user("staff", ["nordstadt"], email="qm@example.org")
        token = await create_api_token(user.email, "Tabellen-Export")
        auth = {"Authorization": f"Bearer {token}"}

        assert (await client.get(f"/api/events/{event.id}/registrations")).status_code == 401
        assert (await client.get(f"/api/events/{event.id}/registrations", headers={"Authorization": "Bearer falsch"})).status_code == 401
        rows = (await client.get(f"/api/events/{event.id}/registrations", headers=auth)).json()
        assert [(r["name"], r["status"], r["waitlist_position"]) for r in rows] == [("Person 0", "confirmed", None), ("Person 1", "waitlisted", 1)]

        changed = await client.post(f"/api/registrations/{rows[0]['id']}/cancel", headers=auth)
        assert changed.status_code == 200 and changed.json()["status"] == "cancelled"
        assert (await Registration.objects().where(Registration.id == rows[1]["id"]).first()).status == "confirmed"
        again = await client.post(f"/api/registrations/{rows[0]['id']}/cancel", headers=auth)
        assert again.status_code == 409
        assert (await client.post(f"/api/registrations/{rows[1]['id']}/explode", headers=auth)).status_code == 404

        await revoke_api_tokens(user.email)
        assert (await client.get(f"/api/events/{event.id}/registrations", headers=auth)).status_code == 401


async def test_staff_api_is_scoped_to_the_users_quartiere(make_client, fast_passwords):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form()
        await client.post(f"/api/events/{event.id}/registrations", json=person(1))
        reg = await Registration.objects().first()
        other = await create_staff_user("staff", ["suedstadt"], email="sued@example.org")
        auth = {"Authorization": f"Bearer {await create_api_token(other.email, 'x')}"}
        assert (await client.get(f"/api/events/{event.id}/registrations", headers=auth)).status_code == 404
        assert (await client.post(f"/api/registrations/{reg.id}/cancel", headers=auth)).status_code == 404
        assert (await Registration.objects().first()).status == reg.status


async def test_session_changes_need_json_so_other_sites_cannot_post(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(double_opt_in=False)
        await client.post(f"/api/events/{event.id}/registrations", json=person(1))
        reg = await Registration.objects().first()
        assert (await client.get(f"/api/events/{event.id}/registrations")).status_code == 200
        form_post = await client.post(f"/api/registrations/{reg.id}/checkin", data={"x": "1"})
        assert form_post.status_code == 403
        assert (await Registration.objects().first()).checked_in_at is None
        json_post = await client.post(f"/api/registrations/{reg.id}/checkin", json={})
        assert json_post.status_code == 200 and json_post.json()["checked_in_at"] is not None
