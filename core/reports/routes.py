"""The staff report per Quartier and period: on screen (SVG charts, each with its table) and as XLSX."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any, Callable
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from core.deployment import current
from core.quartiere.tables import Quartier
from core.reports import service
from core.reports.charts import bar_chart
from core.web import auth
from core.web.auth import StaffContext, require_staff
from core.web.i18n import format_day, format_month, format_number, gettext as _
from core.web.params import parse_id
from core.web.rendering import page

AnyRequest = Request[Any, Any, Any]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_ROLES = ("admin", "staff")


async def _quartiere(staff: StaffContext) -> list[Quartier]:
    query = Quartier.objects().order_by(Quartier.name)
    if staff.quartier_ids is not None:
        query = query.where(Quartier.id.is_in(list(staff.quartier_ids) or [-1]))
    return await query


async def _chosen(request: AnyRequest) -> tuple[StaffContext, list[Quartier], Quartier | None]:
    """The user, the Quartiere they may report on, and the one asked for (404 for another's or a wrong id)."""
    staff = await require_staff(request)
    auth.require_role(staff, *REPORT_ROLES)
    quartiere = await _quartiere(staff)
    asked = request.query_params.get("quartier")
    if asked is None:
        return staff, quartiere, quartiere[0] if quartiere else None
    wanted = parse_id(asked)
    chosen = next((q for q in quartiere if q.id == wanted), None)
    if chosen is None:
        raise NotFoundException()
    return staff, quartiere, chosen


def _today() -> date:
    return datetime.now(ZoneInfo(current().settings.timezone)).date()


async def _report(request: AnyRequest) -> tuple[StaffContext, dict[str, Any], list[service.ReportFigure] | None, str]:
    staff, quartiere, quartier = await _chosen(request)
    params = request.query_params
    today = _today()
    form = {"quartier": quartier.id if quartier else None, "period": params.get("period") or "year",
            "year": params.get("year") or str(today.year), "quarter": params.get("quarter") or str((today.month - 1) // 3 + 1),
            "month": params.get("month") or str(today.month), "from": params.get("from", ""), "to": params.get("to", "")}
    context: dict[str, Any] = {"quartiere": quartiere, "quartier": quartier, "form": form, "period": None, "error": ""}
    try:
        period = service.parse_period(params, today)
    except service.PeriodError as exc:
        context["error"] = str(exc)
        return staff, context, None, ""
    context["period"] = period
    figures = await service.report_figures(current(), quartier.id, period) if quartier else None
    query = urlencode({k: v for k, v in form.items() if v not in (None, "")})
    return staff, context, figures, query


@get("/staff/berichte", include_in_schema=False)
async def report_page(request: AnyRequest) -> Template:
    staff, context, figures, query = await _report(request)
    period = context["period"]
    charts = []
    if figures is not None and period is not None:
        months = period.months
        labels = [format_month(m) for m in months]
        axis = [format_month(m, with_year=False) for m in months]
        years = [str(m.year) if i == 0 or m.month == 1 else "" for i, m in enumerate(months)]
        for i, figure in enumerate(figures):
            values = [figure.months.get(m, 0) for m in months]
            desc = _("{label} je Monat, {start} bis {end}: insgesamt {total}.").format(
                label=figure.label, start=labels[0], end=labels[-1], total=format_number(figure.total))
            charts.append({
                "figure": figure, "values": values, "id": f"fig-{i}",
                "svg": bar_chart(f"chart-{i}", figure.label, desc, axis, values, years) if figure.chart else None,
            })
        context.update(labels=labels)
    context.update(charts=charts, query=query, period_text=_period_text(period) if period else "",
                   years=list(range(_today().year + 1, _today().year - 10, -1)))
    return page(request, "core/staff/report.html", context, status_code=400 if context["error"] else 200, staff=staff)


def _period_text(period: service.Period) -> str:
    """'Donnerstag, 1. Januar 2026 – Donnerstag, 31. Dezember 2026'."""
    zone = ZoneInfo(current().settings.timezone)
    return " – ".join(format_day(datetime(d.year, d.month, d.day, 12, tzinfo=zone)) for d in (period.start, period.end))


async def _download(request: AnyRequest, make: Callable[[Quartier, service.Period, list[service.ReportFigure]], Response[bytes]]
                    ) -> Response[bytes] | Template:
    """A file of the report asked for, or the form with the error (400)."""
    _staff, context, figures, _query = await _report(request)
    period, quartier = context["period"], context["quartier"]
    if quartier is None:
        raise NotFoundException()
    if period is None or figures is None:
        return await report_page.fn(request)
    return make(quartier, period, figures)


def _xlsx(quartier: Quartier, period: service.Period, figures: list[service.ReportFigure]) -> Response[bytes]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Bericht")
    sheet.append([_("Quartier"), quartier.name])
    sheet.append([_("Von"), period.start])
    sheet.append([_("Bis"), period.end])
    sheet.append([])
    months = period.months
    sheet.append([_("Kennzahl"), _("Gesamt"), *months])
    header = sheet.max_row
    for figure in figures:
        sheet.append([figure.label, figure.total, *[figure.months.get(m, 0) for m in months]])
    for row in (2, 3):
        sheet.cell(row=row, column=2).number_format = "DD.MM.YYYY"
    for cell in sheet[header]:
        cell.font = Font(bold=True)
        if isinstance(cell.value, date):
            cell.number_format = "MMM YYYY"
    sheet.column_dimensions["A"].width = 40
    sheet.freeze_panes = sheet.cell(row=header + 1, column=3)
    out = io.BytesIO()
    book.save(out)
    name = f"bericht-{quartier.slug}-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"
    return Response(out.getvalue(), media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _pdf(quartier: Quartier, period: service.Period, figures: list[service.ReportFigure]) -> Response[bytes]:
    from core.printing import file_name, pdf_download
    from core.reports.pdf import report_pdf

    document = report_pdf(quartier.name, period, _period_text(period), figures)
    return pdf_download(document, file_name("bericht", quartier.slug, period.start.isoformat(), period.end.isoformat()))


@get("/staff/berichte/bericht.xlsx", include_in_schema=False)
async def report_xlsx(request: AnyRequest) -> Response[bytes] | Template:
    return await _download(request, _xlsx)


@get("/staff/berichte/bericht.pdf", include_in_schema=False)
async def report_pdf(request: AnyRequest) -> Response[bytes] | Template:
    return await _download(request, _pdf)


ROUTES = [report_page, report_xlsx, report_pdf]
