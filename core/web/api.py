"""Helpers for the JSON API of the core and the plugins."""

from __future__ import annotations

import msgspec

TYPE_NAMES = {"str": "Text", "int": "eine ganze Zahl", "bool": "true oder false", "object": "ein Objekt",
              "array": "eine Liste", "null": "null"}


def field_errors(exc: msgspec.ValidationError) -> dict[str, str]:
    """msgspec's "Expected `int`, got `str` - at `$.companions`" as a German message for that field."""
    message, _sep, where = str(exc).partition(" - at `$.")
    field = where.rstrip("`").split("[")[0] or "body"
    if message.startswith("Object contains unknown field"):
        return {message.split("`")[1]: "Dieses Feld ist unbekannt."}
    if message.startswith("Object missing required field"):
        return {message.split("`")[1]: "Dieses Feld fehlt."}
    if message.startswith("Expected `"):
        expected = message.split("`")[1].split(" | ")[0]
        return {field: f"Ungültiger Wert: erwartet wird {TYPE_NAMES.get(expected, expected)}."}
    return {field: "Ungültiger Wert."}
