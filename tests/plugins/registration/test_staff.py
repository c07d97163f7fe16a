"""Staff and registrations over HTTP: phone registrations through the generated form, scoping, actions,
check-in at the door, CSV/XLSX exports and the registration settings (capacity, extra questions).

Runs on SQLite and PostgreSQL (``make_staff_client`` uses the parametrized ``database_url``).
"""

from __future__ import annotations

import io
import re
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.domain_events.tables import DomainEventRecord
from core.testing.fixtures import ensure_quartiere, post_form
from core.web.tables import AuditEntry
from plugins.registration import service
from plugins.registration.service import RegistrationInput
from plugins.registration.tables import Registration, RegistrationForm
from tests.core.factories import make_event
from tests.core.web.pages import Page, parse, read_csv
from tests.plugins.registration.helpers import NO_RATE_LIMIT

PLUGINS = ["registration"]
CONSENT_MISSING = "Bitte bestätigen Sie, dass die Person am Telefon der Speicherung zugestimmt hat."
NOT_IN_LIST = "Bitte wählen Sie einen Eintrag aus der Liste."
CSV_HEADER = ["Name", "E-Mail", "Telefon", "Status", "Wartelistenplatz", "Plätze", "Weg", "Eingecheckt"]


# -- helpers ---------------------------------------------------------------------------------
async def event_in(quartier: str = "nordstadt", slug: str = "treff", form: bool = True, **form_values: Any):
    """A published event in ``quartier`` (the Quartier may already exist: make_staff_client creates it)."""
    (row,) = await ensure_quartiere([quartier])
    event = await make_event(row, slug)
    settings = await service.ensure_form(event.id, **form_values) if form else None
    return event, settings


async def register(event_id: int, name: str, channel: str = "phone", **values: Any) -> Registration:
    data = RegistrationInput(name=name, consent=True, **({"phone": "05371 1234"} | values))
    return (await service.register(event_id, data, channel=channel)).registration


async def fresh(reg: Registration) -> Registration:
    return await Registration.objects().where(Registration.id == reg.id).first()


async def statuses(event_id: int) -> dict[str, str]:
    return {r.name: r.status for r in await Registration.objects().where(Registration.event == event_id)}


def facts(page: Page) -> dict[str, str]:
    """The detail page's <dt>/<dd> pairs."""
    return dict(zip((dt.text for dt in page.all("dt")), (dd.text for dd in page.all("dd"))))


def form_errors(response) -> str:
    return parse(response.text).text_of("form-errors") or ""


def checkin_count(page: Page) -> str:
    (count,) = page.all("p", class_="checkin-count")
    return count.text


def phone_form(event_id: int, **overrides: Any) -> dict[str, str]:
    data = {"event": str(event_id), "name": "Herr Anrufer", "phone": "05371 98765", "email": "", "companions": "0",
            "consent_by_phone": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}  # None: a checkbox left empty


SETTINGS_FIELDS = ["enabled", "capacity", "waitlist_enabled", "double_opt_in", "max_companions", "phone_only_allowed",
                   "opens_at", "closes_at", "questions", "consent_text"]
BOOLS = {"enabled", "waitlist_enabled", "double_opt_in", "phone_only_allowed"}


def settings_form(event_id: int | None = None, **overrides: Any) -> dict[str, str]:
    data: dict[str, Any] = {"enabled": "on", "capacity": "10", "waitlist_enabled": "on", "double_opt_in": "on",
                            "max_companions": "0", "phone_only_allowed": "on", "opens_at": "", "closes_at": "",
                            "questions": "", "consent_text": ""}
    if event_id is not None:
        data["event"] = str(event_id)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


async def edit_values(client, form_id: int, **overrides: Any) -> dict[str, str]:
    """What the edit form of the registration settings holds now, with ``overrides`` typed in."""
    page = parse((await client.get(f"/staff/r/registration-forms/{form_id}/edit")).text)
    data: dict[str, Any] = {}
    for name in SETTINGS_FIELDS:
        if name in BOOLS:
            data[name] = "on" if page.checked(name) else None
        else:
            data[name] = page.field_value(name)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# -- phone registration ----------------------------------------------------------------------
async def test_phone_registration_through_the_generated_form(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, name="Ulrike Buka") as client:
        event, form = await event_in(capacity=10, max_companions=2)
        other, _ = await event_in("suedstadt", "fest")

        page = parse((await client.get("/staff/r/registrations/new")).text)
        assert page.h1 == "Anmeldung anlegen"
        labels = {label.get("for"): label.text for label in page.all("label")}
        assert labels["f-event"].startswith("Veranstaltung") and labels["f-name"].startswith("Name")
        assert labels["f-phone"] == "Telefon" and labels["f-email"] == "E-Mail" and labels["f-companions"] == "Begleitpersonen"
        assert labels["f-consent_by_phone"] == "Einwilligung am Telefon erteilt"
        assert page.by_id("f-consent_by_phone").get("type") == "checkbox"
        assert page.text_of("f-consent_by_phone-help").startswith("Lesen Sie den Einwilligungstext vor")
        assert page.options("event") == [("", "– bitte wählen –"), (str(event.id), event.title)]  # not the Südstadt event
        assert str(other.id) not in [value for value, _label in page.options("event")]

        response = await post_form(client, "/staff/r/registrations/new", phone_form(event.id, companions="1"))
        assert response.status_code == 303, form_errors(response)
        (reg,) = await Registration.objects()
        assert response.headers["location"] == f"/staff/r/registrations/{reg.id}"
        assert (reg.name, reg.phone, reg.email, reg.seats, reg.companions) == ("Herr Anrufer", "05371 98765", None, 2, 1)
        assert (reg.status, reg.channel, reg.created_by) == ("confirmed", "phone", client.user.id)
        assert reg.consent_how == "telefonisch, aufgenommen von Ulrike Buka"
        assert reg.consent_at is not None and reg.consent_text == form.consent_text and reg.consent_text
        assert (await RegistrationForm.objects().where(RegistrationForm.id == form.id).first()).taken == 2

        detail = parse((await client.get(response.headers["location"])).text)
        assert detail.flashes() == ["„Herr Anrufer“ wurde angelegt."]
        shown = facts(detail)
        assert shown["Status"] == "Angemeldet" and shown["Weg"] == "Telefon" and shown["Plätze"] == "2"
        assert shown["Einwilligung am Telefon erteilt"] == "Ja"
        assert shown["Einwilligung"] == "telefonisch, aufgenommen von Ulrike Buka"
        assert await AuditEntry.exists().where((AuditEntry.action == "create") & (AuditEntry.resource == "registrations"))


async def test_the_phone_registration_form_shows_the_consent_text_to_read_out(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in(consent_text="Wir speichern Ihren Namen & Ihre Nummer bis nach dem Treffen.")
        other, _none = await event_in("suedstadt", "fest", consent_text="Text der Südstadt")

        page = parse((await client.get(f"/staff/r/registrations/new?event={event.id}")).text)
        (note,) = page.all("blockquote", class_="consent-text")
        assert note.text == "Wir speichern Ihren Namen & Ihre Nummer bis nach dem Treffen."
        assert page.field_value("event") == str(event.id)

        default = service.default_consent_text()
        for path in ("/staff/r/registrations/new", f"/staff/r/registrations/new?event={other.id}", "/staff/r/registrations/new?event=x"):
            (note,) = parse((await client.get(path)).text).all("blockquote", class_="consent-text")
            assert note.text == default  # none chosen, or one this user may not see: the default text

        refused = await post_form(client, "/staff/r/registrations/new", phone_form(event.id, consent_by_phone=None))
        assert refused.status_code == 400  # shown again with the event's text
        (note,) = parse(refused.text).all("blockquote", class_="consent-text")
        assert note.text.startswith("Wir speichern Ihren Namen")


async def test_phone_registration_without_an_email_confirmation_even_with_an_address(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in(double_opt_in=True)
        response = await post_form(client, "/staff/r/registrations/new", phone_form(event.id, email="Anrufer@Example.org"))
        assert response.status_code == 303, form_errors(response)
        (reg,) = await Registration.objects()
        # the caller agreed on the phone: no double opt-in round trip
        assert (reg.status, reg.email, reg.expires_at) == ("confirmed", "anrufer@example.org", None)

        again = await post_form(client, "/staff/r/registrations/new", phone_form(event.id, email="anrufer@example.org"))
        assert again.status_code == 400
        assert "Diese E-Mail-Adresse ist für die Veranstaltung schon angemeldet." in form_errors(again)
        assert await Registration.count() == 1


async def test_phone_registration_needs_the_consent_checkbox(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in()
        response = await post_form(client, "/staff/r/registrations/new", phone_form(event.id, consent_by_phone=None))
        assert response.status_code == 400
        page = parse(response.text)
        assert CONSENT_MISSING in page.text_of("form-errors")
        assert page.field_value("name") == "Herr Anrufer" and page.field_value("phone") == "05371 98765"  # input kept
        assert page.checked("consent_by_phone") == []
        assert await Registration.count() == 0
        assert not await AuditEntry.exists().where(AuditEntry.resource == "registrations")


async def test_phone_registration_rules_of_the_form_give_german_messages(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in(capacity=1, waitlist_enabled=False)
        nothing = await post_form(client, "/staff/r/registrations/new", phone_form(event.id, phone="", email=""))
        assert nothing.status_code == 400
        assert "Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer an." in form_errors(nothing)
        too_many = await post_form(client, "/staff/r/registrations/new", phone_form(event.id, companions="1"))
        assert "Begleitpersonen sind bei dieser Veranstaltung nicht vorgesehen." in form_errors(too_many)
        no_name = await post_form(client, "/staff/r/registrations/new", phone_form(event.id, name=""))
        assert parse(no_name.text).text_of("f-name-error") == "Dieses Feld ist erforderlich."
        assert await Registration.count() == 0

        assert (await post_form(client, "/staff/r/registrations/new", phone_form(event.id))).status_code == 303
        full = await post_form(client, "/staff/r/registrations/new", phone_form(event.id, name="Frau Zuspät", phone="05371 5"))
        assert full.status_code == 400
        assert "Die Veranstaltung ist ausgebucht, und es gibt keine Warteliste." in form_errors(full)
        assert await Registration.count() == 1


async def test_phone_registration_for_an_event_of_another_quartier_is_impossible(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        await event_in()
        other, _form = await event_in("suedstadt", "fest")
        response = await post_form(client, "/staff/r/registrations/new", phone_form(other.id))
        assert response.status_code == 400
        page = parse(response.text)
        assert page.text_of("f-event-error") == NOT_IN_LIST
        assert page.by_id("f-event").get("aria-invalid") == "true"
        missing = await post_form(client, "/staff/r/registrations/new", phone_form(999_999))
        assert parse(missing.text).text_of("f-event-error") == NOT_IN_LIST
        assert await Registration.count() == 0


# -- scoping -----------------------------------------------------------------------------------
async def test_registrations_of_another_quartier_are_invisible(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as nord, \
            make_staff_client(quartiere=["suedstadt"], client=nord) as sued, \
            make_staff_client(role="admin", quartiere=[], client=nord) as admin:
        mine, _form = await event_in("nordstadt", "treff")
        theirs, _form = await event_in("suedstadt", "fest")
        own = await register(mine.id, "Anna Nord")
        foreign = await register(theirs.id, "Bernd Süd")

        listing = parse((await nord.get("/staff/r/registrations/")).text)
        assert listing.first_column() == ["Anna Nord"]
        assert (await nord.get("/staff/r/registrations/", params={"q": "Bernd"})).text.count("Bernd Süd") == 0
        assert parse((await sued.get("/staff/r/registrations/")).text).first_column() == ["Bernd Süd"]
        assert sorted(parse((await admin.get("/staff/r/registrations/")).text).first_column()) == ["Anna Nord", "Bernd Süd"]
        export = read_csv((await nord.get("/staff/r/registrations/export.csv")).content)
        assert [row[1] for row in export[1:]] == ["Anna Nord"]
        # the event filter offers only own events
        assert parse((await nord.get("/staff/r/registrations/")).text).options("f_event")[1:] == [(str(mine.id), mine.title)]

        assert (await nord.get(f"/staff/r/registrations/{foreign.id}")).status_code == 404
        assert (await nord.get(f"/staff/r/registrations/{foreign.id}/edit")).status_code == 404
        for action in ("cancel", "waitlist", "checkin", "erase"):
            assert (await post_form(nord, f"/staff/r/registrations/{foreign.id}/action/{action}")).status_code == 404
        assert (await post_form(nord, f"/staff/r/registrations/{foreign.id}/edit", {"name": "X", "phone": "", "email": ""})).status_code == 404
        assert (await nord.get(f"/staff/anmeldungen/{theirs.id}/checkin")).status_code == 404
        assert (await post_form(nord, f"/staff/anmeldungen/{theirs.id}/checkin/{foreign.id}", {"present": "1"})).status_code == 404
        # the own event's id with the foreign registration does not help either
        assert (await post_form(nord, f"/staff/anmeldungen/{mine.id}/checkin/{foreign.id}", {"present": "1"})).status_code == 404
        for suffix in ("liste", "export.csv", "export.xlsx"):
            assert (await nord.get(f"/staff/anmeldungen/{theirs.id}/{suffix}")).status_code == 404
        assert (await nord.get(f"/staff/r/registration-forms/{(await service.form_for(theirs.id)).id}")).status_code == 404
        assert (await fresh(foreign)).status == "confirmed" and (await fresh(foreign)).checked_in_at is None
        assert (await nord.get(f"/staff/r/registrations/{own.id}")).status_code == 200
        assert (await admin.get(f"/staff/anmeldungen/{theirs.id}/checkin")).status_code == 200


async def test_moderators_do_not_see_registrations(make_staff_client):
    async with make_staff_client(role="moderator", quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in()
        reg = await register(event.id, "Anna Nord")
        assert (await client.get("/staff/r/registrations/")).status_code == 403
        assert (await client.get(f"/staff/r/registrations/{reg.id}")).status_code == 403
        assert (await client.get("/staff/r/registration-forms/")).status_code == 403
        assert (await client.get(f"/staff/anmeldungen/{event.id}/checkin")).status_code == 404
        assert (await client.get(f"/staff/anmeldungen/{event.id}/export.csv")).status_code == 404


# -- actions on a registration -----------------------------------------------------------------
async def test_cancel_gives_the_seat_to_the_next_waiting_person(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, form = await event_in(capacity=1)
        first = await register(event.id, "Erste")
        second = await register(event.id, "Zweite", phone="05371 2")
        third = await register(event.id, "Dritte", phone="05371 3")
        assert await statuses(event.id) == {"Erste": "confirmed", "Zweite": "waitlisted", "Dritte": "waitlisted"}
        detail = parse((await client.get(f"/staff/r/registrations/{second.id}")).text)
        assert facts(detail)["Wartelistenplatz"] == "1"
        assert f"/staff/r/registrations/{second.id}/action/admit" in detail.post_forms()
        assert f"/staff/r/registrations/{second.id}/action/checkin" not in detail.post_forms()

        page = parse((await client.get(f"/staff/r/registrations/{first.id}")).text)
        assert "Die Anmeldung stornieren? Der Platz geht an die nächste Person auf der Warteliste." in page.main_text
        response = await post_form(client, f"/staff/r/registrations/{first.id}/action/cancel")
        assert response.status_code == 303 and response.headers["location"] == f"/staff/r/registrations/{first.id}"
        after = parse((await client.get(response.headers["location"])).text)
        assert after.flashes() == ["„Stornieren“ wurde ausgeführt."]
        assert facts(after)["Status"] == "Storniert"
        assert f"/staff/r/registrations/{first.id}/action/cancel" not in after.post_forms()
        assert await statuses(event.id) == {"Erste": "cancelled", "Zweite": "confirmed", "Dritte": "waitlisted"}
        assert (await RegistrationForm.objects().where(RegistrationForm.id == form.id).first()).taken == 1
        assert facts(parse((await client.get(f"/staff/r/registrations/{third.id}")).text))["Wartelistenplatz"] == "1"
        assert await AuditEntry.exists().where((AuditEntry.action == "cancel") & (AuditEntry.object_id == str(first.id)))
        # once cancelled, the action is gone
        assert (await post_form(client, f"/staff/r/registrations/{first.id}/action/cancel")).status_code == 404


async def test_admit_gives_a_waiting_person_a_seat_beyond_the_capacity(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, form = await event_in(capacity=1)
        await register(event.id, "Erste")
        waiting = await register(event.id, "Zweite", phone="05371 2")
        page = parse((await client.get(f"/staff/r/registrations/{waiting.id}")).text)
        assert "Die Person bekommt einen Platz, auch wenn die Kapazität dadurch überschritten wird." in page.main_text
        response = await post_form(client, f"/staff/r/registrations/{waiting.id}/action/admit")
        assert response.status_code == 303
        assert parse((await client.get(response.headers["location"])).text).flashes() == ["„Nachrücken lassen“ wurde ausgeführt."]
        assert (await fresh(waiting)).status == "confirmed"
        assert (await RegistrationForm.objects().where(RegistrationForm.id == form.id).first()).taken == 2
        assert (await post_form(client, f"/staff/r/registrations/{waiting.id}/action/admit")).status_code == 404


async def test_move_to_the_waiting_list_frees_the_seat(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, form = await event_in(capacity=2)
        reg = await register(event.id, "Erste")
        response = await post_form(client, f"/staff/r/registrations/{reg.id}/action/waitlist")
        assert response.status_code == 303
        detail = parse((await client.get(response.headers["location"])).text)
        assert detail.flashes() == ["„Auf die Warteliste“ wurde ausgeführt."]
        assert facts(detail)["Status"] == "Warteliste" and facts(detail)["Wartelistenplatz"] == "1"
        assert (await RegistrationForm.objects().where(RegistrationForm.id == form.id).first()).taken == 0
        assert (await post_form(client, f"/staff/r/registrations/{reg.id}/action/waitlist")).status_code == 404


async def test_a_seat_freed_by_moving_someone_to_the_waiting_list_does_not_go_to_a_newcomer(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in(capacity=1)
        first = await register(event.id, "Erste")
        await register(event.id, "Wartende", phone="05371 2")
        assert (await post_form(client, f"/staff/r/registrations/{first.id}/action/waitlist")).status_code == 303
        await register(event.id, "Neu", phone="05371 3")
        assert (await statuses(event.id))["Neu"] == "waitlisted", await statuses(event.id)


async def test_check_in_action_on_the_detail_page(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in()
        reg = await register(event.id, "Erste")
        response = await post_form(client, f"/staff/r/registrations/{reg.id}/action/checkin")
        assert response.status_code == 303
        assert (await fresh(reg)).checked_in_at is not None
        detail = parse((await client.get(response.headers["location"])).text)
        assert facts(detail)["Eingecheckt"] != "–"
        assert f"/staff/r/registrations/{reg.id}/action/checkin" not in detail.post_forms()


async def test_erase_personal_data(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in(questions=json.dumps([{"key": "essen", "label": "Essen?", "type": "text", "required": False}]))
        reg = await register(event.id, "Erika Muster", channel="online", email="erika@example.org", phone="05371 4711",
                             answers={"essen": "vegetarisch"})
        token = reg.token
        page = parse((await client.get(f"/staff/r/registrations/{reg.id}")).text)
        assert "Name, E-Mail, Telefon und Antworten dieser Person endgültig löschen (Auskunfts- oder Löschersuchen)?" in page.main_text

        response = await post_form(client, f"/staff/r/registrations/{reg.id}/action/erase")
        assert response.status_code == 303
        erased = await fresh(reg)
        assert (erased.name, erased.email, erased.phone) == ("(gelöscht)", None, "")
        answers = json.loads(erased.answers) if isinstance(erased.answers, str) else erased.answers
        assert answers == {} and erased.anonymised_at is not None
        assert erased.status == reg.status and erased.seats == reg.seats  # counts stay for statistics
        detail = parse((await client.get(response.headers["location"])).text)
        assert detail.h1 == "(gelöscht)" and "Erika" not in detail.main_text and "erika@example.org" not in detail.html
        assert f"/staff/r/registrations/{reg.id}/action/erase" not in detail.post_forms()
        assert (await client.get(f"/anmeldung/{token}")).status_code == 404  # the personal link is dead
        export = (await client.get(f"/staff/anmeldungen/{event.id}/export.csv")).content.decode("utf-8-sig")
        assert "Erika" not in export and "4711" not in export and "vegetarisch" not in export


async def test_erasing_leaves_no_personal_data_in_the_audit_log(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in()
        response = await post_form(client, "/staff/r/registrations/new", phone_form(event.id, name="Erika Muster"))
        assert response.status_code == 303
        (reg,) = await Registration.objects()
        assert (await post_form(client, f"/staff/r/registrations/{reg.id}/action/erase")).status_code == 303
        entries = [(e.action, e.summary, json.dumps(e.changes, ensure_ascii=False)) for e in await AuditEntry.objects()]
        assert not [e for e in entries if "Erika" in " ".join(e) or "98765" in " ".join(e)], entries


async def test_erasing_leaves_no_personal_data_in_the_domain_event_log(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in()
        reg = await register(event.id, "Erika Muster", channel="online", email="erika@example.org")
        assert (await post_form(client, f"/staff/r/registrations/{reg.id}/action/erase")).status_code == 303
        payloads = [json.dumps(r.payload, ensure_ascii=False) for r in await DomainEventRecord.objects()]
        assert not [p for p in payloads if "Erika" in p or "erika@example.org" in p]


# -- check-in at the door ----------------------------------------------------------------------
async def test_check_in_screen_search_check_in_and_undo(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in(capacity=3, max_companions=1)
        erika = await register(event.id, "Erika Muster", phone="05371 1")
        await register(event.id, "Max Mustermann", phone="05371 2", companions=1)
        await register(event.id, "Wilma Warteliste", phone="05371 3")  # no seat left: not expected at the door
        url = f"/staff/anmeldungen/{event.id}/checkin"

        page = parse((await client.get(url)).text)
        assert page.h1 == f"Einlass: {event.title}"
        assert checkin_count(page) == "0 von 3 Personen eingecheckt"
        names = [e.text for e in page.root.iter() if e.tag == "li" and "card" in e.get("class", "")]
        assert len(names) == 2 and "Erika Muster" in names[0] and "Max Mustermann" in names[1]
        assert "(+1 Begleitung)" in names[1] and "Wilma" not in page.main_text
        assert page.by_id("checkin-q") is not None and page.all("form", role="search")

        found = parse((await client.get(url, params={"q": "erika"})).text)
        cards = [e for e in found.root.iter() if e.tag == "li" and "card" in e.get("class", "")]
        assert [c.get("id") for c in cards] == [f"r{erika.id}"] and found.field_value("q") == "erika"
        assert parse((await client.get(url, params={"q": "05371 2"})).text).main_text.count("Max Mustermann") >= 1
        assert "Niemand gefunden." in parse((await client.get(url, params={"q": "Niemand da"})).text).main_text

        response = await post_form(client, f"{url}/{erika.id}", {"present": "1", "q": "erika"})
        assert response.status_code == 303 and response.headers["location"] == f"{url}?q=erika#r{erika.id}"
        after = parse((await client.get(response.headers["location"])).text)
        assert checkin_count(after) == "1 von 3 Personen eingecheckt"
        assert "eingecheckt" in after.text_of(f"r{erika.id}") and "Rückgängig: Erika Muster" in after.text_of(f"r{erika.id}")
        assert (await fresh(erika)).checked_in_at is not None
        # twice is harmless
        await post_form(client, f"{url}/{erika.id}", {"present": "1"})
        assert checkin_count(parse((await client.get(url)).text)) == "1 von 3 Personen eingecheckt"

        undo = await post_form(client, f"{url}/{erika.id}", {"present": "0"})
        assert undo.status_code == 303 and undo.headers["location"] == f"{url}#r{erika.id}"
        page = parse((await client.get(url)).text)
        assert checkin_count(page) == "0 von 3 Personen eingecheckt"
        assert "Einchecken: Erika Muster" in page.text_of(f"r{erika.id}")
        assert (await fresh(erika)).checked_in_at is None
        assert (await post_form(client, f"{url}/{erika.id}", {"present": "1"}, csrf=False)).status_code == 403


async def test_check_in_of_someone_without_a_seat_shows_an_error(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in(capacity=1)
        await register(event.id, "Erste")
        waiting = await register(event.id, "Wartende", phone="05371 2")
        url = f"/staff/anmeldungen/{event.id}/checkin"
        response = await post_form(client, f"{url}/{waiting.id}", {"present": "1"})
        assert response.status_code == 303
        page = parse((await client.get(response.headers["location"])).text)
        assert "Nur angemeldete Personen können eingecheckt werden." in page.main_text
        assert (await fresh(waiting)).checked_in_at is None
        assert (await post_form(client, f"{url}/999999", {"present": "1"})).status_code == 404


async def test_check_in_keeps_a_search_with_special_characters(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in()
        reg = await register(event.id, "Müller & Söhne")
        url = f"/staff/anmeldungen/{event.id}/checkin"
        response = await post_form(client, f"{url}/{reg.id}", {"present": "1", "q": "Müller & Söhne"})
        page = parse((await client.get(response.headers["location"])).text)
        assert page.field_value("q") == "Müller & Söhne"


# -- exports --------------------------------------------------------------------------------------
QUESTIONS = json.dumps([
    {"key": "zugang", "label": "Barrierefreier Zugang?", "type": "yesno", "required": False},
    {"key": "essen", "label": "Essenswunsch", "type": "text", "required": False},
])


async def exported_event():
    event, _form = await event_in(capacity=2, max_companions=1, double_opt_in=False, questions=QUESTIONS)
    await register(event.id, "Anna Angemeldet", channel="online", email="anna@example.org", phone="",
                   companions=1, answers={"zugang": "false"})
    await register(event.id, "Bernd Wartet", phone="05371 2", answers={"zugang": "true", "essen": "vegan; ohne Nüsse"})
    cancelled = await register(event.id, "Carla Storniert", phone="05371 3")
    await service.cancel(cancelled)
    return event


def expected_rows() -> list[list[str]]:
    # seated first, then the waiting list, cancelled last (each by name); the date is checked apart
    return [
        ["Anna Angemeldet", "anna@example.org", "", "Angemeldet", "", "2", "Online", "Nein", "Nein", ""],
        ["Bernd Wartet", "", "05371 2", "Warteliste", "1", "1", "Telefon", "Nein", "Ja", "vegan; ohne Nüsse"],
        ["Carla Storniert", "", "05371 3", "Storniert", "", "1", "Telefon", "Nein", "", ""],
    ]


async def test_csv_export_of_an_event(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        event = await exported_event()
        response = await client.get(f"/staff/anmeldungen/{event.id}/export.csv")
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"] == f'attachment; filename="anmeldungen-{event.slug}.csv"'
        assert response.content.startswith(b"\xef\xbb\xbf")
        header_line = response.content[3:].split(b"\r\n")[0].decode("utf-8")
        assert header_line == ";".join([*CSV_HEADER, "Barrierefreier Zugang?", "Essenswunsch", "Angemeldet am"])
        rows = read_csv(response.content)
        assert rows[0] == [*CSV_HEADER, "Barrierefreier Zugang?", "Essenswunsch", "Angemeldet am"]
        assert [row[:-1] for row in rows[1:]] == expected_rows()
        assert all(re.fullmatch(r"\d\d\.\d\d\.\d\d, \d\d:\d\d", row[-1]) for row in rows[1:])  # the registration date, German
        assert len(rows) == 4


async def test_csv_export_content_type_names_the_charset_once(make_staff_client):
    """media_type='text/csv; charset=utf-8' made Litestar send 'text/csv; charset=utf-8; charset=utf-8'."""
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _form = await event_in()
        response = await client.get(f"/staff/anmeldungen/{event.id}/export.csv")
        assert response.headers["content-type"] == "text/csv; charset=utf-8"


async def test_xlsx_export_has_the_same_header_and_rows(make_staff_client):
    from openpyxl import load_workbook

    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        event = await exported_event()
        response = await client.get(f"/staff/anmeldungen/{event.id}/export.xlsx")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert response.headers["content-disposition"] == f'attachment; filename="anmeldungen-{event.slug}.xlsx"'
        book = load_workbook(io.BytesIO(response.content))
        sheet = book.active
        assert sheet.title == "Anmeldungen" and sheet.freeze_panes == "A2"
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert rows[0] == [*CSV_HEADER, "Barrierefreier Zugang?", "Essenswunsch", "Angemeldet am"]
        assert all(cell.font.bold for cell in sheet[1])
        assert [row[:-1] for row in rows[1:]] == expected_rows()
        csv_rows = read_csv((await client.get(f"/staff/anmeldungen/{event.id}/export.csv")).content)
        assert [row[:-1] for row in rows] == [row[:-1] for row in csv_rows]
        # "Angemeldet am" is a date cell in the deployment's time zone (not UTC text), shown as the CSV shows it
        registered = {r.name: r.created_at for r in await Registration.objects().where(Registration.event == event.id)}
        berlin = ZoneInfo(client.deployment.settings.timezone)
        for cells, csv_row in zip(list(sheet.iter_rows(min_row=2)), csv_rows[1:]):
            cell = cells[-1]
            assert cell.is_date and cell.number_format == "DD.MM.YYYY HH:MM"
            assert cell.value == registered[cells[0].value].astimezone(berlin).replace(tzinfo=None, microsecond=0)
            assert cell.value.strftime("%d.%m.%y, %H:%M") == csv_row[-1]


async def test_printable_list(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        event = await exported_event()
        page = parse((await client.get(f"/staff/anmeldungen/{event.id}/liste")).text)
        assert page.h1 == f"Anmeldungen: {event.title}"
        assert [th.text for th in page.all("th", scope="col")] == [*CSV_HEADER, "Barrierefreier Zugang?", "Essenswunsch", "Angemeldet am"]
        assert [row[:-1] for row in page.table_rows()] == expected_rows()
        assert {f"/staff/anmeldungen/{event.id}/export.csv", f"/staff/anmeldungen/{event.id}/export.xlsx",
                f"/staff/anmeldungen/{event.id}/checkin"} <= set(page.links())


async def test_exports_do_not_turn_citizen_input_into_formulas(make_staff_client):
    """Names and answers typed by citizens: '=…' must not become a live formula in the XLSX or the CSV.
    (A name with an internet address is refused: the formula points at a cell.)"""
    from openpyxl import load_workbook

    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        event, _form = await event_in()
        await register(event.id, '=HYPERLINK(B2,"Klick")', channel="online", email="x@example.org")
        book = load_workbook(io.BytesIO((await client.get(f"/staff/anmeldungen/{event.id}/export.xlsx")).content))
        assert [cell.data_type for cell in book.active[2]].count("f") == 0
        assert book.active["A2"].value == '\'=HYPERLINK(B2,"Klick")'
        rows = read_csv((await client.get(f"/staff/anmeldungen/{event.id}/export.csv")).content)
        assert rows[1][0] == '\'=HYPERLINK(B2,"Klick")'
        page = parse((await client.get(f"/staff/anmeldungen/{event.id}/liste")).text)
        assert page.table_rows()[0][0].endswith('=HYPERLINK(B2,"Klick")')


# -- registration settings ----------------------------------------------------------------------
async def test_create_registration_settings_with_a_required_question(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=NO_RATE_LIMIT) as client:
        event, _none = await event_in(form=False)
        other, _none = await event_in("suedstadt", "fest", form=False)
        page = parse((await client.get("/staff/r/registration-forms/new")).text)
        assert page.h1 == "Anmeldeeinstellung anlegen"
        assert page.options("event") == [("", "– bitte wählen –"), (str(event.id), event.title)]
        assert "Frage | Typ | Pflicht | Antworten" in page.text_of("f-questions-help")
        # not on the event page yet
        public = await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff")
        assert 'name="consent"' not in public.text

        foreign = await post_form(client, "/staff/r/registration-forms/new", settings_form(other.id))
        assert parse(foreign.text).text_of("f-event-error") == NOT_IN_LIST

        response = await post_form(client, "/staff/r/registration-forms/new", settings_form(
            event.id, capacity="12", max_companions="2", questions="Barrierefreier Zugang? | janein | pflicht\n\nWie haben Sie davon erfahren? | auswahl | optional | Zeitung; Aushang"))
        assert response.status_code == 303, form_errors(response)
        (form,) = await RegistrationForm.objects()
        assert response.headers["location"] == f"/staff/r/registration-forms/{form.id}"
        assert (form.event, form.capacity, form.max_companions, form.enabled) == (event.id, 12, 2, True)
        assert form.consent_text.startswith("Ich bin damit einverstanden") and "30 Tage" in form.consent_text
        assert service.questions(form) == [
            {"key": "barrierefreier-zugang", "label": "Barrierefreier Zugang?", "type": "yesno", "required": True, "choices": []},
            {"key": "wie-haben-sie-davon-erfahren", "label": "Wie haben Sie davon erfahren?", "type": "choice",
             "required": False, "choices": ["Zeitung", "Aushang"]},
        ]
        detail = parse((await client.get(response.headers["location"])).text)
        assert detail.flashes() == ["Die Anmeldeeinstellungen wurden gespeichert."]  # not "„Anmeldung #1“ wurde angelegt."
        edit = parse((await client.get(f"/staff/r/registration-forms/{form.id}/edit")).text)
        assert edit.field_value("questions") == (
            "Barrierefreier Zugang? | janein | pflicht\nWie haben Sie davon erfahren? | auswahl | optional | Zeitung; Aushang")

        twice = await post_form(client, "/staff/r/registration-forms/new", settings_form(event.id))
        assert twice.status_code == 400
        assert "Für diese Veranstaltung gibt es schon Anmeldeeinstellungen." in form_errors(twice)

        # the question is on the public form, and required there
        public = parse((await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff")).text)
        assert "Barrierefreier Zugang? (Pflichtfeld)" in [legend.text for legend in public.all("legend")]
        assert public.options("answer_wie-haben-sie-davon-erfahren")[1:] == [("Zeitung", "Zeitung"), ("Aushang", "Aushang")]
        action = f"/nordstadt/veranstaltungen/{event.id}/anmeldung"
        person = {"name": "Erika Muster", "email": "erika@example.org", "consent": "on"}
        missing = await post_form(client, action, person)
        assert missing.status_code == 400
        assert parse(missing.text).text_of("reg-answers-barrierefreier-zugang-error") == "Bitte beantworten Sie diese Frage."
        assert await Registration.count() == 0
        ok = await post_form(client, action, {**person, "answer_barrierefreier-zugang": "true", "answer_wie-haben-sie-davon-erfahren": "Aushang"})
        assert ok.status_code == 201
        (reg,) = await Registration.objects()
        answers = json.loads(reg.answers) if isinstance(reg.answers, str) else reg.answers
        assert answers == {"barrierefreier-zugang": True, "wie-haben-sie-davon-erfahren": "Aushang"}


@pytest.mark.parametrize(("line", "message"), [
    ("Essen | farbe", "Zusatzfragen: Zeile 1: Bitte „Frage | Typ | Pflicht“ angeben; Typ ist text, zahl, auswahl oder janein."),
    ("Alter | zahl\n | text", "Zusatzfragen: Zeile 2: Bitte „Frage | Typ | Pflicht“ angeben; Typ ist text, zahl, auswahl oder janein."),
    ("Essen | auswahl | pflicht", "Zusatzfragen: Zeile 1: Für eine Auswahlfrage bitte die Antworten nach dem dritten „|“ angeben, getrennt durch „;“."),
])
async def test_a_wrong_question_line_gives_a_german_error(make_staff_client, line, message):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, _none = await event_in(form=False)
        response = await post_form(client, "/staff/r/registration-forms/new", settings_form(event.id, questions=line))
        assert response.status_code == 400
        assert message in form_errors(response)
        assert parse(response.text).field_value("questions") == line.strip()
        assert await RegistrationForm.count() == 0


async def test_raising_the_capacity_promotes_waiting_people(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, form = await event_in(capacity=1)
        for i, name in enumerate(["Erste", "Zweite", "Dritte", "Vierte"]):
            await register(event.id, name, phone=f"05371 {i}")
        assert list((await statuses(event.id)).values()).count("waitlisted") == 3

        response = await post_form(client, f"/staff/r/registration-forms/{form.id}/edit", await edit_values(client, form.id, capacity="3"))
        assert response.status_code == 303, form_errors(response)
        assert parse((await client.get(response.headers["location"])).text).flashes() == [
            "Die Anmeldeeinstellungen wurden gespeichert."]
        assert await statuses(event.id) == {"Erste": "confirmed", "Zweite": "confirmed", "Dritte": "confirmed", "Vierte": "waitlisted"}
        changed = await RegistrationForm.objects().where(RegistrationForm.id == form.id).first()
        assert (changed.capacity, changed.taken) == (3, 3)
        assert changed.consent_text == form.consent_text and changed.consent_version == "1"  # untouched
        promoted = [r.name for r in await DomainEventRecord.objects() if r.name == "registration.promoted"]
        assert len(promoted) == 2


async def test_lowering_the_capacity_below_the_taken_seats_is_refused(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, form = await event_in(capacity=5)
        for i in range(3):
            await register(event.id, f"Person {i}", phone=f"05371 {i}")
        response = await post_form(client, f"/staff/r/registration-forms/{form.id}/edit",
                                   await edit_values(client, form.id, capacity="2", max_companions="4"))
        assert response.status_code == 400
        assert "Es sind schon 3 Plätze vergeben; die Kapazität kann nicht kleiner werden." in form_errors(response)
        assert parse(response.text).field_value("capacity") == "2"
        unchanged = await RegistrationForm.objects().where(RegistrationForm.id == form.id).first()
        assert (unchanged.capacity, unchanged.max_companions, unchanged.taken) == (5, 0, 3)  # nothing saved

        ok = await post_form(client, f"/staff/r/registration-forms/{form.id}/edit", await edit_values(client, form.id, capacity="3"))
        assert ok.status_code == 303


async def test_a_new_consent_text_gets_a_new_version(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, form = await event_in()
        response = await post_form(client, f"/staff/r/registration-forms/{form.id}/edit",
                                   await edit_values(client, form.id, consent_text="Neuer Text: Daten werden nach 7 Tagen gelöscht."))
        assert response.status_code == 303, form_errors(response)
        changed = await RegistrationForm.objects().where(RegistrationForm.id == form.id).first()
        assert (changed.consent_text, changed.consent_version) == ("Neuer Text: Daten werden nach 7 Tagen gelöscht.", "2")
        reg = await register(event.id, "Erste")
        assert (reg.consent_text, reg.consent_version) == ("Neuer Text: Daten werden nach 7 Tagen gelöscht.", "2")


async def test_emptying_the_consent_text_restores_the_default_text(make_staff_client):
    """An emptied Einwilligungstext must not be stored as '' (consent to nothing); the default text comes back."""
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event, form = await event_in(consent_text="Eigener Text.")
        response = await post_form(client, f"/staff/r/registration-forms/{form.id}/edit", await edit_values(client, form.id, consent_text=""))
        assert response.status_code == 303, form_errors(response)
        changed = await RegistrationForm.objects().where(RegistrationForm.id == form.id).first()
        assert changed.consent_text.startswith("Ich bin damit einverstanden") and "30 Tage" in changed.consent_text
        assert changed.consent_version == "2"
        assert (await register(event.id, "Erste")).consent_text == changed.consent_text


# -- the public form after errors (template fix in registration/block.html) -----------------------
async def test_the_form_shown_with_errors_can_be_sent_again(make_client):
    """block.html printed ``{{ csrf_input }}`` unescaped only as a Markup; on the error page Litestar's plain-str
    csrf_input was escaped into visible text, so the corrected form failed with 403 "Formular abgelaufen"."""
    from core.testing.fixtures import csrf_from_html

    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        event, _form = await event_in()
        page = await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff")
        action = f"/nordstadt/veranstaltungen/{event.id}/anmeldung"
        errors = await client.post(action, data={"_csrf_token": csrf_from_html(page.text), "name": ""})
        assert errors.status_code == 400
        assert "&lt;input" not in errors.text
        token = csrf_from_html(errors.text)
        assert token
        again = await client.post(action, data={"_csrf_token": token, "name": "Erika", "email": "erika@example.org", "consent": "on"})
        assert again.status_code == 201


# -- menu -----------------------------------------------------------------------------------------
async def test_the_phone_registration_menu_link_leads_to_the_form(make_staff_client):
    """It once pointed to /staff/anmeldungen/telefon, which no route serves."""
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        dashboard = parse((await client.get("/staff/")).text)
        (link,) = [a for a in dashboard.all("a") if a.text == "Telefonische Anmeldung"]
        response = await client.get(link.get("href"))
        assert response.status_code == 200
        assert 'name="consent_by_phone"' in response.text


async def test_a_copied_event_and_each_date_of_a_series_take_registrations_of_their_own(make_staff_client):
    from core.events.tables import Event
    from core.testing.fixtures import deliver_pending_events
    from plugins.registration.tables import RegistrationForm
    from tests.plugins.registration.helpers import event_with_form, person

    async with make_staff_client(quartiere=["nordstadt"], plugins=["registration"]) as client:
        _q, event, form = await event_with_form(capacity=7, max_companions=1)
        assert (await post_form(client, f"/staff/r/events/{event.id}/action/copy")).status_code == 303
        response = await post_form(client, "/staff/r/series/new", {"event": str(event.id), "frequency": "weekly", "count": "3"})
        assert response.status_code == 303, response.text
        await deliver_pending_events()
        forms = await RegistrationForm.objects().where(RegistrationForm.event != event.id)
        assert len(forms) == 3 and {(f.capacity, f.max_companions, f.taken) for f in forms} == {(7, 1, 0)}
        dates = await Event.objects().where((Event.series.is_not_null()) & (Event.id != event.id))
        for other in dates:
            response = await client.post(f"/api/events/{other.id}/registrations", json=person(other.id))
            assert response.status_code == 201, response.text
        assert (await RegistrationForm.objects().where(RegistrationForm.id == form.id).first()).taken == 0


async def test_the_series_page_marks_free_seats_waiting_list_and_cancelled_dates(make_staff_client):
    from core.events.tables import Event, EventSeries
    from core.testing.fixtures import deliver_pending_events
    from tests.plugins.registration.helpers import event_with_form, person

    async with make_staff_client(quartiere=["nordstadt"], plugins=["registration"]) as client:
        _q, event, _form = await event_with_form(capacity=1)
        assert (await post_form(client, "/staff/r/series/new", {"event": str(event.id), "frequency": "weekly", "count": "4"})).status_code == 303
        await deliver_pending_events()
        (series,) = await EventSeries.objects()
        dates = await Event.objects().where(Event.series == series.id).order_by(Event.starts_at)
        for date in (dates[1], dates[3]):
            assert (await client.post(f"/api/events/{date.id}/registrations", json=person(date.id))).status_code == 201
        # the last date falls away: cancelled, not deleted, its registration kept for the message
        assert (await post_form(client, f"/staff/r/series/{series.id}/edit", {"count": "3", "until": "", "exceptions": ""})).status_code == 303
        assert await Registration.count().where(Registration.event == dates[3].id) == 1

        url = f"/nordstadt/reihen/{series.id}-{series.slug}"
        cards = parse((await client.get(url)).text).all("li")
        texts = [" ".join(c.text.split()) for c in cards if "card" in (c.get("class") or "")]
        assert len(texts) == 4
        assert "Noch 1 Platz frei." in texts[0] and "Noch 1 Platz frei." in texts[2]
        assert "Alle Plätze sind vergeben. Sie können sich auf die Warteliste setzen lassen." in texts[1]
        assert "Abgesagt" in texts[3] and "Platz" not in texts[3]
        english = parse((await client.get(url, params={"lang": "en"})).text).main_text
        assert "Noch" not in english and english.count("1 place") == 2, english
