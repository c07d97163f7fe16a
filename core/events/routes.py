"""Public JSON API and iCalendar feeds of Quartiere and events."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from litestar import Controller, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter

from core.deployment import current
from core.events import accessibility, ical, service
from core.events.accessibility import FeatureKey
from core.events.schemas import AccessibilityFeatureOut, ContactOut, EventOut, OrganisationOut, QuartierOut, VenueOut
from core.events.series import MAX_OCCURRENCES
from core.events.service import EventDetail
from core.events.tables import EventSeries
from core.quartiere.service import get_by_slug
from core.quartiere.tables import Quartier
from core.web.api import error_responses
from core.web.i18n import language
from core.web.params import Id, Limit, Offset

ICS_MEDIA_TYPE = "text/calendar"  # Litestar adds the charset


def base_url() -> str:
    return current().settings.base_url.rstrip("/")


def event_page_url(detail: EventDetail, base: str | None = None) -> str:
    """``base``: the ``base_url()`` when the caller has it already (a list of events)."""
    return f"{base or base_url()}/{detail.quartier.slug}/veranstaltungen/{detail.event.id}-{detail.event.slug}"


def event_out(detail: EventDetail) -> EventOut:
    return event_outs([detail])[0]


def event_outs(details: list[EventDetail]) -> list[EventOut]:
    """The public records of ``details``; what events share (venues, organisers, features, zones) is built once."""
    lang, base = language(), base_url()
    zones: dict[str, ZoneInfo] = {}
    venues: dict[int, VenueOut] = {}
    organisers: dict[tuple[int, str], OrganisationOut] = {}
    features: dict[str, AccessibilityFeatureOut] = {}
    out = []
    for detail in details:
        # Values straight from the rows: Piccolo's column descriptors cost more than the rest of this.
        e, venue, texts = vars(detail.event), detail.venue, detail.texts
        zone = zones.get(e["timezone"]) or zones.setdefault(e["timezone"], ZoneInfo(e["timezone"]))
        venue_out = None
        if venue is not None:
            v = vars(venue)
            venue_out = venues.get(v["id"])
            if venue_out is None:
                venue_out = venues[v["id"]] = VenueOut(
                    name=v["name"], street=v["street"], postal_code=v["postal_code"], city=v["city"],
                    accessibility=detail.venue_texts.accessibility.text,
                    accessibility_features=accessibility.parse(v["accessibility_features"]),  # type: ignore[arg-type]
                )
        event_features = []
        for f in detail.accessibility:
            feature = features.get(f.key)
            if feature is None:
                feature = features[f.key] = AccessibilityFeatureOut(
                    key=f.key, label=f.local_label, description=f.local_explanation, schema_org=f.schema_org)  # type: ignore[arg-type]
            event_features.append(feature)
        event_organisers = []
        for o, role in detail.organisations:
            o_values = vars(o)
            organiser = organisers.get((o_values["id"], role))
            if organiser is None:
                organiser = organisers[o_values["id"], role] = OrganisationOut(
                    name=o_values["name"], role=role, website=o_values["website"])
            event_organisers.append(organiser)
        out.append(EventOut(
            id=e["id"],
            quartier=detail.quartier.slug,
            slug=e["slug"],
            title=texts["title"].text,
            summary=texts["summary"].text,
            description=texts["description"].text,
            language=lang,
            untranslated=[name for name, text in texts.items() if text.fallback],
            starts_at=e["starts_at"].astimezone(zone),
            ends_at=e["ends_at"].astimezone(zone),
            timezone=e["timezone"],
            status=e["status"],
            venue=venue_out,
            accessibility=event_features,
            free_admission=e["free_admission"],
            organisers=event_organisers,
            contact=ContactOut(name=e["contact_name"], phone=e["contact_phone"], email=e["contact_email"]),
            url=event_page_url(detail, base),
            calendar_url=f"{base}/api/events/{e['id']}/event.ics",
        ))
    return out


def quartier_out(q: Quartier) -> QuartierOut:
    return QuartierOut(
        id=q.id, slug=q.slug, name=q.name, description=q.description, office=q.office,
        contact_phone=q.contact_phone, contact_email=q.contact_email,
        events_url=f"{base_url()}/api/quartiere/{q.slug}/events",
        calendar_url=f"{base_url()}/api/quartiere/{q.slug}/events.ics",
    )


async def quartier_or_404(slug: str) -> Quartier:
    quartier = await get_by_slug(slug)
    if quartier is None:
        raise NotFoundException(f"Quartier '{slug}' not found.")
    return quartier


def ics_response(body: bytes, filename: str) -> Response[bytes]:
    return Response(
        body, media_type=ICS_MEDIA_TYPE, headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


class PublicEventsController(Controller):
    path = "/api"
    tags = ["Public"]

    @get("/quartiere", summary="All Quartiere of the deployment", responses=error_responses())
    async def list_quartiere(self) -> list[QuartierOut]:
        return [quartier_out(q) for q in await Quartier.objects().order_by(Quartier.name)]

    @get("/quartiere/{quartier:str}", summary="One Quartier", responses=error_responses())
    async def get_quartier(self, quartier: FromPath[str]) -> QuartierOut:
        return quartier_out(await quartier_or_404(quartier))

    @get("/quartiere/{quartier:str}/events", summary="Published events of a Quartier, upcoming first", responses=error_responses())
    async def list_events(
        self,
        quartier: FromPath[str],
        include_past: FromQuery[bool] = False,
        limit: FromQuery[Limit] = 100,
        offset: FromQuery[Offset] = 0,
        accessibility: Annotated[list[FeatureKey] | None, QueryParameter(
            description="Only events offering all these accessibility features (repeat the parameter).")] = None,
    ) -> list[EventOut]:
        q = await quartier_or_404(quartier)
        return event_outs(await service.public_events(q.id, include_past, limit, offset, quartier=q, features=accessibility))

    @get("/quartiere/{quartier:str}/events.ics", summary="iCalendar feed of a Quartier's events", media_type=ICS_MEDIA_TYPE,
         responses=error_responses())
    async def quartier_calendar(self, quartier: FromPath[str]) -> Response[bytes]:
        q = await quartier_or_404(quartier)
        details = await service.public_events(q.id, include_past=False, limit=500, quartier=q)
        body = ical.calendar([(d, event_page_url(d)) for d in details], base_url(), name=q.name)
        return ics_response(body, f"{q.slug}.ics")

    @get("/series/{series_id:int}/series.ics", summary="iCalendar feed of an event series: every date, past and cancelled ones too",
         media_type=ICS_MEDIA_TYPE, responses=error_responses())
    async def series_calendar(self, series_id: FromPath[Id]) -> Response[bytes]:
        row = await EventSeries.objects().where(EventSeries.id == series_id).first()
        if row is None:
            raise NotFoundException("Series not found.")
        details = await service.public_events(row.quartier, include_past=True, limit=MAX_OCCURRENCES, series_id=row.id)
        name = details[0].texts.title.text if details else row.title
        body = ical.calendar([(d, event_page_url(d)) for d in details], base_url(), name=name)
        return ics_response(body, f"{row.slug}.ics")

    @get("/events/{event_id:int}", summary="One published event", responses=error_responses())
    async def get_event(self, event_id: FromPath[Id]) -> EventOut:
        detail = await service.public_event(event_id)
        if detail is None:
            raise NotFoundException("Event not found.")
        return event_out(detail)

    @get("/events/{event_id:int}/event.ics", summary="iCalendar file of one event", media_type=ICS_MEDIA_TYPE,
         responses=error_responses())
    async def event_calendar(self, event_id: FromPath[Id]) -> Response[bytes]:
        detail = await service.public_event(event_id)
        if detail is None:
            raise NotFoundException("Event not found.")
        body = ical.calendar([(detail, event_page_url(detail))], base_url(), name=detail.texts.title.text)
        return ics_response(body, f"{detail.event.slug}.ics")


async def event_calendar_text(event_id: int) -> str:
    """The iCalendar text of one public event (for e-mail attachments); empty if it is not public."""
    detail = await service.public_event(event_id)
    if detail is None:
        return ""
    return ical.calendar([(detail, event_page_url(detail))], base_url(), name=detail.texts.title.text).decode("utf-8")
