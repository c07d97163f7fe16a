"""What the plugin adds to a page it does not own: the block "Beratung vor Ort" on public event pages."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from core.plugin_api import EventDetail, PageBlock, Quartier, plugin_gettext, render
from quartier_hilfsangebote import service

_ = plugin_gettext("hilfsangebote")

BLOCK_TITLE = "Beratung vor Ort"
BLOCK_SIZE = 3


async def event_block(detail: EventDetail, request: Any) -> list[PageBlock]:
    if not service.settings().show_on_event_pages:
        return []
    offers = await service.find_offers(detail.quartier.id, limit=BLOCK_SIZE + 1)
    if not offers:
        return []
    html = render("hilfsangebote/block.html", quartier=detail.quartier, offers=await service.views(offers[:BLOCK_SIZE]),
                  more=len(offers) > BLOCK_SIZE, page_url=f"/{detail.quartier.slug}/hilfe")
    return [PageBlock(title=_(BLOCK_TITLE), html=html, order=60)]


async def quartier_block(quartier: Quartier) -> list[PageBlock]:
    """The Quartier's page links the offers page, where there are offers."""
    if not await service.find_offers(quartier.id, limit=1):
        return []
    link = Markup('<p><a href="{}">{}</a></p>').format(
        f"/{quartier.slug}/hilfe", _("Alle Beratungs- und Hilfsangebote in {quartier}").format(quartier=quartier.name))
    return [PageBlock(title=_(service.settings().page_title), html=link, order=60)]
