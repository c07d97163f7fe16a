"""Nobody can use a registration to mail strangers in the municipality's name: names with internet addresses are
refused on every path, and mails to addresses nobody has confirmed are limited per address and per sender.

Runs on SQLite and PostgreSQL (the clients use the parametrized ``database_url``).
"""

from __future__ import annotations

import pytest

from core.domain_events.tables import DomainEventRecord
from core.testing.fixtures import open_client, post_form
from plugins.notifications.tables import OutboxMessage
from plugins.notifications.worker import work
from plugins.registration.tables import Registration
from tests.core.web.pages import parse
from tests.plugins.registration.helpers import event_with_form
from tests.plugins.registration.test_public_form import csrf
from tests.plugins.registration.test_staff import phone_form

NAME_WITH_ADDRESS = "Bitte geben Sie nur Ihren Namen an, ohne Internetadresse."
TOO_MANY_TO_ADDRESS = ("An diese E-Mail-Adresse haben wir in der letzten Stunde schon mehrere Bestätigungs-E-Mails "
                       "geschickt. Bitte versuchen Sie es später noch einmal.")
TOO_MANY_FROM_CLIENT = ("Von Ihrem Anschluss kamen in der letzten Stunde sehr viele Anmeldungen. "
                        "Bitte versuchen Sie es später noch einmal.")
PLUGINS = ["registration", "notifications"]


def limits(smtp_port: int, **registration: int) -> dict:
    return {"registration": {"rate_limit_per_minute": 0, **registration},
            "notifications": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "poll_seconds": 3600,
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
        await work(staff.deployment)
        assert smtp_server.messages == []


async def test_ordinary_names_are_taken(make_client, smtp_server):
    async with make_client(PLUGINS, sections=limits(smtp_server.port)) as client:
        _q, event, _form = await event_with_form(capacity=5)
        for number, name in enumerate(["Dr. med. Erika Müller-Lüdenscheidt", "St. Georg e.V. (Frau Yılmaz)", "J. R. R. O'Neil"]):
            response = await api_register(client, event, name=name, email=f"person{number}@example.org")
            assert response.status_code == 201, response.json()


# -- limits on mails to unconfirmed addresses ------------------------------------------------------
async def test_mails_to_one_address_are_limited_and_a_refusal_writes_nothing(make_client, smtp_server):
    async with make_client(PLUGINS, sections=limits(smtp_server.port, confirm_mails_per_address_per_hour=2)) as client:
        events = [(await event_with_form(slug=f"treff{n}", capacity=5))[1] for n in range(4)]
        assert (await api_register(client, events[0], email="victim@example.org")).status_code == 201
        assert (await api_register(client, events[1], email="Victim+2@example.org")).status_code == 201
        # the same registration again is no new mail and no new count
        assert (await api_register(client, events[1], email="victim+2@example.org")).status_code == 200
        before = (await Registration.count(), await registration_events())

        refused = await api_register(client, events[2], email="victim+3@example.org")
        assert refused.status_code == 429
        assert refused.json() == {"status_code": 429, "detail": TOO_MANY_TO_ADDRESS, "errors": {"email": TOO_MANY_TO_ADDRESS}}
        form = await form_register(client, events[3], email="victim@example.org")
        assert form.status_code == 429
        page = parse(form.text)
        assert page.text_of("reg-email-error") == TOO_MANY_TO_ADDRESS and page.field_value("email") == "victim@example.org"
        assert (await Registration.count(), await registration_events()) == before

        await work(client.deployment)
        assert len(smtp_server.messages) == 2
        assert await OutboxMessage.count() == 2
        # another address is not affected
        assert (await api_register(client, events[2], email="erika@example.org")).status_code == 201


async def test_mails_from_one_client_are_limited_and_another_client_still_registers(make_client, smtp_server):
    sections = limits(smtp_server.port, confirm_mails_per_client_per_hour=3)
    async with make_client(PLUGINS, sections=sections, client_address="198.51.100.7") as client:
        _q, event, _form = await event_with_form(capacity=20)
        for who in ("anna", "bert", "cara"):
            assert (await api_register(client, event, name=who.title(), email=f"{who}@example.org")).status_code == 201
        refused = await api_register(client, event, name="Dora", email="dora@example.org")
        assert refused.status_code == 429
        assert refused.json()["detail"] == TOO_MANY_FROM_CLIENT
        form = await form_register(client, event, name="Dora", email="dora@example.org")
        assert form.status_code == 429
        assert parse(form.text).text_of("registration-errors") == TOO_MANY_FROM_CLIENT
        assert not await Registration.exists().where(Registration.email == "dora@example.org")
        await work(client.deployment)
        assert smtp_server.to("dora@example.org") == [] and len(smtp_server.messages) == 3

        async with open_client(client.app, address="203.0.113.9") as other:
            assert (await api_register(other, event, name="Dora", email="dora@example.org")).status_code == 201
        await work(client.deployment)
        assert len(smtp_server.to("dora@example.org")) == 1


async def test_a_family_registers_within_the_default_limits(make_client, smtp_server):
    async with make_client(PLUGINS, sections=limits(smtp_server.port)) as client:
        events = [(await event_with_form(slug=f"treff{n}", capacity=20))[1] for n in range(3)]
        for event in events:  # one parent for the three children's events, with the family's one address
            assert (await api_register(client, event, name="Eltern Muster", email="familie@example.org")).status_code == 201
        for who in ("oma", "opa", "tante", "onkel", "cousine"):  # the others of the family, from the same home
            assert (await api_register(client, events[0], name=who.title(), email=f"{who}@example.org")).status_code == 201
        await work(client.deployment)
        assert len(smtp_server.messages) == 8


async def test_staff_phone_registrations_are_not_limited(make_staff_client, smtp_server):
    sections = limits(smtp_server.port, confirm_mails_per_address_per_hour=1, confirm_mails_per_client_per_hour=1)
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections) as staff:
        events = [(await event_with_form(slug=f"treff{n}", capacity=5))[1] for n in range(3)]
        for event in events:
            response = await post_form(staff, "/staff/r/registrations/new", phone_form(event.id, email="anrufer@example.org"))
            assert response.status_code == 303
        assert await Registration.count() == 3
