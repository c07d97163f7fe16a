"""Nobody can use a registration to mail strangers in the municipality's name: names with internet addresses are
refused on every path, and mails to addresses nobody has confirmed are limited per address and per sender.

Runs on SQLite and PostgreSQL (the clients use the parametrized ``database_url``).
"""

from __future__ import annotations

import pytest

from core.domain_events.tables import DomainEventRecord
from core.testing.fixtures import post_form
from plugins.notifications.tables import OutboxMessage
from plugins.notifications.worker import work
from plugins.registration.tables import Registration
from tests.core.web.pages import parse
from tests.plugins.registration.helpers import event_with_form
from tests.plugins.registration.test_public_form import csrf
from tests.plugins.registration.test_staff import phone_form

NAME_WITH_ADDRESS = "Bitte geben Sie nur Ihren Namen an, ohne Internetadresse."
TOO_MANY_TO_ADDRESS = ("An diese E-Mail-Adresse haben wir in der letzten Stunde schon mehrere Anmeldungen geschickt. "
                       "Bitte versuchen Sie es später noch einmal.")
TOO_MANY_FROM_CLIENT = ("Von Ihrem Anschluss kamen in der letzten Stunde sehr viele Anmeldungen. "
                        "Bitte versuchen Sie es später noch einmal.")
PLUGINS = ["registration", "notifications"]


def limits(smtp_port: int, **registration: int) -> dict:
    return {"registration": {"rate_limit_per_minute": 0, **registration},
            "notifications": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "in_process_worker": False,
                              "from_address": "qm@gifhorn.example"}}


async def api_register(client, event, name: str = "Erika Muster", email: str = "erika@example.org"):
    return await client.post(f"/api/events/{event.id}/registrations", json={"name": name, "email": email, "consent": True})


async def form_register(client, event, name: str = "Erika Muster", email: str = "erika@example.org"):
    page = await client.get(f"/nordstadt/veranstaltungen/{event.id}-{event.slug}")
    return await client.post(f"/nordstadt/veranstaltungen/{event.id}/anmeldung", data={
        "_csrf_token": csrf(page.text), "name": name, "email": email, "consent": "on"})


async def registration_events() -> int:
    return await DomainEventRecord.count().where(DomainEventRecord.name.like("registration.%"))


async def nothing_written() -> bool:
    return await Registration.count() == 0 and await registration_events() == 0 and await OutboxMessage.count() == 0


# -- names ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Erika https://evil.example/login", "Erika www.evil.example", "evil.example/login",
                                  "Erika EVIL.COM", "Erika http:evil.example"])
async def test_a_name_with_an_internet_address_is_refused_on_every_path(make_staff_client, smtp_server, name):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=limits(smtp_server.port)) as staff:
        _q, event, _form = await event_with_form(capacity=5)

        api = await api_register(staff, event, name=name)
        assert api.status_code == 422 and api.json()["errors"] == {"name": NAME_WITH_ADDRESS}

        form = await form_register(staff, event, name=name)
        assert form.status_code == 400
        page = parse(form.text)
        assert page.text_of("reg-name-error") == NAME_WITH_ADDRESS and page.field_value("name") == name

        phone = await post_form(staff, "/staff/r/registrations/new", phone_form(event.id, name=name))
        assert phone.status_code == 400
        assert parse(phone.text).text_of("f-name-error") == NAME_WITH_ADDRESS

        assert await nothing_written()
        await work(staff.deployment, once=True)
        assert smtp_server.messages == []


async def test_ordinary_names_are_taken(make_client, smtp_server):
    async with make_client(PLUGINS, sections=limits(smtp_server.port)) as client:
        _q, event, _form = await event_with_form(capacity=5)
        for number, name in enumerate(["Dr. med. Erika Müller-Lüdenscheidt", "St. Georg e.V. (Frau Yılmaz)", "J. R. R. O'Neil"]):
            response = await api_register(client, event, name=name, email=f"person{number}@example.org")
            assert response.status_code == 201, response.json()
