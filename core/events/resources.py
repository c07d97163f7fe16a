"""Staff screens for events, venues and organisations."""

from __future__ import annotations

from typing import Any

from core.events import series, service
from core.events.tables import Event, EventOrganisation, EventSeries, Organisation, Venue
from core.web.auth import StaffContext
from core.web.cockpit import cockpit_url
from core.web.i18n import gettext as _
from core.web.resources import Action, Field, FieldError, Resource

STATUS_CHOICES = [("draft", "Entwurf"), ("published", "Veröffentlicht"), ("cancelled", "Abgesagt")]


async def organisation_choices(ctx: StaffContext) -> list[tuple[str, str]]:
    return [(str(o.id), o.name) for o in await Organisation.objects().order_by(Organisation.name)]


async def _links(event_id: int) -> dict[str, list[str]]:
    rows = await EventOrganisation.objects().where(EventOrganisation.event == event_id).order_by(EventOrganisation.position)
    return {
        "organisers": [str(r.organisation) for r in rows if r.role == "organiser"],
        "partners": [str(r.organisation) for r in rows if r.role == "partner"],
    }


async def _set_links(event_id: int, values: dict[str, Any]) -> None:
    await EventOrganisation.delete().where(EventOrganisation.event == event_id)
    position = 0
    for role, key in (("organiser", "organisers"), ("partner", "partners")):
        for org_id in values.get(key, []):
            await EventOrganisation.insert(EventOrganisation(event=event_id, organisation=int(org_id), role=role, position=position))
            position += 1


def _event_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in ("organisers", "partners")}


async def create_event(values: dict[str, Any], ctx: StaffContext) -> Event:
    fields = _event_fields(values)
    try:
        event = await service.create_event(
            quartier_id=fields.pop("quartier"), title=fields.pop("title"), slug=fields.pop("slug"),
            starts_at=fields.pop("starts_at"), ends_at=fields.pop("ends_at"), **fields,
        )
    except service.EventError as exc:
        raise _form_error(exc) from None
    await _set_links(event.id, values)
    return event


def _form_error(exc: service.EventError) -> ValueError:
    return FieldError(exc.field, str(exc)) if exc.field else ValueError(str(exc))


def check_times(values: dict[str, Any]) -> dict[str, str]:
    start, end = values.get("starts_at"), values.get("ends_at")
    if start and end and end <= start:
        return {"ends_at": _("Das Ende muss nach dem Beginn liegen.")}
    return {}


async def update_event(row: Event, values: dict[str, Any], ctx: StaffContext) -> Event:
    try:
        event = await service.update_event(row.id, **_event_fields(values))
    except service.EventError as exc:
        raise _form_error(exc) from None
    await _set_links(event.id, values)
    return event


# EventError is a ValueError: the staff UI shows its message as it is.
async def publish(row: Event, ctx: StaffContext) -> None:
    await service.publish_event(row.id)


async def cancel(row: Event, ctx: StaffContext) -> None:
    await service.cancel_event(row.id)


async def copy(row: Event, ctx: StaffContext) -> str:
    """A draft one week later; staff go on in its form."""
    return f"/staff/r/events/{(await service.copy_event(row.id)).id}/edit"


def _event_links(row: Event) -> list[tuple[str, str]]:
    """The cockpit first (registrations, check-in, exports, exhibition, public page), then the series."""
    if row.series is None:
        series_link = ("Als Reihe wiederholen", f"/staff/r/series/new?event={row.id}")
    else:
        series_link = ("Veranstaltungsreihe", f"/staff/r/series/{row.series}")
    return [("Cockpit", cockpit_url(row.id)), series_link]


EVENTS = Resource(
    name="events",
    table=Event,
    label="Veranstaltung",
    label_plural="Veranstaltungen",
    fields=[
        Field("title", "Titel", required=True, max_length=200, translatable=True),
        Field("slug", "Kurzbezeichnung", type="slug", required=True, max_length=120,
              help="Teil der Internetadresse, z. B. „netzwerktreff-august“."),
        Field("quartier", "Quartier", type="fk", references="quartiere", required=True, editable=False),
        Field("starts_at", "Beginn", type="datetime", required=True),
        Field("ends_at", "Ende", type="datetime", required=True),
        Field("venue", "Treffpunkt", type="fk", references="venues"),
        Field("summary", "Kurzbeschreibung", max_length=500, help="Ein bis zwei Sätze für Übersichten.", translatable=True),
        Field("description", "Beschreibung", type="textarea", translatable=True),
        Field("organisers", "Träger", type="multichoice", options=organisation_choices),
        Field("partners", "Kooperationspartner", type="multichoice", options=organisation_choices),
        Field("contact_name", "Ansprechperson", max_length=200),
        Field("contact_phone", "Telefon", type="tel", max_length=60),
        Field("contact_email", "E-Mail", type="email", max_length=200),
        Field("status", "Status", type="choice", choices=STATUS_CHOICES, in_form=False),
    ],
    list_columns=["title", "starts_at", "ends_at", "quartier", "status"],
    search_fields=["title", "summary"],
    filters=["status", "quartier"],
    ordering="-starts_at",
    title=lambda row: row.title,
    create=create_event,
    update=update_event,
    check=check_times,
    load_extra=lambda row: _links(row.id),
    links=_event_links,
    row_url=lambda row: cockpit_url(row.id),
    actions=[
        Action("publish", "Veröffentlichen", publish, visible=lambda row: row.status == "draft", style="primary"),
        Action("cancel", "Absagen", cancel, visible=lambda row: row.status != "cancelled",
               confirm="Die Veranstaltung wirklich absagen? Angemeldete werden benachrichtigt."),
        Action("copy", "Kopieren", copy),
    ],
    menu_group="Veranstaltungen",
)

VENUES = Resource(
    name="venues",
    table=Venue,
    label="Treffpunkt",
    label_plural="Treffpunkte",
    fields=[
        Field("name", "Name", required=True, max_length=200),
        Field("quartier", "Quartier", type="fk", references="quartiere", required=True),
        Field("street", "Straße und Hausnummer", max_length=200),
        Field("postal_code", "PLZ", max_length=20),
        Field("city", "Ort", max_length=100),
        Field("accessibility", "Barrierefreiheit", type="textarea",
              help="Zugang, Aufzug, Toilette, Hörschleife – was Besucherinnen und Besucher wissen sollten.", translatable=True),
    ],
    list_columns=["name", "street", "city", "quartier"],
    search_fields=["name", "street", "city"],
    filters=["quartier"],
    ordering="name",
    title=lambda row: row.name,
    menu_group="Veranstaltungen",
)

ORGANISATIONS = Resource(
    name="organisations",
    table=Organisation,
    label="Organisation",
    label_plural="Träger und Partner",
    fields=[
        Field("name", "Name", required=True, max_length=200),
        Field("website", "Internetseite", type="url", max_length=300),
        Field("phone", "Telefon", type="tel", max_length=60),
        Field("email", "E-Mail", type="email", max_length=200),
    ],
    list_columns=["name", "website", "phone"],
    search_fields=["name"],
    ordering="name",
    quartier_path=None,  # shared by all Quartiere
    delete_roles=("admin",),
    title=lambda row: row.name,
    menu_group="Stammdaten",
)


async def create_series(values: dict[str, Any], ctx: StaffContext) -> EventSeries:
    return await series.create_series(values["event"], values["frequency"], values["until"], values["count"], values["exceptions"])


async def _first_event(row: EventSeries) -> dict[str, Any]:
    first = await Event.select(Event.id).where(Event.series == row.id).order_by(Event.starts_at).first()
    return {"event": first["id"] if first else None}


async def delete_series(row: EventSeries, ctx: StaffContext) -> None:
    await series.delete_series(row.id)


SERIES = Resource(
    name="series",
    table=EventSeries,
    label="Veranstaltungsreihe",
    label_plural="Veranstaltungsreihen",
    fields=[
        Field("event", "Erster Termin", type="fk", references="events", required=True, editable=False),
        Field("title", "Titel", in_form=False),
        Field("quartier", "Quartier", type="fk", references="quartiere", in_form=False),
        Field("frequency", "Rhythmus", type="choice", choices=series.FREQUENCIES, required=True, default="weekly"),
        Field("until", "Bis einschließlich", type="date"),
        Field("count", "Anzahl der Termine", type="int", min_value=2, max_value=series.MAX_OCCURRENCES,
              help="Statt eines Enddatums; der erste Termin zählt mit."),
        Field("exceptions", "Ausnahmen", type="textarea", help="Tage ohne Termin, z. B. 24.12.2030, durch Kommas getrennt."),
    ],
    list_columns=["title", "frequency", "quartier"],
    search_fields=["title"],
    filters=["quartier"],
    ordering="-id",
    edit_roles=(),
    title=lambda row: row.title,
    create=create_series,
    delete=delete_series,
    load_extra=_first_event,
    menu_group="Veranstaltungen",
)
