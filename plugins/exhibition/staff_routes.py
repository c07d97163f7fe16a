"""Hand-written staff pages: the moderation queue, exhibit order, images, the QR poster and the exports."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.plugin_api import (
    Event, Field, Quartier, StaffContext, csv_download, current, flash, format_short, in_language, page, parse_id, pdf_download,
    pdf_file_name, pdf_poster, plugin_gettext, record_audit, require_staff, row_scope, spreadsheet_safe, transaction,
)
from plugins.exhibition import service
from plugins.exhibition.media import ImageRejected
from plugins.exhibition.resources import PUBLISH_CHOICES
from plugins.exhibition.roles import MODERATORS
from plugins.exhibition.routes import image_urls, qr_svg
from plugins.exhibition.service import ImageInput, QueueFilter, StateError
from plugins.exhibition.settings import ExhibitionSettings
from plugins.exhibition.tables import Contribution, Exhibit, ExhibitImage, Exhibition, GuidingQuestion

_ = plugin_gettext("exhibition")

AnyRequest = Request[Any, Any, Any]
EDITORS = ("admin", "staff")
STATUS_LABELS = {"pending": "Wartet auf Prüfung", "approved": "Freigegeben", "rejected": "Abgelehnt", "hidden": "Ausgeblendet"}


async def _staff(request: AnyRequest, roles: tuple[str, ...]) -> StaffContext:
    staff = await require_staff(request)
    if not staff.has_role(*roles):
        raise PermissionDeniedException(_("Für diese Seite fehlt Ihnen die Berechtigung."))
    return staff


def _visible(staff: StaffContext, quartier_id: int | None) -> None:
    quartiere = staff.quartiere_for("exhibition")
    if quartier_id is None or (quartiere is not None and quartier_id not in quartiere):
        raise NotFoundException()


# -- moderation queue --------------------------------------------------------------------------
async def _question_labels(quartier_ids: set[int] | None) -> list[tuple[GuidingQuestion, str]]:
    query = GuidingQuestion.objects().order_by(GuidingQuestion.position).order_by(GuidingQuestion.id)
    if quartier_ids is not None:
        query = query.where(GuidingQuestion.quartier.is_in(list(quartier_ids) or [-1]))
    questions = await query
    exhibitions = {e.id: e.title for e in await Exhibition.objects().where(
        Exhibition.id.is_in([q.exhibition for q in questions if q.exhibition] or [-1]))}
    events = {row["id"]: row["title"] for row in await Event.select(Event.id, Event.title).where(
        Event.id.is_in([q.event for q in questions if q.event] or [-1]))}
    return [(q, exhibitions.get(q.exhibition) or events.get(q.event) or "") for q in questions]


def _queue_url(state: str, question: int | None) -> str:
    params = {k: v for k, v in {"status": state if state != "offen" else "", "frage": question or ""}.items() if v}
    return "/staff/moderation" + ("?" + urlencode(params) if params else "")


@get("/staff/moderation", opt={"quartier": "none"}, include_in_schema=False)
async def moderation_queue(request: AnyRequest) -> Template:
    staff = await _staff(request, MODERATORS)
    state = request.query_params.get("status", "offen")
    state = state if state in service.QUEUE_STATES else "offen"
    frage = parse_id(request.query_params.get("frage"))
    quartiere = staff.quartiere_for("exhibition")  # theirs, where the exhibition is switched on
    questions = await _question_labels(quartiere)
    by_id = {q.id: (q, where) for q, where in questions}
    flt = QueueFilter(state=state, question=frage if frage in by_id else None)
    items = await service.queue(quartiere, flt)
    counts = {name: await service.count(quartiere, name) for name in service.QUEUE_STATES}
    return page(request, "exhibition/moderation.html", {
        "items": [(c, *by_id.get(c.question, (None, ""))) for c in items], "state": state, "states": service.QUEUE_STATES,
        "counts": counts, "questions": questions, "selected_question": flt.question,
        "back": _queue_url(state, flt.question), "status_labels": STATUS_LABELS,
    }, staff=staff)


@post("/staff/moderation/{contribution_id:int}/{decision:str}", opt={"quartier": row_scope("contribution_id", Contribution.quartier)}, include_in_schema=False)
async def moderate(request: AnyRequest, contribution_id: FromPath[int], decision: FromPath[str]) -> Redirect:
    staff = await _staff(request, MODERATORS)
    contribution = await Contribution.objects().where(Contribution.id == contribution_id).first()
    if contribution is None:
        raise NotFoundException()
    _visible(staff, contribution.quartier)
    form = await request.form()
    back = str(form.get("back", "")) or "/staff/moderation"
    back = back if back.startswith("/staff/moderation") else "/staff/moderation"
    messages = {"approve": "Der Beitrag ist freigegeben.", "reject": "Der Beitrag ist abgelehnt.",
                "hide": "Der Beitrag ist ausgeblendet.", "highlight": "Der Beitrag ist hervorgehoben.",
                "unhighlight": "Der Beitrag ist nicht mehr hervorgehoben."}
    if decision not in messages:
        raise NotFoundException()
    try:
        async with transaction():
            if decision == "approve":
                await service.approve(contribution, staff.user.id)
            elif decision == "reject":
                await service.reject(contribution, str(form.get("reason", "")), staff.user.id)
            elif decision == "hide":
                await service.hide(contribution, staff.user.id)
            else:
                await service.highlight(contribution, decision == "highlight", staff.user.id)
            await record_audit(staff.user, f"contribution-{decision}", "contributions", contribution.id,
                               service.shorten(contribution.text, 60),
                               {"reason": str(form.get("reason", ""))} if decision == "reject" else None)
    except ValueError as exc:  # StateError too
        flash(request, _(str(exc)), kind="error")
    else:
        flash(request, _(messages[decision]))
    return Redirect(f"{back}#c{contribution.id}" if decision != "approve" else back, status_code=303)


# -- exhibits in order -------------------------------------------------------------------------
async def _exhibition_for(staff: StaffContext, exhibition_id: int) -> Exhibition:
    exhibition = await service.get_exhibition(exhibition_id)
    _visible(staff, exhibition.quartier if exhibition else None)
    return exhibition  # type: ignore[return-value]


async def _exhibit_for(staff: StaffContext, exhibit_id: int) -> tuple[Exhibit, Exhibition]:
    exhibit = await Exhibit.objects().where(Exhibit.id == exhibit_id).first()
    if exhibit is None:
        raise NotFoundException()
    return exhibit, await _exhibition_for(staff, exhibit.exhibition)


@get("/staff/ausstellungen/{exhibition_id:int}/exponate", opt={"quartier": row_scope("exhibition_id", Exhibition.quartier)}, include_in_schema=False)
async def exhibit_order(request: AnyRequest, exhibition_id: FromPath[int]) -> Template:
    staff = await _staff(request, EDITORS)
    exhibition = await _exhibition_for(staff, exhibition_id)
    exhibits = await service.exhibits_of(exhibition.id)
    images = await service.images_of([e.id for e in exhibits])
    slug = await service.quartier_slug(exhibition.quartier)
    return page(request, "exhibition/staff_exhibits.html", {
        "exhibition": exhibition, "exhibits": exhibits, "image_counts": {k: len(v) for k, v in images.items()},
        "public_url": service.exhibition_path(exhibition, slug), "status_labels": dict(PUBLISH_CHOICES),
    }, staff=staff)


@post("/staff/ausstellungen/exponate/{exhibit_id:int}/verschieben", opt={"quartier": row_scope("exhibit_id", Exhibit.exhibition.quartier)}, include_in_schema=False)
async def move_exhibit(request: AnyRequest, exhibit_id: FromPath[int]) -> Redirect:
    staff = await _staff(request, EDITORS)
    exhibit, exhibition = await _exhibit_for(staff, exhibit_id)
    form = await request.form()
    try:
        await service.move_exhibit(exhibit, -1 if form.get("richtung") == "hoch" else 1)
    except StateError as exc:
        flash(request, _(str(exc)), kind="error")
    return Redirect(f"/staff/ausstellungen/{exhibition.id}/exponate#e{exhibit.id}", status_code=303)


# -- images ------------------------------------------------------------------------------------
async def _images_page(request: AnyRequest, staff: StaffContext, exhibit: Exhibit, exhibition: Exhibition, *,
                       errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status_code: int = 200) -> Template:
    slug = await service.quartier_slug(exhibition.quartier)
    images = (await service.images_of([exhibit.id]))[exhibit.id]
    s = service.settings()
    return page(request, "exhibition/staff_images.html", {
        "exhibit": exhibit, "exhibition": exhibition, "images": [{"image": i, **image_urls(slug, i)} for i in images],
        "errors": errors or {}, "values": values or {}, "max_mb": s.max_upload_mb, "max_mp": s.max_megapixels,
    }, status_code=status_code, staff=staff)


@get("/staff/ausstellungen/exponate/{exhibit_id:int}/bilder", opt={"quartier": row_scope("exhibit_id", Exhibit.exhibition.quartier)}, include_in_schema=False)
async def images_page(request: AnyRequest, exhibit_id: FromPath[int]) -> Template:
    staff = await _staff(request, EDITORS)
    exhibit, exhibition = await _exhibit_for(staff, exhibit_id)
    return await _images_page(request, staff, exhibit, exhibition)


def _image_text(form: Any) -> ImageInput:
    return msgspec.convert({name: str(form.get(name, "")) for name in ("alt_text", "caption", "credit", "licence")}, ImageInput)


@post("/staff/ausstellungen/exponate/{exhibit_id:int}/bilder", opt={"quartier": row_scope("exhibit_id", Exhibit.exhibition.quartier)}, include_in_schema=False)
async def upload_image(request: AnyRequest, exhibit_id: FromPath[int]) -> Template | Redirect:
    staff = await _staff(request, EDITORS)
    exhibit, exhibition = await _exhibit_for(staff, exhibit_id)
    form = await request.form()
    text = _image_text(form)
    values = msgspec.structs.asdict(text)
    errors = service.check_image_text(text)
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    if not data:
        errors["file"] = "Bitte wählen Sie eine Bilddatei aus."
    if errors:
        return await _images_page(request, staff, exhibit, exhibition, errors=errors, values=values, status_code=400)
    try:
        image = await service.add_image(exhibit, data, text)
    except ImageRejected as exc:
        return await _images_page(request, staff, exhibit, exhibition, errors={"file": str(exc)}, values=values, status_code=400)
    await record_audit(staff.user, "image-upload", "exhibits", exhibit.id, exhibit.title, {"image": image.id})
    flash(request, _("Das Bild ist hochgeladen."))
    return Redirect(f"/staff/ausstellungen/exponate/{exhibit.id}/bilder#i{image.id}", status_code=303)


FORM_BYTES = 64 * 1024  # the text fields and the multipart framing next to the file


def upload_routes(settings: ExhibitionSettings) -> Router:
    """The upload route with a body limit from ``max_upload_mb``: a larger request is refused (413) unread."""
    return Router(path="/", route_handlers=[upload_image], exception_handlers={413: _too_large},
                  request_max_body_size=int(settings.max_upload_mb * 1_000_000) + FORM_BYTES)


def _too_large(request: AnyRequest, exc: Exception) -> Template:
    mb = f"{service.settings().max_upload_mb:g}".replace(".", ",")
    return page(request, "core/error.html", {"title": _("Datei zu groß"), "message": _(
        "Die Datei ist zu groß (höchstens {mb} MB). Bitte wählen Sie eine kleinere Datei.").format(mb=mb)}, status_code=413)


async def _image_for(staff: StaffContext, image_id: int) -> tuple[ExhibitImage, Exhibit]:
    image = await ExhibitImage.objects().where(ExhibitImage.id == image_id).first()
    if image is None:
        raise NotFoundException()
    exhibit, _exhibition = await _exhibit_for(staff, image.exhibit)
    return image, exhibit


@post("/staff/ausstellungen/bilder/{image_id:int}/bearbeiten", opt={"quartier": row_scope("image_id", ExhibitImage.exhibit.exhibition.quartier)}, include_in_schema=False)
async def edit_image(request: AnyRequest, image_id: FromPath[int]) -> Redirect:
    staff = await _staff(request, EDITORS)
    image, exhibit = await _image_for(staff, image_id)
    try:
        await service.update_image(image, _image_text(await request.form()))
    except ValueError as exc:
        flash(request, _(str(exc)), kind="error")
    else:
        flash(request, _("Die Angaben zum Bild sind gespeichert."))
    return Redirect(f"/staff/ausstellungen/exponate/{exhibit.id}/bilder#i{image.id}", status_code=303)


@post("/staff/ausstellungen/bilder/{image_id:int}/verschieben", opt={"quartier": row_scope("image_id", ExhibitImage.exhibit.exhibition.quartier)}, include_in_schema=False)
async def move_image(request: AnyRequest, image_id: FromPath[int]) -> Redirect:
    staff = await _staff(request, EDITORS)
    image, exhibit = await _image_for(staff, image_id)
    form = await request.form()
    try:
        await service.move_image(image, -1 if form.get("richtung") == "hoch" else 1)
    except StateError as exc:
        flash(request, _(str(exc)), kind="error")
    return Redirect(f"/staff/ausstellungen/exponate/{exhibit.id}/bilder#i{image.id}", status_code=303)


@post("/staff/ausstellungen/bilder/{image_id:int}/loeschen", opt={"quartier": row_scope("image_id", ExhibitImage.exhibit.exhibition.quartier)}, include_in_schema=False)
async def delete_image(request: AnyRequest, image_id: FromPath[int]) -> Redirect:
    staff = await _staff(request, EDITORS)
    image, exhibit = await _image_for(staff, image_id)
    await service.delete_image(image)
    await record_audit(staff.user, "image-delete", "exhibits", exhibit.id, exhibit.title, {"image": image.id})
    flash(request, _("Das Bild ist gelöscht."))
    return Redirect(f"/staff/ausstellungen/exponate/{exhibit.id}/bilder", status_code=303)


# -- QR poster ---------------------------------------------------------------------------------
@get("/staff/ausstellungen/fragen/{question_id:int}/aushang", opt={"quartier": row_scope("question_id", GuidingQuestion.quartier)}, include_in_schema=False)
async def poster(request: AnyRequest, question_id: FromPath[int]) -> Template:
    staff = await _staff(request, EDITORS)
    question = await GuidingQuestion.objects().where(GuidingQuestion.id == question_id).first()
    _visible(staff, question.quartier if question else None)
    slug = await service.quartier_slug(question.quartier)
    url = service.absolute(service.question_path(question, slug))
    from markupsafe import Markup

    svg = qr_svg(url).decode("utf-8")
    return page(request, "exhibition/poster.html", {
        "question": question, "url": url, "qr": Markup(svg), "public": await service.question_is_public(question),
    }, staff=staff)


@get("/staff/ausstellungen/fragen/{question_id:int}/aushang.pdf", opt={"quartier": row_scope("question_id", GuidingQuestion.quartier)},
     include_in_schema=False)
async def poster_pdf(request: AnyRequest, question_id: FromPath[int]) -> Response[bytes]:
    """The question's poster as an A4 PDF (core's poster layout), in the deployment's language."""
    staff = await _staff(request, EDITORS)
    question = await GuidingQuestion.objects().where(GuidingQuestion.id == question_id).first()
    _visible(staff, question.quartier if question else None)
    quartier = await Quartier.objects().where(Quartier.id == question.quartier).first()
    url = service.absolute(service.question_path(question, quartier.slug))
    with in_language(current().settings.default_language):
        doc = pdf_poster(question.text, url, _("QR-Code mit dem Handy scannen und antworten – anonym oder mit Namen."),
                         band=quartier.office or quartier.name, kicker=_("Ihre Meinung ist gefragt"))
        return pdf_download(doc, pdf_file_name("aushang", question.text[:60]))


# -- answers written on paper -------------------------------------------------------------------
async def _paper_question(request: AnyRequest, question_id: int) -> tuple[StaffContext, GuidingQuestion]:
    staff = await _staff(request, EDITORS)
    question = await GuidingQuestion.objects().where(GuidingQuestion.id == question_id).first()
    _visible(staff, question.quartier if question else None)
    return staff, question  # type: ignore[return-value]


def _paper_page(request: AnyRequest, staff: StaffContext, question: GuidingQuestion, text: str = "",
                error: str = "", status_code: int = 200) -> Template:
    return page(request, "exhibition/paper.html", {
        "question": question, "fields": [Field("text", _("Antworten"), type="textarea", required=True, help=_(
            "Schreiben Sie jede Karte ab und lassen Sie zwischen zwei Antworten eine Zeile frei. Die Antworten werden als "
            "„auf Papier“ markiert und wie andere Beiträge geprüft."))], "values": {"text": text}, "errors": {"text": error} if error else {},
        "choices": {}, "editing": False, "resource": {"plugin": "exhibition"}, "max_answers": service.MAX_PAPER_ANSWERS,
    }, status_code=status_code, staff=staff)


@get("/staff/ausstellungen/fragen/{question_id:int}/papier", opt={"quartier": row_scope("question_id", GuidingQuestion.quartier)}, include_in_schema=False)
async def paper_form(request: AnyRequest, question_id: FromPath[int]) -> Template:
    staff, question = await _paper_question(request, question_id)
    return _paper_page(request, staff, question)


@post("/staff/ausstellungen/fragen/{question_id:int}/papier", opt={"quartier": row_scope("question_id", GuidingQuestion.quartier)}, include_in_schema=False)
async def paper_submit(request: AnyRequest, question_id: FromPath[int]) -> Template | Redirect:
    """Several answers from paper cards at once, all or none."""
    staff, question = await _paper_question(request, question_id)
    text = str((await request.form()).get("text", ""))
    try:
        async with transaction():
            saved = await service.submit_paper(question, text)
            await record_audit(staff.user, "contribution-paper", "guiding-questions", question.id,
                               service.shorten(question.text, 60), {"contributions": ",".join(str(c.id) for c in saved)})
    except service.InvalidContribution as exc:
        return _paper_page(request, staff, question, text, exc.errors["text"], status_code=400)
    flash(request, _.ngettext("%(num)d Antwort von Papier ist gespeichert.", "%(num)d Antworten von Papier sind gespeichert.",
                              len(saved)) % {"num": len(saved)})
    return Redirect(f"/staff/ausstellungen/fragen/{question.id}/papier", status_code=303)


# -- exports -----------------------------------------------------------------------------------
async def _export_scope(request: AnyRequest, staff: StaffContext) -> tuple[str, list[GuidingQuestion]]:
    """The questions of ?frage=, ?ausstellung= or ?veranstaltung=, and a title for them."""
    params = request.query_params
    question_id, exhibition_id, event_id = (parse_id(params.get(name)) for name in ("frage", "ausstellung", "veranstaltung"))
    if question_id is not None:
        question = await GuidingQuestion.objects().where(GuidingQuestion.id == question_id).first()
        _visible(staff, question.quartier if question else None)
        return question.text, [question]
    if exhibition_id is not None:
        exhibition = await _exhibition_for(staff, exhibition_id)
        return exhibition.title, await service.questions_of(exhibition_id=exhibition.id)
    if event_id is not None:
        event = await Event.objects().where(Event.id == event_id).first()
        _visible(staff, event.quartier if event else None)
        return event.title, await service.questions_of(event_id=event.id)
    raise NotFoundException()


def _export_row(contribution: Contribution, question: GuidingQuestion) -> list[Any]:
    return [spreadsheet_safe(cell) for cell in [
        question.text, contribution.text, contribution.author_name, _(STATUS_LABELS[contribution.status]),
        _("Ja") if contribution.highlighted else "", contribution.reject_reason, contribution.flags,
        format_short(contribution.created_at, current().settings.timezone), _("Ja") if contribution.on_paper else "",
    ]]


@get("/staff/ausstellungen/beitraege", opt={"quartier": "none"}, include_in_schema=False)
async def export_page(request: AnyRequest) -> Template:
    """A printable page (and PDF via the browser's print dialogue) for documenting the participation."""
    staff = await _staff(request, EDITORS)
    title, questions = await _export_scope(request, staff)
    rows = await service.contributions_for_export([q.id for q in questions])
    sections = []
    for question in questions:
        mine = [c for c in rows if c.question == question.id]
        approved = [c for c in mine if c.status == "approved"]
        approved.sort(key=lambda c: (not c.highlighted, c.id))
        sections.append({"question": question, "approved": approved, "total": len(mine),
                         "on_paper": sum(1 for c in mine if c.on_paper),
                         "other": {s: sum(1 for c in mine if c.status == s) for s in ("pending", "rejected", "hidden")}})
    return page(request, "exhibition/export.html", {
        "export_title": title, "sections": sections, "csv_url": f"/staff/ausstellungen/beitraege.csv?{request.url.query}",
        "status_labels": STATUS_LABELS,
    }, staff=staff)


@get("/staff/ausstellungen/beitraege.csv", opt={"quartier": "none"}, include_in_schema=False)
async def export_csv(request: AnyRequest) -> Response[bytes]:
    staff = await _staff(request, EDITORS)
    title, questions = await _export_scope(request, staff)
    by_id = {q.id: q for q in questions}
    header = [_("Leitfrage"), _("Beitrag"), _("Name"), _("Status"), _("Hervorgehoben"), _("Grund der Ablehnung"),
              _("Vom Wortfilter markiert"), _("Eingegangen am"), _("Auf Papier")]
    rows = [_export_row(c, by_id[c.question]) for c in await service.contributions_for_export(list(by_id))]
    return csv_download(header, rows, "beitraege-" + service.slugify(title)[:60] + ".csv")


STAFF_ROUTES = [moderation_queue, moderate, exhibit_order, move_exhibit, images_page, edit_image, move_image,
                delete_image, poster, poster_pdf, paper_form, paper_submit, export_page, export_csv]  # and upload_routes()
