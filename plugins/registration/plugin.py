"""Hook implementations of the registration plugin (Anmeldung)."""

from __future__ import annotations

from pathlib import Path

import click

from core.plugin_api import Deployment, DomainEvent, Job, Metric, hookimpl
from plugins.registration import domain_events, service
from plugins.registration.piccolo_app import APP_CONFIG
from plugins.registration.settings import RegistrationSettings

HERE = Path(__file__).parent


@hookimpl
def plugin_settings():
    return RegistrationSettings


@hookimpl
def register_tables():
    return APP_CONFIG


@hookimpl
def register_domain_events():
    return domain_events.ALL


@hookimpl
def register_message_types():
    from plugins.registration.messages import MESSAGE_TYPES

    return MESSAGE_TYPES


@hookimpl
def register_audiences():
    from plugins.registration.messages import AUDIENCES

    return AUDIENCES


@hookimpl
async def on_domain_event(event: DomainEvent, deployment: Deployment):
    from plugins.registration.messages import on_domain_event

    await on_domain_event(event)


@hookimpl
def register_routes(deployment: Deployment):
    from plugins.registration.routes import PUBLIC_ROUTES
    from plugins.registration.staff_api import STAFF_API
    from plugins.registration.staff_routes import STAFF_ROUTES

    return [*PUBLIC_ROUTES, *STAFF_API, *STAFF_ROUTES]


@hookimpl
def register_templates():
    return [str(HERE / "templates")]


@hookimpl
def register_locales():
    return [str(HERE / "locale")]


@hookimpl
def staff_resources(deployment: Deployment):
    from plugins.registration.resources import FORMS, REGISTRATIONS

    return [FORMS, REGISTRATIONS]


@hookimpl
def menu_links(deployment: Deployment, staff):
    from core.plugin_api import MenuLink

    return [MenuLink(label="Telefonische Anmeldung", url="/staff/r/registrations/new", group="Anmeldungen")]


@hookimpl
async def dashboard_widgets(deployment: Deployment, staff):
    from plugins.registration.widgets import upcoming_widgets

    return await upcoming_widgets(staff)


@hookimpl
async def event_page_blocks(deployment: Deployment, event, request):
    from plugins.registration.blocks import event_block

    return await event_block(event, request)


@hookimpl
async def event_list_notes(deployment: Deployment, events):
    from plugins.registration.blocks import list_notes

    return await list_notes(events)


@hookimpl
async def report_figures(deployment: Deployment, quartier_id: int, start, end):
    from plugins.registration.report import report_figures

    return await report_figures(quartier_id, start, end)


async def expire(deployment: Deployment, quartiere: frozenset[int] | None) -> None:
    await service.expire_due(quartiere=quartiere)


async def purge(deployment: Deployment, quartiere: frozenset[int] | None) -> None:
    await service.anonymise_due()


@hookimpl
def background_tasks(deployment: Deployment):
    # Deletion deadlines (DSGVO) run in every Quartier, also where registration is switched off now.
    return [Job("expire-offers", expire, seconds=60), Job("purge-personal-data", purge, daily_at="03:30", deployment_wide=True)]


@hookimpl
async def metrics(deployment: Deployment):
    taken = await service.taken_by_status()
    return [Metric("registrations", "Registrations taken, by status and channel", n, {"status": status, "channel": channel})
            for (status, channel), n in taken.items()]


@hookimpl
def register_commands(cli: click.Group):
    @cli.group("registration")
    def registration() -> None:
        """Registrations (Anmeldungen)."""

    @registration.command("purge")
    @click.option("--days", type=int, default=None, help="Days after the event (default: the setting anonymise_after_days).")
    def purge_command(days: int | None) -> None:
        """Anonymise personal data of registrations whose event ended long enough ago."""
        import asyncio

        from core.plugin_api import current, quartiere_with_plugin

        async def run() -> tuple[int, int]:
            current().bind()
            expired = await service.expire_due(quartiere=await quartiere_with_plugin("registration"))
            return expired, await service.anonymise_due(days)

        expired, count = asyncio.run(run())
        click.echo(f"Anonymised {count} registrations ({expired} unconfirmed ones expired).")


@hookimpl
async def load_demo(deployment: Deployment, quartier_id: int, event_id: int):
    from plugins.registration import demo

    await demo.load(event_id)
    await demo.demo_figures(quartier_id)


@hookimpl
async def event_cockpit_panels(deployment: Deployment, staff, event):
    from plugins.registration.cockpit import cockpit_panel

    return await cockpit_panel(staff, event)
