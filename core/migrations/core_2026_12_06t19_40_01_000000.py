from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db.engine import engine

ID = "2026-12-06T19:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "one anonymous figure per event, plugin, kind, age group and first time"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def create_index():
        await engine().run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS event_figures_unique "
                               "ON event_figures (event, plugin, kind, age_group, first_time)")

    async def drop_index():
        await engine().run_ddl("DROP INDEX IF EXISTS event_figures_unique")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
