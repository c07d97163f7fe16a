from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.plugin_api import current

ID = "2026-11-24T23:14:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "an event linked once per exhibition; public contributions of a question in order"

INDEXES = [
    ("exhibition_events_pair", "CREATE UNIQUE INDEX IF NOT EXISTS exhibition_events_pair ON exhibition_events (exhibition, event)"),
    ("contributions_public", "CREATE INDEX IF NOT EXISTS contributions_public ON contributions (question, status, highlighted, id)"),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exhibition", description=DESCRIPTION)

    async def create():
        for _name, sql in INDEXES:
            await current().engine.run_ddl(sql)

    async def drop():
        for name, _sql in INDEXES:
            await current().engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
