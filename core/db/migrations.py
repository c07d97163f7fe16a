"""Applying and creating Piccolo migrations, one Piccolo app per plugin."""

from __future__ import annotations

import contextlib
import functools
import io
import re
from pathlib import Path

from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.apps.migrations.commands.new import _create_new_migration
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import AppConfig


async def applied_migrations(app: AppConfig) -> list[str]:
    return await Migration.get_migrations_which_ran(app_name=app.app_name)


_MIGRATION_ID = re.compile(r"""^ID\s*(?::\s*str\s*)?=\s*["']([^"']+)["']""", re.M)


@functools.cache
def _ids_in(folder: str) -> frozenset[str]:
    found = set()
    for file in Path(folder).glob("*.py"):
        match = _MIGRATION_ID.search(file.read_text(encoding="utf-8"))
        if match:
            found.add(match.group(1))
    return frozenset(found)


def known_migrations(app: AppConfig) -> frozenset[str]:
    """The ids of the app's migration files (read from the files once per process, not imported)."""
    return _ids_in(str(app.resolved_migrations_folder_path))


async def pending_migrations(apps: list[AppConfig]) -> dict[str, list[str]]:
    """The migrations not applied yet, by app (only apps with some); one query."""
    rows = await Migration.select(Migration.app_name, Migration.name)
    ran = {(row["app_name"], row["name"]) for row in rows}
    pending = {app.app_name: sorted(i for i in known_migrations(app) if (app.app_name, i) not in ran) for app in apps}
    return {name: ids for name, ids in pending.items() if ids}


async def migrate(apps: list[AppConfig]) -> dict[str, list[str]]:
    """Apply the migrations not yet run, app by app in order; return what ran.

    Safe to call again: migrations already recorded are skipped.
    """
    ran: dict[str, list[str]] = {}
    manager = ForwardsMigrationManager(app_name="all")
    with contextlib.redirect_stdout(io.StringIO()):  # Piccolo narrates with emoji
        await manager.create_migration_table()
    for app in apps:
        before = set(await applied_migrations(app))
        with contextlib.redirect_stdout(io.StringIO()) as out:
            result = await manager.run_migrations(app)
        if not result.success:
            raise RuntimeError(f"Migrations of '{app.app_name}' failed: {result.message}\n{out.getvalue()}")
        ran[app.app_name] = sorted(set(await applied_migrations(app)) - before)
    return ran


async def make_migration(app: AppConfig, description: str = "") -> Path:
    """Write a new auto-generated migration for the app's tables; return its file."""
    Path(app.resolved_migrations_folder_path).mkdir(parents=True, exist_ok=True)
    with contextlib.redirect_stdout(io.StringIO()):
        meta = await _create_new_migration(app, auto=True, description=description, auto_input="y")
    return Path(meta.migration_path)
