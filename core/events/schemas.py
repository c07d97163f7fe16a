"""Public JSON shapes of Quartiere and events."""

from __future__ import annotations

from datetime import datetime

import msgspec


class QuartierOut(msgspec.Struct):
    id: int
    slug: str
    name: str
    description: str
    office: str
    contact_phone: str
    contact_email: str
    events_url: str
    calendar_url: str


class VenueOut(msgspec.Struct):
    name: str
    street: str
    postal_code: str
    city: str
    accessibility: str


class OrganisationOut(msgspec.Struct):
    name: str
    role: str
    website: str


class ContactOut(msgspec.Struct):
    name: str
    phone: str
    email: str


class EventOut(msgspec.Struct):
    id: int
    quartier: str
    slug: str
    title: str
    summary: str
    description: str
    language: str  # the reader's language (``Accept-Language`` or ``?lang=``)
    untranslated: list[str]  # texts shown in German: no version in ``language`` yet
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: str
    venue: VenueOut | None
    organisers: list[OrganisationOut]
    contact: ContactOut
    url: str
    calendar_url: str
