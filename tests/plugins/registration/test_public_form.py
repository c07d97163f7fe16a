"""A citizen registers on the event page, confirms by the link, views and cancels — without an account."""

import re

from plugins.registration.tables import Registration
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form


def csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


async def open_event_page(client, event):
    page = await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff")
    assert page.status_code == 200
    return page


async def test_form_on_the_event_page_registers_and_answers_on_the_page(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(capacity=10, max_companions=1)
        page = await open_event_page(client, event)
        assert "Noch 10 Plätze frei." in page.text and 'for="reg-name"' in page.text and "Begleitpersonen" in page.text
        response = await client.post(f"/nordstadt/veranstaltungen/{event.id}/anmeldung", data={
            "_csrf_token": csrf(page.text), "name": "Erika Muster", "email": "erika@example.org", "companions": "1", "consent": "on",
        })
        assert response.status_code == 201
        assert "Bitte bestätigen Sie Ihre E-Mail-Adresse" in response.text
        reg = await Registration.objects().first()
        assert (reg.name, reg.seats, reg.status) == ("Erika Muster", 2, "unconfirmed")
        assert "Noch 8 Plätze frei." in (await open_event_page(client, event)).text


async def test_errors_are_shown_beside_the_fields_and_values_kept(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form()
        page = await open_event_page(client, event)
        response = await client.post(f"/nordstadt/veranstaltungen/{event.id}/anmeldung", data={
            "_csrf_token": csrf(page.text), "name": "Erika <Muster>", "email": "falsch",
        })
        assert response.status_code == 400
        assert 'id="reg-email-error">Bitte geben Sie eine gültige E-Mail-Adresse an.' in response.text
        assert 'id="reg-consent-error">Bitte stimmen Sie' in response.text
        assert 'value="Erika &lt;Muster&gt;"' in response.text and 'value="falsch"' in response.text
        assert await Registration.count() == 0


async def test_honeypot_keeps_nothing(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form()
        page = await open_event_page(client, event)
        response = await client.post(f"/nordstadt/veranstaltungen/{event.id}/anmeldung", data={
            "_csrf_token": csrf(page.text), "name": "Bot", "email": "bot@example.org", "consent": "on", "website": "http://spam",
        })
        assert response.status_code == 200 and await Registration.count() == 0


async def test_personal_links_confirm_view_and_cancel_with_promotion(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(capacity=1)
        await client.post(f"/api/events/{event.id}/registrations", json={"name": "Erste", "email": "a@example.org", "consent": True})
        await client.post(f"/api/events/{event.id}/registrations", json={"name": "Zweite", "email": "b@example.org", "consent": True})
        first = await Registration.objects().where(Registration.name == "Erste").first()

        confirm_page = await client.get(f"/anmeldung/{first.token}/bestaetigen")
        assert confirm_page.status_code == 200
        assert (await Registration.objects().where(Registration.id == first.id).first()).status == "unconfirmed"  # GET changes nothing
        confirmed = await client.post(f"/anmeldung/{first.token}/bestaetigen", data={"_csrf_token": csrf(confirm_page.text)})
        assert "Ihre E-Mail-Adresse ist bestätigt" in confirmed.text and "Angemeldet" in confirmed.text

        view = await client.get(f"/anmeldung/{first.token}")
        assert "Erste" in view.text and "Anmeldung stornieren" in view.text
        cancel_page = await client.get(f"/anmeldung/{first.token}/stornieren")
        cancelled = await client.post(f"/anmeldung/{first.token}/stornieren", data={"_csrf_token": csrf(cancel_page.text)})
        assert "Ihre Anmeldung ist storniert" in cancelled.text
        second = await Registration.objects().where(Registration.name == "Zweite").first()
        assert second.status == "unconfirmed"  # moved up; holds the seat until the address is confirmed

        again = await client.post(f"/anmeldung/{first.token}/stornieren", data={"_csrf_token": csrf(cancel_page.text)})
        assert again.status_code == 409
        assert (await client.get("/anmeldung/falsch")).status_code == 404
        assert (await client.post(f"/anmeldung/{first.token}/stornieren", data={})).status_code == 403  # no CSRF token


async def test_a_full_event_offers_the_waiting_list_on_its_button(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(capacity=1)
        button = re.compile(r'<button type="submit" class="button primary">([^<]+)</button>')
        assert button.findall((await open_event_page(client, event)).text) == ["Jetzt anmelden"]
        page = await open_event_page(client, event)
        await client.post(f"/nordstadt/veranstaltungen/{event.id}/anmeldung", data={
            "_csrf_token": csrf(page.text), "name": "Erika Muster", "email": "erika@example.org", "consent": "on"})
        full = (await open_event_page(client, event)).text
        assert "Alle Plätze sind vergeben." in full
        assert button.findall(full) == ["Auf die Warteliste"]  # not "Jetzt anmelden" while it puts people on the waiting list
        response = await client.post(f"/nordstadt/veranstaltungen/{event.id}/anmeldung", data={
            "_csrf_token": csrf(full), "name": "Max Muster", "email": "max@example.org", "consent": "on"})
        assert response.status_code == 201
        assert (await Registration.objects().where(Registration.name == "Max Muster").first()).status == "waitlisted"
