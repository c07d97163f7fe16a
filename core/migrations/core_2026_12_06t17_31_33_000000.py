from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.db.engine import engine

ID = "2026-12-06T17:31:33:000000"
VERSION = "1.38.0"
DESCRIPTION = "one version per row, field and language"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)

    async def create():
        await engine().run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS content_translations_unique "
                               "ON content_translations (owner, row_id, lang, field)")

    async def drop():
        await engine().run_ddl("DROP INDEX IF EXISTS content_translations_unique")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
