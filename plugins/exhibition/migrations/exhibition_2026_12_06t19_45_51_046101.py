from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T19:45:51:046101"
VERSION = "1.38.0"
DESCRIPTION = "contributions written on paper and entered by staff"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exhibition", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Contribution",
        tablename="contributions",
        column_name="on_paper",
        db_column_name="on_paper",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
