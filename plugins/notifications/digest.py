"""Staff hear about what waits for them (``DomainEvent.staff_attention``) in one digest every N minutes, not one mail each."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from core.plugin_api import StaffAttention, staff_contacts, transaction
from plugins.notifications import messages, service
from plugins.notifications.apprise_channel import target_for
from plugins.notifications.tables import ModerationNotice


async def collect(quartier_id: int | None, attention: StaffAttention) -> None:
    await ModerationNotice.insert(ModerationNotice(
        quartier_id=quartier_id, summary=attention.summary, url=attention.url, roles=",".join(attention.roles)))


def items_of(notices: list[ModerationNotice]) -> list[dict[str, Any]]:
    """The digest's lines: the summary quotes the citizen's text, the link is ours."""
    return [{"summary": n.summary, "url": messages.Link(n.url)} for n in notices]


async def send_digests(deployment: Any = None, quartiere: frozenset[int] | None = None) -> int:
    """One message per account of the named roles in each Quartier (of ``quartiere``, if given) with everything that
    arrived since the last digest."""
    sent = 0
    async with transaction():
        pending = ModerationNotice.objects().where(ModerationNotice.digested_at.is_null()).order_by(ModerationNotice.id)
        if quartiere is not None:
            pending = pending.where(ModerationNotice.quartier_id.is_in(list(quartiere) or [-1])
                                    | ModerationNotice.quartier_id.is_null())  # no Quartier: marked, never sent
        notices = await pending
        if not notices:
            return 0
        by_quartier: dict[tuple[int | None, str], list[ModerationNotice]] = defaultdict(list)
        for notice in notices:
            by_quartier[notice.quartier_id, notice.roles].append(notice)
        for (quartier_id, roles), items in by_quartier.items():
            if quartier_id is None:
                continue
            for user_id, name, email, language in await staff_contacts(quartier_id, tuple(roles.split(","))):
                subject, text, html = await messages.render("moderation_digest", language, {
                    "name": name, "count": len(items), "items": items_of(items),
                    "quartier": await messages.quartier_context(quartier_id),
                }, quartier_id=quartier_id)
                sent += await service.enqueue(
                    recipient=email, kind="moderation_digest", subject=subject, body_text=text, body_html=html,
                    headers={"Auto-Submitted": "auto-generated"}, language=language, quartier_id=quartier_id, person=name,
                    idempotency_key=f"digest:{quartier_id}:{user_id}:{items[-1].id}")
            room = await target_for("moderation", quartier_id)
            if room is not None:  # a Matrix or Signal room of the moderators
                subject, text, _html = await messages.render("moderation_digest", "de", {
                    "name": "Moderation", "count": len(items), "items": items_of(items),
                    "quartier": await messages.quartier_context(quartier_id)}, quartier_id=quartier_id)
                sent += await service.enqueue(channel="apprise", recipient=str(room.id), kind="moderation_digest",
                                              subject=subject, body_text=text, quartier_id=quartier_id,
                                              idempotency_key=f"digest:{quartier_id}:room{room.id}:{items[-1].id}")
        await ModerationNotice.update({ModerationNotice.digested_at: service.now()}).where(
            ModerationNotice.id.is_in([n.id for n in notices]))
    return sent
