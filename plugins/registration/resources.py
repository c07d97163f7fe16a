"""Staff screens: registration settings per event, and registrations (incl. phone registrations)."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from core.plugin_api import Action, Event, Field, FieldError, Resource, StaffContext, parse_id, render, transaction
from plugins.registration import service
from plugins.registration.service import RegistrationInput
from plugins.registration.tables import Registration, RegistrationForm

STATUS_CHOICES = [
    ("unconfirmed", "Unbestätigt"), ("confirmed", "Angemeldet"), ("waitlisted", "Warteliste"),
    ("cancelled", "Storniert"), ("expired", "Abgelaufen"),
]
CHANNEL_CHOICES = [("online", "Online"), ("phone", "Telefon"), ("staff", "Vor Ort")]


# -- registration settings -------------------------------------------------------------------
async def form_extra(row: RegistrationForm) -> dict[str, Any]:
    return {"questions": service.questions_text(service.questions(row))}


def _form_values(values: dict[str, Any]) -> dict[str, Any]:
    try:
        parsed = service.parse_questions(values.get("questions") or "")
    except ValueError as exc:
        raise ValueError(f"Zusatzfragen: {exc}") from None
    return {**values, "questions": json.dumps(parsed, ensure_ascii=False)}


async def create_form(values: dict[str, Any], ctx: StaffContext) -> RegistrationForm:
    values = _form_values(values)
    if await RegistrationForm.exists().where(RegistrationForm.event == values["event"]):
        raise ValueError("Für diese Veranstaltung gibt es schon Anmeldeeinstellungen.")
    if not values.get("consent_text"):
        values["consent_text"] = service.default_consent_text()
    form = RegistrationForm(**values)
    await form.save()
    return form


async def update_form(row: RegistrationForm, values: dict[str, Any], ctx: StaffContext) -> RegistrationForm:
    values = _form_values(values)
    capacity = values.pop("capacity")
    if not values.get("consent_text"):
        values["consent_text"] = service.default_consent_text()
    if values["consent_text"] != row.consent_text:
        # Consent is proven against the text shown: a new text gets a new version.
        values["consent_version"] = str(int(row.consent_version) + 1 if row.consent_version.isdigit() else 2)
    await RegistrationForm.update(values).where(RegistrationForm.id == row.id)
    if capacity != row.capacity:
        try:
            await service.set_capacity(row.id, capacity)
        except service.RegistrationStateError as exc:
            raise ValueError(str(exc)) from None
    return await RegistrationForm.objects().where(RegistrationForm.id == row.id).first()


FORMS = Resource(
    name="registration-forms",
    table=RegistrationForm,
    label="Anmeldeeinstellung",
    label_plural="Anmeldeeinstellungen",
    fields=[
        Field("event", "Veranstaltung", type="fk", references="events", required=True, editable=False),
        Field("enabled", "Online-Anmeldung aktiv", type="bool", default=True),
        Field("capacity", "Plätze", type="int", min_value=0, help="Leer lassen für unbegrenzt. Begleitpersonen zählen mit."),
        Field("waitlist_enabled", "Warteliste", type="bool", default=True),
        Field("double_opt_in", "E-Mail-Bestätigung (Double-Opt-in)", type="bool", default=True,
              help="Online-Anmeldungen halten ihren Platz, bis die E-Mail-Adresse bestätigt ist."),
        Field("max_companions", "Begleitpersonen höchstens", type="int", min_value=0, max_value=20, default=0),
        Field("phone_only_allowed", "Anmeldung nur mit Telefonnummer erlaubt", type="bool", default=True),
        Field("opens_at", "Anmeldung ab", type="datetime", help="Leer lassen: sofort."),
        Field("closes_at", "Anmeldung bis", type="datetime", help="Leer lassen: bis zum Beginn."),
        Field("questions", "Zusatzfragen", type="textarea",
              help="Eine Frage pro Zeile: Frage | Typ | Pflicht | Antworten. Typ: text, zahl, auswahl, janein. "
                   "Pflicht: pflicht oder optional. Antworten nur bei auswahl, getrennt durch „;“."),
        Field("consent_text", "Einwilligungstext", type="textarea", help="Wird bei der Anmeldung angezeigt und mit ihr gespeichert.",
              translatable=True),
        Field("taken", "Vergebene Plätze", type="int", in_form=False),
        Field("consent_version", "Version des Einwilligungstexts", in_form=False),
    ],
    list_columns=["event", "capacity", "taken", "enabled"],
    filters=["enabled"],
    ordering="-id",
    quartier_path="event.quartier",
    title=lambda row: f"Anmeldung #{row.id}",
    saved_message="Die Anmeldeeinstellungen wurden gespeichert.",
    create=create_form,
    update=update_form,
    load_extra=form_extra,
    menu_group="Anmeldungen",
)


# -- registrations ------------------------------------------------------------------------------
async def phone_registration(values: dict[str, Any], ctx: StaffContext) -> Registration:
    if not values.get("consent_by_phone"):
        raise ValueError("Bitte bestätigen Sie, dass die Person am Telefon der Speicherung zugestimmt hat.")
    data = RegistrationInput(name=values["name"], email=values.get("email") or None, phone=values.get("phone") or None,
                             companions=values.get("companions") or 0, consent=True)
    if await service.form_for(values["event"]) is None:
        await service.ensure_form(values["event"])
    try:
        outcome = await service.register(values["event"], data, channel="phone", staff=ctx.user)
    except service.InvalidRegistration as exc:
        if set(exc.errors) == {"name"}:  # e.g. a name with an internet address: said beside the field
            raise FieldError("name", exc.errors["name"]) from None
        raise ValueError(" ".join(exc.errors.values())) from None
    except service.RegistrationRefused as exc:
        raise ValueError(exc.message) from None
    if not outcome.created:
        raise ValueError("Diese E-Mail-Adresse ist für die Veranstaltung schon angemeldet.")
    return outcome.registration


async def consent_note(values: dict[str, Any], ctx: StaffContext) -> Markup:
    """The consent text staff read out on the phone: the chosen event's, else the default one."""
    event_id = parse_id(str(values.get("event") or ""))
    event = await Event.objects().where(Event.id == event_id).first() if event_id is not None else None
    form = await service.form_for(event.id) if event is not None and ctx.may_see_quartier(event.quartier) else None
    text = (await service.consent_text(form, "de")).text if form else service.default_consent_text()
    return render("registration/consent_note.html", text=text, specific=form is not None)


async def edit_contact(row: Registration, values: dict[str, Any], ctx: StaffContext) -> Registration:
    await Registration.update({Registration.name: values["name"], Registration.email: values.get("email") or None,
                               Registration.phone: values.get("phone") or ""}).where(Registration.id == row.id)
    return await Registration.objects().where(Registration.id == row.id).first()


async def registration_extra(row: Registration) -> dict[str, Any]:
    return {"position": await service.position(row), "consent_by_phone": row.channel == "phone"}


def _state_action(fn):
    """A service function of one registration as a staff action; its RegistrationStateError is a ValueError."""

    async def run(row: Registration, ctx: StaffContext) -> None:
        await fn(row)

    return run


async def _cancel(row: Registration) -> None:
    await service.cancel(row, reason="Von Mitarbeitenden storniert")


async def _erase(row: Registration) -> None:
    async with transaction():
        await service.erase(row)


REGISTRATIONS = Resource(
    name="registrations",
    table=Registration,
    label="Anmeldung",
    label_plural="Anmeldungen",
    fields=[
        Field("event", "Veranstaltung", type="fk", references="events", required=True, editable=False),
        Field("name", "Name", required=True, max_length=200),
        Field("phone", "Telefon", type="tel", max_length=60),
        Field("email", "E-Mail", type="email", max_length=200, help="Optional bei telefonischer Anmeldung."),
        Field("companions", "Begleitpersonen", type="int", min_value=0, max_value=20, default=0, editable=False),
        Field("consent_by_phone", "Einwilligung am Telefon erteilt", type="bool", editable=False,
              help="Lesen Sie den Einwilligungstext vor; die Zustimmung wird mit Ihrem Namen gespeichert."),
        Field("status", "Status", type="choice", choices=STATUS_CHOICES, in_form=False),
        Field("position", "Wartelistenplatz", type="int", in_form=False),
        Field("seats", "Plätze", type="int", in_form=False),
        Field("channel", "Weg", type="choice", choices=CHANNEL_CHOICES, in_form=False),
        Field("checked_in_at", "Eingecheckt", type="datetime", in_form=False),
        Field("consent_how", "Einwilligung", in_form=False),
        Field("consent_at", "Einwilligung am", type="datetime", in_form=False),
        Field("created_at", "Angemeldet am", type="datetime", in_form=False),
    ],
    list_columns=["name", "event", "status", "seats", "channel", "checked_in_at"],
    search_fields=["name", "email", "phone"],
    filters=["event", "status", "channel"],
    ordering="-created_at",
    quartier_path="event.quartier",
    delete_roles=("admin",),
    title=lambda row: row.name,
    create=phone_registration,
    form_note=consent_note,
    update=edit_contact,
    load_extra=registration_extra,
    actions=[
        Action("confirm", "Bestätigen", _state_action(service.confirm), visible=lambda r: r.status == "unconfirmed", style="primary"),
        Action("admit", "Nachrücken lassen", _state_action(service.admit), visible=lambda r: r.status == "waitlisted",
               confirm="Die Person bekommt einen Platz, auch wenn die Kapazität dadurch überschritten wird."),
        Action("waitlist", "Auf die Warteliste", _state_action(service.move_to_waitlist),
               visible=lambda r: r.status in ("unconfirmed", "confirmed")),
        Action("checkin", "Einchecken", _state_action(service.check_in),
               visible=lambda r: r.status in ("unconfirmed", "confirmed") and r.checked_in_at is None),
        Action("cancel", "Stornieren", _state_action(_cancel), visible=lambda r: r.status in ("unconfirmed", "confirmed", "waitlisted"),
               confirm="Die Anmeldung stornieren? Der Platz geht an die nächste Person auf der Warteliste."),
        Action("erase", "Personendaten löschen", _state_action(_erase), visible=lambda r: r.anonymised_at is None,
               confirm="Name, E-Mail, Telefon und Antworten dieser Person endgültig löschen (Auskunfts- oder Löschersuchen)?",
               style="danger"),
    ],
    menu_group="Anmeldungen",
)
