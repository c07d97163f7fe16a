"""Event series: a recurrence rule (python-dateutil's rrule) that copies a first event to each of its dates.

Every occurrence is an event of its own (own registrations, check-in), linked by ``Event.series``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from core.db import transaction
from core.events import service
from core.events.tables import Event, EventSeries
from core.web.i18n import format_day, gettext as _
from core.web.resources import FieldError

MAX_OCCURRENCES = 60
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
        days = {s.date() for s in starts}
        for day in skipped:
            if day not in days or day == starts[0].date():
                raise FieldError("exceptions", _("Am {day} gibt es keinen Termin dieser Reihe.").format(
                    day=format_day(datetime.combine(day, time(12), ZoneInfo(first.timezone)), first.timezone, "medium")))
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
        await EventSeries.delete().where(EventSeries.id == series_id)

