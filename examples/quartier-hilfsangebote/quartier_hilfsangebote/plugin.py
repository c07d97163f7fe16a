"""Hook implementations of the plugin "hilfsangebote" (entry point in the group ``quartier``)."""

from __future__ import annotations

from pathlib import Path

import click

from core.plugin_api import Deployment, EventDetail, hookimpl
from quartier_hilfsangebote.piccolo_app import APP_CONFIG
from quartier_hilfsangebote.settings import HilfsangeboteSettings

HERE = Path(__file__).parent


@hookimpl
def plugin_settings():
    return HilfsangeboteSettings


@hookimpl
def register_tables():
    return APP_CONFIG


@hookimpl
def register_routes(deployment: Deployment):
    from quartier_hilfsangebote.routes import ROUTES

    return ROUTES


@hookimpl
def register_templates():
    return [str(HERE / "templates")]


@hookimpl
def register_static():
    return {"hilfsangebote": str(HERE / "static")}


@hookimpl
def register_locales():
    return [str(HERE / "locale")]


@hookimpl
def staff_resources(deployment: Deployment):
    from quartier_hilfsangebote.resources import CALLBACKS, OFFERS

    return [OFFERS, CALLBACKS]


@hookimpl
def register_message_types():
    from quartier_hilfsangebote.callbacks import CONFIRMATION

    return [CONFIRMATION]


@hookimpl
async def event_page_blocks(deployment: Deployment, event: EventDetail, request):
    from quartier_hilfsangebote.blocks import event_block

    return await event_block(event, request)


@hookimpl
async def quartier_page_blocks(deployment: Deployment, quartier_row, series, request):
    if series is not None:  # the Quartier's page only, not its series' pages
        return []
    from quartier_hilfsangebote.blocks import quartier_block

    return await quartier_block(quartier_row)


@hookimpl
def register_commands(cli: click.Group):
    from quartier_hilfsangebote.cli import register

    register(cli)


@hookimpl
async def load_demo(deployment: Deployment, quartier_id: int, event_id: int):
    from quartier_hilfsangebote.demo import load

    await load(quartier_id)
