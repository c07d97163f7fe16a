"""Dashboard widget: per upcoming event seats, unconfirmed, waiting list, check-ins and a small chart."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone

from markupsafe import Markup, escape

from core.plugin_api import Event, StaffContext, Widget, format_month_day, plugin_gettext, render
from plugins.registration import service
from plugins.registration.tables import Registration, RegistrationForm

_ = plugin_gettext("registration")


def chart_svg(days: list[date], totals: list[int], title: str) -> Markup:
    """A cumulative line chart as SVG: black line and dots, labelled axes, no colour needed."""
    width, height, pad = 320, 120, 28
    top = max(totals + [1])
    step = (width - 2 * pad) / max(len(days) - 1, 1)

    def point(i: int, value: int) -> tuple[float, float]:
        return pad + i * step, height - pad - (height - 2 * pad) * value / top

    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(i, v) for i, v in enumerate(totals)))
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>' for x, y in (point(i, v) for i, v in enumerate(totals)))
    first, last = days[0], days[-1]
    title_id = f"chart-{uuid.uuid4().hex[:12]}"
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="{title_id}" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{title_id}">{escape(title)}</title>'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#1a1a1a"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#1a1a1a"/>'
        f'<polyline fill="none" stroke="#1a1a1a" stroke-width="2" points="{points}"/>'
        f'<g fill="#1a1a1a">{dots}</g>'
        f'<text x="{pad}" y="{height - 8}" font-size="11">{escape(format_month_day(first))}</text>'
        f'<text x="{width - pad}" y="{height - 8}" font-size="11" text-anchor="end">{escape(format_month_day(last))}</text>'
        f'<text x="{pad - 4}" y="{pad + 4}" font-size="11" text-anchor="end">{top}</text>'
        f'<text x="{pad - 4}" y="{height - pad}" font-size="11" text-anchor="end">0</text></svg>'
    )


async def timeline(event_id: int, days: int = 21) -> tuple[list[date], list[int]]:
    rows = await Registration.select(Registration.created_at, Registration.seats).where(Registration.event == event_id)
    today = datetime.now(timezone.utc).date()
    start = today - timedelta(days=days - 1)
    per_day: Counter[date] = Counter()
    before = 0
    for row in rows:
        day = row["created_at"].date()
        if day < start:
            before += row["seats"]
        else:
            per_day[day] += row["seats"]
    dates = [start + timedelta(days=i) for i in range(days)]
    totals, running = [], before
    for day in dates:
        running += per_day[day]
        totals.append(running)
    return dates, totals


async def upcoming_widgets(staff: StaffContext) -> list[Widget]:
    if not staff.has_role("admin", "staff"):
        return []
    query = Event.objects().where((Event.ends_at >= datetime.now(timezone.utc)) & (Event.status != "cancelled"))
    quartiere = staff.quartiere_for("registration")
    if quartiere is not None:
        query = query.where(Event.quartier.is_in(list(quartiere) or [-1]))
    events = await query.order_by(Event.starts_at).limit(5)
    forms = {f.event: f for f in await RegistrationForm.objects().where(RegistrationForm.event.is_in([e.id for e in events] or [-1]))}
    widgets = []
    for event in events:
        form = forms.get(event.id)
        if form is None:
            continue
        counts = await service.counts(event.id)
        days, totals = await timeline(event.id)
        title = _("Anmeldungen: {title}").format(title=event.title)
        html = render("registration/widget.html", event=event, form=form, counts=counts,
                      chart=chart_svg(days, totals, _("Angemeldete Plätze in den letzten drei Wochen")),
                      total=totals[-1] if totals else 0)
        widgets.append(Widget(title=title, html=html, order=20))
    return widgets
