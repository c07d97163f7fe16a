from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from core.plugin_api import current

ID = "2026-12-06T21:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a subscription's language up to 12 characters: Leichte Sprache is de-x-ls"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)
    if current().settings.is_sqlite:  # SQLite knows no lengths, and Piccolo warns about changing them
        return manager
    manager.alter_column(
        table_class_name="Subscription",
        tablename="notification_subscriptions",
        column_name="language",
        db_column_name="language",
        params={"length": 12},
        old_params={"length": 5},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )
    return manager
