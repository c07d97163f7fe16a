"""Hook implementations of the exhibition plugin (Ausstellung)."""

from __future__ import annotations

from pathlib import Path

import click

from core.plugin_api import Deployment, DomainEvent, Job, MenuLink, hookimpl
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


@hookimpl
async def report_figures(deployment: Deployment, quartier_id: int, start, end):
    from plugins.exhibition.report import report_figures

    return await report_figures(quartier_id, start, end)


async def sweep_media(deployment: Deployment, quartiere: frozenset[int] | None) -> None:
    from plugins.exhibition import service, storage

    await storage.sweep(service.storage())


@hookimpl
def background_tasks(deployment: Deployment):
    # Files whose image row is gone (deleted on another node, or with its Quartier): of the deployment, not a Quartier.
    return [Job("sweep-media", sweep_media, seconds=3600, deployment_wide=True)]


@hookimpl
def register_commands(cli: click.Group):
    from plugins.exhibition.storage import BUILT_IN

    @cli.group("media")
    def media_group() -> None:
        """Exhibition images (Ausstellungsbilder)."""

    @media_group.command("migrate")
    @click.option("--to", "target", required=True, type=click.Choice(BUILT_IN),
                  help="Where the images go: the database (shared by every machine) or the folder (media_dir).")
    def migrate(target: str) -> None:
        """Move every exhibition image from the configured storage to the one --to names; each copy is checked by
        SHA-256 before any original is removed, and a repeated run goes on where an interrupted one stopped."""
        import asyncio

        from core.plugin_api import current
        from plugins.exhibition import storage

        deployment = current()
        settings = deployment.settings_for("exhibition") or ExhibitionSettings()

        async def run() -> str:
            deployment.bind()
            await deployment.engine.start_connection_pool(min_size=1, max_size=2)  # an unreachable database stops here
            try:
                kind = storage.storage_kind(settings)
                data_dir = deployment.settings.data_dir
                legacy = getattr(storage.storage_for(settings, data_dir, kind), "legacy", None)
                if kind == target and legacy is not None:  # the folder of before the database became the default
                    source, into = legacy, storage.storage_for(settings, data_dir, target, legacy=False)
                elif kind == target:
                    other = next(k for k in BUILT_IN if k != target)
                    raise click.ClickException(
                        f"Exhibition images are already stored in {storage.LABELS[target]} ([exhibition] storage = "
                        f"\"{target}\"); to move files from {storage.LABELS[other]} there, set storage = \"{other}\" first.")
                elif kind not in BUILT_IN:
                    raise click.ClickException(f"[exhibition] storage is the factory '{kind}'; media migrate moves files "
                                               "between the database and the folder only.")
                else:
                    source, into = (storage.storage_for(settings, data_dir, k, legacy=False) for k in (kind, target))
                try:
                    done = await storage.move_all(source, into, click.echo)
                except storage.MoveFailed as exc:
                    raise click.ClickException(str(exc)) from None
                if not done.files:
                    return f"No exhibition images in {source}: nothing to move; set [exhibition] storage = \"{target}\"."
                return (f"Moved {done.files} files from {source} to {into} ({done.copied} copied, {done.bytes / 1e6:.1f} MB; "
                        f"{done.present} were there already), each checked by SHA-256; now set [exhibition] storage = "
                        f"\"{target}\" and restart.")
            finally:
                await deployment.engine.close_connection_pool()

        click.echo(asyncio.run(run()))


@hookimpl
async def event_cockpit_panels(deployment: Deployment, staff, event):
    from plugins.exhibition.cockpit import cockpit_panel

    return await cockpit_panel(staff, event)


@hookimpl
async def quartier_page_blocks(deployment: Deployment, quartier_row, series, request):
    if series is not None:  # the Quartier's page only, not its series' pages
        return []
    from plugins.exhibition.blocks import quartier_blocks

    return await quartier_blocks(quartier_row)
