"""A few offers for the demo Quartier (``quartier demo``); idempotent. Invented entries, not real services."""

from __future__ import annotations

from quartier_hilfsangebote import service
from quartier_hilfsangebote.tables import Offer

DEMO_OFFERS = [
    {"name": "Offene Sozialberatung im Treff-PUNKT", "provider": "Quartiersmanagement (Demo)", "category": "Beratung",
     "description": "Hilfe bei Anträgen, Briefen von Ämtern und Fragen rund um den Alltag. Ohne Anmeldung.",
     "street": "Hauptstraße 1", "postal_code": "38518", "city": "Gifhorn", "opening_hours": "Di 10–12 Uhr\nDo 15–17 Uhr",
     "phone": "05371 0000-10", "languages": "de, en, tr", "accessible": True},
    {"name": "Schuldnerberatung (Demo)", "provider": "Beispiel-Wohlfahrtsverband", "category": "Schulden und Geld",
     "description": "Kostenlose und vertrauliche Beratung bei Schulden. Termine nach Vereinbarung.",
     "street": "Beispielweg 5", "postal_code": "38518", "city": "Gifhorn", "opening_hours": "Termine nach Vereinbarung",
     "phone": "05371 0000-20", "email": "schuldnerberatung@example.org", "languages": "de, ru", "accessible": False},
    {"name": "Sprachcafé (Demo)", "provider": "Nachbarschaftsverein (Demo)", "category": "Migration und Sprache",
     "description": "Deutsch üben bei Kaffee und Tee, mit Ehrenamtlichen aus der Nachbarschaft.",
     "street": "Hauptstraße 1", "postal_code": "38518", "city": "Gifhorn", "opening_hours": "Mi 16–18 Uhr",
     "website": "https://example.org/sprachcafe", "languages": "de, ar, uk, fa", "accessible": True},
]


async def load(quartier_id: int) -> None:
    if await Offer.exists().where(Offer.quartier == quartier_id):
        return
    for values in DEMO_OFFERS:
        await service.save_offer(quartier_id, service.check(values, service.settings().categories))
