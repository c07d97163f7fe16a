"""HTTP for citizens: exhibition and exhibit pages, guiding questions with their form, the wall, media, JSON API."""

from __future__ import annotations

import io
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Stream, Template

from core.plugin_api import (
    ApiError, Id, Limit, StaffContext, client_address, csrf_input, current, error_responses, get_quartier, hit_rate_limit, plugin_gettext,
    is_plugin_enabled, json_body, language, localize, localize_many, page, parse_id, public_event, read_json, require_staff,
    LocalText,
)
from plugins.exhibition import service
from plugins.exhibition.media import CONTENT_TYPES
from plugins.exhibition.storage import StoredFile
from plugins.exhibition.schemas import (
    ContributionCreated, ContributionOut, ExhibitionOut, ExhibitionSummary, ExhibitOut, ExhibitSummary, ImageOut,
    QuestionOut,
)
from plugins.exhibition.service import ContributionInput, InvalidContribution, QuestionClosed
from plugins.exhibition.tables import ExhibitImage, Exhibition, GuidingQuestion

_ = plugin_gettext("exhibition")

AnyRequest = Request[Any, Any, Any]
HONEYPOT = "website"


# -- lookups -----------------------------------------------------------------------------------
async def _quartier(slug: str) -> Any:
    quartier = await get_quartier(slug)
    if quartier is None:
        raise NotFoundException()
    return quartier


async def _staff_preview(request: AnyRequest, quartier_id: int) -> StaffContext | None:
    """Staff of the Quartier may look at drafts on the public pages."""
    try:
        staff = await require_staff(request)
    except NotAuthorizedException:
        return None
    return staff if staff.may_see_quartier(quartier_id) and staff.has_role("admin", "staff") else None


async def _exhibition(request: AnyRequest, quartier: Any, ref: str) -> tuple[Exhibition, bool]:
    """The exhibition named by ``12-slug``, and whether it is a staff preview of an unpublished one."""
    number = parse_id(ref.partition("-")[0])
    if number is None:
        raise NotFoundException()
    exhibition = await service.public_exhibition(quartier.id, number)
    if exhibition is not None:
        return exhibition, False
    draft = await service.get_exhibition(number)
    if draft is not None and draft.quartier == quartier.id and await _staff_preview(request, quartier.id):
        return draft, True
    raise NotFoundException()


async def _question(quartier: Any, question_id: int) -> GuidingQuestion:
    question = await service.public_question(quartier.id, question_id)
    if question is None:
        raise NotFoundException()
    return question


def image_urls(slug: str, image: ExhibitImage) -> dict[str, Any]:
    base = f"/{slug}/medien/ausstellung/{image.key}"
    sizes = {w: f"{base}/{w}.webp" for w in service.variant_widths(image)}
    middle = min(sizes, key=lambda w: abs(w - 960))
    return {"original": f"{base}/original.{image.format}", "sizes": sizes, "src": sizes[middle],
            "srcset": ", ".join(f"{url} {w}w" for w, url in sorted(sizes.items()))}


async def _exhibits_with_images(exhibition: Exhibition, preview: bool, slug: str) -> tuple[list[Any], dict[int, list[dict[str, Any]]]]:
    exhibits = await service.exhibits_of(exhibition.id, published_only=not preview)
    images = await service.images_of([e.id for e in exhibits])
    return exhibits, {eid: [{"image": i, **image_urls(slug, i)} for i in items] for eid, items in images.items()}


async def _email_offered(question: GuidingQuestion) -> bool:
    """An e-mail address is only asked for when someone can write it: pre-moderation and notifications switched on."""
    return (question.moderation == "pre" and "notifications" in current().plugins
            and await is_plugin_enabled(question.quartier, "notifications"))


async def question_context(request: AnyRequest, quartier: Any, question: GuidingQuestion, *, values: dict[str, Any] | None = None,
                           errors: dict[str, str] | None = None, text: LocalText | None = None) -> dict[str, Any]:
    """What a question's form and its public contributions need (the question page and the blocks).

    ``text``: the question in the reader's language, when the caller localized several questions at once.
    """
    if text is None:
        text = (await localize("guiding_questions", [question], service.QUESTION_TEXTS))[question.id].text
    return {
        "question": question, "question_text": text, "quartier": quartier, "form_values": values or {}, "form_errors": errors or {},
        "contributions": await service.approved_contributions([question.id], limit=100),
        "email_offered": await _email_offered(question), "csrf_input": csrf_input(request),
        "action": service.question_path(question, quartier.slug), "limits": service.settings(),
    }


# -- pages -------------------------------------------------------------------------------------
@get("/{quartier:str}/ausstellungen", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def exhibitions_page(request: AnyRequest, quartier: FromPath[str]) -> Template:
    q = await _quartier(quartier)
    exhibitions = await service.published_exhibitions(q.id)
    return page(request, "exhibition/list.html", {
        "quartier": q, "exhibitions": exhibitions, "texts": await localize("exhibitions", exhibitions, ("title",))})


@get("/{quartier:str}/ausstellungen/{ref:str}", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def exhibition_page(request: AnyRequest, quartier: FromPath[str], ref: FromPath[str]) -> Template | Redirect:
    q = await _quartier(quartier)
    exhibition, preview = await _exhibition(request, q, ref)
    canonical = service.exhibition_path(exhibition, q.slug)
    if request.url.path != canonical:
        return Redirect(canonical + (f"?{request.url.query}" if request.url.query else ""), status_code=301)
    exhibits, images = await _exhibits_with_images(exhibition, preview, q.slug)
    found = await service.questions_of(exhibition_id=exhibition.id)
    texts = await _texts(exhibition, exhibits, images, found)
    questions = [await question_context(request, q, question, text=texts["guiding_questions"][question.id].text) for question in found]
    events = [d for d in [await public_event(e) for e in await service.event_ids_of(exhibition.id)] if d is not None]
    return page(request, "exhibition/exhibition.html", {
        "quartier": q, "exhibition": exhibition, "preview": preview, "exhibits": exhibits, "images": images,
        "questions": questions, "events": events, "path": canonical, "texts": texts,
    })


async def _texts(exhibition: Exhibition, exhibits: list[Any], images: dict[int, list[dict[str, Any]]],
                 questions: list[GuidingQuestion] = ()) -> dict[str, Any]:
    """The texts of an exhibition page in the reader's language, one query: ``texts[owner][row id].field``."""
    return await localize_many({
        "exhibitions": ([exhibition], service.EXHIBITION_TEXTS),
        "exhibits": (exhibits, service.EXHIBIT_TEXTS),
        "exhibit_images": ([item["image"] for items in images.values() for item in items], service.IMAGE_TEXTS),
        "guiding_questions": (list(questions), service.QUESTION_TEXTS),
    })


@get("/{quartier:str}/ausstellungen/{ref:str}/exponate/{exhibit_id:int}", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def exhibit_page(request: AnyRequest, quartier: FromPath[str], ref: FromPath[str], exhibit_id: FromPath[int]) -> Template:
    q = await _quartier(quartier)
    exhibition, preview = await _exhibition(request, q, ref)
    exhibits, images = await _exhibits_with_images(exhibition, preview, q.slug)
    index = next((i for i, e in enumerate(exhibits) if e.id == exhibit_id), None)
    if index is None and not preview and await _staff_preview(request, q.id):
        preview = True  # a draft exhibit of a published exhibition, shown to its staff
        exhibits, images = await _exhibits_with_images(exhibition, preview, q.slug)
        index = next((i for i, e in enumerate(exhibits) if e.id == exhibit_id), None)
    if index is None:
        raise NotFoundException()
    return page(request, "exhibition/exhibit.html", {
        "texts": await _texts(exhibition, exhibits, {exhibit_id: images[exhibit_id]}),
        "quartier": q, "exhibition": exhibition, "preview": preview, "exhibit": exhibits[index], "images": images[exhibit_id],
        "number": index + 1, "total": len(exhibits), "path": service.exhibition_path(exhibition, q.slug),
        "previous": exhibits[index - 1] if index > 0 else None, "next": exhibits[index + 1] if index + 1 < len(exhibits) else None,
    })


async def _wall(request: AnyRequest, q: Any, title: LocalText, questions: list[GuidingQuestion], back: str) -> Template:
    items = []
    texts = await localize("guiding_questions", questions, service.QUESTION_TEXTS)
    for question in questions:
        items.append({"question": question, "question_text": texts[question.id].text, "contributions": await service.approved_contributions([question.id], limit=60),
                      "feed": f"/api/quartiere/{q.slug}/questions/{question.id}/contributions?limit=60",
                      "qr": f"{service.question_path(question, q.slug)}/qr.svg",
                      "url": service.absolute(service.question_path(question, q.slug))})
    return page(request, "exhibition/wall.html", {
        "quartier": q, "wall_title": title, "items": items, "refresh": service.settings().wall_refresh_seconds, "back": back,
    })


@get("/{quartier:str}/ausstellungen/{ref:str}/wand", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def exhibition_wall(request: AnyRequest, quartier: FromPath[str], ref: FromPath[str]) -> Template:
    q = await _quartier(quartier)
    exhibition, _preview = await _exhibition(request, q, ref)
    questions = await service.questions_of(exhibition_id=exhibition.id)
    title = (await localize("exhibitions", [exhibition], ("title",)))[exhibition.id].title
    return await _wall(request, q, title, questions, service.exhibition_path(exhibition, q.slug))


@get("/{quartier:str}/fragen/{question_id:int}", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def question_page(request: AnyRequest, quartier: FromPath[str], question_id: FromPath[int]) -> Template:
    q = await _quartier(quartier)
    question = await _question(q, question_id)
    return await _question_page(request, q, question)


async def _question_page(request: AnyRequest, q: Any, question: GuidingQuestion, status_code: int = 200, **extra: Any) -> Template:
    exhibition = await service.get_exhibition(question.exhibition) if question.exhibition else None
    event = await public_event(question.event) if question.event else None
    context = await question_context(request, q, question, values=extra.pop("values", None), errors=extra.pop("errors", None))
    return page(request, "exhibition/question.html", {
        **context, "exhibition": exhibition if exhibition and exhibition.status == "published" else None,
        "exhibition_path": service.exhibition_path(exhibition, q.slug) if exhibition else "", "event_detail": event,
        "result": extra.pop("result", None),
    }, status_code=status_code)


async def _rate_limited(request: AnyRequest) -> bool:
    limit = service.settings().rate_limit_per_minute
    if not limit:
        return False
    return await hit_rate_limit(f"exhibition:{client_address(request)}", 60) > limit


def result_message(status: str) -> str:
    if status == "approved":
        return _("Danke für Ihren Beitrag! Er ist jetzt zu sehen.")
    return _("Danke für Ihren Beitrag! Er erscheint, sobald ihn jemand aus dem Quartiersmanagement freigegeben hat.")


@post("/{quartier:str}/fragen/{question_id:int}", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def submit_form(request: AnyRequest, quartier: FromPath[str], question_id: FromPath[int]) -> Template:
    q = await _quartier(quartier)
    question = await _question(q, question_id)
    form = await request.form()
    values = {key: str(form.get(key, "")) for key in ("text", "name", "email")}
    if form.get(HONEYPOT):  # a bot: answer like a success, keep nothing
        return await _question_page(request, q, question, 201, result={"status": "pending", "message": result_message("pending")})
    if await _rate_limited(request):
        return await _question_page(request, q, question, 429, values=values, errors={
            "form": "Zu viele Beiträge von dieser Adresse. Bitte warten Sie eine Minute."})
    data = ContributionInput(text=values["text"], name=values["name"],
                             email=values["email"] if values["email"] and await _email_offered(question) else None,
                             language=language())
    try:
        contribution = await service.submit(question, data)
    except InvalidContribution as exc:
        return await _question_page(request, q, question, 400, values=values, errors=exc.errors)
    except QuestionClosed as exc:
        return await _question_page(request, q, question, 409, values=values, errors={"form": str(exc)})
    return await _question_page(request, q, question, 201,
                                result={"status": contribution.status, "message": result_message(contribution.status)})


@get("/{quartier:str}/fragen/{question_id:int}/wand", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def question_wall(request: AnyRequest, quartier: FromPath[str], question_id: FromPath[int]) -> Template:
    q = await _quartier(quartier)
    question = await _question(q, question_id)
    title = (await localize("guiding_questions", [question], service.QUESTION_TEXTS))[question.id].text
    return await _wall(request, q, title, [question], service.question_path(question, q.slug))


def qr_svg(url: str) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=10, border=2, xmldecl=False, title=url)
    return out.getvalue()


@get("/{quartier:str}/fragen/{question_id:int}/qr.svg", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def question_qr(quartier: FromPath[str], question_id: FromPath[int]) -> Response[bytes]:
    q = await _quartier(quartier)
    question = await _question(q, question_id)
    return Response(qr_svg(service.absolute(service.question_path(question, q.slug))), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600"})


@get("/{quartier:str}/medien/ausstellung/{key:str}/{file:str}", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def media_file(request: AnyRequest, quartier: FromPath[str], key: FromPath[str], file: FromPath[str]) -> Response[Any]:
    q = await _quartier(quartier)
    image = await ExhibitImage.objects().where(ExhibitImage.key == key).first()
    if image is None:
        raise NotFoundException()
    visible, quartier_id = await service.image_visible(image)
    if quartier_id != q.id or (not visible and await _staff_preview(request, q.id) is None):
        raise NotFoundException()
    stem, _dot, ext = file.partition(".")
    if stem == "original" and ext == image.format:
        name, media_type = service.image_name(image), CONTENT_TYPES[image.format]
    elif stem.isdigit() and ext == "webp" and int(stem) in service.variant_widths(image):
        name, media_type = service.image_name(image, int(stem)), "image/webp"
    else:
        raise NotFoundException()
    store = service.storage()
    info = await store.stat(name)
    if info is None:
        raise NotFoundException()
    # The key is new for every upload, so a published file never changes under its address.
    headers = {"Cache-Control": "public, max-age=31536000, immutable" if visible else "private, no-store",
               "ETag": info.etag, "Last-Modified": format_datetime(info.modified.replace(microsecond=0), usegmt=True),
               "X-Content-Type-Options": "nosniff"}
    if _not_modified(request, info):
        return Response(b"", status_code=304, headers=headers)
    return Stream(store.stream(name), media_type=media_type, headers={**headers, "Content-Length": str(info.size)})


def _not_modified(request: AnyRequest, info: StoredFile) -> bool:
    """The client's copy is current (If-None-Match, or else If-Modified-Since, as RFC 9110 orders them)."""
    tags = request.headers.get("if-none-match")
    if tags is not None:
        return any(tag.strip().removeprefix("W/") in ("*", info.etag) for tag in tags.split(","))
    since = request.headers.get("if-modified-since")
    if not since:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    return when.tzinfo is not None and info.modified.replace(microsecond=0) <= when


# -- JSON API ----------------------------------------------------------------------------------
def _question_out(question: GuidingQuestion, slug: str, text: LocalText) -> QuestionOut:
    return QuestionOut(id=question.id, text=text.text, open=question.open, moderation=question.moderation,
                       url=service.absolute(service.question_path(question, slug)),
                       contributions_url=service.absolute(f"/api/quartiere/{slug}/questions/{question.id}/contributions"))


@get("/api/quartiere/{quartier:str}/exhibitions", opt={"quartier": "path:quartier"}, summary="Published exhibitions of a Quartier", tags=["Exhibition"],
     responses=error_responses())
async def api_exhibitions(quartier: FromPath[str]) -> list[ExhibitionSummary]:
    q = await _quartier(quartier)
    exhibitions = await service.published_exhibitions(q.id)
    texts = await localize("exhibitions", exhibitions, ("title",))
    return [ExhibitionSummary(id=e.id, title=texts[e.id].title.text, url=service.absolute(service.exhibition_path(e, q.slug)),
                              api_url=service.absolute(f"/api/quartiere/{q.slug}/exhibitions/{e.id}"), published_at=e.published_at)
            for e in exhibitions]


@get("/api/quartiere/{quartier:str}/exhibitions/{exhibition_id:int}", opt={"quartier": "path:quartier"},
     summary="A published exhibition with its published exhibits and its guiding questions", tags=["Exhibition"],
     responses=error_responses())
async def api_exhibition(quartier: FromPath[str], exhibition_id: FromPath[Id]) -> ExhibitionOut:
    q = await _quartier(quartier)
    exhibition = await service.public_exhibition(q.id, exhibition_id)
    if exhibition is None:
        raise NotFoundException()
    path = service.exhibition_path(exhibition, q.slug)
    exhibits = await service.exhibits_of(exhibition.id, published_only=True)
    questions = await service.questions_of(exhibition_id=exhibition.id)
    texts = await _texts(exhibition, exhibits, {}, questions)
    shown = texts["exhibitions"][exhibition.id]
    return ExhibitionOut(
        id=exhibition.id, title=shown.title.text, introduction=shown.introduction.text, url=service.absolute(path),
        published_at=exhibition.published_at, events=await service.event_ids_of(exhibition.id),
        exhibits=[ExhibitSummary(id=e.id, title=texts["exhibits"][e.id].title.text, position=n, url=service.absolute(f"{path}/exponate/{e.id}"),
                                 api_url=service.absolute(f"/api/quartiere/{q.slug}/exhibits/{e.id}"))
                  for n, e in enumerate(exhibits, start=1)],
        questions=[_question_out(question, q.slug, texts["guiding_questions"][question.id].text) for question in questions],
    )


@get("/api/quartiere/{quartier:str}/exhibits/{exhibit_id:int}", opt={"quartier": "path:quartier"}, summary="A published exhibit with its images", tags=["Exhibition"],
     responses=error_responses())
async def api_exhibit(quartier: FromPath[str], exhibit_id: FromPath[Id]) -> ExhibitOut:
    q = await _quartier(quartier)
    from plugins.exhibition.tables import Exhibit

    exhibit = await Exhibit.objects().where((Exhibit.id == exhibit_id) & (Exhibit.status == "published")).first()
    exhibition = await service.public_exhibition(q.id, exhibit.exhibition) if exhibit else None
    if exhibit is None or exhibition is None:
        raise NotFoundException()
    siblings = await service.exhibits_of(exhibition.id, published_only=True)
    index = next(i for i, e in enumerate(siblings) if e.id == exhibit.id)
    images = (await service.images_of([exhibit.id]))[exhibit.id]
    texts = await localize_many({"exhibits": ([exhibit], service.EXHIBIT_TEXTS), "exhibit_images": (images, service.IMAGE_TEXTS)})
    shown, image_texts = texts["exhibits"][exhibit.id], texts["exhibit_images"]
    return ExhibitOut(
        id=exhibit.id, exhibition=exhibition.id, title=shown.title.text, body=shown.body.text, position=index + 1,
        url=service.absolute(f"{service.exhibition_path(exhibition, q.slug)}/exponate/{exhibit.id}"),
        images=[ImageOut(url=service.absolute(urls["original"]), width=i.width, height=i.height,
                         alt_text=image_texts[i.id].alt_text.text, caption=image_texts[i.id].caption.text, credit=i.credit, licence=i.licence,
                         sizes={str(w): service.absolute(u) for w, u in urls["sizes"].items()})
                for i in images for urls in [image_urls(q.slug, i)]],
        previous=siblings[index - 1].id if index > 0 else None,
        next=siblings[index + 1].id if index + 1 < len(siblings) else None,
    )


@get("/api/events/{event_id:int}/questions", opt={"quartier": "event:event_id"}, summary="Guiding questions asked at a published event", tags=["Exhibition"],
     responses=error_responses())
async def api_event_questions(event_id: FromPath[Id]) -> list[QuestionOut]:
    detail = await public_event(event_id)
    if detail is None:
        raise NotFoundException()
    questions = await service.questions_of(event_id=event_id)
    texts = await localize("guiding_questions", questions, service.QUESTION_TEXTS)
    return [_question_out(question, detail.quartier.slug, texts[question.id].text) for question in questions
            if await service.question_is_public(question)]


@get("/api/quartiere/{quartier:str}/questions/{question_id:int}/contributions", opt={"quartier": "path:quartier"},
     summary="Approved contributions to a guiding question, highlighted first, then newest first", tags=["Exhibition"],
     responses=error_responses())
async def api_contributions(quartier: FromPath[str], question_id: FromPath[Id], limit: FromQuery[Limit] = 100) -> Response[list[ContributionOut]]:
    q = await _quartier(quartier)
    question = await _question(q, question_id)
    rows = await service.approved_contributions([question.id], limit=limit)
    body = [ContributionOut(id=c.id, question=c.question, text=c.text, name=c.author_name, highlighted=c.highlighted,
                            on_paper=c.on_paper, created_at=c.created_at) for c in rows]
    return Response(body, headers={"Cache-Control": "no-cache"})


@post(
    "/api/quartiere/{quartier:str}/questions/{question_id:int}/contributions", opt={"quartier": "path:quartier"},
    summary="Answer a guiding question",
    description=("201 with the moderation status (pending: shown after approval; approved: public now); 422 with a German "
                 "message per field; 409 when the question takes no more contributions; 429 when one address sends too many."),
    tags=["Exhibition"],
    responses=error_responses(409, 429),
    operation_class=json_body(ContributionInput),
)
async def api_submit(request: AnyRequest, quartier: FromPath[str], question_id: FromPath[Id]) -> ContributionCreated:
    q = await _quartier(quartier)
    question = await _question(q, question_id)
    if await _rate_limited(request):
        raise ApiError(429, "Zu viele Beiträge von dieser Adresse. Bitte warten Sie eine Minute.")
    data = await read_json(request, ContributionInput)
    if data.email and not await _email_offered(question):
        data = msgspec.structs.replace(data, email=None)
    try:
        contribution = await service.submit(question, data)
    except InvalidContribution as exc:
        raise ApiError(422, "Bitte prüfen Sie Ihre Angaben.", exc.errors) from None
    except QuestionClosed as exc:
        raise ApiError(409, str(exc)) from None
    return ContributionCreated(id=contribution.id, status=contribution.status, message=result_message(contribution.status))


PUBLIC_ROUTES = [
    exhibitions_page, exhibition_page, exhibit_page, exhibition_wall, question_page, submit_form, question_wall, question_qr,
    media_file, api_exhibitions, api_exhibition, api_exhibit, api_event_questions, api_contributions, api_submit,
]
