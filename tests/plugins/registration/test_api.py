"""The public registration API: answers, field messages, refusals, availability."""

from plugins.registration.tables import Registration
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form, person


async def test_registration_answers_with_status_and_message(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(capacity=1)
        first = await client.post(f"/api/events/{event.id}/registrations", json=person(1))
        assert first.status_code == 201
        body = first.json()
        assert body["status"] == "unconfirmed" and body["waitlist_position"] is None and body["seats"] == 1
        assert body["message"].startswith("Bitte bestätigen Sie Ihre E-Mail-Adresse")
        assert "token" not in first.text  # the confirmation link only travels by e-mail
        second = (await client.post(f"/api/events/{event.id}/registrations", json=person(2))).json()
        assert second["status"] == "waitlisted" and second["waitlist_position"] == 1
        assert "Sie stehen auf der Warteliste (Platz 1)" in second["message"]
        again = await client.post(f"/api/events/{event.id}/registrations", json=person(1))
        assert again.status_code == 200 and again.json()["id"] == body["id"]


async def test_invalid_input_gets_422_with_a_message_per_field_and_writes_nothing(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(questions='[{"key": "essen", "label": "Essen?", "type": "choice", "required": true, "choices": ["Ja", "Vegetarisch"]}]')
        response = await client.post(f"/api/events/{event.id}/registrations",
                                     json={"name": "", "email": "kein-at", "companions": 3, "answers": {"essen": "Fisch"}})
        assert response.status_code == 422
        assert response.json()["errors"] == {
            "name": "Bitte geben Sie Ihren Namen an.",
            "email": "Bitte geben Sie eine gültige E-Mail-Adresse an.",
            "companions": "Begleitpersonen sind bei dieser Veranstaltung nicht vorgesehen.",
            "consent": "Bitte stimmen Sie der Verarbeitung Ihrer Angaben zu.",
            "answers.essen": "Bitte wählen Sie eine der angebotenen Antworten.",
        }
        wrong_type = await client.post(f"/api/events/{event.id}/registrations", json={**person(1), "companions": "zwei"})
        assert wrong_type.status_code == 422
        assert wrong_type.json()["errors"] == {"companions": "Ungültiger Wert: erwartet wird eine ganze Zahl."}
        unknown = await client.post(f"/api/events/{event.id}/registrations", json={**person(1), "spam": 1})
        assert unknown.status_code == 422 and unknown.json()["errors"] == {"spam": "Dieses Feld ist unbekannt."}
        broken = await client.post(f"/api/events/{event.id}/registrations", content=b"{nope", headers={"content-type": "application/json"})
        assert broken.status_code == 400
        assert await Registration.count() == 0


async def test_phone_only_registration_online(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, form = await event_with_form(phone_only_allowed=True)
        ok = await client.post(f"/api/events/{event.id}/registrations", json={"name": "Frau Ohnemail", "phone": "05371 12345", "consent": True})
        assert ok.status_code == 201 and ok.json()["status"] == "confirmed"
        none = await client.post(f"/api/events/{event.id}/registrations", json={"name": "Niemand", "consent": True})
        assert none.json()["errors"] == {"email": "Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer an."}


async def test_full_without_waitlist_and_closed_answer_409(make_client):
    from core.events import service as events

    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(capacity=1, waitlist_enabled=False)
        assert (await client.post(f"/api/events/{event.id}/registrations", json=person(1))).status_code == 201
        full = await client.post(f"/api/events/{event.id}/registrations", json=person(2))
        assert full.status_code == 409 and full.json()["errors"] == {"reason": "full"}
        await events.cancel_event(event.id)
        closed = await client.post(f"/api/events/{event.id}/registrations", json=person(3))
        assert closed.status_code == 409 and "geschlossen" in closed.json()["detail"]
        assert (await client.post("/api/events/9999/registrations", json=person(4))).status_code == 404


async def test_availability(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(capacity=2, double_opt_in=False)
        for i in range(3):
            await client.post(f"/api/events/{event.id}/registrations", json=person(i))
        body = (await client.get(f"/api/events/{event.id}/availability")).json()
        assert body | {"closes_at": None} == {"open": True, "reason": "open", "capacity": 2, "seats_taken": 2, "seats_left": 0,
                                               "waitlist_enabled": True, "waitlist_length": 1, "opens_at": None, "closes_at": None}


async def test_rate_limit_per_address(make_client):
    async with make_client(["registration"], sections={"registration": {"rate_limit_per_minute": 3}}) as client:
        _q, event, _form = await event_with_form()
        codes = [(await client.post(f"/api/events/{event.id}/registrations", json=person(i))).status_code for i in range(5)]
        assert codes == [201, 201, 201, 429, 429]


async def test_switched_off_for_the_quartier_answers_404(make_client):
    from core.quartiere.service import set_plugin_enabled

    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        quartier, event, _form = await event_with_form()
        await set_plugin_enabled(quartier.id, "registration", False)
        assert (await client.post(f"/api/events/{event.id}/registrations", json=person(1))).status_code == 404
        assert (await client.get(f"/api/events/{event.id}/availability")).status_code == 404
        page = await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff")
        assert page.status_code == 200 and 'name="consent"' not in page.text
