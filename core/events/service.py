"""Rules for events: what is public, creating, changing, publishing and cancelling."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from core.content.service import LocalTexts, copy_versions, localize_many
from core.db import transaction
from core.db.rows import any_of, as_objects
from core.deployment import current
from core.domain_events import EventCancelled, EventChanged, EventCopied, EventPublished
from core.domain_events.service import publish
from core.events import accessibility
from core.events.tables import Event, EventOrganisation, Organisation, Venue
from core.quartiere.tables import Quartier
from core.reports.service import event_moved

PUBLIC_STATUSES = ("published", "cancelled")
_PUBLIC_EVENT_SQL = "SELECT * FROM events WHERE id = {} AND status IN (%s)" % ", ".join(f"'{s}'" for s in PUBLIC_STATUSES)
# the texts staff may write in other languages, per table
EVENT_TEXTS = ("title", "summary", "description")
VENUE_TEXTS = ("accessibility",)
# Changes to these fields are news for people who plan to come.
NOTEWORTHY_FIELDS = ("title", "starts_at", "ends_at", "venue", "description")


END_BEFORE_START = "Das Ende muss nach dem Beginn liegen."


class EventError(ValueError):
    """A rule about events was broken; the message is for the user, ``field`` names the field if one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class EventDetail:
    """An event with what a public page or a feed needs next to it."""

    event: Event
    quartier: Quartier
    venue: Venue | None
    organisations: list[tuple[Organisation, str]] = field(default_factory=list)
    # the texts in the reader's language (German where a version is missing); set by ``localize_details``
    texts: LocalTexts = field(default_factory=LocalTexts)
    venue_texts: LocalTexts = field(default_factory=LocalTexts)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.event.timezone))

    @property
    def accessibility(self) -> list[accessibility.Feature]:
        """The features the event offers (its venue's, changed by the event)."""
        return accessibility.of_event(self.event, self.venue)


def now() -> datetime:
    return datetime.now(timezone.utc)


async def _details(events: list[Event], quartier: Quartier | None = None) -> list[EventDetail]:
    if not events:
        return []
    quartier_ids = {e.quartier for e in events}
    venue_ids = {e.venue for e in events if e.venue is not None}
    if quartier is not None and quartier_ids == {quartier.id}:
        quartiere = {quartier.id: quartier}
    else:
        quartiere = {q.id: q for q in await Quartier.objects().where(Quartier.id.is_in(list(quartier_ids)))}
    venues = {v.id: v for v in as_objects(Venue, await Venue.select().where(Venue.id.is_in(list(venue_ids))))} \
        if venue_ids else {}
    links = await EventOrganisation.select(
        EventOrganisation.event, EventOrganisation.organisation, EventOrganisation.role
    ).where(any_of(EventOrganisation.event, (e.id for e in events))).order_by(EventOrganisation.position)
    org_ids = {link["organisation"] for link in links}
    orgs = {o.id: o for o in as_objects(Organisation, await Organisation.select().where(any_of(Organisation.id, org_ids)))} \
        if org_ids else {}
    by_event: dict[int, list[tuple[Organisation, str]]] = {}
    for link in links:
        by_event.setdefault(link["event"], []).append((orgs[link["organisation"]], link["role"]))
    return [
        EventDetail(
            event=e,
            quartier=quartiere[e.quartier],
            venue=venues.get(e.venue) if e.venue is not None else None,
            organisations=by_event.get(e.id, []),
        )
        for e in events
    ]


async def localize_details(details: list[EventDetail], lang: str | None = None,
                           also: dict[str, tuple[list[Any], tuple[str, ...]]] | None = None) -> dict[str, dict[int, LocalTexts]]:
    """Fill in ``texts`` and ``venue_texts`` in ``lang`` (default: the reader's); one query, none in German.

    ``also``: more rows to localize in the same query (``{owner: (rows, fields)}``); returns all of them by owner.
    """
    found = await localize_many({
        "events": ([d.event for d in details], EVENT_TEXTS),
        "venues": (list({d.venue.id: d.venue for d in details if d.venue}.values()), VENUE_TEXTS),
        **(also or {}),
    }, lang)
    for d in details:
        d.texts = found["events"][d.event.id]
        d.venue_texts = found["venues"][d.venue.id] if d.venue else LocalTexts()
    return found


# events looked at when filtering by accessibility features (the filter runs on the venues' and events' keys)
FILTER_SCAN_LIMIT = 2000


async def public_events(quartier_id: int, include_past: bool = False, limit: int = 100, offset: int = 0,
                        quartier: Quartier | None = None, localized: bool = True, series_id: int | None = None,
                        between: tuple[datetime, datetime] | None = None, features: list[str] | None = None) -> list[EventDetail]:
    """``quartier``: the Quartier object, when the caller has it already (one query less); ``series_id``: its events only;
    ``between``: the events taking place in that period (``include_past`` is then irrelevant);
    ``features``: only events that offer all these accessibility features (keys).

    ``localized=False``: the caller calls ``localize_details`` itself (to add rows of its own to that query).
    """
    query = Event.select().where((Event.quartier == quartier_id) & Event.status.is_in(list(PUBLIC_STATUSES)))
    if between is not None:
        query = query.where((Event.starts_at < between[1]) & (Event.ends_at > between[0]))
    elif not include_past:
        query = query.where(Event.ends_at >= now())
    if series_id is not None:
        query = query.where(Event.series == series_id)
    query = query.order_by(Event.starts_at)
    if features:
        wanted = set(features)
        details = [d for d in await _details(as_objects(Event, await query.limit(FILTER_SCAN_LIMIT)), quartier)
                   if wanted <= {f.key for f in d.accessibility}][offset:offset + limit]
    else:
        details = await _details(as_objects(Event, await query.limit(limit).offset(offset)), quartier)
    if localized:
        await localize_details(details)
    return details


async def public_event(event_id: int, quartier: Quartier | None = None) -> EventDetail | None:
    """``quartier``: the Quartier the event is expected in, when the caller has it already (one query less).

    Its texts are in the reader's language (``texts``, ``venue_texts``).
    """
    rows = await Event.raw(_PUBLIC_EVENT_SQL, event_id)  # every event page: no query building
    if not rows:
        return None
    details = await _details(as_objects(Event, rows), quartier)
    await localize_details(details)
    return details[0]


async def event_detail(event_id: int) -> EventDetail | None:
    """Any event, drafts included (for staff)."""
    event = await Event.objects().where(Event.id == event_id).first()
    return (await _details([event]))[0] if event else None


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise EventError("Beginn und Ende brauchen eine Zeitzone.", "starts_at")
    if ends_at <= starts_at:
        raise EventError(END_BEFORE_START, "ends_at")


async def _unique_slug(quartier_id: int, slug: str, exclude_id: int | None = None) -> None:
    query = Event.exists().where((Event.quartier == quartier_id) & (Event.slug == slug))
    if exclude_id is not None:
        query = query.where(Event.id != exclude_id)
    if await query:
        raise EventError(f"Die Kurzbezeichnung „{slug}“ ist in diesem Quartier schon vergeben.", "slug")


async def create_event(
    *,
    quartier_id: int,
    title: str,
    slug: str,
    starts_at: datetime,
    ends_at: datetime,
    organisations: list[tuple[int, str]] | None = None,
    **fields: Any,
) -> Event:
    """Create a draft event; ``organisations`` is a list of (organisation id, role)."""
    _check_times(starts_at, ends_at)
    async with transaction():
        await _unique_slug(quartier_id, slug)
        event = Event(quartier=quartier_id, title=title, slug=slug, starts_at=starts_at, ends_at=ends_at, **fields)
        await event.save()
        for position, (org_id, role) in enumerate(organisations or []):
            await EventOrganisation.insert(
                EventOrganisation(event=event.id, organisation=org_id, role=role, position=position)
            )
    return event


COPIED_FIELDS = ("title", "summary", "description", "timezone", "venue", "contact_name", "contact_phone", "contact_email",
                 "accessibility_added", "accessibility_removed", "free_admission")


async def free_slug(quartier_id: int, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``, … whichever is not yet taken in the Quartier (at most 120 characters)."""
    base = base[:110].rstrip("-")
    taken = {r["slug"] for r in await Event.select(Event.slug).where(
        (Event.quartier == quartier_id) & ((Event.slug == base) | Event.slug.like(f"{base}-%")))}
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def shifted(moment: datetime, tz: str, delta: timedelta) -> datetime:
    """``moment`` moved by ``delta`` on the wall clock of ``tz`` (14:00 stays 14:00 across a clock change)."""
    return (moment.astimezone(ZoneInfo(tz)) + delta).astimezone(timezone.utc)


async def copy_event(event_id: int, delta: timedelta = timedelta(days=7), slug: str | None = None, **fields: Any) -> Event:
    """A draft copy of an event ``delta`` later: its texts, venue, organisations and content versions; a new slug."""
    async with transaction():
        source = await Event.objects().where(Event.id == event_id).first()
        if source is None:
            raise EventError("Diese Veranstaltung gibt es nicht.")
        links = await EventOrganisation.select(EventOrganisation.organisation, EventOrganisation.role).where(
            EventOrganisation.event == event_id).order_by(EventOrganisation.position)
        copy = await create_event(
            quartier_id=source.quartier, slug=slug or await free_slug(source.quartier, f"{source.slug}-kopie"),
            starts_at=shifted(source.starts_at, source.timezone, delta), ends_at=shifted(source.ends_at, source.timezone, delta),
            organisations=[(r["organisation"], r["role"]) for r in links],
            **{name: getattr(source, name) for name in COPIED_FIELDS}, **fields,
        )
        await copy_versions("events", source.id, copy.id)
        await publish(current(), EventCopied(quartier_id=copy.quartier, event=copy.id, source=source.id))
    return copy


async def update_event(event_id: int, **changes: Any) -> Event:
    """Change an event; a published one gets a new iCalendar SEQUENCE and an ``event.changed``."""
    async with transaction():
        event = await Event.objects().where(Event.id == event_id).first()
        if event is None:
            raise EventError("Diese Veranstaltung gibt es nicht.")
        changed = [name for name, value in changes.items() if getattr(event, name) != value]
        if not changed:
            return event
        for name in changed:
            setattr(event, name, changes[name])
        _check_times(event.starts_at, event.ends_at)
        if "slug" in changed:
            await _unique_slug(event.quartier, event.slug, exclude_id=event.id)
        event.sequence += 1
        event.updated_at = now()
        await event.save()
        if "starts_at" in changed or "timezone" in changed:
            await event_moved(event)
        noteworthy = [name for name in changed if name in NOTEWORTHY_FIELDS]
        if event.status == "published" and noteworthy:
            await publish(current(), EventChanged(quartier_id=event.quartier, event=event.id, fields=noteworthy))
    return event


async def _set_status(event_id: int, status: str, allowed_from: tuple[str, ...]) -> Event:
    async with transaction():
        event = await Event.objects().where(Event.id == event_id).first()
        if event is None:
            raise EventError("Diese Veranstaltung gibt es nicht.")
        if event.status == status:
            return event
        if event.status not in allowed_from:
            raise EventError(f"Eine Veranstaltung im Status „{event.status}“ kann nicht „{status}“ werden.")
        event.status = status
        event.sequence += 1
        event.updated_at = now()
        await event.save()
        event_type = EventPublished if status == "published" else EventCancelled
        await publish(current(), event_type(quartier_id=event.quartier, event=event.id))
    return event


async def publish_event(event_id: int) -> Event:
    return await _set_status(event_id, "published", ("draft",))


async def cancel_event(event_id: int) -> Event:
    return await _set_status(event_id, "cancelled", ("draft", "published"))
