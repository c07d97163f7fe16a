"""What the plugin adds to a page it does not own: the block "Beratung vor Ort" on public event pages."""

from __future__ import annotations

from typing import Any

from core.plugin_api import EventDetail, PageBlock, plugin_gettext, render
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
