"""The messaging service other plugins reach through ``send_message``, without importing this plugin.

A plugin declares its message types (``register_message_types``); a request names the type by
plugin and key. The text is the staff's version for the Quartier, else the deployment's, else
the type's default; the channel is the first of the type's channels that reaches the person:
e-mail, SMS through the Apprise gateway, the staff's call list, or the deployment's webhook (a type
that lists ``"webhook"`` hands the rendered message and the person's contact to the municipality's
own system there). Everything goes through the outbox, under the idempotency key
``<plugin>:<the request's key>``.
"""

from __future__ import annotations

import json
from datetime import datetime

from core.plugin_api import (
    MessageError, MessageRecipient, MessageRequest, MessageResult, MessageType, event_calendar_text, in_language,
    staff_contacts,
)
from plugins.notifications import messages, service
from plugins.notifications.tables import OutboxMessage

AUTOMATIC = {"Auto-Submitted": "auto-generated"}
STAFF_ROLES = ("staff", "admin")


def message_type(plugin: str, key: str) -> MessageType:
    found = messages.declared().get(f"{plugin}.{key}")
    if found is None:
        raise MessageError(f"Plugin '{plugin}': unknown message type '{key}' (declare it with register_message_types).")
    return found


async def queue(to: MessageRecipient, *, kind: str, subject: str, text: str, html: str, idempotency_key: str,
                channels: tuple[str, ...], quartier_id: int | None, event_id: int | None = None, calendar: str = "",
                send_at: datetime | None = None) -> MessageResult:
    """Put one rendered message in the outbox on the first of ``channels`` that reaches ``to``."""
    common = dict(kind=kind, subject=subject, body_text=text, language=to.language, quartier_id=quartier_id,
                  event_id=event_id, person=to.name, idempotency_key=idempotency_key)
    for channel in channels:
        if channel == "email" and to.email:
            new = await service.enqueue(recipient=to.email, body_html=html, headers=AUTOMATIC, calendar=calendar,
                                        send_at=send_at, **common)
        elif channel == "sms" and to.phone:
            from plugins.notifications.apprise_channel import target_for

            gateway = await target_for("sms", quartier_id)
            if gateway is None:
                continue
            new = await service.enqueue(channel="apprise", recipient=f"{gateway.id}|{to.phone}", send_at=send_at, **common)
        elif channel == "call" and to.phone:
            new = await service.enqueue(channel="call", recipient=to.phone, **common)
        elif channel == "webhook" and service.settings().webhook_url and service.settings().webhook_messages:
            # a system of the municipality delivers it (letters, its own SMS gateway): it needs the person's contact
            message = {"type": "message", "kind": kind, "language": to.language, "quartier_id": quartier_id,
                       "event": event_id, "to": {"name": to.name, "email": to.email, "phone": to.phone},
                       "subject": subject, "text": text, "send_at": send_at.isoformat() if send_at else None}
            new = await service.enqueue(channel="webhook", recipient=service.settings().webhook_url,
                                        send_at=send_at, **{**common, "body_text": json.dumps(message, ensure_ascii=False)})
        else:
            continue
        return MessageResult(accepted=True, channel=channel, reason="" if new else "already queued")
    return MessageResult(accepted=False, reason=f"not delivered: none of the channels {', '.join(channels)} reaches the recipient")


async def deliver(request: MessageRequest) -> MessageResult:
    """Render and queue the requested message (in the caller's transaction, if any)."""
    declared_type = message_type(request.plugin, request.key)
    kind = f"{request.plugin}.{request.key}"
    if request.to_staff:
        if request.quartier_id is None:
            raise MessageError(f"Plugin '{request.plugin}', message '{request.key}': a message to staff needs a Quartier.")
        recipients = [(f":staff{user_id}", MessageRecipient(name=name, email=email, language=language))
                      for user_id, name, email, language in await staff_contacts(request.quartier_id, STAFF_ROLES)]
    elif request.to is None or not (request.to.email or request.to.phone):
        raise MessageError(f"Plugin '{request.plugin}', message '{request.key}': no recipient "
                           "(an e-mail address or a phone number is needed).")
    else:
        recipients = [("", request.to)]
    wants_calendar = declared_type.calendar and request.with_calendar and request.event_id
    quartier = await messages.quartier_context(request.quartier_id)
    result = MessageResult(accepted=False, reason="not delivered: the Quartier has no staff to tell")
    for suffix, to in recipients:
        with in_language(to.language):  # the event's texts in the calendar file, in the person's language
            calendar = await event_calendar_text(request.event_id) if wants_calendar else ""
        context = {"name": to.name, **messages.marked(declared_type, request.context), "quartier": quartier}
        subject, text, html = await messages.render(kind, to.language, context, quartier_id=request.quartier_id)
        result = await queue(to, kind=kind, subject=subject, text=text, html=html, channels=declared_type.channels,
                             idempotency_key=f"{request.plugin}:{request.idempotency_key}{suffix}", calendar=calendar,
                             quartier_id=request.quartier_id, event_id=request.event_id, send_at=request.send_at)
    return result


async def withdraw(plugin: str, key_prefix: str, erase: bool) -> int:
    """Cancel (``erase``: delete) the plugin's messages whose idempotency key starts with ``key_prefix``."""
    match = OutboxMessage.idempotency_key.like(f"{plugin}:{key_prefix}%")
    if erase:  # the person's announcements too: they are keyed by the plugin's audience member key
        match = match | OutboxMessage.idempotency_key.like(f"announcement:%:{plugin}:{key_prefix}%")
        rows = await OutboxMessage.delete().where(match).returning(OutboxMessage.id)
    else:
        rows = await OutboxMessage.update({OutboxMessage.status: "cancelled"}).where(
            match & (OutboxMessage.status == "pending")).returning(OutboxMessage.id)
    return len(rows)
