"""Event series: a recurrence rule (python-dateutil's rrule) that copies a first event to each of its dates.

Every occurrence is an event of its own (own registrations, check-in), linked by ``Event.series``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from core.db import transaction
from core.deployment import current
from core.domain_events import SeriesDeleted
from core.domain_events.service import publish
from core.events import service
from core.events.tables import Event, EventSeries
from core.web.i18n import format_day, gettext as _
from core.web.resources import FieldError

MAX_OCCURRENCES = 60
# An edit of one date of a series applies to …
SCOPES = [("this", "Nur diesen Termin"), ("following", "Diesen und alle folgenden Termine"), ("all", "Alle Termine der Reihe")]
# … and carries these fields to the other dates (times move by the same shift on the wall clock)
SHARED_FIELDS = ("title", "summary", "description", "starts_at", "ends_at", "venue", "contact_name", "contact_phone", "contact_email")
FREQUENCIES = [("weekly", "Wöchentlich"), ("biweekly", "Alle zwei Wochen"), ("monthly", "Monatlich am gleichen Wochentag")]


def _rule(frequency: str, start: datetime, until: date | None, count: int | None) -> rrule:
    """Dates from ``start`` (naive, the event's wall clock): one more than the bound at most."""
    limit = min(count or MAX_OCCURRENCES + 1, MAX_OCCURRENCES + 1)
    end = datetime.combine(until, time.max) if until else None
    if frequency == "monthly":  # the first event's weekday in its week of the month; its 5th week is the last one
        nth = (start.day - 1) // 7 + 1
        day = weekday(start.weekday(), -1 if nth == 5 else nth)
        return rrule(MONTHLY, dtstart=start, byweekday=day, until=end, count=None if end else limit)
    return rrule(WEEKLY, interval=2 if frequency == "biweekly" else 1, dtstart=start, until=end, count=None if end else limit)


def occurrences(first: Event, frequency: str, until: date | None, count: int | None) -> list[datetime]:
    """The starts (aware, in the event's zone) of every date of the series, the first event's included.

    Raises FieldError in German: no end, an end before the first event, more than MAX_OCCURRENCES dates.
    """
    if until is None and count is None:
        raise FieldError("until", _("Bitte geben Sie ein Enddatum oder die Anzahl der Termine an."))
    zone = ZoneInfo(first.timezone)
    start = first.starts_at.astimezone(zone)
    if until is not None and until < start.date():
        raise FieldError("until", _("Das Enddatum liegt vor dem ersten Termin."))
    dates = list(_rule(frequency, start.replace(tzinfo=None), until, count)[:MAX_OCCURRENCES + 1])
    if len(dates) > MAX_OCCURRENCES:
        raise FieldError("count" if until is None else "until",
                         _("Eine Reihe hat höchstens {max} Termine.").format(max=MAX_OCCURRENCES))
    return [d.replace(tzinfo=zone) for d in dates]


def parse_exceptions(text: str) -> list[date]:
    """Dates written as 24.12.2030 (or 2030-12-24), separated by commas or lines."""
    found = []
    for part in text.replace(",", "\n").split():
        try:
            found.append(datetime.strptime(part, "%d.%m.%Y").date() if "." in part else date.fromisoformat(part))
        except ValueError:
            raise FieldError("exceptions", _("„{text}“ ist kein Datum wie 24.12.2030.").format(text=part[:20])) from None
    return sorted(set(found))


def _check_exceptions(first: Event, starts: list[datetime], skipped: list[date]) -> None:
    days = {s.date() for s in starts}
    for day in skipped:
        if day not in days or day == starts[0].date():
            raise FieldError("exceptions", _("Am {day} gibt es keinen Termin dieser Reihe.").format(
                day=format_day(datetime.combine(day, time(12), ZoneInfo(first.timezone)), first.timezone, "medium")))


def _wall(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def own_changes(event: Event) -> set[str]:
    """The fields changed on this date only."""
    return set(filter(None, event.series_changes.split(",")))


async def _dates(series_id: int) -> list[Event]:
    return await Event.objects().where(Event.series == series_id).order_by(Event.starts_at)


async def create_series(event_id: int, frequency: str, until: date | None, count: int | None, exceptions: str) -> EventSeries:
    """A series from an event: the event is its first date, each further date a copy (published if the event is)."""
    if frequency not in dict(FREQUENCIES):
        raise FieldError("frequency", _("Bitte wählen Sie einen Rhythmus."))
    skipped = parse_exceptions(exceptions or "")
    async with transaction():
        first = await Event.objects().where(Event.id == event_id).first()
        if first is None:
            raise FieldError("event", _("Diese Veranstaltung gibt es nicht."))
        if first.series is not None:
            raise FieldError("event", _("Diese Veranstaltung gehört schon zu einer Reihe."))
        starts = occurrences(first, frequency, until, count)
        _check_exceptions(first, starts, skipped)
        series = EventSeries(quartier=first.quartier, title=first.title, slug=first.slug, frequency=frequency, until=until,
                             count=count, exceptions=", ".join(d.isoformat() for d in skipped))
        await series.save()
        await Event.update({Event.series: series.id}).where(Event.id == first.id)
        for start in starts[1:]:
            if start.date() in skipped:
                continue
            slug = await service.free_slug(first.quartier, f"{first.slug}-{start.date().isoformat()}")
            copy = await service.copy_event(first.id, start.replace(tzinfo=None) - starts[0].replace(tzinfo=None), slug=slug,
                                            series=series.id)
            if first.status == "published":
                await service.publish_event(copy.id)
    return series


async def delete_series(series_id: int) -> None:
    """The series goes; its events stay, as single events."""
    async with transaction():
        await Event.update({Event.series: None}).where(Event.series == series_id)
        rows = await EventSeries.delete().where(EventSeries.id == series_id).returning(EventSeries.quartier)
        if rows:
            await publish(current(), SeriesDeleted(quartier_id=rows[0]["quartier"], series=series_id))



async def edit_occurrence(event_id: int, changes: dict[str, Any], scope: str = "this") -> Event:
    """Change one date of a series, or also the following dates or all of them.

    "this" marks the changed fields as the date's own: later edits of several dates leave them alone.
    "following" splits the series: the old rule ends before this date, a new series continues from it.
    Each changed date goes through ``service.update_event`` (new SEQUENCE, ``event.changed`` for the registered);
    other dates that are over stay as they were.
    """
    if scope not in dict(SCOPES):
        raise FieldError("series_scope", _("Bitte wählen Sie einen Eintrag aus der Liste."))
    async with transaction():
        before = await Event.objects().where(Event.id == event_id).first()
        if before is None:
            raise FieldError("event", _("Diese Veranstaltung gibt es nicht."))
        event = await service.update_event(event_id, **changes)
        changed = {name for name, value in changes.items() if getattr(before, name) != value} & set(SHARED_FIELDS)
        if before.series is None or not changed:
            return event
        if scope == "this":
            await _mark(event.id, own_changes(before) | changed)
            return event
        await _mark(event.id, own_changes(before) - changed)
        series_id = before.series
        dates = await _dates(series_id)
        if scope == "following" and dates[0].id != event_id:  # "following" from the first date is "all"
            series_id = (await _split(before, event)).id
            dates = [e for e in dates if e.starts_at > before.starts_at]
        dates = [e for e in dates if e.id != event_id and e.ends_at >= service.now()]  # what is over stays as it was
        shifts = {name: _wall(getattr(event, name), event.timezone) - _wall(getattr(before, name), before.timezone)
                  for name in ("starts_at", "ends_at") if name in changed}
        for other in dates:
            names = changed - own_changes(other)
            values = {name: service.shifted(getattr(other, name), other.timezone, shifts[name]) if name in shifts else changes[name]
                      for name in names}
            if values:
                await service.update_event(other.id, **values)
        if "title" in changed:
            await EventSeries.update({EventSeries.title: event.title}).where(EventSeries.id == series_id)
    return (await Event.objects().where(Event.id == event_id).first()) or event


async def _mark(event_id: int, names: set[str]) -> None:
    await Event.update({Event.series_changes: ",".join(sorted(names))}).where(Event.id == event_id)


async def _split(before: Event, event: Event) -> EventSeries:
    """Split the series at ``before``'s date. The series keeps its id from that date on (so its page, its feed and
    its subscribers follow the dates to come); the dates before it move to a new series that ends the day before."""
    old = await EventSeries.objects().where(EventSeries.id == before.series).first()
    day = _wall(before.starts_at, before.timezone).date()
    dates = await _dates(old.id)
    last = occurrences(dates[0], old.frequency, old.until, old.count)[-1].date()
    skipped = parse_exceptions(old.exceptions)
    earlier = EventSeries(quartier=old.quartier, title=old.title, slug=old.slug, frequency=old.frequency,
                          until=day - timedelta(days=1), count=None,
                          exceptions=", ".join(d.isoformat() for d in skipped if d < day))
    await earlier.save()
    await Event.update({Event.series: earlier.id}).where(
        (Event.series == old.id) & (Event.starts_at < before.starts_at) & (Event.id != before.id))
    await EventSeries.update({EventSeries.until: last, EventSeries.count: None, EventSeries.title: event.title,
                              EventSeries.exceptions: ", ".join(d.isoformat() for d in skipped if d > day)}).where(
        EventSeries.id == old.id)
    old.until, old.count = last, None
    return old


async def change_rule(series_id: int, until: date | None, count: int | None, exceptions: str) -> EventSeries:
    """Extend or shorten a series, or skip dates: new dates are copies of the one before them.

    A date that falls away is deleted while it is a draft (nobody can register for one) and cancelled once published
    (``event.cancelled``: registered people are told); it stays in the series as cancelled. A date moved on its own
    stays, and so does every date that is over.
    """
    skipped = parse_exceptions(exceptions or "")
    async with transaction():
        row = await EventSeries.objects().where(EventSeries.id == series_id).first()
        dates = await _dates(series_id) if row else []
        if not dates:
            raise FieldError("event", _("Diese Veranstaltung gibt es nicht."))
        first = dates[0]
        starts = occurrences(first, row.frequency, until, count)
        _check_exceptions(first, starts, skipped)
        wanted = {s.date() for s in starts} - set(skipped)
        by_day = {_wall(e.starts_at, e.timezone).date(): e for e in dates}
        for day, event in by_day.items():
            moved = "starts_at" in own_changes(event) and day <= max(wanted)
            if day in wanted or moved or event.status == "cancelled" or event.ends_at < service.now():
                continue
            if event.status == "published":
                await service.cancel_event(event.id)
            else:
                await Event.delete().where(Event.id == event.id)
        for start in starts:
            if start.date() not in wanted or start.date() in by_day or start < service.now():
                continue
            template = [e for d, e in by_day.items() if d < start.date() and d in wanted][-1]
            slug = await service.free_slug(first.quartier, f"{row.slug}-{start.date().isoformat()}")
            copy = await service.copy_event(template.id, start.replace(tzinfo=None) - _wall(template.starts_at, template.timezone),
                                            slug=slug, series=series_id)
            if first.status == "published":
                await service.publish_event(copy.id)
        row.until, row.count, row.exceptions = until, count, ", ".join(d.isoformat() for d in skipped)
        await row.save()
    return row
