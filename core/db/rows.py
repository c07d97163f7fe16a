"""Table objects from ``select()`` rows, for read paths that load many rows."""

from __future__ import annotations

import functools
import json
from typing import Any, Iterable, TypeVar

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.table import Table

from core.db.engine import is_postgres
from core.db.sql import Statement

T = TypeVar("T", bound=Table)


def as_objects(table: type[T], rows: Iterable[dict[str, Any]]) -> list[T]:
    """The objects ``table.objects()`` would return for the same query, from its ``select()`` rows.

    ``Table.__init__`` looks up a default for every column of every row; for 200 events that is
    three times the query itself. The rows of a ``select()`` of all columns already hold every value,
    and Piccolo's column descriptors keep values in the instance ``__dict__`` under the column name.
    """
    names, same = _names(table)
    objects = []
    for row in rows:
        obj = table.__new__(table)
        values = obj.__dict__
        if same:
            values.update(row)
        else:
            values.update((name, row[db]) for db, name in names)
        values["_exists_in_db"] = True
        values["_was_created"] = None
        objects.append(obj)
    return objects


@functools.cache
def _names(table: type[Table]) -> tuple[list[tuple[str, str]], bool]:
    """(database name, attribute name) of each column, and whether they are all the same."""
    names = [(column._meta.db_column_name, column._meta.name) for column in table._meta.columns]
    return names, all(db == name for db, name in names)


def prefixed_columns(table: type[Table], alias: str) -> str:
    """The select list of all of ``table``'s columns (from ``alias``) named ``<tablename>__<column>``, for joins."""
    name = table._meta.tablename
    return ", ".join(f'{alias}."{c._meta.db_column_name}" AS "{name}__{c._meta.db_column_name}"' for c in table._meta.columns)


def take_prefixed(table: type[T], row: dict[str, Any]) -> T | None:
    """The ``table`` object that ``prefixed_columns`` put into a joined row (its keys removed); None for no match."""
    return take_prefixed_all(table, [row])[0]


def take_prefixed_all(table: type[T], rows: list[dict[str, Any]]) -> list[T | None]:
    """``take_prefixed`` for each row of one statement; rows with the same id share one object."""
    if not rows:
        return []
    prefix = table._meta.tablename + "__"
    keys = [(key, key[len(prefix):]) for key in rows[0] if key.startswith(prefix)]
    found: dict[Any, T] = {}
    taken: list[T | None] = []
    for row in rows:
        values = {name: row.pop(key) for key, name in keys}
        row_id = values.get("id")
        if row_id is None:
            taken.append(None)
            continue
        obj = found.get(row_id)
        if obj is None:
            obj = found[row_id] = as_objects(table, [values])[0]
        taken.append(obj)
    return taken


def any_of(column: Column, values: Iterable[int]) -> WhereRaw:
    """``column IN (values)`` with the values as one parameter.

    Piccolo builds ``is_in()`` with one parameter per value, about 9 µs each: for the organisations
    of 200 events that was more than the query itself.
    """
    expression = f'"{column._meta.table._meta.tablename}"."{column._meta.db_column_name}"'
    return WhereRaw(ANY_OF["postgres" if is_postgres() else "sqlite"].format(expression), any_of_param(values))


# ``expression IN (values)`` with the values as one parameter (``any_of_param``), per dialect: format with the expression
ANY_OF = {"postgres": "{} = ANY({{}}::bigint[])", "sqlite": "{} IN (SELECT value FROM json_each({{}}))"}


def any_of_statement(sql: str, expression: str) -> Statement:
    """A ``Statement`` whose ``%s`` in ``sql`` is ``expression IN (values)`` (one ``{}``: ``any_of_param``)."""
    return Statement(sql % ANY_OF["sqlite"].format(expression), postgres=sql % ANY_OF["postgres"].format(expression))


def any_of_param(values: Iterable[int]) -> Any:
    """The one parameter of an ``ANY_OF`` condition."""
    ids = [int(value) for value in values]
    return ids if is_postgres() else json.dumps(ids)
