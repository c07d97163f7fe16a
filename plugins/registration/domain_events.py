"""Domain events of the registration plugin; other plugins (notifications) react to them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

from core.plugin_api import DomainEvent, Personal


class RegistrationEvent(DomainEvent):
    """Everything a listener needs to tell the person, without reading this plugin's tables."""

    registration: int
    event: int
    event_title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    person_name: Annotated[str, Personal]
    email: Annotated[str | None, Personal]
    phone: Annotated[str, Personal]
    language: str
    channel: str
    status: str
    seats: int
    waitlist_position: int | None = None
    view_url: Annotated[str, Personal] = ""  # its token acts for the person
    confirm_url: Annotated[str, Personal] = ""  # its token acts for the person
    cancel_url: Annotated[str, Personal] = ""  # its token acts for the person
    reason: str = ""

    def aggregate(self) -> str:
        return f"registration:{self.registration}"


class RegistrationCreated(RegistrationEvent):
    """A new registration: status ``unconfirmed`` (please confirm), ``confirmed`` or ``waitlisted``."""

    name: ClassVar[str] = "registration.created"


class RegistrationConfirmed(RegistrationEvent):
    name: ClassVar[str] = "registration.confirmed"


class RegistrationWaitlisted(RegistrationEvent):
    """Staff moved a registration to the waiting list."""

    name: ClassVar[str] = "registration.waitlisted"


class RegistrationPromoted(RegistrationEvent):
    """A seat became free and this person moved up from the waiting list."""

    name: ClassVar[str] = "registration.promoted"


class RegistrationCancelled(RegistrationEvent):
    name: ClassVar[str] = "registration.cancelled"


class RegistrationExpired(RegistrationEvent):
    """The e-mail address was not confirmed in time; the seat is free again."""

    name: ClassVar[str] = "registration.expired"


class RegistrationCheckedIn(RegistrationEvent):
    name: ClassVar[str] = "registration.checked_in"


class RegistrationErased(DomainEvent):
    """A person's data was erased: listeners delete their copies. Carries no personal data."""

    name: ClassVar[str] = "registration.erased"
    registration: int
    event: int

    def aggregate(self) -> str:
        return f"registration:{self.registration}"


ALL = [
    RegistrationCreated, RegistrationConfirmed, RegistrationWaitlisted, RegistrationPromoted,
    RegistrationCancelled, RegistrationExpired, RegistrationCheckedIn, RegistrationErased,
]
