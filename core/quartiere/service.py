"""Rules for Quartiere and their per-Quartier plugin switches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from core.db import Statement, transaction
from core.db.rows import as_objects
from core.quartiere.tables import Quartier, QuartierPlugin

QUARTIER_TEXTS = ("description",)  # the texts staff may write in other languages

# These run on every public page: statements built once (core/db/sql.py), no query building per call.
_BY_SLUG = Statement("SELECT q.*, p.plugin AS switched_off FROM quartiere q LEFT JOIN quartier_plugins p "
                     "ON p.quartier = q.id AND p.enabled = {} WHERE q.slug = {}")
_SWITCHED_OFF = Statement("SELECT plugin AS switched_off FROM quartier_plugins WHERE quartier = {} AND enabled = {}")


async def get_by_slug(slug: str) -> Quartier | None:
    """The Quartier of a slug; its plugin switches come in the same statement and serve the rest of the request."""
    rows = await _BY_SLUG.fetch(False, slug)
    if not rows:
        return None
    quartier = as_objects(Quartier, rows[:1])[0]
    remember_switches(quartier.id, rows)
    return quartier


def remember_switches(quartier_id: int, rows: list[dict]) -> frozenset[str]:
    """The plugins switched off in a Quartier, from rows read with ``switched_off`` (a LEFT JOIN of
    quartier_plugins, see ``_BY_SLUG``; the key is removed); they serve the rest of the request."""
    off = frozenset(row.pop("switched_off") for row in rows) - {None}
    known = _request_switches.get()
    if known is not None:
        known[quartier_id] = off
    return off


# The plugin switches a request read with its scope lookup (scoped_switches), reused by the later checks of the
# same request (and of the tasks it starts) instead of reading them again; None outside a request.
_request_switches: ContextVar[dict[int, frozenset[str]] | None] = ContextVar("quartier_request_switches", default=None)


@contextmanager
def switches_per_request() -> Iterator[None]:
    """Around one request (or one domain event's delivery): the switches read first serve the rest of it."""
    token = _request_switches.set({})
    try:
        yield
    finally:
        _request_switches.reset(token)


async def disabled_plugins(quartier_id: int) -> set[str]:
    known = _request_switches.get()
    if known is not None and quartier_id in known:
        return set(known[quartier_id])
    return set(remember_switches(quartier_id, await _SWITCHED_OFF.fetch(quartier_id, False)))


# The Quartier of a slug or of an event, and the plugins switched off there, in one statement.
_SCOPE = {
    "path": Statement("SELECT q.id AS quartier, p.plugin AS switched_off FROM quartiere q LEFT JOIN quartier_plugins p "
                      "ON p.quartier = q.id AND p.enabled = {} WHERE q.slug = {}"),
    "event": Statement("SELECT e.quartier AS quartier, p.plugin AS switched_off FROM events e LEFT JOIN quartier_plugins p "
                       "ON p.quartier = e.quartier AND p.enabled = {} WHERE e.id = {}"),
}


async def scoped_switches(kind: str, value: str | int) -> tuple[int, frozenset[str]] | None:
    """``(quartier id, plugins switched off there)`` for a Quartier slug (``kind`` "path") or an event id
    ("event"); None when there is no such Quartier or event. Remembered for the rest of the request."""
    rows = await _SCOPE[kind].fetch(False, value)
    if not rows:
        return None
    quartier_id = rows[0]["quartier"]
    return quartier_id, remember_switches(quartier_id, rows)


async def is_plugin_enabled(quartier_id: int, plugin: str) -> bool:
    return plugin not in await disabled_plugins(quartier_id)


async def set_plugin_enabled(quartier_id: int, plugin: str, enabled: bool) -> None:
    known = _request_switches.get()
    if known is not None:
        known.pop(quartier_id, None)  # this request reads them again
    async with transaction():
        updated = await QuartierPlugin.update({QuartierPlugin.enabled: enabled}).where(
            (QuartierPlugin.quartier == quartier_id) & (QuartierPlugin.plugin == plugin)
        ).returning(QuartierPlugin.id)
        if not updated:
            await QuartierPlugin.insert(QuartierPlugin(quartier=quartier_id, plugin=plugin, enabled=enabled))


async def quartiere_with_plugin(plugin: str) -> frozenset[int]:
    """The ids of the Quartiere where a loaded plugin is switched on."""
    rows = await Quartier.raw(
        "SELECT id FROM quartiere WHERE id NOT IN "
        "(SELECT quartier FROM quartier_plugins WHERE plugin = {} AND enabled = {})", plugin, False
    )
    return frozenset(row["id"] for row in rows)
