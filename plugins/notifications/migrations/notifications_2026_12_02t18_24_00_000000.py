from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.plugin_api import current

ID = "2026-12-02T18:24:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one message text per kind, language and Quartier; the texts so far are the deployment's defaults"

# Existing texts have no Quartier (the column added before is null): they are the defaults. Unique with the null
# Quartier too, which a plain unique constraint would not be (null != null); 0 is no Quartier's id.
DEDUPLICATE = """
DELETE FROM notification_templates WHERE quartier IS NULL AND EXISTS (
    SELECT 1 FROM notification_templates newer WHERE newer.quartier IS NULL AND newer.kind = notification_templates.kind
    AND newer.language = notification_templates.language AND newer.id > notification_templates.id)
"""
INDEX = ("notification_templates_owner", "CREATE UNIQUE INDEX IF NOT EXISTS notification_templates_owner "
                                         "ON notification_templates (kind, language, coalesce(quartier, 0))")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def create():
        await current().engine.run_ddl(DEDUPLICATE)
        await current().engine.run_ddl(INDEX[1])

    async def drop():
        await current().engine.run_ddl(f"DROP INDEX IF EXISTS {INDEX[0]}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
