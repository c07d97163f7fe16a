from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db.engine import engine

ID = "2026-11-24T20:34:15:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique pairs the ORM cannot declare"

UNIQUE_INDEXES = [
    ("quartier_plugins_unique", "quartier_plugins", "quartier, plugin"),
    ("events_quartier_slug_unique", "events", "quartier, slug"),
    ("staff_user_quartiere_unique", "staff_user_quartiere", '"user", quartier'),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def create_indexes():
        for name, table, columns in UNIQUE_INDEXES:
            await engine().run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})")

    async def drop_indexes():
        for name, _, _ in UNIQUE_INDEXES:
            await engine().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
