"""Staff screens for events, venues and organisations."""

from __future__ import annotations

from typing import Any

from core.db import transaction
from core.events import accessibility, series, service
from core.events.tables import Event, EventOrganisation, EventSeries, Organisation, Venue
from core.reports.service import keep_held
from core.web.auth import StaffContext
from core.web.cockpit import cockpit_url
from core.web.i18n import gettext as _
from core.web.resources import Action, Field, FieldError, Resource

STATUS_CHOICES = [("draft", "Entwurf"), ("published", "Veröffentlicht"), ("cancelled", "Abgesagt")]


async def organisation_choices(ctx: StaffContext) -> list[tuple[str, str]]:
    return [(str(o.id), o.name) for o in await Organisation.objects().order_by(Organisation.name)]


async def _links(event: Event) -> dict[str, list[str]]:
    rows = await EventOrganisation.objects().where(EventOrganisation.event == event.id).order_by(EventOrganisation.position)
    return {
        "organisers": [str(r.organisation) for r in rows if r.role == "organiser"],
        "partners": [str(r.organisation) for r in rows if r.role == "partner"],
        **_feature_lists(event, EVENT_FEATURE_FIELDS),
    }


# multichoice fields of accessibility features, stored as keys in a text column
EVENT_FEATURE_FIELDS = ("accessibility_added", "accessibility_removed")
VENUE_FEATURE_FIELDS = ("accessibility_features",)


def _feature_lists(row: Any, names: tuple[str, ...]) -> dict[str, list[str]]:
    return {name: accessibility.parse(getattr(row, name)) for name in names}


def _feature_texts(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {**values, **{name: accessibility.join(values[name]) for name in names if name in values}}


async def _event_extra(row: Event) -> dict[str, Any]:
    own = series.own_changes(row)
    return {**await _links(row), "series_changes": ", ".join(_(f.label) for f in EVENTS.fields if f.name in own)}


async def _set_links(event_id: int, values: dict[str, Any]) -> None:
    await EventOrganisation.delete().where(EventOrganisation.event == event_id)
    position = 0
    for role, key in (("organiser", "organisers"), ("partner", "partners")):
        for org_id in values.get(key, []):
            await EventOrganisation.insert(EventOrganisation(event=event_id, organisation=int(org_id), role=role, position=position))
            position += 1


def _event_fields(values: dict[str, Any]) -> dict[str, Any]:
    return _feature_texts({k: v for k, v in values.items() if k not in ("organisers", "partners", "series_scope")}, EVENT_FEATURE_FIELDS)


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


async def delete_event(row: Event, ctx: StaffContext) -> None:
    async with transaction():
        await keep_held(row)
        await Event.delete().where(Event.id == row.id)


def _form_error(exc: service.EventError) -> ValueError:
    return FieldError(exc.field, str(exc)) if exc.field else ValueError(str(exc))


def check_times(values: dict[str, Any]) -> dict[str, str]:
    start, end = values.get("starts_at"), values.get("ends_at")
    if start and end and end <= start:
        return {"ends_at": _("Das Ende muss nach dem Beginn liegen.")}
    return {}


async def update_event(row: Event, values: dict[str, Any], ctx: StaffContext) -> Event:
    try:
        event = await series.edit_occurrence(row.id, _event_fields(values), values.get("series_scope") or "this")
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
    """The cockpit first (registrations, check-in, exports, exhibition, public page), then the series and the posters."""
    series = [("Als Reihe wiederholen", f"/staff/r/series/new?event={row.id}")] if row.series is None \
        else [("Veranstaltungsreihe", f"/staff/r/series/{row.series}")]
    return [("Cockpit", cockpit_url(row.id)), *series, ("Plakat (PDF)", f"/staff/veranstaltungen/{row.id}/plakat.pdf"),
            ("Handzettel (PDF)", f"/staff/veranstaltungen/{row.id}/handzettel.pdf")]


async def create_venue(values: dict[str, Any], ctx: StaffContext) -> Venue:
    venue = Venue(**_feature_texts(values, VENUE_FEATURE_FIELDS))
    await venue.save()
    return venue


async def update_venue(row: Venue, values: dict[str, Any], ctx: StaffContext) -> Venue:
    for name, value in _feature_texts(values, VENUE_FEATURE_FIELDS).items():
        setattr(row, name, value)
    await row.save()
    return row


async def load_venue_features(row: Venue) -> dict[str, Any]:
    return _feature_lists(row, VENUE_FEATURE_FIELDS)


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
        Field("free_admission", "Eintritt frei", type="bool"),
        Field("accessibility_added", "Zusätzlich barrierefrei", type="multichoice", choices=accessibility.CHOICES,
              help="Was diese Veranstaltung über den Treffpunkt hinaus bietet, z. B. Gebärdensprache."),
        Field("accessibility_removed", "Diesmal nicht verfügbar", type="multichoice", choices=accessibility.CHOICES,
              help="Was der Treffpunkt sonst bietet, diesmal aber fehlt, z. B. wenn der Aufzug ausfällt."),
        Field("status", "Status", type="choice", choices=STATUS_CHOICES, in_form=False),
        Field("series_scope", "Änderung gilt für", type="choice", choices=series.SCOPES, default="this", edit_only=True,
              offered=lambda row: row.series is not None,
              help="Nur bei Terminen einer Veranstaltungsreihe: einzeln geänderte Angaben anderer Termine bleiben."),
        Field("series_changes", "Nur an diesem Termin geändert", in_form=False),
    ],
    list_columns=["title", "starts_at", "ends_at", "quartier", "status"],
    search_fields=["title", "summary"],
    filters=["status", "quartier"],
    ordering="-starts_at",
    title=lambda row: row.title,
    create=create_event,
    update=update_event,
    delete=delete_event,
    check=check_times,
    load_extra=_event_extra,
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
        Field("accessibility_features", "Barrierefreiheit", type="multichoice", choices=accessibility.CHOICES,
              help="Was der Treffpunkt bietet; auf der Veranstaltungsseite mit Symbol und Text."),
        Field("accessibility", "Hinweise zur Barrierefreiheit", type="textarea",
              help="Zugang, Aufzug, Toilette, Hörschleife – was Besucherinnen und Besucher wissen sollten.", translatable=True),
    ],
    list_columns=["name", "street", "city", "quartier"],
    search_fields=["name", "street", "city"],
    filters=["quartier"],
    ordering="name",
    title=lambda row: row.name,
    create=create_venue,
    update=update_venue,
    load_extra=load_venue_features,
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


async def update_series(row: EventSeries, values: dict[str, Any], ctx: StaffContext) -> EventSeries:
    return await series.change_rule(row.id, values["until"], values["count"], values["exceptions"])


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
        Field("frequency", "Rhythmus", type="choice", choices=series.FREQUENCIES, required=True, default="weekly", editable=False),
        Field("until", "Bis einschließlich", type="date"),
        Field("count", "Anzahl der Termine", type="int", min_value=2, max_value=series.MAX_OCCURRENCES,
              help="Statt eines Enddatums; der erste Termin zählt mit."),
        Field("exceptions", "Ausnahmen", type="textarea", help="Tage ohne Termin, z. B. 24.12.2030, durch Kommas getrennt."),
    ],
    list_columns=["title", "frequency", "quartier"],
    search_fields=["title"],
    filters=["quartier"],
    ordering="-id",
    title=lambda row: row.title,
    create=create_series,
    update=update_series,
    delete=delete_series,
    load_extra=_first_event,
    menu_group="Veranstaltungen",
)
