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
from collections import OrderedDict
from datetime import datetime
from typing import Any

from core.plugin_api import (
    MessageError, MessageRecipient, MessageRequest, MessageResult, MessageType, current, event_calendar_text, in_language,
    staff_contacts,
)
from plugins.notifications import messages, service
from plugins.notifications.tables import MessageTemplate, OutboxMessage

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


# What a message needs, in one statement: the Quartier's contact, the staff's texts of the kind (every language,
# the Quartier's and the deployment's) and what the event's calendar text is made of, as the key of its cache.
_MESSAGE_SQL = """
SELECT q.name AS q_name, q.office AS q_office, q.contact_phone AS q_phone, q.contact_email AS q_email, q.slug AS q_slug,
       t.language AS t_language, t.quartier AS t_quartier, t.text AS t_text,
       e.updated_at AS e_updated_at, e.sequence AS e_sequence, e.status AS e_status, e.slug AS e_slug, e.series AS e_series,
       v.name AS v_name, v.street AS v_street, v.postal_code AS v_postal_code, v.city AS v_city,
       v.accessibility AS v_accessibility, v.accessibility_features AS v_features,
       (SELECT count(*) FROM content_translations c WHERE c.owner = 'events' AND c.row_id = e.id) AS e_texts,
       (SELECT max(c.updated_at) FROM content_translations c WHERE c.owner = 'events' AND c.row_id = e.id) AS e_texts_at,
       eq.name AS eq_name, eq.office AS eq_office, eq.slug AS eq_slug
FROM (SELECT 1 AS one) o
LEFT JOIN quartiere q ON q.id = {}
LEFT JOIN notification_templates t ON t.kind = {} AND (t.quartier IS NULL OR t.quartier = {})
LEFT JOIN events e ON e.id = {}
LEFT JOIN venues v ON v.id = e.venue
LEFT JOIN quartiere eq ON eq.id = e.quartier
"""
_CALENDAR_VERSION = ("eq_name", "eq_office", "eq_slug", "e_updated_at", "e_sequence", "e_status", "e_slug", "e_series",
                     "v_name", "v_street", "v_postal_code", "v_city", "v_accessibility", "v_features", "e_texts",
                     "e_texts_at")
CALENDARS = 256  # calendar texts kept per process
_calendars: OrderedDict[tuple[Any, ...], str] = OrderedDict()


async def calendar_text(event_id: int, language: str, version: tuple[Any, ...]) -> str:
    """The event's calendar text in ``language``, kept per process under what it is made of (``version``, read
    with the message): any change of the event, its venue, its texts or its Quartier's name makes a new key."""
    settings = current().settings
    key = (settings.database_url, settings.base_url, event_id, language, version)
    text = _calendars.get(key)
    if text is None:
        with in_language(language):  # the event's texts in the calendar file, in the person's language
            text = await event_calendar_text(event_id)
        _calendars[key] = text
        if len(_calendars) > CALENDARS:
            _calendars.popitem(last=False)
    else:
        _calendars.move_to_end(key)
    return text


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
    rows = await MessageTemplate.raw(_MESSAGE_SQL, request.quartier_id, kind, request.quartier_id, request.event_id)
    first = rows[0]
    quartier = dict(messages.NO_QUARTIER) if first["q_name"] is None else {
        "name": first["q_name"], "office": first["q_office"], "phone": first["q_phone"], "email": first["q_email"]}
    texts = {(row["t_language"], row["t_quartier"]): row["t_text"] for row in rows if row["t_text"] is not None}
    wants_calendar = declared_type.calendar and request.with_calendar and request.event_id
    version = tuple(first[column] for column in _CALENDAR_VERSION)
    result = MessageResult(accepted=False, reason="not delivered: the Quartier has no staff to tell")
    for suffix, to in recipients:
        calendar = await calendar_text(request.event_id, to.language, version) if wants_calendar else ""
        context = {"name": to.name, **messages.marked(declared_type, request.context), "quartier": quartier}
        source = messages.pick(texts, kind, to.language, request.quartier_id)
        subject, text, html = messages.render_text(source, to.language, context)
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
