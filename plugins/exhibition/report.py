"""The exhibition plugin's figure in the staff report: contributions published, per month they were written."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.plugin_api import ReportFigure, by_month, current, plugin_gettext
from plugins.exhibition.tables import Contribution

_ = plugin_gettext("exhibition")


async def report_figures(quartier_id: int, start: date, end: date) -> list[ReportFigure]:
    tz = ZoneInfo(current().settings.timezone)
    rows = await Contribution.select(Contribution.created_at).where(
        (Contribution.quartier == quartier_id) & (Contribution.status == "approved")
        & (Contribution.created_at >= datetime.combine(start, time(0), tz))
        & (Contribution.created_at < datetime.combine(end + timedelta(days=1), time(0), tz)))
    days = [{"day": row["created_at"].astimezone(tz).date(), "count": 1} for row in rows]
    return [ReportFigure("contributions", _("Beiträge (freigegeben)"), by_month(days, day="day"))]
