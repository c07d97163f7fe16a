"""Shared set-up for the registration plugin's tests."""

from __future__ import annotations

from tests.core.factories import make_event, make_quartier

NO_RATE_LIMIT = {"registration": {"rate_limit_per_minute": 0, "confirm_mails_per_address_per_hour": 0,
                                  "confirm_mails_per_client_per_hour": 0}}


def with_notifications(smtp_port: int, **registration) -> dict:
    """Sections for the registration plugin with the notifications plugin sending to the test's SMTP server."""
    return {"registration": {"rate_limit_per_minute": 0, **registration},
            "notifications": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "poll_seconds": 3600,
                              "backoff_seconds": 1, "smtp_timeout_seconds": 5, "from_address": "qm@gifhorn.example",
                              "from_name": "Quartiersmanagement"}}


async def event_with_form(slug: str = "treff", days: int = 10, **form_values):
    """A published event in Quartier 'nordstadt' with a registration form."""
    from plugins.registration import service

    from core.quartiere.tables import Quartier

    quartier = await Quartier.objects().where(Quartier.slug == "nordstadt").first() or await make_quartier("nordstadt")
    event = await make_event(quartier, slug, days=days)
    form = await service.ensure_form(event.id, **form_values)
    return quartier, event, form


def person(i: int, **extra) -> dict:
    return {"name": f"Person {i}", "email": f"person{i}@example.org", "consent": True, **extra}
