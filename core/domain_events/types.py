from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import ClassVar

import msgspec


def _now() -> datetime:
    return datetime.now(timezone.utc)


class DomainEvent(msgspec.Struct, kw_only=True):
    """Base of every domain event; subclasses set ``name`` and add their fields."""

    name: ClassVar[str] = ""
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
