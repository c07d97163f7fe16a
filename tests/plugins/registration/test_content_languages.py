"""The consent text in the reader's language, and stored with the registration as the person saw it."""

from __future__ import annotations

import re

from core.plugin_api import save_versions
from plugins.registration.tables import Registration
from tests.core.web.pages import parse
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form

CONSENT_DE = "Ich bin einverstanden, dass meine Angaben gespeichert werden."
CONSENT_EN = "I agree that my details are stored."


async def register(client, event, lang: str, email: str):
    page = await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff", params={"lang": lang})
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    response = await client.post(f"/nordstadt/veranstaltungen/{event.id}/anmeldung", data={
        "_csrf_token": token, "name": "Erika Muster", "email": email, "consent": "on"})
    assert response.status_code == 201
    return parse(page.text)


async def test_the_consent_text_is_shown_and_stored_in_the_language_the_person_saw(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, form = await event_with_form(consent_text=CONSENT_DE)
        page = await register(client, event, "en", "first@example.org")
        assert page.by_id("reg-consent-text").get("lang") == "de"
        notices = page.main_text.count("This text is only available in German.")  # the event's and the consent's
        assert notices == 2

        await save_versions("registration_forms", form, "en", {"consent_text": CONSENT_EN})
        page = await register(client, event, "en", "second@example.org")
        assert page.text_of("reg-consent-text") == CONSENT_EN and page.by_id("reg-consent-text").get("lang") is None
        assert page.main_text.count("This text is only available in German.") == 1
        await register(client, event, "de", "third@example.org")

        stored = {r.email: (r.language, r.consent_text) for r in await Registration.objects()}
        assert stored == {"first@example.org": ("en", CONSENT_DE), "second@example.org": ("en", CONSENT_EN),
                          "third@example.org": ("de", CONSENT_DE)}
