"""JSON shapes of the registration API."""

from __future__ import annotations

from datetime import datetime

import msgspec


class RegistrationOut(msgspec.Struct):
    id: int
    status: str  # unconfirmed, confirmed, waitlisted
    waitlist_position: int | None
    seats: int
    message: str


class AvailabilityOut(msgspec.Struct):
    open: bool
    reason: str  # open, closed, not_open, full, no_registration
    capacity: int | None
    seats_taken: int
    seats_left: int | None
    waitlist_enabled: bool
    waitlist_length: int
    opens_at: datetime | None
    closes_at: datetime | None



class StaffRegistrationOut(msgspec.Struct):
    id: int
    event: int
    name: str
    email: str | None
    phone: str
    status: str
    seats: int
    waitlist_position: int | None
    channel: str
    checked_in_at: datetime | None
    created_at: datetime
