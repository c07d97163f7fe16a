"""Seed data for the benchmark (run by bench/run.py with QUARTIER_CONFIG set, after `quartier demo`).

Through the product's services: a Quartier "benchstadt" with N published events,
a staff admin, (with the registration plugin) a published copy of the demo event with its
registration form, so each shape of the app gets a rush of its own, and (with the notifications
plugin) M recipients of the first event plus two draft announcements to them, one per shape.
Prints one JSON line with what it made.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TZ = ZoneInfo("Europe/Berlin")
SLUG = "benchstadt"


async def seed(events: int, recipients: int, email: str, password: str, rush_event: int) -> dict:
    from core.accounts.service import create_user
    from core.config import load_settings
    from core.plugin_manager import load_deployment
    from core.events import service as events_service
    from core.events.tables import Organisation, Venue
    from core.quartiere.tables import Quartier

    deployment = load_deployment(load_settings())
    deployment.bind()
    pg = deployment.engine.engine_type == "postgres"
    if pg:
        await deployment.engine.start_connection_pool(min_size=1, max_size=4)
    try:
        quartier = Quartier(name="Benchstadt", slug=SLUG, description="Ein Quartier für Lasttests.\n\nMit zwei Absätzen.",
                            office="Quartiersbüro Benchstadt", contact_phone="(05371) 12345",
                            contact_email="buero@benchstadt.example")
        await quartier.save()
        venues = []
        for i in range(5):
            venue = Venue(quartier=quartier.id, name=f"Nachbarschaftstreff {i + 1}", street=f"Hauptstraße {i + 1}",
                          postal_code="38518", city="Gifhorn", accessibility="Stufenloser Zugang, WC barrierefrei.")
            await venue.save()
            venues.append(venue)
        org = Organisation(name="Bench Wohnungsbau eG", website="https://wohnen.example")
        await org.save()
        paths, ids = [], []
        start = datetime.now(TZ).date() + timedelta(days=7)
        for i in range(events):
            day = start + timedelta(days=i // 3)
            starts = datetime.combine(day, time(10 + 3 * (i % 3), 0), TZ)
            slug = f"treffen-{i + 1}"
            event = await events_service.create_event(
                quartier_id=quartier.id, title=f"Nachbarschaftstreffen Nr. {i + 1}: Gemeinsam im Quartier",
                slug=slug, starts_at=starts, ends_at=starts + timedelta(hours=2), venue=venues[i % len(venues)].id,
                summary="Austausch, Kaffee und Kuchen, Ideen für den Stadtteil.",
                description="Wir treffen uns zum Austausch über gute Nachbarschaft.\n\nAlle sind willkommen, "
                            "der Eintritt ist frei. Bitte melden Sie sich an.",
                contact_name="Quartiersbüro", contact_phone="(05371) 12345", contact_email="buero@benchstadt.example",
                organisations=[(org.id, "organiser")],
            )
            await events_service.publish_event(event.id)
            ids.append(event.id)
            paths.append(f"/{SLUG}/veranstaltungen/{event.id}-{slug}")
        await create_user(email, "Bench Admin", password, role="admin")

        rush_events = [rush_event]
        if "registration" in deployment.plugins:  # a second event like the demo's, for the second shape's rush
            from plugins.registration.service import copy_form

            copy = await events_service.copy_event(rush_event, slug="netzwerktreff-bench")
            await events_service.publish_event(copy.id)
            await copy_form(rush_event, copy.id)
            rush_events.append(copy.id)
        announcements = []
        if recipients and {"notifications", "registration"} <= set(deployment.plugins):
            from plugins.notifications.tables import Announcement
            from plugins.registration.service import ensure_form
            from plugins.registration.tables import Registration

            form = await ensure_form(ids[0])
            rows = [Registration(form=form.id, event=ids[0], status="confirmed", name=f"Person {i}",
                                 email=f"fanout-{i}@example.org", token=f"fanout-{i}") for i in range(recipients)]
            for chunk in range(0, len(rows), 500):
                await Registration.insert(*rows[chunk:chunk + 500])
            for _ in range(2):
                announcement = Announcement(
                    event=ids[0], quartier_id=quartier.id, subject="Wichtige Information zum Treffen",
                    body="Liebe Nachbarinnen und Nachbarn,\n\nder Raum hat sich geändert.\n\nViele Grüße",
                    audience="registration.registered")
                await announcement.save()
                announcements.append(announcement.id)
        return {"quartier": SLUG, "event_paths": paths, "event_ids": ids, "announcements": announcements,
                "rush_events": rush_events, "fanout_event": ids[0] if ids else None}
    finally:
        if pg:
            await deployment.engine.close_connection_pool()


if __name__ == "__main__":
    n_events, n_recipients, email, password, rush = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
    print(json.dumps(asyncio.run(seed(n_events, n_recipients, email, password, rush))))
