"""The contract between a plugin that asks for messages and the plugin that delivers them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec


class MessageType(msgspec.Struct, kw_only=True, frozen=True):
    """A kind of message a plugin sends; staff may change its texts per Quartier."""

    key: str  # unique within the plugin, e.g. "callback_confirmed"
    label: str  # German, shown to staff
    texts: dict[str, str]  # language -> default text: first line "Betreff: …", then the body (Jinja2, sandboxed)
    variables: tuple[str, ...] = ()  # what the texts may use (shown to staff editing them)
    links: tuple[str, ...] = ()  # variables that are URLs the system made (links in the HTML part)
    staff_texts: tuple[str, ...] = ()  # variables staff wrote; every other variable is citizen text, made inert
    channels: tuple[str, ...] = ("email", "sms", "call")  # which channels may carry it, in this order of preference
    calendar: bool = False  # attach the calendar file of the request's ``event_id``
    example: dict[str, Any] = msgspec.field(default_factory=dict)  # values for the staff preview


class MessageRecipient(msgspec.Struct, kw_only=True):
    name: str = ""
    email: str | None = None
    phone: str = ""
    language: str = "de"


class MessageRequest(msgspec.Struct, kw_only=True):
    """One message of a declared type to one person, or (``to_staff``) to the Quartier's staff."""

    plugin: str  # the plugin that declared the type
    key: str
    idempotency_key: str  # the cause: the same plugin and key never send twice
    quartier_id: int | None
    to: MessageRecipient | None = None
    to_staff: bool = False
    context: dict[str, Any] = msgspec.field(default_factory=dict)
    event_id: int | None = None  # the calendar event it is about (calendar file, delivery log)
    with_calendar: bool = True  # False: leave out the type's calendar file this time
    send_at: datetime | None = None  # later, e.g. a reminder; withdraw it with ``withdraw_messages``


class MessageResult(msgspec.Struct, kw_only=True):
    accepted: bool  # queued for delivery (False: see reason)
    channel: str = ""
    reason: str = ""


class MessageError(ValueError):
    """A request the messaging plugin cannot take (unknown type, no recipient); the message names plugin and key."""


def texts_from(folder: str | Path, key: str) -> dict[str, str]:
    """``MessageType.texts`` read from files named ``<key>.<language>.txt`` in ``folder``."""
    return {path.name.split(".")[-2]: path.read_text(encoding="utf-8") for path in sorted(Path(folder).glob(f"{key}.*.txt"))}


class AudienceMember(msgspec.Struct, kw_only=True, frozen=True):
    # stable for this person within the audience's plugin, e.g. "reg12:"; withdraw_messages(plugin, prefix, erase=True)
    # also erases the announcements sent to members whose key starts with prefix
    key: str
    to: MessageRecipient


@dataclass(frozen=True)
class Audience:
    """People a plugin can name for a calendar event (e.g. those registered for it): staff write to them."""

    key: str  # unique within the plugin, e.g. "registered"
    label: str  # German, shown to staff
    members: Callable[[int], Awaitable[list[AudienceMember]]]  # calendar event id -> the people, now
