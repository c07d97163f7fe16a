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
    CountOutOfRange, Document, Event, StaffContext, bad_request, csv_download, current, event_detail, format_short, format_span,
    location_text, page, parse_int, pdf_download, pdf_file_name, plugin_gettext, require_staff, spreadsheet_safe,
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


WALK_IN_ROUTE = "/staff/anmeldungen/{event_id:int}/ohne-anmeldung"


async def _walk_in_page(request: AnyRequest, staff: StaffContext, event: Event, error: str = "",
                        status_code: int = 200) -> Template:
    rows = await service.walk_ins(event.id)
    groups = service.age_groups()
    by_group = [(label, sum(r["count"] for r in rows if r["age_group"] == key)) for key, label in groups]
    return page(request, "registration/walk_ins.html", {
        "event": event, "error": error, "age_groups": groups,
        "total": sum(r["count"] for r in rows), "first_time": sum(r["count"] for r in rows if r["first_time"]),
        "by_group": by_group, "unknown_group": sum(r["count"] for r in rows if not r["age_group"]),
        "checked_in": (await service.counts(event.id))["checked_in"],
    }, status_code=status_code, staff=staff)


@get(WALK_IN_ROUTE, opt={"quartier": "event:event_id"}, include_in_schema=False)
async def walk_in_screen(request: AnyRequest, event_id: FromPath[int]) -> Template:
    staff = await require_staff(request)
    return await _walk_in_page(request, staff, await _event_for(staff, event_id))


@post(WALK_IN_ROUTE, opt={"quartier": "event:event_id"}, include_in_schema=False)
async def walk_in_count(request: AnyRequest, event_id: FromPath[int]) -> Redirect | Template:
    """+1 or -1 for a person who came without registering; POST-redirect, so it works without JavaScript."""
    staff = await require_staff(request)
    event = await _event_for(staff, event_id)
    form = await request.form()
    delta, age_group = str(form.get("delta", "")), str(form.get("age_group", ""))
    if delta not in ("1", "-1") or age_group not in ("", *service.AGE_GROUPS):
        return await _walk_in_page(request, staff, event, _("Bitte wählen Sie einen Eintrag aus der Liste."), 400)
    try:
        await service.count_walk_in(event_id, int(delta), age_group, form.get("first_time") == "on")
    except CountOutOfRange as exc:
        return await _walk_in_page(request, staff, event, str(exc), 400)
    return Redirect(f"/staff/anmeldungen/{event_id}/ohne-anmeldung", status_code=303)


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


# -- sign-in sheet ------------------------------------------------------------------------------
MAX_EMPTY_ROWS = 60


@get("/staff/anmeldungen/{event_id:int}/anwesenheitsliste.pdf", opt={"quartier": "event:event_id"}, include_in_schema=False)
async def sign_in_sheet(request: AnyRequest, event_id: FromPath[int]) -> Response[bytes] | Template:
    """A4 PDF to sign at the door (portrait: more rows per page than landscape): the confirmed people by name, then ``?leer=`` empty rows (default 10);
    ``?telefon=1`` adds their phone numbers."""
    staff = await require_staff(request)
    await _event_for(staff, event_id)
    params = request.query_params
    empty = parse_int(params.get("leer", "10"), 0, MAX_EMPTY_ROWS)
    if empty is None:
        message = _("Bitte geben Sie zwischen 0 und {max} leere Zeilen an.").format(max=MAX_EMPTY_ROWS)
        return bad_request(request, message, staff=staff)
    with_phone = params.get("telefon") == "1"
    detail = await event_detail(event_id)
    event = detail.event
    people = await Registration.select(Registration.name, Registration.phone, Registration.companions).where(
        (Registration.event == event_id) & (Registration.status == "confirmed")).order_by(Registration.name)
    when, place = format_span(event.starts_at, event.ends_at, event.timezone), location_text(detail)
    doc = Document(_("Anwesenheitsliste"), header_text=" · ".join(part for part in (_("Anwesenheitsliste"), event.title, when) if part))
    doc.add_page()
    doc.heading(f"{_('Anwesenheitsliste')}: {event.title}", size=16)
    doc.paragraph(" · ".join(part for part in (when, place) if part), size=11)
    headings = ["#", _("Name"), *([_("Telefon")] if with_phone else []), _("Unterschrift")]
    rows = []
    for number, person in enumerate(people, start=1):
        name = person["name"] + (f" (+{person['companions']})" if person["companions"] else "")
        rows.append([str(number), name, *([person["phone"]] if with_phone else []), ""])
    rows += [[str(number), "", *([""] if with_phone else []), ""] for number in range(len(people) + 1, len(people) + empty + 1)]
    doc.data_table(headings, rows, widths=(1.1, 5, *((3,) if with_phone else ()), 6), size=11, line_height=7)
    return pdf_download(doc, pdf_file_name("anwesenheitsliste", event.slug))


STAFF_ROUTES = [checkin_screen, checkin, walk_in_screen, walk_in_count, printable_list, export_csv, export_xlsx, sign_in_sheet]
