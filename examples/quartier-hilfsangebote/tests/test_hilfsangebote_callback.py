"""Rückruf erbeten, end to end on both databases: a citizen asks for a callback on an offer, staff see the
request, and the confirmation comes through the messaging service: by e-mail to the real SMTP sink, or onto
the staff's call list for someone without e-mail. The plugin never imports the notifications plugin."""

from __future__ import annotations

from pathlib import Path

from core.testing.fixtures import open_client, post_form
from hilfsangebote_kit import offer, parse
from quartier_hilfsangebote.tables import CallbackRequest

WITH_MESSAGING = ["hilfsangebote", "notifications"]
PACKAGE = Path(__file__).resolve().parents[1] / "quartier_hilfsangebote"


def sections(smtp_port: int) -> dict:
    return {"notifications": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "poll_seconds": 3600,
                              "smtp_timeout_seconds": 5, "from_address": "qm@gifhorn.example"}}


async def send_outbox(deployment) -> None:
    """What ``quartier notifications send`` does: send what the outbox holds (the app's send job is not due in the test)."""
    from plugins.notifications.worker import work

    await work(deployment)


async def ask(client, path: str, **values: str):
    return await post_form(client, path, {"name": "", "email": "", "phone": "", **values})


async def test_confirmation_by_email_and_staff_see_the_request(make_staff_client, smtp_server):
    async with make_staff_client(quartiere=["nordstadt"], plugins=WITH_MESSAGING, sections=sections(smtp_server.port)) as staff:
        row = await offer(provider="Diakonie")
        citizen = open_client(staff.app)
        async with citizen:
            page = parse((await citizen.get("/nordstadt/hilfe")).text)
            path = f"/nordstadt/hilfe/{row.id}/rueckruf"
            assert path in page.first("li", class_="offer").links()
            await citizen.get(path)  # the form sets the CSRF cookie
            response = await ask(citizen, path, name="Erika Muster", email=" Erika@Example.org ")
            assert response.status_code == 200, response.text
            done = parse(response.text).by_id("callback-done")
            assert done is not None and "Bestätigung ist unterwegs" in done.text

        (request,) = await CallbackRequest.objects()
        assert (request.name, request.email, request.phone, request.done) == ("Erika Muster", "erika@example.org", "", False)
        listing = parse((await staff.get("/staff/r/hilfsangebote-callbacks/")).text).text
        assert "Erika Muster" in listing and "erika@example.org" in listing and "Schuldnerberatung" in listing

        await send_outbox(staff.deployment)
        (mail,) = smtp_server.to("erika@example.org")
        assert mail["Subject"] == "Wir rufen Sie zurück: Schuldnerberatung"
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert "Guten Tag Erika Muster," in body and "„Schuldnerberatung“ (Diakonie)" in body and "Nordstadt" in body


async def test_without_email_the_confirmation_goes_on_the_call_list(make_staff_client, smtp_server):
    async with make_staff_client(quartiere=["nordstadt"], plugins=WITH_MESSAGING, sections=sections(smtp_server.port)) as staff:
        row = await offer()
        path = f"/nordstadt/hilfe/{row.id}/rueckruf"
        async with open_client(staff.app) as citizen:
            await citizen.get(path)
            response = await ask(citizen, path, name="Otto Telefon", phone="05371 98765")
            assert response.status_code == 200
            assert "Bestätigung" not in parse(response.text).first("div", id="callback-done").text
        calls = parse((await staff.get("/staff/r/call-list/")).text).text
        assert "Otto Telefon" in calls and "05371 98765" in calls
        await send_outbox(staff.deployment)
        assert smtp_server.messages == []


async def test_bad_input_is_refused_with_a_sentence_and_nothing_is_kept(make_client, smtp_server):
    async with make_client(WITH_MESSAGING, sections=sections(smtp_server.port)) as client:
        row = await offer()
        path = f"/nordstadt/hilfe/{row.id}/rueckruf"
        await client.get(path)
        nothing = await ask(client, path, name="Erika")
        assert nothing.status_code == 400
        assert parse(nothing.text).first(id="cb-email-error").text == (
            "Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer an.")
        for values, field in [({"email": "erika@example.org"}, "name"), ({"name": "E", "email": "kein-at"}, "email"),
                              ({"name": "E", "phone": "<script>"}, "phone"), ({"name": "E" * 201, "phone": "0537112"}, "name")]:
            response = await ask(client, path, **values)
            assert response.status_code == 400, values
            assert parse(response.text).first(id=f"cb-{field}-error").text
        async with open_client(client.app, address="127.0.0.2") as other:  # the first address is at its rate limit
            response = await ask(other, path, name="Erika https://evil.example/login", email="victim@example.org")
            assert response.status_code == 400
            assert parse(response.text).first(id="cb-name-error").text == (
                "Bitte geben Sie nur Ihren Namen an, ohne Internetadresse.")
        assert (await client.get("/nordstadt/hilfe/999999/rueckruf")).status_code == 404
        other = await offer("suedstadt", name="Pflegeberatung", category="Pflege und Alter")
        assert (await client.get(f"/nordstadt/hilfe/{other.id}/rueckruf")).status_code == 404
        assert await CallbackRequest.count() == 0


async def test_without_a_messaging_plugin_the_request_is_kept(make_client):
    async with make_client(["hilfsangebote"]) as client:
        row = await offer()
        path = f"/nordstadt/hilfe/{row.id}/rueckruf"
        await client.get(path)
        response = await ask(client, path, name="Erika", email="erika@example.org")
        assert response.status_code == 200
        assert "Bestätigung" not in parse(response.text).first("div", id="callback-done").text
        assert await CallbackRequest.count() == 1


def test_the_plugin_does_not_import_notifications():
    for path in PACKAGE.rglob("*.py"):
        assert "notifications" not in path.read_text(encoding="utf-8"), path
