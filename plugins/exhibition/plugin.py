"""Hook implementations of the exhibition plugin (Ausstellung)."""

from __future__ import annotations

from pathlib import Path

from core.plugin_api import Deployment, DomainEvent, MenuLink, hookimpl
from plugins.exhibition import domain_events
from plugins.exhibition.piccolo_app import APP_CONFIG
from plugins.exhibition.settings import ExhibitionSettings

HERE = Path(__file__).parent


@hookimpl
def plugin_settings():
    return ExhibitionSettings


@hookimpl
def register_tables():
    return APP_CONFIG


@hookimpl
def register_domain_events():
    return domain_events.ALL


@hookimpl
def register_message_types():
    from plugins.exhibition.messages import MESSAGE_TYPES

    return MESSAGE_TYPES


@hookimpl
async def on_domain_event(event: DomainEvent, deployment: Deployment):
    if isinstance(event, domain_events.ContributionApproved):
        from plugins.exhibition.messages import tell_author

        await tell_author(event)


@hookimpl
def register_routes(deployment: Deployment):
    from plugins.exhibition.routes import PUBLIC_ROUTES
    from plugins.exhibition.staff_routes import STAFF_ROUTES, upload_routes

    return [*PUBLIC_ROUTES, *STAFF_ROUTES, upload_routes(deployment.settings_for("exhibition") or ExhibitionSettings())]


@hookimpl
def register_templates():
    return [str(HERE / "templates")]


@hookimpl
def register_static():
    return {"exhibition": str(HERE / "static")}


@hookimpl
def register_locales():
    return [str(HERE / "locale")]


@hookimpl
def staff_resources(deployment: Deployment):
    from plugins.exhibition.resources import ALL

    return ALL


@hookimpl
def menu_links(deployment: Deployment, staff):
    from plugins.exhibition.roles import MODERATORS

    return [MenuLink(label="Moderation", url="/staff/moderation", group="Ausstellungen", roles=MODERATORS)]


@hookimpl
def register_roles():
    from plugins.exhibition.roles import MODERATOR

    return [MODERATOR]


@hookimpl
async def dashboard_widgets(deployment: Deployment, staff):
    from plugins.exhibition.blocks import moderation_widget

    return await moderation_widget(staff)


@hookimpl
async def event_page_blocks(deployment: Deployment, event, request):
    from plugins.exhibition.blocks import event_blocks

    return await event_blocks(event, request)


@hookimpl
async def load_demo(deployment: Deployment, quartier_id: int, event_id: int):
    from plugins.exhibition.demo import load

    await load(quartier_id, event_id)
