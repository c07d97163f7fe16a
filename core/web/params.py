"""Bounded integers for paths, queries and bodies, and the app-wide guard against input no database can store.

Ids and counts fit PostgreSQL's ``integer`` (int32): a larger number in a path is no row (404), in a query or a
body a readable 422, never a database error. NUL characters cannot be stored in PostgreSQL text and are refused.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Parameter
from typing_extensions import Annotated

MAX_INT = 2**31 - 1
MAX_LIMIT = 500


def _bounded(low: int, high: int) -> Any:
    # msgspec.Meta bounds bodies (and their JSON schema); Parameter bounds Litestar's path and query parameters.
    return Annotated[int, msgspec.Meta(ge=low, le=high), Parameter(ge=low, le=high)]


Id = _bounded(1, MAX_INT)
Offset = _bounded(0, MAX_INT)
Limit = _bounded(1, MAX_LIMIT)
Count = _bounded(0, MAX_INT)

_DIGITS = re.compile(r"[0-9]{1,10}")
_ESCAPED_NUL = re.compile(rb"\\u0000", re.IGNORECASE)
NUL_MESSAGE = "Die Anfrage enthält ein unzulässiges Steuerzeichen (NUL)."


def parse_int(text: Any, low: int = 0, high: int = MAX_INT) -> int | None:
    """``text`` as a whole number within ``low..high``, or None (e.g. a page number from a query string)."""
    text = str(text or "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_id(text: Any) -> int | None:
    """An id from a query string, a form or a ``12-slug`` path segment: 1..MAX_INT, else None."""
    return parse_int(text, 1, MAX_INT)


def has_nul(value: Any) -> bool:
    """Whether a decoded value (str, or lists and dicts of them) contains a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


async def _body_has_nul(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    content_type = connection.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await connection.form()  # type: ignore[attr-defined]  # cached: the handler reads it again
        if not any(has_nul(key) or (isinstance(value, str) and has_nul(value)) for key, value in form.multi_items()):
            return False
        for _key, value in form.multi_items():  # refused: no handler will close the uploads
            if isinstance(value, UploadFile):
                await value.close()
        return True
    if "json" in content_type:
        body = await connection.body()  # type: ignore[attr-defined]
        if _ESCAPED_NUL.search(body):
            try:
                return has_nul(msgspec.json.decode(body))
            except msgspec.DecodeError:
                return False  # the handler answers invalid JSON itself
    return False


async def storable_input(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """App-wide guard: integer path parameters outside 1..MAX_INT are no page (404); a NUL character in the
    path is no page either, in the query string or a form or JSON body it is a bad request (400)."""
    for value in connection.path_params.values():
        if isinstance(value, int) and not 1 <= value <= MAX_INT or isinstance(value, str) and "\x00" in value:
            raise NotFoundException()
    if any(has_nul(key) or has_nul(value) for key, value in connection.query_params.multi_items()):
        raise HTTPException(status_code=400, detail=NUL_MESSAGE)
    if connection.scope["type"] == "http" and connection.scope.get("method") in ("POST", "PUT", "PATCH") \
            and await _body_has_nul(connection):
        raise HTTPException(status_code=400, detail=NUL_MESSAGE)
