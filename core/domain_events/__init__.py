"""Typed domain events, stored with the change that causes them and delivered after commit."""

from core.domain_events.types import DomainEvent, EventCancelled, EventChanged, EventPublished

__all__ = ["DomainEvent", "EventCancelled", "EventChanged", "EventPublished"]
