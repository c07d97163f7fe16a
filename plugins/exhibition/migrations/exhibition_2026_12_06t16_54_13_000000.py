from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.plugin_api import current

ID = "2026-12-06T16:54:13:000000"
VERSION = "1.38.0"
DESCRIPTION = "one row per piece of a media file, read in order"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exhibition", description=DESCRIPTION)

    async def create():
        await current().engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS exhibition_media_chunks_part "
                                       "ON exhibition_media_chunks (file, part)")

    async def drop():
        await current().engine.run_ddl("DROP INDEX IF EXISTS exhibition_media_chunks_part")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
