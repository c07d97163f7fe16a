from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

from core.plugin_api import current

ID = "2026-12-06T16:55:28:460781"
VERSION = "1.38.0"
DESCRIPTION = "messages of other plugins are theirs: no copy of registrations, audiences declared by plugins"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="notifications", description=DESCRIPTION
    )

    manager.drop_table(
        class_name="Recipient", tablename="notification_recipients", schema=None
    )

    if current().settings.is_sqlite:  # SQLite knows no lengths, and Piccolo warns about changing them
        return manager
    manager.alter_column(
        table_class_name="Announcement",
        tablename="notification_announcements",
        column_name="audience",
        db_column_name="audience",
        params={"length": 100, "default": ""},
        old_params={"length": 20, "default": "registered"},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
