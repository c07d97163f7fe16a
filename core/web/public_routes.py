"""Public pages for citizens: Quartiere, events, legal pages. No account, no JavaScript needed."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from markupsafe import Markup

from core.content.service import LocalText
from core.deployment import current
from core.events import accessibility, service
from core.events.ical import location_text
from core.events.routes import base_url, event_page_url
from core.events.series import MAX_OCCURRENCES
from core.events.service import EventDetail
from core.events.tables import EventSeries
from core.quartiere.service import QUARTIER_TEXTS, get_by_slug
from core.quartiere.tables import Quartier
from core.web.i18n import SOURCE_LANGUAGE, gettext as _, language
from core.web.params import parse_id, parse_int
from core.web.rendering import page

AnyRequest = Request[Any, Any, Any]
LEGAL_PAGES = {"impressum": "Impressum", "datenschutz": "Datenschutz", "barrierefreiheit": "Barrierefreiheit"}


@get("/", include_in_schema=False)
async def home(request: AnyRequest) -> Template:
    quartiere = await Quartier.objects().order_by(Quartier.name)
    return page(request, "core/public/home.html", {"quartiere": quartiere})


async def _quartier(slug: str) -> Quartier:
    quartier = await get_by_slug(slug)
    if quartier is None:
        raise NotFoundException()
    return quartier


EVENTS_PER_PAGE = 50
FEATURE_PARAM = "barrierefrei"  # ?barrierefrei=step_free&barrierefrei=accessible_toilet


@get("/{quartier:str}", include_in_schema=False)
async def quartier_page(request: AnyRequest, quartier: FromPath[str]) -> Template:
    q = await _quartier(quartier)
    number = parse_int(request.query_params.get("page"), 1, 10_000) or 1
    # checkboxes of the filter form: keys it does not offer are ignored
    wanted = accessibility.parse(" ".join(request.query_params.getall(FEATURE_PARAM, [])))
    events = await service.public_events(q.id, limit=EVENTS_PER_PAGE + 1, offset=(number - 1) * EVENTS_PER_PAGE, quartier=q,
                                         localized=False, features=wanted)
    if not events and number > 1:
        raise NotFoundException()
    more, events = len(events) > EVENTS_PER_PAGE, events[:EVENTS_PER_PAGE]
    # the events' and the Quartier's texts in the reader's language: one query
    texts = await service.localize_details(events, also={"quartiere": ([q], QUARTIER_TEXTS)})
    return page(request, "core/public/quartier.html", {
        "quartier": q, "quartier_texts": texts["quartiere"][q.id], "events": events, "urls": {d.event.id: _event_path(d) for d in events},
        "page_number": number, "more": more, "blocks": await _quartier_blocks(request, q, None),
        "features": accessibility.FEATURES, "wanted": wanted,
        "feature_param": FEATURE_PARAM, "filter_query": urlencode([(FEATURE_PARAM, key) for key in wanted]),
    })


async def _quartier_blocks(request: AnyRequest, quartier: Quartier, series: EventSeries | None) -> list[Any]:
    deployment = current()
    results = await deployment.hooks.quartier_page_blocks(deployment=deployment, quartier_row=quartier, series=series,
                                                          request=request, quartier=quartier.id)
    return sorted(results.flat(), key=lambda b: b.order)


@get("/{quartier:str}/reihen/{series_ref:str}", include_in_schema=False)
async def series_page(request: AnyRequest, quartier: FromPath[str], series_ref: FromPath[str]) -> Template | Redirect:
    """The upcoming dates of an event series."""
    q = await _quartier(quartier)
    series_id = parse_id(series_ref.partition("-")[0])
    row = await EventSeries.objects().where((EventSeries.id == series_id) & (EventSeries.quartier == q.id)).first() if series_id else None
    if row is None:
        raise NotFoundException()
    canonical = series_path(q, row)
    if request.url.path != canonical:
        return Redirect(canonical, status_code=301)
    events = await service.public_events(q.id, quartier=q, series_id=row.id, limit=MAX_OCCURRENCES)
    title = events[0].texts.title if events else row.title
    return page(request, "core/public/series.html", {
        "quartier": q, "series": row, "title": title, "events": events, "urls": {d.event.id: _event_path(d) for d in events},
        "notes": await _list_notes(q, events),
        "ics_url": f"/api/series/{row.id}/series.ics",
        "json_ld": series_json_ld(str(title), f"{base_url()}{canonical}", events),
        "blocks": await _quartier_blocks(request, q, row),
    })


async def _list_notes(q: Quartier, events: list[EventDetail]) -> dict[int, Markup]:
    """The plugins' notes per event (free seats, waiting list …), joined."""
    if not events:
        return {}
    deployment = current()
    notes: dict[int, list[str]] = {}
    for found in (await deployment.hooks.event_list_notes(deployment=deployment, events=events, quartier=q.id)).values():
        for event_id, note in (found or {}).items():
            notes.setdefault(event_id, []).append(note)
    return {event_id: Markup(" ").join(texts) for event_id, texts in notes.items()}  # escapes each plain str


def series_path(quartier: Quartier, row: EventSeries) -> str:
    return f"/{quartier.slug}/reihen/{row.id}-{row.slug}"


def _event_path(detail: EventDetail) -> str:
    return f"/{detail.quartier.slug}/veranstaltungen/{detail.event.id}-{detail.event.slug}"


def _event_status(status: str) -> str:
    return "https://schema.org/EventCancelled" if status == "cancelled" else "https://schema.org/EventScheduled"


def json_ld(detail: EventDetail) -> Markup:
    """schema.org/Event for search engines and calendars."""
    event, venue, texts = detail.event, detail.venue, detail.texts
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": texts.title.text,
        "startDate": detail.local(event.starts_at).isoformat(),
        "endDate": detail.local(event.ends_at).isoformat(),
        "eventStatus": _event_status(event.status),
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "description": (texts.summary or texts.description).text,
        "url": event_page_url(detail),
        "organizer": [{"@type": "Organization", "name": org.name, **({"url": org.website} if org.website else {})}
                      for org, role in detail.organisations if role == "organiser"]
        or [{"@type": "Organization", "name": detail.quartier.office or detail.quartier.name}],
    }
    features = detail.accessibility
    if venue:
        data["location"] = {
            "@type": "Place",
            "name": venue.name,
            "address": {"@type": "PostalAddress", "streetAddress": venue.street, "postalCode": venue.postal_code,
                        "addressLocality": venue.city, "addressCountry": "DE"},
        }
        # what has no accessibilityFeature value is a feature of the place
        place_features = [f for f in features if not f.schema_org]
        if place_features:
            data["location"]["amenityFeature"] = [
                {"@type": "LocationFeatureSpecification", "name": f.local_label, "value": True} for f in place_features]
    if any(f.schema_org for f in features):
        data["accessibilityFeature"] = [f.schema_org for f in features if f.schema_org]
    if features:
        data["accessibilitySummary"] = ", ".join(f.local_label for f in features)
    if event.free_admission:
        data["isAccessibleForFree"] = True
    return _script_json(data)


def series_json_ld(title: str, url: str, events: list[EventDetail]) -> Markup:
    """schema.org/EventSeries with its (upcoming) dates as subEvents."""
    return _script_json({
        "@context": "https://schema.org", "@type": "EventSeries", "name": title, "url": url,
        "subEvent": [{"@type": "Event", "name": d.texts.title.text, "url": event_page_url(d),
                      "startDate": d.local(d.event.starts_at).isoformat(), "endDate": d.local(d.event.ends_at).isoformat(),
                      "eventStatus": _event_status(d.event.status)} for d in events],
    })


def _script_json(data: dict[str, Any]) -> Markup:
    # No markup characters inside <script>: "</script>" or "<!--" in a title must not break out.
    text = json.dumps(data, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@get("/{quartier:str}/veranstaltungen/{event_ref:str}", include_in_schema=False)
async def event_page(request: AnyRequest, quartier: FromPath[str], event_ref: FromPath[str]) -> Template | Redirect:
    event_id = parse_id(event_ref.partition("-")[0])
    if event_id is None:
        raise NotFoundException()
    q, detail, series = await service.public_page_event(quartier, event_id)
    if q is None or detail is None:
        raise NotFoundException()
    canonical = _event_path(detail)
    if request.url.path != canonical:
        query = request.url.query
        return Redirect(canonical + (f"?{query}" if query else ""), status_code=301)
    deployment = current()
    results = await deployment.hooks.event_page_blocks(deployment=deployment, event=detail, request=request, quartier=q.id)
    blocks = sorted(results.flat(), key=lambda b: b.order)
    return page(request, "core/public/event.html", {
        "quartier": q, "detail": detail, "event": detail.event, "venue": detail.venue, "blocks": blocks,
        "organisers": [o for o, role in detail.organisations if role == "organiser"],
        "partners": [o for o, role in detail.organisations if role == "partner"],
        "location": location_text(detail), "json_ld": json_ld(detail),
        "ics_url": f"/api/events/{detail.event.id}/event.ics",
        "series_url": series_path(q, series) if series else None,
    })


def legal_text(slug: str, lang: str) -> LocalText:
    """A legal page's text in ``lang`` (setting ``[pages.versions.<lang>]``), else the German one, marked as fallback."""
    pages = current().settings.pages
    german = getattr(pages, slug)
    version = pages.versions.get(lang)
    if lang == SOURCE_LANGUAGE or not german or version is None or not getattr(version, slug).strip():
        return LocalText(german, SOURCE_LANGUAGE, fallback=bool(german) and lang != SOURCE_LANGUAGE)
    return LocalText(getattr(version, slug), lang)


def _legal(slug: str):
    @get(f"/{slug}", include_in_schema=False, name=f"legal-{slug}")
    async def legal(request: AnyRequest) -> Template:
        return page(request, "core/public/legal.html", {"heading": _(LEGAL_PAGES[slug]), "text": legal_text(slug, language())})

    return legal


PUBLIC_HANDLERS = [home, quartier_page, event_page, series_page, *(_legal(slug) for slug in LEGAL_PAGES)]
