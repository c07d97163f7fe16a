"""Test data for the staff screens: form payloads, rows made through the services, database snapshots."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from core.accounts.tables import StaffUser, StaffUserQuartier
from core.events import service
from core.events.tables import Event, EventOrganisation, Organisation, Venue
from core.quartiere.tables import Quartier
from core.testing.fixtures import ensure_quartiere
from core.web.tables import AuditEntry, RateCounter

BERLIN_2030_05_04_14H_UTC = datetime(2030, 5, 4, 12, 0, tzinfo=timezone.utc)  # 14:00 summer time in Berlin


async def quartier(slug: str) -> Quartier:
    (row,) = await ensure_quartiere([slug])
    return row


async def organisation(name: str, website: str = "") -> Organisation:
    row = Organisation(name=name, website=website)
    await row.save()
    return row


async def venue(q: Quartier, name: str = "Treff-PUNKT 53") -> Venue:
    row = Venue(quartier=q.id, name=name, street="Hauptstraße 1", postal_code="38518", city="Gifhorn")
    await row.save()
    return row


async def event(q: Quartier, title: str, *, slug: str | None = None, start: datetime | None = None, publish: bool = False,
                end: datetime | None = None, **fields: Any) -> Event:
    start = start or datetime(2030, 5, 4, 12, 0, tzinfo=timezone.utc)
    row = await service.create_event(quartier_id=q.id, title=title, slug=slug or _slugify(title), starts_at=start,
                                     ends_at=end or start + timedelta(hours=2), **fields)
    return await service.publish_event(row.id) if publish else row


def _slugify(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue", "é": "e"})
    cleaned = "".join(c if c.isascii() and c.isalnum() else "-" for c in text.translate(table).lower())
    return "-".join(part for part in cleaned.split("-") if part) or "x"


def event_form(quartier_id: int, **overrides: Any) -> dict[str, Any]:
    """A complete, valid create form for an event (strings as a browser sends them)."""
    values: dict[str, Any] = {
        "title": "Sommerfest im Park", "slug": "sommerfest-im-park", "quartier": str(quartier_id),
        "starts_at": "2030-05-04T14:00", "ends_at": "2030-05-04T18:00", "venue": "", "summary": "", "description": "",
        "contact_name": "", "contact_phone": "", "contact_email": "",
    }
    values.update({k: (str(v) if isinstance(v, int) else v) for k, v in overrides.items()})
    return values


def venue_form(quartier_id: int, **overrides: Any) -> dict[str, Any]:
    values = {"name": "Stadtteilhaus", "quartier": str(quartier_id), "street": "Lindenweg 2", "postal_code": "38518",
              "city": "Gifhorn", "accessibility": ""}
    values.update({k: (str(v) if isinstance(v, int) else v) for k, v in overrides.items()})
    return values


def quartier_form(**overrides: Any) -> dict[str, Any]:
    values = {"name": "Weststadt", "slug": "weststadt", "office": "Quartiersbüro West", "contact_phone": "",
              "contact_email": "", "description": ""}
    values.update(overrides)
    return values


TABLES = (Quartier, Venue, Organisation, Event, EventOrganisation, StaffUser, StaffUserQuartier, AuditEntry, RateCounter)


async def snapshot(*tables: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row of these tables (default: all the staff UI can change, sessions excluded), in id order."""
    result = {}
    for table in tables or TABLES:
        result[table._meta.tablename] = await table.select().order_by(table._meta.primary_key)
    return result


async def count(table: Any) -> int:
    return await table.count()
