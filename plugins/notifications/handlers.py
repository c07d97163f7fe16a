"""What every domain event means to this plugin: the webhook, and the staff digest of what needs attention.

Messages to people are not decided here: the plugin whose event it is asks for them (``send_message``).
"""

from __future__ import annotations

import json

from core.plugin_api import DomainEvent, EventPublished, SeriesDeleted, redacted, transaction
from plugins.notifications import service


async def to_webhook(event: DomainEvent) -> None:
    """Other systems of the municipality may follow everything that happens, as signed JSON."""
    url = service.settings().webhook_url
    if not url:
        return
    # Fields the producer declared Personal never leave the house; a receiving system that
    # needs a person's details asks the staff API with its own token.
    data = redacted(event)
    payload = {"type": type(event).name, "event_id": str(event.event_id), "occurred_at": event.occurred_at.isoformat(),
               "data": data}
    await service.enqueue(channel="webhook", recipient=url, kind=type(event).name, subject=type(event).name,
                          body_text=json.dumps(payload, ensure_ascii=False), idempotency_key=f"webhook:{event.event_id}",
                          quartier_id=event.quartier_id)


async def handle(event: DomainEvent) -> None:
    attention = event.staff_attention()
    published, series_gone = isinstance(event, EventPublished), isinstance(event, SeriesDeleted)
    if not (service.settings().webhook_url or attention is not None or published or series_gone):
        return  # nothing to write: no transaction either
    async with transaction():
        await to_webhook(event)
        if attention is not None:
            from plugins.notifications.digest import collect

            await collect(event.quartier_id, attention)
        if published:  # the subscribers' next digest tells about it
            from plugins.notifications.subscriptions import record_news

            await record_news(event.event, event.quartier_id)
        elif series_gone:  # nothing left to hear about: the addresses go
            from plugins.notifications.subscriptions import forget_series

            await forget_series(event.series)
