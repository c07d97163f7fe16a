"""Small helpers that put Quartiere and events into the test database through the core's services."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.events import service as events
from core.events.tables import Event, Organisation, Venue
from core.quartiere.tables import Quartier


async def make_quartier(slug: str = "nordstadt", name: str | None = None) -> Quartier:
    quartier = Quartier(
        name=name or slug.capitalize(), slug=slug, office="Quartiersbüro", contact_phone="05371 1234",
        contact_email=f"{slug}@example.org",
    )
    await quartier.save()
    return quartier


async def make_event(quartier: Quartier, slug: str = "nachbarschaftstreff", *, days: int = 10, publish: bool = True, **fields) -> Event:
    venue = Venue(quartier=quartier.id, name="Treff-PUNKT 53", street="Hauptstraße 1", postal_code="38518", city="Gifhorn")
    await venue.save()
    organiser = Organisation(name="Landkreis Gifhorn")
    partner = Organisation(name="GWG eG", website="https://gwg.example")
    await organiser.save()
    await partner.save()
    start = (datetime.now(timezone.utc) + timedelta(days=days)).replace(hour=13, minute=0, second=0, microsecond=0)
    values = dict(title=f"Treffen {slug}", summary="Kurz", description="Lang", venue=venue.id,
                  contact_name="Ulrike Buka", contact_phone="(05371) 82562", contact_email="qm@example.org")
    values.update(fields)
    event = await events.create_event(
        quartier_id=quartier.id, slug=slug, starts_at=start, ends_at=start + timedelta(hours=3),
        organisations=[(organiser.id, "organiser"), (partner.id, "partner")], **values,
    )
    if publish:
        event = await events.publish_event(event.id)
    return event


async def table_names() -> set[str]:
    """Tables in the test database."""
    from core.db import is_postgres

    if is_postgres():
        rows = await Quartier.raw("SELECT table_name FROM information_schema.tables WHERE table_schema='public'")
    else:
        rows = await Quartier.raw("SELECT name AS table_name FROM sqlite_master WHERE type='table'")
    return {row["table_name"] for row in rows}
