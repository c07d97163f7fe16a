"""The ``quartier`` command line."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from core import __version__
from core.config import ConfigError, Settings, check_web_settings, load_settings
from core.deployment import Deployment
from core.ops.logs import configure_logging, granian_options, uvicorn_options
from core.plugin_manager import available_plugins, load_deployment

if TYPE_CHECKING:
    from core.quartiere.tables import Quartier

DEFAULT_CONFIG = Path("config/quartier.toml")


def _config_from_argv(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    if os.environ.get("QUARTIER_CONFIG"):
        return os.environ["QUARTIER_CONFIG"]
    return str(DEFAULT_CONFIG) if DEFAULT_CONFIG.exists() else None


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)


def deployment_of(ctx: click.Context, web: bool = False) -> Deployment:
    deployment = ctx.find_object(Deployment)
    if deployment is None:
        raise click.ClickException("No deployment is configured.")
    if web:
        try:
            check_web_settings(deployment.settings)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
    return deployment


async def quartier_for_command(slug: str, plugin: str | None = None) -> Quartier:
    """The Quartier a command acts on (bind the deployment first); exit 1 with one sentence when it does not
    exist or ``plugin`` is switched off there."""
    from core.quartiere.service import get_by_slug, is_plugin_enabled

    quartier = await get_by_slug(slug)
    if quartier is None:
        raise click.ClickException(f"Quartier '{slug}' does not exist.")
    if plugin is not None and not await is_plugin_enabled(quartier.id, plugin):
        raise click.ClickException(f"Plugin '{plugin}' is switched off for Quartier '{slug}'.")
    return quartier


class QuartierGroup(click.Group):
    """The ``quartier`` group: a database problem in any command (plugins' too) ends with one sentence, exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from core.db.engine import database_problem

        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            sentence = database_problem(exc)
            if sentence is None:
                raise
            raise click.ClickException(sentence) from None


@click.group(cls=QuartierGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Deployment config (TOML); default config/quartier.toml or $QUARTIER_CONFIG.")
@click.version_option(__version__, prog_name="quartier")
def cli(config_path: str | None) -> None:
    """Quartier: events, registrations, exhibitions and notifications for neighbourhood management."""


# -- server -----------------------------------------------------------------
@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def run(ctx: click.Context, host: str, port: int) -> None:
    """Start the development server (one process)."""
    import uvicorn

    from core.app import create_app

    # proxy_headers=False here and in serve: the app believes forwarded headers only from trusted_proxies.

    deployment = deployment_of(ctx, web=True)
    if not deployment.settings.is_sqlite:
        _migrate(deployment)
    click.echo(f"Quartier {__version__} on http://{host}:{port}/ ({_db_label(deployment.settings)})")
    uvicorn.run(create_app(deployment=deployment), host=host, port=port, log_level="info", proxy_headers=False,
                **uvicorn_options(deployment.settings))


APP_FACTORY = "core.app:create_app_from_environment"
# What ``serve --server`` can run; the first is the default (bench/README.md, "The server stack").
SERVERS = ("uvicorn", "granian", "uvicorn-asyncio")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--server", type=click.Choice(SERVERS), default=SERVERS[0], show_default=True,
              help="uvicorn (uvloop + httptools), granian (uvloop; spreads few long connections evenly over the workers) "
                   "or uvicorn-asyncio (plain asyncio + h11).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, server: str) -> None:
    """Start the production server with several worker processes."""
    deployment = deployment_of(ctx, web=True)
    _migrate(deployment)
    # The workers read these; they are put back afterwards (a caller's later subprocesses must not inherit them).
    saved = {name: os.environ.get(name) for name in ("QUARTIER_CONFIG", "QUARTIER_MIGRATE_ON_START", "PROMETHEUS_MULTIPROC_DIR")}
    if deployment.settings.source not in ("<environment>", "<defaults>"):
        os.environ["QUARTIER_CONFIG"] = deployment.settings.source
    # The workers build their own app; it is already migrated.
    os.environ["QUARTIER_MIGRATE_ON_START"] = "false"
    metrics_dir = None if "PROMETHEUS_MULTIPROC_DIR" in os.environ else tempfile.mkdtemp(prefix="quartier-metrics-")
    if metrics_dir:  # /metrics sums the request figures of all workers
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    click.echo(f"Quartier {__version__} on http://{host}:{port}/ with {workers} workers ({_db_label(deployment.settings)}, {server})")
    try:
        if server == "granian":
            _serve_granian(host, port, workers, deployment.settings)
        else:
            import uvicorn

            plain = {"loop": "asyncio", "http": "h11"} if server == "uvicorn-asyncio" else {"loop": "uvloop", "http": "httptools"}
            uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers, log_level="warning",
                        proxy_headers=False, **plain, **{"access_log": False, **uvicorn_options(deployment.settings)})
    finally:
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _serve_granian(host: str, port: int, workers: int, settings: Settings) -> None:
    """granian's ASGI interface with lifespan on uvloop; it reads no forwarded headers and writes no access log.

    Its workers are spawned, not forked (granian takes multiprocessing's start method): a forked worker would
    inherit this process's prometheus_client, imported before PROMETHEUS_MULTIPROC_DIR was set. On Linux each
    worker listens on its own SO_REUSEPORT socket, so the kernel spreads the connections over the workers.
    """
    import multiprocessing

    from granian.constants import Interfaces, Loops
    from granian.log import LogLevels
    from granian.server import Server

    method = multiprocessing.get_start_method()
    multiprocessing.set_start_method("spawn", force=True)
    try:
        Server(APP_FACTORY, factory=True, address=host, port=port, workers=workers, interface=Interfaces.ASGI,
               loop=Loops.uvloop, log_level=LogLevels.warning, respawn_failed_workers=True,
               **granian_options(settings)).serve()
    finally:
        multiprocessing.set_start_method(method, force=True)


@cli.command()
@click.option("--once", is_flag=True, help="Run the jobs that are due now, then stop.")
@click.pass_context
def worker(ctx: click.Context, once: bool) -> None:
    """Run the scheduled jobs of the core and the plugins (sending notifications among them) and deliver domain
    events from the event log, until stopped. Needed with jobs_run_in = "worker" or events_delivered_in = "worker";
    safe to run several."""
    from core.jobs.service import run_due

    deployment = deployment_of(ctx)

    async def run() -> None:
        deployment.bind()
        await deployment.engine.start_connection_pool(min_size=1, max_size=5)
        try:
            if once:
                for key, result in (await run_due(deployment)).items():
                    click.echo(f"{key}: {result}")
            else:
                await _work_until_stopped(deployment)
        finally:
            await deployment.engine.close_connection_pool()

    run_async(run())


async def _work_until_stopped(deployment: Deployment) -> None:
    """The worker's loop: the scheduler and domain-event delivery until SIGTERM or SIGINT."""
    import signal

    from core.domain_events.service import background_delivery, deliver_from_log
    from core.jobs.service import deployment_jobs, remember, running_jobs

    await remember(deployment, deployment_jobs(deployment))  # a database without tables stops here, in one sentence
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with background_delivery(deployment), running_jobs(deployment) as jobs:
        click.echo(f"Quartier worker: {len(jobs)} jobs ({_db_label(deployment.settings)}); stop with Ctrl+C.")
        if deployment.settings.events_delivered_in == "worker":
            await deliver_from_log(deployment, stop)
        else:
            await stop.wait()
    click.echo("Quartier worker stopped.")


def _db_label(settings: Settings) -> str:
    return "SQLite" if settings.is_sqlite else "PostgreSQL"


# -- database ---------------------------------------------------------------
def _migrate(deployment: Deployment) -> dict[str, list[str]]:
    return run_async(deployment.migrate())


@cli.group()
def db() -> None:
    """Database: migrations."""


@db.command("migrate")
@click.pass_context
def db_migrate(ctx: click.Context) -> None:
    """Apply all migrations of the core and the loaded plugins (safe to run again)."""
    ran = _migrate(deployment_of(ctx))
    for app, ids in ran.items():
        click.echo(f"{app}: " + (f"applied {', '.join(ids)}" if ids else "up to date"))


@db.command("makemigrations")
@click.argument("app_name")
@click.option("--description", default="")
@click.pass_context
def db_makemigrations(ctx: click.Context, app_name: str, description: str) -> None:
    """Write a new migration for APP_NAME ('core' or a plugin) from its tables (for developers)."""
    from core.db.migrations import make_migration

    deployment = deployment_of(ctx)
    apps = {app.app_name: app for app in deployment.apps}
    if app_name not in apps:
        raise click.ClickException(f"Unknown app '{app_name}' (loaded: {', '.join(apps)}).")
    deployment.bind()
    try:
        path = run_async(make_migration(apps[app_name], description))
    except Exception as exc:  # Piccolo's NoChanges
        if type(exc).__name__ == "NoChanges":
            click.echo(f"{app_name}: no changes.")
            return
        raise
    click.echo(f"Wrote {path}")


@cli.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
def backup(ctx: click.Context, path: Path) -> None:
    """Back up the database and <data_dir>/media into the new folder PATH; safe while the app runs."""
    from core.db.backup import backup as make_backup

    deployment = deployment_of(ctx)
    manifest = run_async(make_backup(deployment, path))
    click.echo(f"Backed up the {_db_label(deployment.settings)} database and {len(manifest['files'])} file(s) to {path}.")


@cli.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def restore(ctx: click.Context, path: Path) -> None:
    """Restore the backup folder PATH into an empty database and data directory, then migrate."""
    from core.db.backup import restore as restore_backup

    deployment = deployment_of(ctx)
    manifest = run_async(restore_backup(deployment, path))
    click.echo(f"Restored the backup of {manifest['created_at']} ({len(manifest['files'])} file(s)); "
               "the migrations are current.")


# -- plugins ----------------------------------------------------------------
@cli.group(invoke_without_command=True)
@click.pass_context
def plugins(ctx: click.Context) -> None:
    """List loaded and available plugins with version, source, hooks, events, roles, message types and audiences.

    'quartier plugins new NAME' writes the skeleton of a new plugin package.
    """
    if ctx.invoked_subcommand is not None:
        return
    from core.domain_events.contract import describe
    from core.domain_events.service import event_types_by_plugin

    deployment = deployment_of(ctx)
    events = event_types_by_plugin(deployment)
    message_types = deployment.hooks.register_message_types()
    audiences = deployment.hooks.register_audiences()
    for name, info in available_plugins().items():
        loaded = deployment.plugins.get(name)
        state = "loaded" if loaded else "available"
        click.echo(f"{name:<20} {info.version:<10} {state:<10} {info.source}")
        if loaded:
            click.echo(f"{'':<20} hooks: {', '.join(loaded.hooks) or '-'}")
            for event_type in events.get(name, []):
                click.echo(f"{'':<20} event: {describe(event_type)}")
            for role in deployment.roles:
                if role.plugin == name:
                    click.echo(f"{'':<20} role: {role.key} ({role.label}): {role.description}")
            for message_type in message_types.get(name) or []:
                extras = ", calendar file" if message_type.calendar else ""
                click.echo(f"{'':<20} message: {name}.{message_type.key} ({message_type.label}): "
                           f"{', '.join(message_type.channels)}{extras}; variables: {', '.join(message_type.variables) or '-'}")
            for audience in audiences.get(name) or []:
                click.echo(f"{'':<20} audience: {name}.{audience.key} ({audience.label})")
    for event_type in events["core"]:
        click.echo(f"{'core':<20} event: {describe(event_type)}")
    click.echo("(* personal data: not sent to webhooks, deleted after domain_event_retention_days)")


@plugins.command("new")
@click.argument("name")
@click.option("--directory", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              help="Where to write the folder quartier-NAME/ (default: the current directory).")
def plugins_new(name: str, directory: Path) -> None:
    """Write a new plugin package to DIRECTORY/quartier-NAME/.

    NAME: lowercase letters, digits and underscores, starting with a letter;
    not the name of a built-in or installed plugin.
    """
    from core.scaffold import ScaffoldError, create_plugin

    try:
        target = create_plugin(name, directory)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote the plugin '{name}' to {target}/. Next:")
    click.echo(f"  pip install -e {target}")
    click.echo(f'  add "{name}" to plugins in config/quartier.toml, then: quartier db migrate')
    click.echo(f"  pytest {target}")


# -- Quartiere --------------------------------------------------------------
@cli.group()
def quartiere() -> None:
    """Quartiere and the plugins switched on for each."""


@quartiere.command("list")
@click.pass_context
def quartiere_list(ctx: click.Context) -> None:
    """List the Quartiere with the plugins switched off in each."""
    from core.quartiere.service import disabled_plugins
    from core.quartiere.tables import Quartier

    deployment = deployment_of(ctx)

    async def show() -> None:
        deployment.bind()
        for q in await Quartier.objects().order_by(Quartier.name):
            off = await disabled_plugins(q.id)
            on = [name for name in deployment.plugins if name not in off]
            click.echo(f"{q.slug:<24} {q.name:<30} on: {', '.join(on) or '-'}; off: {', '.join(sorted(off)) or '-'}")

    run_async(show())


@quartiere.command("plugin")
@click.argument("quartier_slug")
@click.argument("plugin")
@click.option("--on/--off", "enabled", required=True, help="Switch the plugin on or off for this Quartier.")
@click.pass_context
def quartiere_plugin(ctx: click.Context, quartier_slug: str, plugin: str, enabled: bool) -> None:
    """Switch a loaded PLUGIN on or off for one Quartier."""
    from core.quartiere.service import set_plugin_enabled

    deployment = deployment_of(ctx)
    if plugin not in deployment.plugins:
        raise click.ClickException(f"Plugin '{plugin}' is not loaded in this deployment.")

    async def switch() -> None:
        deployment.bind()
        quartier = await quartier_for_command(quartier_slug)
        await set_plugin_enabled(quartier.id, plugin, enabled)

    run_async(switch())
    click.echo(f"{plugin} is now {'on' if enabled else 'off'} for {quartier_slug}.")


# -- users ------------------------------------------------------------------
@cli.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", default="staff", show_default=True, help="admin, staff or a role a loaded plugin declares.")
@click.option("--quartier", "quartiere_", multiple=True, help="Slug of a Quartier the account works in (repeatable).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, envvar="QUARTIER_NEW_PASSWORD",
              help="Asked for when not given (or set QUARTIER_NEW_PASSWORD).")
@click.pass_context
def users_create(ctx: click.Context, email: str, name: str, role: str, quartiere_: tuple[str, ...], password: str) -> None:
    """Create a staff account."""
    from core.accounts.service import AccountError, create_user

    deployment = deployment_of(ctx)

    async def create() -> None:
        deployment.bind()
        await create_user(email, name, password, role, list(quartiere_))

    try:
        run_async(create())
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {role} account {email.strip().lower()}.")


@users.command("token")
@click.option("--email", required=True, help="The account the token acts as.")
@click.option("--name", required=True, help="What the token is for, e.g. the name of the system using it.")
@click.pass_context
def users_token(ctx: click.Context, email: str, name: str) -> None:
    """Create an API token (printed once; send it as 'Authorization: Bearer TOKEN')."""
    from core.accounts.service import AccountError, create_api_token

    deployment = deployment_of(ctx)

    async def create() -> str:
        deployment.bind()
        return await create_api_token(email, name)

    try:
        token = run_async(create())
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(token)


@users.command("revoke-tokens")
@click.option("--email", required=True)
@click.pass_context
def users_revoke_tokens(ctx: click.Context, email: str) -> None:
    """Revoke every API token of an account."""
    from core.accounts.service import AccountError, revoke_api_tokens

    deployment = deployment_of(ctx)

    async def revoke() -> int:
        deployment.bind()
        return await revoke_api_tokens(email)

    try:
        count = run_async(revoke())
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Revoked {count} token(s).")


# -- demo -------------------------------------------------------------------
@cli.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Load the demo deployment (the Gifhorn Netzwerktreff); safe to run again."""
    from core.demo.loader import load_demo

    deployment = deployment_of(ctx)

    async def load() -> Any:
        await deployment.migrate()
        return await load_demo(deployment)

    event = run_async(load())
    click.echo(f"Demo loaded: '{event.title}' on {event.starts_at:%Y-%m-%d} (Quartier gifhorn).")


def build_cli(argv: list[str]) -> tuple[click.Group, Deployment | None, str | None]:
    """Load the deployment named by --config so plugins can add their commands."""
    group = QuartierGroup(
        name="quartier", commands=dict(cli.commands), params=list(cli.params), callback=cli.callback,
        help=cli.help, context_settings=cli.context_settings,
    )
    try:
        deployment = load_deployment(load_settings(_config_from_argv(argv)))
    except ConfigError as exc:
        return group, None, str(exc)
    deployment.bind()
    configure_logging(deployment.settings)
    deployment.hooks.register_commands(cli=group)
    return group, deployment, None


def _writes_new_plugin(argv: list[str]) -> bool:
    """``quartier plugins new``: works without a valid deployment config."""
    args = [arg for i, arg in enumerate(argv) if not arg.startswith("--config") and (i == 0 or argv[i - 1] != "--config")]
    return args[:2] == ["plugins", "new"]


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    group, deployment, error = build_cli(argv)
    if error and not any(arg in ("-h", "--help", "--version") for arg in argv) and not _writes_new_plugin(argv):
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    if error:
        click.echo(f"Note: {error}", err=True)

    group.main(args=argv, prog_name="quartier", obj=deployment, standalone_mode=True)
