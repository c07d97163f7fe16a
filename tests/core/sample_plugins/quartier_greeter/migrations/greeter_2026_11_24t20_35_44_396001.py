from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import UUID
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-24T20:35:44:396001"
VERSION = "1.38.0"
DESCRIPTION = "received events"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="greeter", description=DESCRIPTION
    )

    manager.add_table(
        class_name="ReceivedEvent",
        tablename="greeter_received_events",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="ReceivedEvent",
        tablename="greeter_received_events",
        column_name="event_id",
        db_column_name="event_id",
        column_class_name="UUID",
        column_class=UUID,
        params={
            "default": UUID4(),
            "null": False,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="ReceivedEvent",
        tablename="greeter_received_events",
        column_name="name",
        db_column_name="name",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
            "default": "",
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

    manager.add_column(
        table_class_name="ReceivedEvent",
        tablename="greeter_received_events",
        column_name="quartier_id",
        db_column_name="quartier_id",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
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
