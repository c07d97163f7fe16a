from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Boolean, Date, ForeignKey, Integer, Serial, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Quartier(Table, tablename="quartiere", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None,
                db_column_name="id", secret=False)


class Event(Table, tablename="events", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None,
                db_column_name="id", secret=False)


ID = "2026-12-06T19:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "anonymous figures per event, for reports"


def _params(default, null=False, index=False, **extra):
    return {"default": default, "null": null, "primary_key": False, "unique": False, "index": index,
            "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False, **extra}


def _fk(references, on_delete, null):
    return _params(None, null=null, index=True, references=references, on_delete=on_delete, on_update=OnUpdate.cascade,
                   target_column=None)


COLUMNS = [
    ("quartier", ForeignKey, _fk(Quartier, OnDelete.cascade, False)),
    ("event", ForeignKey, _fk(Event, OnDelete.set_null, True)),
    ("held_on", Date, _params(None, index=True)),
    ("plugin", Varchar, _params("", length=60)),
    ("kind", Varchar, _params("", length=40)),
    ("age_group", Varchar, _params("", length=20)),
    ("first_time", Boolean, _params(False)),
    ("count", Integer, _params(0)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="core", description=DESCRIPTION)
    manager.add_table(class_name="EventFigure", tablename="event_figures", schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name="EventFigure", tablename="event_figures", column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params, schema=None)

    return manager
