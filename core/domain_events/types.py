from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import ClassVar

import msgspec


def _now() -> datetime:
    return datetime.now(timezone.utc)


class DomainEvent(msgspec.Struct, kw_only=True):
    """Base of every domain event; subclasses set ``name`` and add their fields.

    An event that asks for moderation (a citizen's contribution waiting for
    approval) sets ``needs_moderation = True`` and has ``summary`` and ``url``
    fields; the notifications plugin sends moderators a digest of them.
    """

    name: ClassVar[str] = ""
    needs_moderation: ClassVar[bool] = False
    quartier_id: int | None
    event_id: uuid.UUID = msgspec.field(default_factory=uuid.uuid4)
    occurred_at: datetime = msgspec.field(default_factory=_now)


class EventPublished(DomainEvent):
    name: ClassVar[str] = "event.published"
    event: int


class EventChanged(DomainEvent):
    """A published event's time, place or text changed."""

    name: ClassVar[str] = "event.changed"
    event: int
    fields: list[str] = msgspec.field(default_factory=list)


class EventCancelled(DomainEvent):
    name: ClassVar[str] = "event.cancelled"
    event: int


CORE_EVENT_TYPES: list[type[DomainEvent]] = [EventPublished, EventChanged, EventCancelled]
