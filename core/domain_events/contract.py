"""The contract of a domain event: which fields hold personal data, and decoding by a consumer.

A producer marks personal-data fields with ``Annotated[str, Personal]``. Webhooks, logs and
the event log's retention read that declaration (``personal_fields``, ``redacted``), never
field names. A consumer decodes an event into a Struct of its own with ``decode_event``,
without importing the producer.
"""

from __future__ import annotations

import functools
import typing
from typing import Any, TypeVar

import msgspec

from core.domain_events.types import DomainEvent

S = TypeVar("S", bound=msgspec.Struct)


class _Personal:
    """Marker in ``Annotated[...]``: the field holds personal data (a name, an address, a link that acts for a person)."""

    def __repr__(self) -> str:
        return "Personal"


Personal = _Personal()


class EventDecodeError(ValueError):
    """An event does not decode into what a consumer asked for; the message names plugin and event."""


@functools.cache
def personal_fields(event_type: type[DomainEvent]) -> frozenset[str]:
    """The fields of an event type declared ``Annotated[..., Personal]``."""
    hints = typing.get_type_hints(event_type, include_extras=True)
    return frozenset(
        name for name in event_type.__struct_fields__
        if typing.get_origin(hints.get(name)) is typing.Annotated
        and any(meta is Personal for meta in typing.get_args(hints[name])[1:])
    )


def redacted(event: DomainEvent) -> dict[str, Any]:
    """The event's fields as JSON-ready values, without its personal data."""
    hidden = personal_fields(type(event))
    return {key: value for key, value in msgspec.to_builtins(event).items() if key not in hidden}


def describe(event_type: type[DomainEvent]) -> str:
    """One line for listings: the name and its own fields (not the common ones), personal ones marked ``*``."""
    hidden = personal_fields(event_type)
    own = [name for name in event_type.__struct_fields__ if name not in DomainEvent.__struct_fields__]
    fields = [f"{name}*" if name in hidden else name for name in own]
    return f"{event_type.name} ({', '.join(fields)})"


def decode_event(event: DomainEvent | dict[str, Any], into: type[S], *, plugin: str) -> S:
    """The event as the consumer's own Struct ``into`` (only the fields it declares are read).

    Raises ``EventDecodeError`` naming ``plugin`` and the event when a field is missing or of the wrong type.
    """
    data = event if isinstance(event, dict) else msgspec.to_builtins(event)
    name = data.get("name") if isinstance(event, dict) else type(event).name
    try:
        return msgspec.convert(data, type=into, strict=False)
    except msgspec.ValidationError as exc:
        raise EventDecodeError(
            f"Plugin '{plugin}': domain event '{name}' does not decode into {into.__name__}: {exc}"
        ) from None
