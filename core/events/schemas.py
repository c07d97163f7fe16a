"""Public JSON shapes of Quartiere and events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from core.events.accessibility import FeatureKey


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
    accessibility: Annotated[str, msgspec.Meta(description="Free-text accessibility note of the venue.")]
    accessibility_features: Annotated[list[FeatureKey], msgspec.Meta(
        description="Accessibility features of the venue itself (an event may add or lack some: see the event's `accessibility`).")]


class AccessibilityFeatureOut(msgspec.Struct):
    key: FeatureKey
    label: Annotated[str, msgspec.Meta(description="Short name in the reader's language.")]
    description: Annotated[str, msgspec.Meta(description="One sentence explaining the feature, in the reader's language.")]
    schema_org: Annotated[str, msgspec.Meta(description="schema.org accessibilityFeature value, empty where none fits.")]


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
    accessibility: Annotated[list[AccessibilityFeatureOut], msgspec.Meta(
        description="Accessibility features of this event: its venue's, plus what the event adds, minus what it lacks.")]
    free_admission: Annotated[bool, msgspec.Meta(description="Admission is free (schema.org isAccessibleForFree).")]
    organisers: list[OrganisationOut]
    contact: ContactOut
    url: str
    calendar_url: str
