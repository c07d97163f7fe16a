"""Typed domain events, stored with the change that causes them and delivered after commit."""

from core.domain_events.contract import EventDecodeError, Personal, decode_event, personal_fields, redacted
from core.domain_events.types import DomainEvent, EventCancelled, EventChanged, EventCopied, EventPublished, SeriesDeleted, StaffAttention

__all__ = [
    "DomainEvent", "EventCancelled", "EventChanged", "EventCopied", "EventDecodeError", "EventPublished", "Personal", "decode_event", "SeriesDeleted",
    "personal_fields", "redacted", "StaffAttention",
]
