"""The tenant scope a plugin route declares: which Quartier a request concerns.

Every route a plugin registers declares it in its handler options, under the key
``quartier``; the app refuses to start otherwise. The values:

- ``"path:<param>"``: the path parameter is a Quartier slug;
- ``"event:<param>"``: the path parameter is an event id, the event's Quartier;
- ``row_scope(param, column)``: the path parameter identifies a row of a plugin
  table, and ``column`` leads from that row to its Quartier id
  (``Exhibit.exhibition.quartier``); ``key=`` when the parameter is not the id;
- ``"none"``: the route concerns no single Quartier (a global list that filters
  by itself, a token that names no Quartier-owned row).

A route of a plugin switched off for the Quartier answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.exceptions import NotFoundException
from piccolo.columns import Column

from core.quartiere.service import is_plugin_enabled, scoped_switches, switches_per_request
from core.web.auth import optional_staff, token_staff

SCOPE_KEY = "quartier"
NO_SCOPE = "none"


@dataclass(frozen=True)
class RowScope:
    param: str
    column: Column
    key: Column | None = None

    async def quartier_id(self, params: dict[str, Any]) -> int | None:
        table = self.column._meta.call_chain[0]._meta.table if self.column._meta.call_chain else self.column._meta.table
        key = self.key if self.key is not None else table.id
        row = await table.select(self.column.as_alias("quartier_id")).where(key == params[self.param]).first()
        return None if row is None else row["quartier_id"]  # no such row: the handler answers as it does


def row_scope(param: str, column: Column, key: Column | None = None) -> RowScope:
    """The scope of a route whose ``param`` names a row reaching its Quartier through ``column``."""
    return RowScope(param=param, column=column, key=key)


def scope_problem(scope: Any, params: set[str]) -> str | None:
    """Why a declared scope cannot work for a route with these path parameters (None when it can)."""
    if scope is None:
        return f"declares no tenant scope (opt={{'{SCOPE_KEY}': ...}}, see core/web/scope.py)"
    if scope == NO_SCOPE:
        return None
    if isinstance(scope, RowScope):
        param = scope.param
    elif isinstance(scope, str) and scope.partition(":")[0] in ("path", "event"):
        param = scope.partition(":")[2]
    else:
        return f"declares an unknown tenant scope {scope!r}"
    return None if param in params else f"scopes by path parameter '{param}', which it does not have"


async def check_plugin_scope(plugin: str, scope: Any, connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """404 unless the plugin is switched on for the Quartier the request concerns.

    A route of no single Quartier is hidden from a staff user (logged in, or with an API token) for whom the
    plugin is off everywhere.
    """
    if scope == NO_SCOPE:
        staff = await optional_staff(connection) or await token_staff(connection)  # type: ignore[arg-type]
        if staff is not None and plugin in staff.hidden_plugins:
            raise NotFoundException()
        return
    if isinstance(scope, RowScope):
        quartier_id = await scope.quartier_id(connection.path_params)
        if quartier_id is not None and not await is_plugin_enabled(quartier_id, plugin):
            raise NotFoundException()
        return
    kind, _, param = str(scope).partition(":")
    found = await scoped_switches(kind, connection.path_params[param])  # the Quartier and its switches at once
    if found is None or plugin in found[1]:
        raise NotFoundException()


def request_switches(app: ASGIApp) -> ASGIApp:
    """Middleware: the plugin switches the scope check read serve the rest of the request (no second read)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        with switches_per_request():
            await app(scope, receive, send)

    return middleware
