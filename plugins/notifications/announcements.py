"""Announcements from staff to the people registered for an event, and one-click unsubscribe (RFC 8058).

People without an e-mail address (registered by phone) land on the call list with the text to read out."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from core.plugin_api import AudienceMember, current, is_plugin_enabled, transaction
from plugins.notifications import messages, service
from plugins.notifications.tables import Announcement, OutboxMessage, Unsubscribe


def _key() -> bytes:
    return current().settings.secret_key.encode()


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def unsubscribe_token(email: str) -> str:
    """A link token that names the address without showing it; the server checks it with its secret."""
    digest = hmac.new(_key(), f"unsubscribe:{email.strip().lower()}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{email_hash(email)[:32]}.{digest}"


def unsubscribe_url(email: str) -> str:
    return f"{current().settings.base_url.rstrip('/')}/benachrichtigungen/abbestellen/{unsubscribe_token(email)}"


async def unsubscribe(token: str) -> bool:
    """Record the unsubscribe named by a valid token; False for a token that fits no recipient."""
    prefix, _sep, _digest = token.partition(".")
    mailed = await OutboxMessage.select(OutboxMessage.recipient).where(OutboxMessage.channel == "email").distinct()
    for row in mailed:
        email = row["recipient"]
        if email_hash(email)[:32] == prefix and hmac.compare_digest(unsubscribe_token(email), token):
            await Unsubscribe.insert(Unsubscribe(email_hash=email_hash(email))).on_conflict(action="DO NOTHING")
            return True
    return False


async def audience(announcement: Announcement) -> list[AudienceMember]:
    """The people of the announcement's audience: those with an e-mail address who have not unsubscribed, and those
    with only a phone number (the call list)."""
    found = messages.audiences().get(announcement.audience)
    if found is None:  # the plugin that declared it is not loaded any more
        return []
    plugin, declared = found
    if announcement.quartier_id is not None and not await is_plugin_enabled(announcement.quartier_id, plugin):
        return []
    off = {row["email_hash"] for row in await Unsubscribe.select(Unsubscribe.email_hash)}
    return [m for m in await declared.members(announcement.event)
            if (m.to.email and email_hash(m.to.email) not in off) or (not m.to.email and m.to.phone)]


def to_call(announcement: Announcement) -> str:
    """What staff read out on the phone: the announcement as staff wrote it."""
    return f"{announcement.subject}\n\n{announcement.body}"


async def compose(announcement: Announcement, name: str, email: str, language: str = "de", *,
                  quartier: dict[str, str] | None = None, source: str | None = None) -> tuple[str, str, str, dict[str, str]]:
    """One person's message; ``quartier`` and ``source`` may be passed in when composing for many."""
    if quartier is None:
        quartier = await messages.quartier_context(announcement.quartier_id)
    if source is None:
        source = await messages.source("announcement", language, quartier_id=announcement.quartier_id)
    subject, text, html = messages.render_text(source, language, {
        "name": name, "subject": messages.StaffText(announcement.subject), "body": messages.StaffText(announcement.body),
        "quartier": quartier, "unsubscribe_url": messages.Link(unsubscribe_url(email)),
    })
    headers = {
        "List-Unsubscribe": f"<{unsubscribe_url(email)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "Precedence": "bulk",
    }
    return subject, text, html, headers


async def preview(announcement: Announcement) -> str:
    sample = next((m for m in await audience(announcement) if m.to.email), None)
    subject, text, _html, _headers = await compose(announcement, sample.to.name if sample else "Erika Mustermann",
                                                   sample.to.email if sample else "erika@example.org")
    return f"Betreff: {subject}\n\n{text}"


async def send_test(announcement: Announcement, name: str, email: str) -> None:
    import uuid

    subject, text, html, headers = await compose(announcement, name, email)
    await service.enqueue(recipient=email, kind="announcement-test", subject="[Test] " + subject, body_text=text,
                          body_html=html, headers=headers, quartier_id=announcement.quartier_id, event_id=announcement.event,
                          person=name, idempotency_key=f"announcement:{announcement.id}:test:{uuid.uuid4().hex}")


async def send(announcement: Announcement) -> int:
    """Queue the announcement for its audience (once per person, whatever happens; people without e-mail on the
    call list); returns how many."""
    count = 0
    async with transaction():
        fresh = await Announcement.objects().where(Announcement.id == announcement.id).first()
        if fresh.status == "sent":
            raise ValueError("Diese Mitteilung wurde schon versandt.")
        quartier = await messages.quartier_context(fresh.quartier_id)
        sources: dict[str, str] = {}
        queued = []
        owner = fresh.audience.partition(".")[0]  # the plugin whose erasure requests reach these messages too
        for member in await audience(fresh):
            person = member.to
            common = dict(kind="announcement", quartier_id=fresh.quartier_id, event_id=fresh.event, person=person.name,
                          language=person.language, idempotency_key=f"announcement:{fresh.id}:{owner}:{member.key}")
            if not person.email:  # registered by phone: staff call and read it out
                queued.append(dict(channel="call", recipient=person.phone, subject=fresh.subject,
                                   body_text=to_call(fresh), **common))
                continue
            if person.language not in sources:
                sources[person.language] = await messages.source("announcement", person.language,
                                                                   quartier_id=fresh.quartier_id)
            subject, text, html, headers = await compose(fresh, person.name, person.email, person.language,
                                                         quartier=quartier, source=sources[person.language])
            queued.append(dict(recipient=person.email, subject=subject, body_text=text, body_html=html, headers=headers,
                               **common))
        count = await service.enqueue_many(queued)
        await Announcement.update({Announcement.status: "sent", Announcement.sent_at: service.now()}).where(
            Announcement.id == fresh.id)
    return count


async def progress(announcement_id: int) -> dict[str, int]:
    rows = await OutboxMessage.select(OutboxMessage.status).where(
        (OutboxMessage.kind == "announcement") & OutboxMessage.idempotency_key.like(f"announcement:{announcement_id}:%"))
    return service.status_counts(rows)


def describe(counts: dict[str, Any]) -> str:
    return (f"{counts.get('sent', 0)} versandt, {counts.get('pending', 0) + counts.get('sending', 0)} ausstehend, "
            f"{counts.get('failed', 0)} fehlgeschlagen")
