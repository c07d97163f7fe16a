"""The rules of exhibitions, exhibits, images, guiding questions and contributions (no HTTP here)."""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import msgspec

from core.plugin_api import (
    Event, Quartier, Statement, after_commit, contains_link, current, delete_versions, plugin_gettext, public_event, publish,
    transaction,
)
from plugins.exhibition import media, storage as stores
from plugins.exhibition.domain_events import ContributionApproved, ContributionSubmitted, ExhibitionPublished
from plugins.exhibition.settings import ExhibitionSettings
from plugins.exhibition.tables import Contribution, Exhibit, ExhibitImage, Exhibition, ExhibitionEvent, GuidingQuestion

_ = plugin_gettext("exhibition")

# the texts staff may write in other languages, per table (owner of the versions: the table's name)
EXHIBITION_TEXTS = ("title", "introduction")
EXHIBIT_TEXTS = ("title", "body")
IMAGE_TEXTS = ("alt_text", "caption")
QUESTION_TEXTS = ("text",)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def settings() -> ExhibitionSettings:
    return current().settings_for("exhibition") or ExhibitionSettings()


def storage() -> stores.MediaStorage:
    deployment = current()
    cached = getattr(deployment, "_exhibition_storage", None)
    if cached is None:
        cached = stores.storage_for(settings(), deployment.settings.data_dir)
        deployment._exhibition_storage = cached  # type: ignore[attr-defined]
    return cached


def now() -> datetime:
    return datetime.now(timezone.utc)


def absolute(path: str) -> str:
    return current().settings.base_url.rstrip("/") + path


def slugify(text: str) -> str:
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:100] or "ausstellung"


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut ones ending in "…"."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


class StateError(ValueError):
    """A step the current state does not allow; the message is German (translated where shown)."""


# -- exhibitions -------------------------------------------------------------------------------
async def create_exhibition(quartier_id: int, title: str, introduction: str = "", slug: str = "",
                            event_ids: list[int] | None = None) -> Exhibition:
    async with transaction():
        exhibition = Exhibition(quartier=quartier_id, title=title, slug=slug or slugify(title), introduction=introduction)
        await exhibition.save()
        await set_events(exhibition.id, event_ids or [])
    return exhibition


async def set_events(exhibition_id: int, event_ids: list[int]) -> None:
    async with transaction():
        await ExhibitionEvent.delete().where(ExhibitionEvent.exhibition == exhibition_id)
        for event_id in dict.fromkeys(event_ids):
            await ExhibitionEvent(exhibition=exhibition_id, event=event_id).save()


async def event_ids_of(exhibition_id: int) -> list[int]:
    rows = await ExhibitionEvent.select(ExhibitionEvent.event).where(ExhibitionEvent.exhibition == exhibition_id)
    return [row["event"] for row in rows]


async def get_exhibition(exhibition_id: int) -> Exhibition | None:
    return await Exhibition.objects().where(Exhibition.id == exhibition_id).first()


def exhibition_path(exhibition: Exhibition, quartier_slug: str) -> str:
    return f"/{quartier_slug}/ausstellungen/{exhibition.id}-{exhibition.slug}"


async def quartier_slug(quartier_id: int) -> str:
    row = await Quartier.select(Quartier.slug).where(Quartier.id == quartier_id).first()
    return row["slug"] if row else ""


async def publish_exhibition(exhibition: Exhibition) -> Exhibition:
    if exhibition.status == "published":
        raise StateError("Die Ausstellung ist schon veröffentlicht.")
    async with transaction():
        first = exhibition.published_at is None
        await Exhibition.update({Exhibition.status: "published", Exhibition.published_at: exhibition.published_at or now()}).where(
            Exhibition.id == exhibition.id)
        if first:
            path = exhibition_path(exhibition, await quartier_slug(exhibition.quartier))
            await publish(ExhibitionPublished(quartier_id=exhibition.quartier, exhibition=exhibition.id, title=exhibition.title,
                                              url=absolute(path)))
    return await get_exhibition(exhibition.id)  # type: ignore[return-value]


async def set_exhibition_status(exhibition: Exhibition, status: str) -> None:
    """``archived`` (no longer public) or ``draft`` (back to work)."""
    if exhibition.status == status:
        raise StateError("Die Ausstellung hat diesen Status schon.")
    await Exhibition.update({Exhibition.status: status}).where(Exhibition.id == exhibition.id)


async def published_exhibitions(quartier_id: int) -> list[Exhibition]:
    return await Exhibition.objects().where(
        (Exhibition.quartier == quartier_id) & (Exhibition.status == "published")).order_by(Exhibition.published_at, ascending=False)


async def public_exhibition(quartier_id: int, exhibition_id: int) -> Exhibition | None:
    return await Exhibition.objects().where(
        (Exhibition.id == exhibition_id) & (Exhibition.quartier == quartier_id) & (Exhibition.status == "published")).first()


async def exhibitions_for_event(event_id: int) -> list[Exhibition]:
    return await Exhibition.objects().where(
        Exhibition.id.is_in(ExhibitionEvent.select(ExhibitionEvent.exhibition).where(ExhibitionEvent.event == event_id))
        & (Exhibition.status == "published")).order_by(Exhibition.title)


# Whether an event page shows anything of this plugin (one statement; most events have nothing).
_EVENT_HAS_CONTENT = Statement(
    "SELECT (EXISTS (SELECT 1 FROM exhibition_events l JOIN exhibitions x ON x.id = l.exhibition "
    "WHERE l.event = {} AND x.status = 'published') OR EXISTS (SELECT 1 FROM guiding_questions WHERE event = {})) AS found")


async def event_has_content(event_id: int) -> bool:
    """True when the event has a published exhibition or questions of its own."""
    return bool((await _EVENT_HAS_CONTENT.fetchrow(event_id, event_id))["found"])


# -- exhibits ----------------------------------------------------------------------------------
async def create_exhibit(exhibition_id: int, title: str, body: str = "", status: str = "draft") -> Exhibit:
    async with transaction():
        last = await Exhibit.select(Exhibit.position).where(Exhibit.exhibition == exhibition_id).order_by(
            Exhibit.position, ascending=False).first()
        exhibit = Exhibit(exhibition=exhibition_id, title=title, body=body, status=status, position=(last["position"] + 1) if last else 1)
        await exhibit.save()
    return exhibit


async def exhibits_of(exhibition_id: int, published_only: bool = False) -> list[Exhibit]:
    query = Exhibit.objects().where(Exhibit.exhibition == exhibition_id)
    if published_only:
        query = query.where(Exhibit.status == "published")
    return await query.order_by(Exhibit.position).order_by(Exhibit.id)


async def move_exhibit(exhibit: Exhibit, step: int) -> None:
    """One place up (-1) or down (+1) among the exhibits of its exhibition."""
    async with transaction():
        if not await _swap(Exhibit, await exhibits_of(exhibit.exhibition), exhibit.id, step):
            raise StateError("Das Exponat steht schon am Anfang." if step < 0 else "Das Exponat steht schon am Ende.")


async def _swap(table: Any, siblings: list[Any], item_id: int, step: int) -> bool:
    """Move one of ``siblings`` (in their order) a place up or down and number them 1..n again; False at an end."""
    index = next(i for i, e in enumerate(siblings) if e.id == item_id)
    target = index + step
    if not 0 <= target < len(siblings):
        return False
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, item in enumerate(siblings, start=1):
        if item.position != position:
            await table.update({table.position: position}).where(table.id == item.id)
    return True


async def set_exhibit_status(exhibit: Exhibit, status: str) -> None:
    if exhibit.status == status:
        raise StateError("Das Exponat hat diesen Status schon.")
    await Exhibit.update({Exhibit.status: status}).where(Exhibit.id == exhibit.id)


async def public_exhibit(exhibition: Exhibition, exhibit_id: int) -> Exhibit | None:
    return await Exhibit.objects().where(
        (Exhibit.id == exhibit_id) & (Exhibit.exhibition == exhibition.id) & (Exhibit.status == "published")).first()


# -- images ------------------------------------------------------------------------------------
class ImageInput(msgspec.Struct):
    alt_text: str
    caption: str = ""
    credit: str = ""
    licence: str = ""


IMAGE_LIMITS = {"alt_text": 300, "caption": 300, "credit": 200, "licence": 100}


def check_image_text(data: ImageInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.alt_text.strip():
        errors["alt_text"] = "Bitte beschreiben Sie das Bild für Menschen, die es nicht sehen können."
    for name, limit in IMAGE_LIMITS.items():
        if len(getattr(data, name)) > limit and name not in errors:
            errors[name] = f"Höchstens {limit} Zeichen."
    return errors


def variant_widths(image: ExhibitImage) -> list[int]:
    """The widths of an image's WebP variants (the JSON column comes back as text from the database)."""
    value = image.variants
    return [int(w) for w in (json.loads(value) if isinstance(value, str) else value or [])]


def image_name(image: ExhibitImage, width: int | None = None) -> str:
    return f"{image.key}/{width}.webp" if width else f"{image.key}/original.{image.format}"


async def add_image(exhibit: Exhibit, data: bytes, text: ImageInput) -> ExhibitImage:
    """Check, strip and store an upload; raises ``media.ImageRejected`` or ``ValueError`` (German)."""
    errors = check_image_text(text)
    if errors:
        raise ValueError(next(iter(errors.values())))
    s = settings()
    processed = await media.process_in_worker(data, max_bytes=int(s.max_upload_mb * 1_000_000), workers=s.image_workers,
                                              max_pixels=int(s.max_megapixels * 1_000_000), widths=s.image_widths)
    key = secrets.token_hex(16)
    image = ExhibitImage(exhibit=exhibit.id, key=key, format=processed.format, width=processed.width, height=processed.height,
                         variants=sorted(processed.variants), size_bytes=len(processed.original),
                         alt_text=text.alt_text.strip(), caption=text.caption.strip(), credit=text.credit.strip(),
                         licence=text.licence.strip())
    store = storage()
    names = [image_name(image)] + [image_name(image, w) for w in processed.variants]
    try:
        await store.save(names[0], processed.original)
        for width, blob in processed.variants.items():
            await store.save(image_name(image, width), blob)
        async with transaction():
            last = await ExhibitImage.select(ExhibitImage.position).where(ExhibitImage.exhibit == exhibit.id).order_by(
                ExhibitImage.position, ascending=False).first()
            image.position = (last["position"] + 1) if last else 1
            await image.save()
    except BaseException:
        for name in names:  # no files without a row
            await store.delete(name)
        raise
    return image


async def images_of(exhibit_ids: list[int]) -> dict[int, list[ExhibitImage]]:
    found: dict[int, list[ExhibitImage]] = {i: [] for i in exhibit_ids}
    if exhibit_ids:
        for image in await ExhibitImage.objects().where(ExhibitImage.exhibit.is_in(exhibit_ids)).order_by(
                ExhibitImage.position).order_by(ExhibitImage.id):
            found[image.exhibit].append(image)
    return found


async def update_image(image: ExhibitImage, text: ImageInput) -> None:
    errors = check_image_text(text)
    if errors:
        raise ValueError(next(iter(errors.values())))
    await ExhibitImage.update({ExhibitImage.alt_text: text.alt_text.strip(), ExhibitImage.caption: text.caption.strip(),
                               ExhibitImage.credit: text.credit.strip(), ExhibitImage.licence: text.licence.strip()}).where(
        ExhibitImage.id == image.id)


async def move_image(image: ExhibitImage, step: int) -> None:
    async with transaction():
        if not await _swap(ExhibitImage, (await images_of([image.exhibit]))[image.exhibit], image.id, step):
            raise StateError("Das Bild steht schon am Anfang." if step < 0 else "Das Bild steht schon am Ende.")


async def delete_image(image: ExhibitImage) -> None:
    async with transaction():
        await ExhibitImage.delete().where(ExhibitImage.id == image.id)
        await delete_versions("exhibit_images", [image.id])
        await _delete_files([image])


async def _delete_files(images: list[ExhibitImage]) -> None:
    """In the open transaction where the storage is the database, else once it has committed (a file left behind
    on another node's folder is removed by ``storage.sweep``)."""
    names = [n for image in images for n in [image_name(image)] + [image_name(image, w) for w in variant_widths(image)]]
    store = storage()

    async def remove() -> None:
        for name in names:
            await store.delete(name)

    if store.transactional:
        await remove()
    elif names:
        after_commit(remove)


async def delete_exhibits(exhibit_ids: list[int]) -> None:
    """Delete exhibits with their images; the files go once the rows are gone for good."""
    async with transaction():
        images = [i for items in (await images_of(exhibit_ids)).values() for i in items]
        await Exhibit.delete().where(Exhibit.id.is_in(exhibit_ids or [-1]))
        await _delete_files(images)


async def delete_exhibition(exhibition: Exhibition) -> None:
    async with transaction():
        await delete_exhibits([e.id for e in await exhibits_of(exhibition.id)])
        await Exhibition.delete().where(Exhibition.id == exhibition.id)


async def image_visible(image: ExhibitImage) -> tuple[bool, int]:
    """Whether the image belongs to a published exhibit of a published exhibition, and that exhibition's Quartier."""
    exhibit = await Exhibit.objects().where(Exhibit.id == image.exhibit).first()
    exhibition = await get_exhibition(exhibit.exhibition) if exhibit else None
    if exhibit is None or exhibition is None:
        return False, -1
    return exhibit.status == "published" and exhibition.status == "published", exhibition.quartier


# -- guiding questions -------------------------------------------------------------------------
async def question_quartier(exhibition_id: int | None, event_id: int | None) -> int:
    """The Quartier of a question from what it is attached to; both must lie in the same one."""
    quartiere = set()
    if exhibition_id:
        exhibition = await get_exhibition(exhibition_id)
        if exhibition:
            quartiere.add(exhibition.quartier)
    if event_id:
        row = await Event.select(Event.quartier).where(Event.id == event_id).first()
        if row:
            quartiere.add(row["quartier"])
    if not quartiere:
        raise ValueError("Bitte wählen Sie eine Ausstellung oder eine Veranstaltung.")
    if len(quartiere) > 1:
        raise ValueError("Ausstellung und Veranstaltung liegen in verschiedenen Quartieren.")
    return quartiere.pop()


async def create_question(text: str, *, exhibition_id: int | None = None, event_id: int | None = None,
                          moderation: str = "pre", open: bool = True, position: int | None = None) -> GuidingQuestion:
    quartier_id = await question_quartier(exhibition_id, event_id)
    if position is None:
        position = await GuidingQuestion.count().where(GuidingQuestion.quartier == quartier_id) + 1
    question = GuidingQuestion(quartier=quartier_id, exhibition=exhibition_id, event=event_id, text=text,
                               moderation=moderation, open=open, position=position)
    await question.save()
    return question


def question_path(question: GuidingQuestion, quartier_slug: str) -> str:
    return f"/{quartier_slug}/fragen/{question.id}"


async def question_is_public(question: GuidingQuestion) -> bool:
    if question.exhibition:
        exhibition = await get_exhibition(question.exhibition)
        if exhibition is not None and exhibition.status == "published":
            return True
    if question.event:
        return await public_event(question.event) is not None
    return False


async def public_question(quartier_id: int, question_id: int) -> GuidingQuestion | None:
    question = await GuidingQuestion.objects().where(
        (GuidingQuestion.id == question_id) & (GuidingQuestion.quartier == quartier_id)).first()
    if question is None or not await question_is_public(question):
        return None
    return question


async def questions_of(*, exhibition_id: int | None = None, event_id: int | None = None,
                       event_exhibitions: list[Exhibition] | None = None) -> list[GuidingQuestion]:
    """The questions of an exhibition, or those of an event (its own and those of its published exhibitions).

    ``event_exhibitions``: the event's published exhibitions, when the caller has them already.
    """
    if exhibition_id is not None:
        clause = GuidingQuestion.exhibition == exhibition_id
    else:
        if event_exhibitions is None:
            event_exhibitions = await exhibitions_for_event(event_id)  # type: ignore[arg-type]
        exhibitions = [e.id for e in event_exhibitions]
        clause = GuidingQuestion.event == event_id
        if exhibitions:
            clause = clause | GuidingQuestion.exhibition.is_in(exhibitions)
    return await GuidingQuestion.objects().where(clause).order_by(GuidingQuestion.position).order_by(GuidingQuestion.id)


# -- contributions -----------------------------------------------------------------------------
class ContributionInput(msgspec.Struct, forbid_unknown_fields=True):
    """What a citizen sends; everything but the text is optional."""

    text: str
    name: str = ""
    email: str | None = None
    language: str = "de"


def validate(data: ContributionInput) -> dict[str, str]:
    s = settings()
    errors: dict[str, str] = {}
    text = data.text.strip()
    if not text:
        errors["text"] = "Bitte schreiben Sie Ihren Beitrag."
    elif len(text) > s.contribution_max_length:
        errors["text"] = _("Ihr Beitrag ist zu lang ({n} von höchstens {max} Zeichen).").format(n=len(text), max=s.contribution_max_length)
    if len(data.name.strip()) > s.name_max_length:
        errors["name"] = _("Der Name ist zu lang (höchstens {max} Zeichen).").format(max=s.name_max_length)
    elif contains_link(data.name):  # the name is shown on public pages next to the text
        errors["name"] = "Bitte geben Sie nur Ihren Namen an, ohne Internetadresse."
    if data.email and (len(data.email) > 200 or not EMAIL.match(data.email.strip())):
        errors["email"] = "Bitte geben Sie eine gültige E-Mail-Adresse an oder lassen Sie das Feld leer."
    if data.language not in current().settings.languages:
        errors["language"] = "Diese Sprache wird hier nicht angeboten."
    return errors


def flags_for(text: str) -> str:
    """What the word filter finds in a text: the matched words, comma-separated ("" for nothing)."""
    s = settings()
    found: list[str] = []
    folded = text.casefold()
    for word in s.flag_words:
        stem = word.strip().casefold()
        if stem and re.search(r"(?<!\w)" + re.escape(stem), folded):
            found.append(word.strip())
    if s.flag_links and contains_link(text):
        found.append("Link")
    return ", ".join(dict.fromkeys(found))[:300]


class InvalidContribution(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class QuestionClosed(ValueError):
    pass


async def submit(question: GuidingQuestion, data: ContributionInput, on_paper: bool = False) -> Contribution:
    """Store a citizen's answer: pending (pre-moderation, or flagged) or at once public (post-moderation).

    ``on_paper``: written on a card and entered by staff (also after the question closed: the card was written before).
    """
    errors = validate(data)
    if errors:
        raise InvalidContribution(errors)
    if not question.open and not on_paper:
        raise QuestionClosed("Zu dieser Frage werden keine Beiträge mehr angenommen.")
    text = data.text.strip()
    flags = flags_for(text + " " + data.name)
    public_now = question.moderation == "post" and not flags
    # Post-moderation publishes at once: there is nothing to tell the author later, so no address is kept.
    email = data.email.strip().lower() if data.email and not public_now else None
    slug = await quartier_slug(question.quartier)
    async with transaction():
        contribution = Contribution(question=question.id, quartier=question.quartier, text=text, author_name=data.name.strip(),
                                    notify_email=email, language=data.language, status="approved" if public_now else "pending",
                                    flags=flags, on_paper=on_paper)
        await contribution.save()
        excerpt = shorten(text, 80)
        await publish(ContributionSubmitted(
            quartier_id=question.quartier, contribution=contribution.id, question=question.id, question_text=question.text,
            status=contribution.status, flags=flags, summary=f"„{excerpt}“ zu „{question.text}“", url=absolute("/staff/moderation"),
            on_paper=on_paper))
        if public_now:
            await publish(_approved_event(contribution, question, slug, email=None))
    return contribution


MAX_PAPER_ANSWERS = 50  # per form: a stack of cards, not a bulk import


def paper_answers(text: str) -> list[str]:
    """The answers in what staff typed off paper cards: blocks separated by an empty line."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [block.strip() for block in blocks if block.strip()]


async def submit_paper(question: GuidingQuestion, text: str) -> list[Contribution]:
    """Store the answers of paper cards (see ``paper_answers``), all or none; moderated like online ones.

    ``InvalidContribution`` with ``{"text": ...}`` names the first answer that is empty, too long or too many.
    """
    answers = paper_answers(text)
    if not answers:
        raise InvalidContribution({"text": _("Bitte schreiben Sie mindestens eine Antwort ab.")})
    if len(answers) > MAX_PAPER_ANSWERS:
        raise InvalidContribution({"text": _("Höchstens {max} Antworten auf einmal; Sie haben {n} eingegeben.").format(
            max=MAX_PAPER_ANSWERS, n=len(answers))})
    for number, answer in enumerate(answers, 1):
        problem = validate(ContributionInput(text=answer)).get("text")
        if problem:
            raise InvalidContribution({"text": _("Antwort {number}: {problem}").format(number=number, problem=problem)})
    async with transaction():
        return [await submit(question, ContributionInput(text=answer), on_paper=True) for answer in answers]


def _approved_event(contribution: Contribution, question: GuidingQuestion, slug: str, email: str | None) -> ContributionApproved:
    text = contribution.text
    return ContributionApproved(
        quartier_id=question.quartier, contribution=contribution.id, question=question.id, question_text=question.text,
        excerpt=shorten(text, 200), url=absolute(question_path(question, slug)),
        notify_email=email, language=contribution.language)


async def _decide(contribution: Contribution, staff_id: int | None, **values: Any) -> None:
    columns = {getattr(Contribution, k): v for k, v in values.items()}
    columns.update({Contribution.reviewed: True, Contribution.decided_at: now(), Contribution.decided_by: staff_id})
    await Contribution.update(columns).where(Contribution.id == contribution.id)


async def approve(contribution: Contribution, staff_id: int | None = None) -> None:
    """Make public (or, for one already public, mark as reviewed); tells the author once if they asked."""
    if contribution.status == "approved" and contribution.reviewed:
        raise StateError("Der Beitrag ist schon freigegeben.")
    async with transaction():
        await _decide(contribution, staff_id, status="approved", notify_email=None, reject_reason="")
        if contribution.status != "approved":
            question = await GuidingQuestion.objects().where(GuidingQuestion.id == contribution.question).first()
            await publish(_approved_event(contribution, question, await quartier_slug(question.quartier),
                                          email=contribution.notify_email))


async def reject(contribution: Contribution, reason: str, staff_id: int | None = None) -> None:
    reason = reason.strip()
    if not reason:
        raise ValueError("Bitte geben Sie einen Grund für die Ablehnung an.")
    if len(reason) > 300:
        raise ValueError("Der Grund ist zu lang (höchstens 300 Zeichen).")
    if contribution.status == "rejected":
        raise StateError("Der Beitrag ist schon abgelehnt.")
    await _decide(contribution, staff_id, status="rejected", notify_email=None, reject_reason=reason, highlighted=False)


async def hide(contribution: Contribution, staff_id: int | None = None) -> None:
    if contribution.status != "approved":
        raise StateError("Nur freigegebene Beiträge können ausgeblendet werden.")
    await _decide(contribution, staff_id, status="hidden", highlighted=False)


async def highlight(contribution: Contribution, on: bool, staff_id: int | None = None) -> None:
    if on and contribution.status != "approved":
        raise StateError("Nur freigegebene Beiträge können hervorgehoben werden.")
    await _decide(contribution, staff_id, highlighted=on)


async def approved_contributions(question_ids: list[int], limit: int = 200) -> list[Contribution]:
    """Public contributions, highlighted first, then newest first."""
    if not question_ids:
        return []
    return await Contribution.objects().where(
        Contribution.question.is_in(question_ids) & (Contribution.status == "approved")).order_by(
        Contribution.highlighted, ascending=False).order_by(Contribution.id, ascending=False).limit(limit)


@dataclass
class QueueFilter:
    state: str = "offen"  # offen: waiting or unreviewed; freigegeben; abgelehnt; ausgeblendet
    question: int | None = None


QUEUE_STATES = {
    "offen": "Zu prüfen",
    "freigegeben": "Freigegeben",
    "abgelehnt": "Abgelehnt",
    "ausgeblendet": "Ausgeblendet",
}


def queue_clause(state: str) -> Any:
    if state == "freigegeben":
        return Contribution.status == "approved"
    if state == "abgelehnt":
        return Contribution.status == "rejected"
    if state == "ausgeblendet":
        return Contribution.status == "hidden"
    return (Contribution.status == "pending") | ((Contribution.status == "approved") & (Contribution.reviewed == False))  # noqa: E712


async def queue(quartier_ids: set[int] | None, flt: QueueFilter, limit: int = 100) -> list[Contribution]:
    query = Contribution.objects().where(queue_clause(flt.state))
    if quartier_ids is not None:
        query = query.where(Contribution.quartier.is_in(list(quartier_ids) or [-1]))
    if flt.question:
        query = query.where(Contribution.question == flt.question)
    return await query.order_by(Contribution.id, ascending=flt.state == "offen").limit(limit)


async def count(quartier_ids: set[int] | None, state: str = "offen") -> int:
    query = Contribution.count().where(queue_clause(state))
    if quartier_ids is not None:
        query = query.where(Contribution.quartier.is_in(list(quartier_ids) or [-1]))
    return await query


async def contributions_for_export(question_ids: list[int]) -> list[Contribution]:
    if not question_ids:
        return []
    return await Contribution.objects().where(Contribution.question.is_in(question_ids)).order_by(
        Contribution.question).order_by(Contribution.id)
