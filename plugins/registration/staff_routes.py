"""Hand-written staff pages: check-in at the door, the printable list and CSV/XLSX exports per event."""

from __future__ import annotations

import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo
from urllib.parse import urlencode
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.plugin_api import (
    Event, StaffContext, csv_download, current, format_short, page, plugin_gettext, require_staff, spreadsheet_safe,
)
from plugins.registration import service
from plugins.registration.resources import CHANNEL_CHOICES, STATUS_CHOICES
from plugins.registration.tables import SEAT_STATUSES, Registration

_ = plugin_gettext("registration")

AnyRequest = Request[Any, Any, Any]
STATUS_LABELS = dict(STATUS_CHOICES)
# exports and the printed list: who comes first, cancelled and expired last
STATUS_ORDER = {"confirmed": 0, "unconfirmed": 1, "waitlisted": 2, "cancelled": 3, "expired": 4}
CHANNEL_LABELS = dict(CHANNEL_CHOICES)


async def _event_for(staff: StaffContext, event_id: int) -> Event:
    event = await Event.objects().where(Event.id == event_id).first()
    if event is None or not staff.may_see_quartier(event.quartier) or not staff.has_role("admin", "staff"):
        raise NotFoundException()
    return event


@get("/staff/anmeldungen/{event_id:int}/checkin", opt={"quartier": "event:event_id"}, include_in_schema=False)
async def checkin_screen(request: AnyRequest, event_id: FromPath[int]) -> Template:
    staff = await require_staff(request)
    event = await _event_for(staff, event_id)
    q = request.query_params.get("q", "").strip()
    query = Registration.objects().where((Registration.event == event_id) & Registration.status.is_in(list(SEAT_STATUSES)))
    people = await query.order_by(Registration.name)
    if q:
        people = [p for p in people if q.lower() in p.name.lower() or q in (p.phone or "")]
    counts = await service.counts(event_id)
    return page(request, "registration/checkin.html", {
        "event": event, "people": people, "q": q, "counts": counts,
        "expected": counts["confirmed"] + counts["unconfirmed"],
    }, staff=staff)


@post("/staff/anmeldungen/{event_id:int}/checkin/{registration_id:int}", opt={"quartier": "event:event_id"}, include_in_schema=False)
async def checkin(request: AnyRequest, event_id: FromPath[int], registration_id: FromPath[int]) -> Redirect:
    staff = await require_staff(request)
    await _event_for(staff, event_id)
    reg = await Registration.objects().where((Registration.id == registration_id) & (Registration.event == event_id)).first()
    if reg is None:
        raise NotFoundException()
    form = await request.form()
    present = form.get("present", "1") == "1"
    try:
        await service.check_in(reg, present)
    except service.RegistrationStateError as exc:
        from core.plugin_api import flash

        flash(request, str(exc), kind="error")
    q = str(form.get("q", ""))
    query = "?" + urlencode({"q": q}) if q else ""
    return Redirect(f"/staff/anmeldungen/{event_id}/checkin{query}#r{registration_id}", status_code=303)


async def _rows(event_id: int, dates_as_cells: bool = False) -> list[list[Any]]:
    """The export's rows; ``dates_as_cells``: "Angemeldet am" as a local date-time (a spreadsheet date), else as text."""
    tz = current().settings.timezone
    regs = await Registration.objects().where(Registration.event == event_id).order_by(Registration.name)
    regs.sort(key=lambda reg: STATUS_ORDER.get(reg.status, len(STATUS_ORDER)))  # stable: by name within a status
    form = await service.form_for(event_id)
    questions = service.questions(form) if form else []
    rows: list[list[Any]] = []
    for reg in regs:
        answers = json.loads(reg.answers) if isinstance(reg.answers, str) else (reg.answers or {})
        rows.append([spreadsheet_safe(cell) for cell in [
            reg.name, reg.email or "", reg.phone, _(STATUS_LABELS.get(reg.status, reg.status)), await service.position(reg) or "",
            reg.seats, _(CHANNEL_LABELS.get(reg.channel, reg.channel)),
            _("Ja") if reg.checked_in_at else _("Nein"),
            *[_format_answer(answers.get(q["key"])) for q in questions],
        ]] + [_local(reg.created_at, tz) if dates_as_cells else format_short(reg.created_at, tz)])
    return rows


def _local(moment: datetime, tz: str) -> datetime:
    """A spreadsheet cell has no time zone: the deployment's local time, without one."""
    return moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None, microsecond=0)


def _format_answer(value: Any) -> Any:
    if value is True:
        return _("Ja")
    if value is False:
        return _("Nein")
    return "" if value is None else value


async def _header(event_id: int) -> list[str]:
    form = await service.form_for(event_id)
    questions = service.questions(form) if form else []
    return [_("Name"), _("E-Mail"), _("Telefon"), _("Status"), _("Wartelistenplatz"), _("Plätze"), _("Weg"),
            _("Eingecheckt"), *[q["label"] for q in questions], _("Angemeldet am")]


@get("/staff/anmeldungen/{event_id:int}/liste", opt={"quartier": "event:event_id"}, include_in_schema=False)
async def printable_list(request: AnyRequest, event_id: FromPath[int]) -> Template:
    staff = await require_staff(request)
    event = await _event_for(staff, event_id)
    return page(request, "registration/list.html", {
        "event": event, "header": await _header(event_id), "rows": await _rows(event_id), "counts": await service.counts(event_id),
    }, staff=staff)


@get("/staff/anmeldungen/{event_id:int}/export.csv", opt={"quartier": "event:event_id"}, include_in_schema=False)
async def export_csv(request: AnyRequest, event_id: FromPath[int]) -> Response[bytes]:
    staff = await require_staff(request)
    event = await _event_for(staff, event_id)
    return csv_download(await _header(event_id), await _rows(event_id), f"anmeldungen-{event.slug}.csv")


@get("/staff/anmeldungen/{event_id:int}/export.xlsx", opt={"quartier": "event:event_id"}, include_in_schema=False)
async def export_xlsx(request: AnyRequest, event_id: FromPath[int]) -> Response[bytes]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    staff = await require_staff(request)
    event = await _event_for(staff, event_id)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Anmeldungen")
    sheet.append(await _header(event_id))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in await _rows(event_id, dates_as_cells=True):
        sheet.append(row)
        sheet.cell(row=sheet.max_row, column=len(row)).number_format = "DD.MM.YYYY HH:MM"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="anmeldungen-{event.slug}.xlsx"'})


STAFF_ROUTES = [checkin_screen, checkin, printable_list, export_csv, export_xlsx]
