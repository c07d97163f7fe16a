from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.plugin_api import current

ID = "2026-12-06T15:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "message kinds declared by other plugins are named <plugin>.<key>: keep staff's edited texts"

# Kinds that moved out of this plugin into the plugin that sends them (register_message_types).
RENAMED = {"contribution_published": "exhibition.contribution_published"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def rename(renames: dict[str, str]) -> None:
        for old, new in renames.items():
            await current().engine.run_ddl(f"UPDATE notification_templates SET kind = '{new}' WHERE kind = '{old}'")
            await current().engine.run_ddl(f"UPDATE notification_outbox SET kind = '{new}' WHERE kind = '{old}'")

    async def up() -> None:
        await rename(RENAMED)

    async def down() -> None:
        await rename({new: old for old, new in RENAMED.items()})

    manager.add_raw(up)
    manager.add_raw_backwards(down)
    return manager
