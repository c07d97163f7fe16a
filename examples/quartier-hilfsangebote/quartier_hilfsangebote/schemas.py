"""JSON shapes of the public API."""

from __future__ import annotations

from datetime import datetime

import msgspec


class AddressOut(msgspec.Struct):
    street: str
    postal_code: str
    city: str


class OfferOut(msgspec.Struct):
    """A help or counselling offer. Texts are as entered (German); ``category`` is one of the deployment's categories."""

    id: int
    quartier: str  # slug of the Quartier
    name: str
    provider: str
    category: str
    description: str
    address: AddressOut
    opening_hours: str
    phone: str
    email: str
    website: str
    languages: list[str]  # ISO 639 codes, e.g. ["de", "tr"]
    accessible: bool
    updated_at: datetime
    url: str  # the offer on the public page
