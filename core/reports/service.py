"""Anonymous figures per event (recorded by plugins) and the report per Quartier and period.

A figure is a count per event, kind, optional age group and "first time": no person, no time finer
than the event's day. Counts are changed by one conditional UPDATE, so they never fall below zero or
rise above their bound, also when two doors count at once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from core.db import transaction
from core.events.tables import Event
from core.reports.tables import EventFigure
from core.web.i18n import gettext as _

MAX_COUNT = 100_000  # per figure row: more is a typing error, not a visitor count
MAX_PERIOD_DAYS = 5 * 366 + 1  # a custom period of at most five years
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
PERIODS = ("month", "quarter", "year", "custom")


class CountOutOfRange(ValueError):
    """A change that would take a count below zero or above ``MAX_COUNT`` (message for the user)."""


class PeriodError(ValueError):
    """A report period that cannot be read or is out of bounds (one German sentence)."""


@dataclass
class ReportFigure:
    """One line of a report, contributed by a plugin's ``report_figures``: a count per month.

    ``key`` is unique within the plugin; ``label`` is shown as given (translate it with the plugin's ``_``);
    ``months`` maps the first day of a month to its count (missing months count 0); ``chart`` False
    shows the figure in the tables only (e.g. a breakdown by age group).
    """

    key: str
    label: str
    months: dict[date, int] = field(default_factory=dict)
    chart: bool = True
    plugin: str = "core"  # set by the core

    @property
    def total(self) -> int:
        return sum(self.months.values())


@dataclass(frozen=True)
class Period:
    start: date  # first day
    end: date  # last day (inclusive)

    @property
    def months(self) -> list[date]:
        first, months = self.start.replace(day=1), []
        while first <= self.end:
            months.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return months


def month_of(day: date) -> date:
    return day.replace(day=1)


def local_day(event: Event | dict[str, Any]) -> date:
    """The event's first day in its own time zone."""
    starts_at, tz = (event["starts_at"], event["timezone"]) if isinstance(event, dict) else (event.starts_at, event.timezone)
    return starts_at.astimezone(ZoneInfo(tz)).date()


# -- recording -----------------------------------------------------------------------------
def _row(plugin: str, event_id: int, kind: str, age_group: str, first_time: bool) -> Any:
    return ((EventFigure.event == event_id) & (EventFigure.plugin == plugin) & (EventFigure.kind == kind)
            & (EventFigure.age_group == age_group) & (EventFigure.first_time == first_time))


async def _ensure_row(plugin: str, event_id: int, kind: str, age_group: str, first_time: bool, count: int = 0) -> None:
    event = await Event.select(Event.quartier, Event.starts_at, Event.timezone).where(Event.id == event_id).first()
    if event is None:
        raise LookupError(f"no event {event_id}")
    await EventFigure.insert(EventFigure(
        quartier=event["quartier"], event=event_id, held_on=local_day(event), plugin=plugin, kind=kind,
        age_group=age_group, first_time=first_time, count=count,
    )).on_conflict(action="DO NOTHING")


async def change_count(plugin: str, event_id: int, kind: str, delta: int, *, age_group: str = "",
                       first_time: bool = False) -> int:
    """Add ``delta`` (may be negative) to an event's anonymous figure and return the new count.

    Raises ``CountOutOfRange`` (nothing changed) when the count would fall below 0 or exceed ``MAX_COUNT``.
    """
    async with transaction():
        await _ensure_row(plugin, event_id, kind, age_group, first_time)
        where = _row(plugin, event_id, kind, age_group, first_time)
        changed = await EventFigure.update({EventFigure.count: EventFigure.count + delta}).where(
            where & (EventFigure.count >= -delta) & (EventFigure.count <= MAX_COUNT - delta)).returning(EventFigure.count)
        if not changed:
            raise CountOutOfRange(_("Der Zähler kann nicht unter null fallen.") if delta < 0 else
                                  _("Der Zähler hat seine Obergrenze erreicht."))
    return changed[0]["count"]


async def record_once(plugin: str, event_id: int, kind: str, count: int) -> bool:
    """Store a final figure of an event (e.g. the registered people at the deletion deadline) unless one is
    stored already; True when this call stored it."""
    async with transaction():
        if await EventFigure.exists().where(_row(plugin, event_id, kind, "", False)):
            return False
        await _ensure_row(plugin, event_id, kind, "", False, count=min(max(count, 0), MAX_COUNT))
    return True


async def event_moved(event: Event) -> None:
    """Keep the day of an event's figures when the event moves (called in the transaction that moves it)."""
    await EventFigure.update({EventFigure.held_on: local_day(event)}).where(EventFigure.event == event.id)


async def event_figures(plugin: str, event_ids: list[int] | None = None, *, quartier_id: int | None = None,
                        start: date | None = None, end: date | None = None, kinds: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """A plugin's stored figures (of events, or of a Quartier's events held from ``start`` to ``end``):
    rows with event, held_on, kind, age_group, first_time and count."""
    query = EventFigure.select(EventFigure.event, EventFigure.held_on, EventFigure.kind, EventFigure.age_group,
                               EventFigure.first_time, EventFigure.count).where(EventFigure.plugin == plugin)
    if event_ids is not None:
        query = query.where(EventFigure.event.is_in(event_ids or [-1]))
    if quartier_id is not None:
        query = query.where(EventFigure.quartier == quartier_id)
    if start is not None:
        query = query.where(EventFigure.held_on >= start)
    if end is not None:
        query = query.where(EventFigure.held_on <= end)
    if kinds:
        query = query.where(EventFigure.kind.is_in(list(kinds)))
    return await query


def by_month(rows: list[dict[str, Any]], day: str = "held_on", count: str = "count") -> dict[date, int]:
    """Sum ``rows`` per month of their ``day``."""
    months: dict[date, int] = {}
    for row in rows:
        key = month_of(row[day])
        months[key] = months.get(key, 0) + row[count]
    return months


# -- the report ----------------------------------------------------------------------------------
def parse_period(params: Any, today: date) -> Period:
    """The period a report form asks for (``period`` month|quarter|year|custom, ``year``, ``month``,
    ``quarter``, ``from``, ``to``); the current year by default. Raises ``PeriodError``."""
    kind = params.get("period") or "year"
    if kind not in PERIODS:
        raise PeriodError(_("Bitte wählen Sie einen Zeitraum aus der Liste."))
    if kind == "custom":
        try:
            start, end = date.fromisoformat(params.get("from", "")), date.fromisoformat(params.get("to", ""))
        except ValueError:
            raise PeriodError(_("Bitte geben Sie Beginn und Ende als Datum an.")) from None
        if end < start:
            raise PeriodError(_("Das Ende des Zeitraums muss nach seinem Beginn liegen."))
        if (end - start).days > MAX_PERIOD_DAYS:
            raise PeriodError(_("Ein Zeitraum darf höchstens fünf Jahre umfassen."))
    else:
        year = _number(params.get("year"), today.year, EARLIEST.year, LATEST.year)
        if kind == "year":
            start, end = date(year, 1, 1), date(year, 12, 31)
        elif kind == "quarter":
            quarter = _number(params.get("quarter"), (today.month - 1) // 3 + 1, 1, 4)
            start = date(year, 3 * quarter - 2, 1)
            end = date(year, 3 * quarter, calendar.monthrange(year, 3 * quarter)[1])
        else:
            month = _number(params.get("month"), today.month, 1, 12)
            start, end = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if start < EARLIEST or end > LATEST:
        raise PeriodError(_("Bitte wählen Sie einen Zeitraum zwischen 2000 und 2100."))
    return Period(start, end)


def _number(text: Any, default: int, low: int, high: int) -> int:
    text = str(text or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise PeriodError(_("Bitte wählen Sie einen Zeitraum zwischen 2000 und 2100.") if high > 12 else
                          _("Bitte wählen Sie einen Zeitraum aus der Liste."))
    return int(text)


async def held_events(quartier_id: int, start: date, end: date, moment: datetime | None = None) -> list[Event]:
    """The Quartier's published events whose first day is from ``start`` to ``end`` and that have begun, by start."""
    moment = moment or datetime.now(timezone.utc)
    wide_start = datetime.combine(start - timedelta(days=1), time(0), timezone.utc)
    wide_end = datetime.combine(end + timedelta(days=2), time(0), timezone.utc)
    rows = await Event.objects().where(
        (Event.quartier == quartier_id) & (Event.status == "published") & (Event.starts_at >= wide_start)
        & (Event.starts_at < wide_end) & (Event.starts_at <= moment)).order_by(Event.starts_at)
    return [event for event in rows if start <= local_day(event) <= end]


async def keep_held(event: Event, moment: datetime | None = None) -> None:
    """Before an event is deleted: if it was held (published and begun), keep that as a figure, so the report
    still counts it."""
    moment = moment or datetime.now(timezone.utc)
    if event.status == "published" and event.starts_at <= moment:
        await record_once("core", event.id, "held", 1)


async def report_figures(deployment: Any, quartier_id: int, period: Period) -> list[ReportFigure]:
    """The core's figure (events held, deleted ones included) and every switched-on plugin's, in plugin order."""
    held = [{"held_on": local_day(e), "count": 1} for e in await held_events(quartier_id, period.start, period.end)]
    deleted = [row for row in await event_figures("core", quartier_id=quartier_id, start=period.start, end=period.end,
                                                  kinds=("held",)) if row["event"] is None]
    core = ReportFigure("events", _("Veranstaltungen durchgeführt"), by_month(held + deleted))
    answers = await deployment.hooks.report_figures(deployment=deployment, quartier_id=quartier_id, start=period.start,
                                                    end=period.end, quartier=quartier_id)
    found = [core]
    for plugin, items in answers.items():
        for item in items or []:
            item.plugin = plugin
            found.append(item)
    return found
