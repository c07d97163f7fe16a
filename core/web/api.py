"""Helpers for the JSON API of the core and the plugins: the one error body, its OpenAPI description,
request bodies read with German messages per field and described in the OpenAPI document."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from litestar import Request
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody

T = TypeVar("T")

TYPE_NAMES = {"str": "Text", "int": "eine ganze Zahl", "bool": "true oder false", "object": "ein Objekt",
              "array": "eine Liste", "null": "null"}
CHECK_INPUT = "Bitte prüfen Sie Ihre Angaben."
_BOUND = re.compile(r"Expected `int` ([<>]=) (-?\d+)")


class ErrorOut(msgspec.Struct, omit_defaults=True):
    """Every error answer of the API: the status, one readable sentence, and where it helps a message per field."""

    status_code: int
    detail: str
    errors: dict[str, str] = msgspec.field(default_factory=dict)
    extra: dict[str, Any] | list[Any] | None = None


class ApiError(HTTPException):
    """Raise from an API handler: answered as ``ErrorOut`` with ``errors`` (field -> German message)."""

    def __init__(self, status_code: int, detail: str, errors: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.errors = errors or {}


ERROR_DESCRIPTIONS = {
    400: "Bad request: invalid JSON, or a NUL character in the query or body",
    401: "Not signed in: send an API token (Authorization: Bearer ...)",
    403: "Not allowed",
    404: "Not found (also: an id outside 1..2147483647)",
    409: "Conflict with the current state",
    422: "Invalid values: a German message per field in errors",
    429: "Too many requests: wait and try again",
}


def error_responses(*codes: int) -> dict[int, ResponseSpec]:
    """``responses=`` for a route decorator: 400, 404 and 422 (any request can be malformed) and ``codes``."""
    return {code: ResponseSpec(data_container=ErrorOut, description=ERROR_DESCRIPTIONS[code], generate_examples=False)
            for code in sorted({400, 404, 422, *codes})}


def message_for(message: str) -> str:
    """msgspec's "Expected `int` >= 1" / "Expected `str`, got `int`" as a German sentence."""
    bound = _BOUND.match(message)
    if bound:
        limit = bound.group(2)
        return f"Die Zahl muss mindestens {limit} sein." if bound.group(1) == ">=" else f"Die Zahl darf höchstens {limit} sein."
    if message.startswith("Expected `"):
        expected = message.split("`")[1].split(" | ")[0]
        return f"Ungültiger Wert: erwartet wird {TYPE_NAMES.get(expected, expected)}."
    if message.startswith("Invalid enum value"):  # a Literal: the allowed values are in the OpenAPI document
        return "Unbekannter Wert: die erlaubten Werte nennt die API-Beschreibung."
    return "Ungültiger Wert."


def field_errors(exc: msgspec.ValidationError) -> dict[str, str]:
    """msgspec's "Expected `int`, got `str` - at `$.companions`" as a German message for that field."""
    message, _sep, where = str(exc).partition(" - at `$.")
    field = where.rstrip("`").split("[")[0] or "body"
    if message.startswith("Object contains unknown field"):
        return {message.split("`")[1]: "Dieses Feld ist unbekannt."}
    if message.startswith("Object missing required field"):
        return {message.split("`")[1]: "Dieses Feld fehlt."}
    return {field: message_for(message)}


def error_body(exc: Exception) -> tuple[int, ErrorOut]:
    """The status and ``ErrorOut`` for an exception a handler, a guard or Litestar raised (5xx: no details)."""
    status = getattr(exc, "status_code", 500)
    if status >= 500:
        return 500, ErrorOut(status_code=500, detail="Internal Server Error")
    if isinstance(exc, ValidationException):  # Litestar's check of path and query parameters
        problems = exc.extra if isinstance(exc.extra, list) else []
        errors = {str(p.get("key", "")): message_for(str(p.get("message", ""))) for p in problems if isinstance(p, dict)}
        return 422, ErrorOut(status_code=422, detail=CHECK_INPUT, errors=errors)
    extra = getattr(exc, "extra", None)
    return status, ErrorOut(status_code=status, detail=str(getattr(exc, "detail", "")), errors=getattr(exc, "errors", None) or {},
                            extra=extra if isinstance(extra, (dict, list)) and extra else None)


async def read_json(request: Request[Any, Any, Any], type: type[T]) -> T:
    """The request body as ``type``: 400 for invalid JSON, 422 with a German message per field."""
    try:
        return msgspec.json.decode(await request.body(), type=type)
    except msgspec.ValidationError as exc:
        raise ApiError(422, CHECK_INPUT, field_errors(exc)) from None
    except msgspec.DecodeError:
        raise ApiError(400, "Der Inhalt ist kein gültiges JSON.") from None


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        return {key: _inline(value, defs) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inline(value, defs) for value in schema]
    return schema


def json_body(type: Any, description: str = "") -> type[Operation]:
    """``operation_class=`` for a route that reads its body with ``read_json``: describes that body in the OpenAPI."""
    (ref,), defs = msgspec.json.schema_components([type])
    schema = _inline(ref, defs)

    @dataclass
    class WithJsonBody(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(content={"application/json": OpenAPIMediaType(schema=schema)},  # type: ignore[arg-type]
                                            description=description or None, required=True)

    return WithJsonBody
