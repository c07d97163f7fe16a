from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import ClassVar

import msgspec

from core.accounts.roles import STAFF

def _now() -> datetime:
    return datetime.now(timezone.utc)


class StaffAttention(msgspec.Struct, frozen=True, kw_only=True):
    """Something staff of the event's Quartier must look at: one line and the page where they act on it."""

    summary: str
    url: str
    roles: tuple[str, ...] = (STAFF,)  # the staff roles to tell


class DomainEvent(msgspec.Struct, kw_only=True):
    """Base of every domain event; subclasses set ``name`` and add their fields.

    An event staff must look at (a citizen's contribution waiting for approval)
    overrides ``staff_attention``; the notifications plugin sends the accounts
    of the named roles in the event's Quartier a digest of them.
    """

    name: ClassVar[str] = ""
    quartier_id: int | None
    event_id: uuid.UUID = msgspec.field(default_factory=uuid.uuid4)
    occurred_at: datetime = msgspec.field(default_factory=_now)

    def staff_attention(self) -> StaffAttention | None:
        """What staff must look at because of this event (None: nothing)."""
        return None

    def aggregate(self) -> str | None:
        """The thing this event is about, e.g. ``"registration:12"``: events with the same key reach every plugin in
        the order they were published, also when several processes publish them (None: no order needed)."""
        return None


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


class EventCopied(DomainEvent):
    """A draft copy of an event was made (``Kopieren``, or a date of a series): plugins copy their settings."""

    name: ClassVar[str] = "event.copied"
    event: int  # the copy
    source: int


class SeriesDeleted(DomainEvent):
    """A series was deleted; its events stay, as single events (plugins drop what belonged to the series)."""

    name: ClassVar[str] = "series.deleted"
    series: int


CORE_EVENT_TYPES: list[type[DomainEvent]] = [EventPublished, EventChanged, EventCancelled, EventCopied, SeriesDeleted]
