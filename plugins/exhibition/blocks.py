"""What the exhibition plugin adds to pages it does not own: event page block, dashboard widget."""

from __future__ import annotations

from typing import Any

from core.plugin_api import EventDetail, PageBlock, Quartier, StaffContext, Widget, localize_many, plugin_gettext, render
from plugins.exhibition import service

_ = plugin_gettext("exhibition")


async def event_blocks(detail: EventDetail, request: Any) -> list[PageBlock]:
    from plugins.exhibition.routes import question_context

    if not await service.event_has_content(detail.event.id):
        return []
    slug = detail.quartier.slug
    found = await service.exhibitions_for_event(detail.event.id)
    public = [q for q in await service.questions_of(event_id=detail.event.id, event_exhibitions=found)
              if await service.question_is_public(q)]
    texts = await localize_many({"exhibitions": (found, ("title",)), "guiding_questions": (public, service.QUESTION_TEXTS)})
    exhibitions = [(e, service.exhibition_path(e, slug), texts["exhibitions"][e.id].title) for e in found]
    questions = [await question_context(request, detail.quartier, q, text=texts["guiding_questions"][q.id].text) for q in public]
    blocks = []
    if exhibitions:
        blocks.append(PageBlock(title=_("Ausstellung"), html=render("exhibition/block_exhibitions.html", exhibitions=exhibitions),
                                order=20))
    if questions:
        blocks.append(PageBlock(title=_("Ihre Meinung ist gefragt"), html=render("exhibition/block_questions.html", questions=questions),
                                order=30))
    return blocks


async def quartier_blocks(quartier: Quartier) -> list[PageBlock]:
    """The Quartier's page links its published exhibitions."""
    found = await service.published_exhibitions(quartier.id)
    if not found:
        return []
    titles = await localize_many({"exhibitions": (found, ("title",))})
    exhibitions = [(e, service.exhibition_path(e, quartier.slug), titles["exhibitions"][e.id].title) for e in found]
    return [PageBlock(title=_("Ausstellungen"), html=render("exhibition/block_exhibitions.html", exhibitions=exhibitions), order=20)]


async def moderation_widget(staff: StaffContext) -> list[Widget]:
    waiting = await service.count(staff.quartiere_for("exhibition"), "offen")
    return [Widget(title=_("Beiträge zu prüfen"), html=render("exhibition/widget.html", waiting=waiting), order=15)]
