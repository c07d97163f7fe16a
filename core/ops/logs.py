"""Logs as one JSON line per event (setting ``log_format = "json"``), without personal data.

Quartier's own log lines name ids, never people. The formatter also blanks what would still identify
someone (e-mail addresses and IP addresses, e.g. in a mail server's error message) in the message
and the traceback. In JSON mode one line per request gives method, route template (not the raw
path, which can hold tokens), status and duration: no client address, no query string; uvicorn's
own access log, which has both, is off.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import datetime, timezone
from typing import IO, Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from core.config import Settings

REQUEST_LOG = logging.getLogger("quartier.requests")
REQUEST_FIELDS = ("method", "route", "status", "duration_ms")
_HANDLER_MARK = "quartier_json"
_PERSONAL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"  # IPv4
    r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\w:])"  # IPv6, full
    r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?::(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4})*)?(?![\w:])"
)
REDACTED = "[redacted]"


def scrub(text: str) -> str:
    """``text`` with e-mail and IP addresses replaced by ``[redacted]``."""
    return _PERSONAL.sub(REDACTED, text)


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message"}`` plus a request's fields and an ``exception``, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        line.update((key, getattr(record, key)) for key in REQUEST_FIELDS if hasattr(record, key))
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """Install the JSON handler on the root logger when ``log_format`` is ``json`` (replacing an earlier one);
    leave logging alone otherwise."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
    if settings.log_format != "json":
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error"):  # through the JSON handler
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO line per request has the whole URL (webhooks)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """``uvicorn.run`` options: in JSON mode uvicorn keeps its hands off logging and writes no access log."""
    return {"log_config": None, "access_log": False} if settings.log_format == "json" else {}


def granian_options(settings: Settings) -> dict[str, Any]:
    """granian's options (``serve --server granian``): no access log; in JSON mode its own lines go through the
    JSON handler on the root logger instead of its console handler."""
    if settings.log_format != "json":
        return {"log_access": False}
    return {"log_access": False, "log_dictconfig": {"loggers": {"_granian": {"propagate": True}}}}


def request_log(app: ASGIApp) -> ASGIApp:
    """ASGI middleware (JSON mode): one line per HTTP request with method, route template, status and duration."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            route = scope.get("path_template", "?")
            REQUEST_LOG.info("%s %s %s", scope["method"], route, status, extra={
                "method": scope["method"], "route": route, "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)})

    return middleware
