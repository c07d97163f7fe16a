"""Rules for events: what is public, creating, changing, publishing and cancelling."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from core.content.service import LocalTexts, copy_versions, localize_many
from core.db import Statement, transaction
from core.db.rows import any_of_param, any_of_statement, as_objects, prefixed_columns, take_prefixed, take_prefixed_all
from core.deployment import current
from core.domain_events import EventCancelled, EventChanged, EventCopied, EventPublished
from core.domain_events.service import publish
from core.events import accessibility
from core.events.tables import Event, EventOrganisation, EventSeries, Organisation, Venue
from core.quartiere.service import remember_switches
from core.quartiere.tables import Quartier
from core.reports.service import event_moved

PUBLIC_STATUSES = ("published", "cancelled")
_PUBLIC_IN = "e.status IN (%s)" % ", ".join(f"'{s}'" for s in PUBLIC_STATUSES)
# Public events with their venue in one statement; one statement per filter combination (_public), built once.
_PUBLIC_SQL = f"SELECT e.*, {prefixed_columns(Venue, 'v')} FROM events e LEFT JOIN venues v ON v.id = e.venue WHERE {_PUBLIC_IN}"
# The event page: the Quartier of a slug with its plugin switches, the event, its venue and series in one statement.
_PAGE = Statement(
    f"SELECT e.*, {prefixed_columns(Venue, 'v')}, {prefixed_columns(Quartier, 'q')}, "
    f"{prefixed_columns(EventSeries, 's')}, p.plugin AS switched_off "
    "FROM quartiere q LEFT JOIN quartier_plugins p ON p.quartier = q.id AND p.enabled = {} "
    f"LEFT JOIN events e ON e.id = {{}} AND e.quartier = q.id AND {_PUBLIC_IN} "
    "LEFT JOIN venues v ON v.id = e.venue LEFT JOIN event_series s ON s.id = e.series WHERE q.slug = {}")
_ORGANISATIONS_SQL = ("SELECT l.event AS link_event, l.role AS link_role, o.* FROM event_organisations l "
                      "JOIN organisations o ON o.id = l.organisation WHERE %s ORDER BY l.position")
_ORGANISATIONS = any_of_statement(_ORGANISATIONS_SQL, "l.event")
_QUARTIERE = any_of_statement("SELECT * FROM quartiere WHERE %s", "id")
_VENUES = any_of_statement("SELECT * FROM venues WHERE %s", "id")
_public_statements: dict[str, Statement] = {}


def _public(where: str) -> Statement:
    """The statement of the public events matching ``where`` (one of a few texts: built once each)."""
    statement = _public_statements.get(where)
    if statement is None:
        statement = _public_statements[where] = Statement(_PUBLIC_SQL + where)
    return statement


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


async def _public_details(where: str, params: list[Any], quartier: Quartier | None) -> list[EventDetail]:
    """The details of the public events matching ``where`` (SQL on ``e``, ``{}`` placeholders), venues joined."""
    return await _joined_details(await _public(where).fetch(*params), quartier)


async def _joined_details(rows: list[dict[str, Any]], quartier: Quartier | None) -> list[EventDetail]:
    """The details of event rows that come with their venue's ``prefixed_columns``."""
    venues = {vars(v)["id"]: v for v in take_prefixed_all(Venue, rows) if v is not None}
    return await _details(as_objects(Event, rows), quartier, venues)


async def public_page_event(slug: str, event_id: int) -> tuple[Quartier | None, EventDetail | None, EventSeries | None]:
    """The Quartier of ``slug``, its public event ``event_id`` and the event's series (None where there is none),
    in one statement; the Quartier's plugin switches serve the rest of the request. Texts in the reader's language."""
    rows = await _PAGE.fetch(False, event_id, slug)
    if not rows:
        return None, None, None
    remember_switches(rows[0]["quartiere__id"], rows)
    row = rows[0]  # the others differ only in the plugin switched off
    quartier, series = take_prefixed(Quartier, row), take_prefixed(EventSeries, row)
    if row["id"] is None:
        return quartier, None, None
    details = await _joined_details([row], quartier)
    await localize_details(details)
    return quartier, details[0], series


async def _details(events: list[Event], quartier: Quartier | None = None,
                   venues: dict[int, Venue] | None = None) -> list[EventDetail]:
    """``venues``: the events' venues when the caller has read them already."""
    if not events:
        return []
    values = [vars(e) for e in events]  # the column values: Piccolo's descriptors cost more than the rest here
    quartier_ids = {v["quartier"] for v in values}
    if quartier is not None and quartier_ids == {quartier.id}:
        quartiere = {quartier.id: quartier}
    else:
        quartiere = {q.id: q for q in as_objects(Quartier, await _QUARTIERE.fetch(any_of_param(quartier_ids)))}
    if venues is None:
        venue_ids = {v["venue"] for v in values if v["venue"] is not None}
        venues = {v.id: v for v in as_objects(Venue, await _VENUES.fetch(any_of_param(venue_ids)))} if venue_ids else {}
    rows = await _ORGANISATIONS.fetch(any_of_param(v["id"] for v in values))  # the links and their organisations at once
    orgs: dict[int, Organisation] = {}
    by_event: dict[int, list[tuple[Organisation, str]]] = {}
    for row in rows:
        event_id, role = row.pop("link_event"), row.pop("link_role")
        org = orgs.get(row["id"]) or orgs.setdefault(row["id"], as_objects(Organisation, [row])[0])
        by_event.setdefault(event_id, []).append((org, role))
    return [
        EventDetail(e, quartiere[v["quartier"]], venues.get(v["venue"]), by_event.get(v["id"], []))
        for e, v in zip(events, values)
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


def _offering(features: list[str]) -> tuple[str, list[str]]:
    """SQL on ``e`` and ``v`` (``{}`` placeholders) and its parameters: the event offers all of ``features``, i.e.
    each key is among its venue's or its added keys and not among its removed ones (``accessibility.of_event``)."""
    sql, params = "", []
    for key in accessibility.parse(" ".join(features)):
        # keys are stored space-separated (accessibility.join); "_" is a LIKE wildcard, so it is escaped
        pattern = "% " + key.replace("_", "\\_") + " %"
        sql += (" AND (' ' || COALESCE(v.accessibility_features, '') || ' ' LIKE {} ESCAPE '\\'"
                " OR ' ' || COALESCE(e.accessibility_added, '') || ' ' LIKE {} ESCAPE '\\')"
                " AND ' ' || COALESCE(e.accessibility_removed, '') || ' ' NOT LIKE {} ESCAPE '\\'")
        params += [pattern, pattern, pattern]
    return sql, params


async def public_events(quartier_id: int, include_past: bool = False, limit: int = 100, offset: int = 0,
                        quartier: Quartier | None = None, localized: bool = True, series_id: int | None = None,
                        between: tuple[datetime, datetime] | None = None, features: list[str] | None = None) -> list[EventDetail]:
    """``quartier``: the Quartier object, when the caller has it already (one query less); ``series_id``: its events only;
    ``between``: the events taking place in that period (``include_past`` is then irrelevant);
    ``features``: only events that offer all these accessibility features (keys).

    ``localized=False``: the caller calls ``localize_details`` itself (to add rows of its own to that query).
    """
    where, params = " AND e.quartier = {}", [quartier_id]
    if between is not None:
        where, params = where + " AND e.starts_at < {} AND e.ends_at > {}", [*params, between[1], between[0]]
    elif not include_past:
        where, params = where + " AND e.ends_at >= {}", [*params, now()]
    if series_id is not None:
        where, params = where + " AND e.series = {}", [*params, series_id]
    if features:
        offering, values = _offering(features)
        where, params = where + offering, [*params, *values]
    where += " ORDER BY e.starts_at, e.id LIMIT {} OFFSET {}"
    details = await _public_details(where, [*params, limit, offset], quartier)
    if localized:
        await localize_details(details)
    return details


async def public_event(event_id: int, quartier: Quartier | None = None) -> EventDetail | None:
    """``quartier``: the Quartier the event is expected in, when the caller has it already (one query less).

    Its texts are in the reader's language (``texts``, ``venue_texts``).
    """
    details = await _public_details(" AND e.id = {}", [event_id], quartier)
    if not details:
        return None
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
