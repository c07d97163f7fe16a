"""Paper for the notice board: an event's poster (A4) and flyer (A6), and a Quartier's programme (A4)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException, TooManyRequestsException
from litestar.params import FromPath
from litestar.response import Template

from core.deployment import current
from core.events import service
from core.events.ical import location_text
from core.events.routes import base_url, event_page_url
from core.events.service import EventDetail
from core.printing import Document, file_name, pdf_download, poster
from core.quartiere.service import get_by_slug
from core.web.auth import client_address, require_staff
from core.web.i18n import format_clock, format_day, format_month_day, format_period, format_span, gettext as _, in_language, language
from core.web.rendering import bad_request
from core.web.store import hit

AnyRequest = Request[Any, Any, Any]
PERIODS = ("woche", "monat")
PERIOD_YEARS = 2  # a programme from two years back to two years ahead
PROGRAMME_LIMIT = 200
PROGRAMMES_PER_MINUTE = 20  # per client: a PDF costs a few hundred milliseconds


def _print_language(request: AnyRequest, default: str) -> str | None:
    """The language a paper is asked for (``?lang=``, else ``default``); None when it is not offered."""
    lang = request.query_params.get("lang") or default
    return lang if lang in current().settings.languages else None


def accessibility_text(detail: EventDetail) -> str:
    """The event's accessibility features, then the venue's note, for paper."""
    note = detail.venue_texts.accessibility.text if detail.venue and detail.venue_texts.get("accessibility") else ""
    return " · ".join(part for part in (", ".join(f.local_label for f in detail.accessibility), note) if part)


# -- poster and flyer --------------------------------------------------------------------------------------
def event_sheet(detail: EventDetail, size: Literal["A4", "A6"]) -> Document:
    """The poster (A4) or flyer (A6) of an event in the current language; its QR code leads to the event's page."""
    event, venue, texts = detail.event, detail.venue, detail.texts
    url = event_page_url(detail) + ("" if language() == current().settings.default_language else f"?lang={language()}")
    accessibility = accessibility_text(detail)
    contact = " · ".join(part for part in (event.contact_name, event.contact_phone, event.contact_email) if part)
    return poster(
        texts.title.text, url, _("Alle Informationen: QR-Code mit dem Handy scannen"), size=size,
        band=detail.quartier.office or detail.quartier.name,
        alert=_("Diese Veranstaltung wurde abgesagt.") if event.status == "cancelled" else "",
        facts=[format_span(event.starts_at, event.ends_at, event.timezone), location_text(detail) if venue else ""],
        body=texts.summary.text or texts.description.text,
        notes=[f"{_('Barrierefreiheit')}: {accessibility}" if accessibility else "",
               _("Der Eintritt ist frei.") if event.free_admission else "", f"{_('Kontakt')}: {contact}" if contact else ""],
    )


async def _staff_event(request: AnyRequest, event_id: int) -> EventDetail:
    staff = await require_staff(request)
    detail = await service.event_detail(event_id)
    if detail is None or not staff.may_see_quartier(detail.event.quartier) or not staff.has_role("admin", "staff"):
        raise NotFoundException()
    return detail


async def _sheet(request: AnyRequest, event_id: int, size: Literal["A4", "A6"], name: str) -> Response[bytes] | Template:
    detail = await _staff_event(request, event_id)
    lang = _print_language(request, current().settings.default_language)
    if lang is None:
        return bad_request(request, _("Diese Sprache wird nicht angeboten."))
    with in_language(lang):
        await service.localize_details([detail], lang)
        return pdf_download(event_sheet(detail, size), file_name(name, detail.event.slug, lang))


@get("/staff/veranstaltungen/{event_id:int}/plakat.pdf", include_in_schema=False)
async def event_poster(request: AnyRequest, event_id: FromPath[int]) -> Response[bytes] | Template:
    """A4 poster of an event; ``?lang=`` one of the offered languages (default: the deployment's)."""
    return await _sheet(request, event_id, "A4", "plakat")


@get("/staff/veranstaltungen/{event_id:int}/handzettel.pdf", include_in_schema=False)
async def event_flyer(request: AnyRequest, event_id: FromPath[int]) -> Response[bytes] | Template:
    """A6 flyer of an event, like the poster."""
    return await _sheet(request, event_id, "A6", "handzettel")


# -- the programme -----------------------------------------------------------------------------------------
def programme_period(kind: str | None, start: str | None, today: date) -> tuple[date, date] | None:
    """The first and the day after the last day of the week (from Monday) or month around ``start``; None when out of bounds."""
    kind = kind or "woche"
    try:
        day = date.fromisoformat(start) if start else today
    except ValueError:
        return None
    if kind not in PERIODS or abs((day - today).days) > PERIOD_YEARS * 366:
        return None
    if kind == "woche":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=7)
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def _dates(detail: EventDetail) -> tuple[str, str]:
    """'Freitag, 11. Juni' (to 'Sonntag, 13. Juni' over several days) and '15:00 – 18:00'."""
    event, tz = detail.event, detail.event.timezone
    start, end = detail.local(event.starts_at), detail.local(event.ends_at)
    day = f"{format_day(event.starts_at, tz, 'EEEE')}, {format_month_day(start.date())}"
    if start.date() != end.date():
        day = f"{day} – {format_day(event.ends_at, tz, 'EEEE')}, {format_month_day(end.date())}"
    return day, f"{format_clock(event.starts_at, tz)} – {format_clock(event.ends_at, tz)}"


def programme(quartier: Any, details: list[EventDetail], first: date, after: date, kind: str) -> Document:
    """The programme of a Quartier for a week or month, in the current language; its QR code leads to the Quartier's page."""
    url = f"{base_url()}/{quartier.slug}/"
    period = format_period(first, after - timedelta(days=1), "month" if kind == "monat" else "days")
    title = f"{_('Programm')} {quartier.name}"
    doc = Document(title, header_text=f"{title} · {period}", footer_text=url)
    doc.add_page()
    qr = 32
    doc.qr_code(url, doc.l_margin if doc.rtl else doc.w - doc.r_margin - qr, doc.get_y(), qr)
    doc.set_x(doc.l_margin + (qr + 4 if doc.rtl else 0))
    used = doc.fitted(title, 20, 22, 14, bold=True, colour=doc.colour, width=doc.w - doc.l_margin - doc.r_margin - qr - 4)
    doc.set_x(doc.l_margin + (qr + 4 if doc.rtl else 0))
    used += doc.fitted(period, 10, 14, 10, bold=True, width=doc.w - doc.l_margin - doc.r_margin - qr - 4)
    doc.set_y(doc.get_y() + max(0, qr + 4 - used))
    if not details:
        doc.paragraph(_("Zurzeit sind keine Veranstaltungen geplant."))
        return doc
    rows = []
    for d in details:
        day, clock = _dates(d)
        what = d.texts.title.text
        if d.event.status == "cancelled":
            what = f"{_('Abgesagt')}: {what}"
        if d.texts.summary.text:
            what += "\n" + d.texts.summary.text
        place = d.venue.name if d.venue else ""
        notes = accessibility_text(d)
        if notes:
            place += "\n" + (notes if len(notes) <= 120 else notes[:119].rsplit(" ", 1)[0] + "…")
        rows.append([day, clock, what, place])
    doc.data_table([_("Datum"), _("Uhrzeit"), _("Veranstaltung"), _("Ort")], rows, widths=(2.2, 1.6, 4.2, 3), size=9.5)
    return doc


@get("/{quartier:str}/programm.pdf", include_in_schema=False)
async def quartier_programme(request: AnyRequest, quartier: FromPath[str]) -> Response[bytes] | Template:
    """The public events of a week (``?zeitraum=woche``, default) or month (``monat``) around ``?ab=`` (default: today)."""
    q = await get_by_slug(quartier)
    if q is None:
        raise NotFoundException()
    if await hit(f"programme:{client_address(request)}", 60) > PROGRAMMES_PER_MINUTE:
        raise TooManyRequestsException()
    lang = _print_language(request, language())
    if lang is None:
        return bad_request(request, _("Diese Sprache wird nicht angeboten."))
    tz = ZoneInfo(current().settings.timezone)
    params = request.query_params
    bounds = programme_period(params.get("zeitraum"), params.get("ab"), datetime.now(tz).date())
    if bounds is None:
        return bad_request(request, _("Bitte wählen Sie eine Woche oder einen Monat, höchstens zwei Jahre von heute entfernt."))
    first, after = bounds
    between = (datetime.combine(first, datetime.min.time(), tz), datetime.combine(after, datetime.min.time(), tz))
    with in_language(lang):
        details = await service.public_events(q.id, quartier=q, between=between, limit=PROGRAMME_LIMIT, localized=False)
        await service.localize_details(details, lang)
        doc = programme(q, details, first, after, params.get("zeitraum") or "woche")
        return pdf_download(doc, file_name("programm", q.slug, first.isoformat()), inline=True)


ROUTES = [event_poster, event_flyer, quartier_programme]
