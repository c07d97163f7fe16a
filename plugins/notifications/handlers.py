"""From domain events to outbox messages: who is told what, and when."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from core.plugin_api import DomainEvent, Event, MessageRecipient, event_calendar_text, public_event, redacted, transaction
from plugins.notifications import delivery, messages, service
from plugins.notifications.tables import OutboxMessage, Recipient

ACTIVE = ("unconfirmed", "confirmed", "waitlisted")
REGISTRATION_KINDS = {
    "registration.confirmed": "registered",
    "registration.promoted": "promoted",
    "registration.waitlisted": "waitlisted",
    "registration.cancelled": "cancelled",
    "registration.expired": "expired",
}


def when(moment: datetime, tz: str, language: str) -> str:
    return format_datetime(moment.astimezone(ZoneInfo(tz)), format="EEEE, d. MMMM y, HH:mm", locale=language)


async def _remember(event: Any) -> Recipient:
    """Keep our own copy of who is registered (we do not read the registration plugin's tables)."""
    values = dict(event_id=event.event, quartier_id=event.quartier_id, name=event.person_name, email=event.email,
                  phone=event.phone, language=event.language, status=event.status, view_url=event.view_url,
                  cancel_url=event.cancel_url)
    row = await Recipient.objects().where(Recipient.registration == event.registration).first()
    if row is None:
        row = Recipient(registration=event.registration, **values)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    await row.save()
    return row


async def _send(recipient: Recipient, kind: str, key: str, *, event_title: str, starts_at: datetime, tz: str,
                extra: dict[str, Any] | None = None, with_calendar: bool = False, send_at: datetime | None = None) -> None:
    if not recipient.email and not recipient.phone:
        return
    context = {
        "name": recipient.name, "event_title": messages.StaffText(event_title),
        "when": messages.StaffText(when(starts_at, tz, recipient.language)),
        "view_url": messages.Link(recipient.view_url), "cancel_url": messages.Link(recipient.cancel_url),
        "quartier": await messages.quartier_context(recipient.quartier_id), **(extra or {}),
    }
    subject, text, html = await messages.render(kind, recipient.language, context, quartier_id=recipient.quartier_id)
    calendar = await event_calendar_text(recipient.event_id) if with_calendar else ""
    # A call list entry a day before would only repeat the registration: reminders go by e-mail or SMS only.
    channels = ("email", "sms") if kind == "reminder" else ("email", "sms", "call")
    to = MessageRecipient(name=recipient.name, email=recipient.email, phone=recipient.phone, language=recipient.language)
    await delivery.queue(to, kind=kind, subject=subject, text=text, html=html, idempotency_key=key, channels=channels,
                         quartier_id=recipient.quartier_id, event_id=recipient.event_id, calendar=calendar, send_at=send_at)


async def schedule_reminder(recipient: Recipient, starts_at: datetime, tz: str, title: str) -> None:
    hours = service.settings().reminder_hours_before
    if not hours or recipient.status != "confirmed":
        return
    send_at = starts_at - timedelta(hours=hours)
    if send_at <= service.now():
        return
    await _send(recipient, "reminder", f"reg{recipient.registration}:reminder:{starts_at.isoformat()}",
                event_title=title, starts_at=starts_at, tz=tz, send_at=send_at)


async def cancel_reminders(registration: int | None = None, event_id: int | None = None) -> None:
    query = OutboxMessage.update({OutboxMessage.status: "cancelled"}).where(
        (OutboxMessage.kind == "reminder") & (OutboxMessage.status == "pending"))
    if registration is not None:
        query = query.where(OutboxMessage.idempotency_key.like(f"reg{registration}:%"))
    if event_id is not None:
        query = query.where(OutboxMessage.event_id == event_id)
    await query


async def on_registration(event: Any) -> None:
    if event.name == "registration.erased":
        await OutboxMessage.delete().where(OutboxMessage.idempotency_key.like(f"reg{event.registration}:%"))
        await Recipient.delete().where(Recipient.registration == event.registration)
        return
    if event.name == "registration.checked_in":
        await _remember(event)
        return
    recipient = await _remember(event)
    if event.name == "registration.created":
        kind = {"unconfirmed": "confirm_request", "confirmed": "registered", "waitlisted": "waitlisted"}[event.status]
    else:
        kind = REGISTRATION_KINDS.get(event.name)
        if kind is None:
            return
    needs_confirmation = event.status == "unconfirmed"
    with_calendar = kind == "registered" or (kind == "promoted" and not needs_confirmation)
    await _send(recipient, kind, f"reg{event.registration}:{kind}:{event.event_id}", event_title=event.event_title,
                starts_at=event.starts_at, tz=event.timezone, with_calendar=with_calendar,
                extra={"confirm_url": messages.Link(event.confirm_url), "seats": event.seats, "position": event.waitlist_position,
                       "needs_confirmation": needs_confirmation})
    if kind in ("cancelled", "expired", "waitlisted"):
        await cancel_reminders(registration=event.registration)
    elif event.status == "confirmed":
        await schedule_reminder(recipient, event.starts_at, event.timezone, event.event_title)


async def on_event(event: Any) -> None:
    """An event changed or was cancelled: tell everyone registered, move or drop their reminders."""
    detail = await public_event(event.event)
    row = detail.event if detail else await Event.objects().where(Event.id == event.event).first()
    if row is None:
        return
    recipients = await Recipient.objects().where((Recipient.event_id == row.id) & Recipient.status.is_in(list(ACTIVE)))
    kind = "event_cancelled" if event.name == "event.cancelled" else "event_changed"
    await cancel_reminders(event_id=row.id)
    for recipient in recipients:
        await _send(recipient, kind, f"reg{recipient.registration}:{kind}:{event.event_id}", event_title=row.title,
                    starts_at=row.starts_at, tz=row.timezone, with_calendar=kind == "event_changed")
        if kind == "event_changed":
            await schedule_reminder(recipient, row.starts_at, row.timezone, row.title)


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
    async with transaction():
        await to_webhook(event)
        attention = event.staff_attention()
        if attention is not None:
            from plugins.notifications.digest import collect

            await collect(event.quartier_id, attention)
        if type(event).name.startswith("registration."):
            await on_registration(event)
        elif type(event).name in ("event.changed", "event.cancelled"):
            await on_event(event)
