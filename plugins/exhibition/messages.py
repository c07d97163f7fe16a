"""The messages this plugin sends through the messaging service (no import of the plugin that delivers them)."""

from __future__ import annotations

from pathlib import Path

from core.plugin_api import MessageRecipient, MessageRequest, MessageType, send_message, texts_from
from plugins.exhibition.domain_events import ContributionApproved

TEXTS = Path(__file__).parent / "messages"


MESSAGE_TYPES = [
    MessageType(key="contribution_published", label="Beitrag veröffentlicht", texts=texts_from(TEXTS, "contribution_published"),
                variables=("question", "excerpt", "url"), links=("url",), staff_texts=("question",), channels=("email",),
                example={"question": "Was wünsche ich mir für mein Quartier?", "excerpt": "Eine Bank vor dem Treffpunkt.",
                         "url": "https://quartier.example/gifhorn/fragen/2"}),
]


async def tell_author(event: ContributionApproved) -> None:
    """The author asked to be told when the answer is public: one message, the address is not kept."""
    if not event.notify_email:
        return
    await send_message(MessageRequest(
        plugin="exhibition", key="contribution_published", idempotency_key=f"contribution:{event.contribution}:published",
        quartier_id=event.quartier_id, to=MessageRecipient(email=event.notify_email, language=event.language),
        context={"question": event.question_text, "excerpt": event.excerpt, "url": event.url},
    ))
