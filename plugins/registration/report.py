"""The registration plugin's figures in the staff report: registered, checked in, walk-ins (anonymous counts)."""

from __future__ import annotations

from datetime import date

from core.plugin_api import ReportFigure, by_month, event_figures, held_events, local_day, plugin_gettext
from plugins.registration import service

_ = plugin_gettext("registration")


async def report_figures(quartier_id: int, start: date, end: date) -> list[ReportFigure]:
    rows = await event_figures(service.PLUGIN, quartier_id=quartier_id, start=start, end=end)
    held = await held_events(quartier_id, start, end)
    # registered: the figure kept at the deletion deadline (also of events deleted since), else the registrations now
    kept = [row for row in rows if row["kind"] == "registered"]
    counted = {row["event"] for row in kept}
    live_events = [e for e in held if e.id not in counted]
    live = await service.registered_seats([e.id for e in live_events])
    registered = kept + [{"held_on": local_day(e), "count": live.get(e.id, 0)} for e in live_events]
    walk_ins = [row for row in rows if row["kind"] == "walk_in"]
    figures = [
        ReportFigure("registered", _("Angemeldet"), by_month(registered)),
        ReportFigure("checked_in", _("Eingecheckt"), by_month([row for row in rows if row["kind"] == "checked_in"])),
        ReportFigure("walk_in", _("Ohne Anmeldung gekommen"), by_month(walk_ins)),
        ReportFigure("walk_in_first_time", _("davon zum ersten Mal hier"),
                     by_month([row for row in walk_ins if row["first_time"]]), chart=False),
    ]
    for key, label in service.age_groups():
        figures.append(ReportFigure(f"walk_in_{key}", _("davon {group}").format(group=label),
                                    by_month([row for row in walk_ins if row["age_group"] == key]), chart=False))
    return figures
