"""The webhook channel: every domain event, POSTed as signed JSON to ``[notifications] webhook_url``.

What the receiver gets
----------------------
One HTTP ``POST`` per domain event, body = the JSON document (UTF-8)::

    {"type": "event.published", "event_id": "<uuid>", "occurred_at": "<ISO 8601>", "data": {...}}

with these headers:

``Content-Type: application/json``
``User-Agent: Quartier``
``X-Quartier-Event``
    the event type, e.g. ``event.published`` (the same as ``type`` in the body).
``X-Quartier-Delivery``
    an id of this event's delivery that stays the same on every retry
    (``webhook:<event_id>``): store the ids you have handled and drop repeats.
``X-Quartier-Timestamp``
    when this attempt was sent, in Unix seconds (a decimal integer).
``X-Quartier-Signature``
    only when ``webhook_secret`` is set: ``sha256=<hex>``, where ``<hex>`` is the
    lower-case hex digest of HMAC-SHA256 with the key ``webhook_secret`` (UTF-8)
    over the bytes ``<X-Quartier-Timestamp> + "." + <raw request body>``.

To verify (Python)::

    import hashlib, hmac, time

    def verify(secret: str, timestamp: str, body: bytes, signature: str, tolerance: int = 300) -> bool:
        expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature) and abs(time.time() - int(timestamp)) <= tolerance

Compute the HMAC over the body exactly as received (before parsing JSON), compare
in constant time, and reject old timestamps so a captured request cannot be
replayed later. A retry carries a fresh timestamp and signature, the same
``X-Quartier-Delivery``.

What the answer means
---------------------
* ``2xx``: delivered.
* ``408``, ``429``, ``5xx``, timeouts, connection errors: tried again later with
  backoff (up to ``max_attempts``).
* any other ``4xx``: failed for good (fix the receiver, then "resend" in the delivery log).
* ``3xx``: failed for good. Redirects are never followed (a redirect could send the
  signed data to another host); configure the final URL instead.

Only ``http://`` and ``https://`` URLs are accepted.

Messages to people
------------------
With ``webhook_messages = true`` (off by default: it hands out people's contact details), a
message type whose channels include ``"webhook"`` (``MessageType.channels``) reaches the
person through the same URL, for a system of the municipality that delivers it itself
(letters, its own SMS gateway). The body then carries the person's contact::

    {"type": "message", "kind": "<plugin>.<key>", "language": "de", "quartier_id": 1, "event": 7,
     "to": {"name": "...", "email": "..." | null, "phone": "..."}, "subject": "...", "text": "...",
     "send_at": "<ISO 8601>" | null}

with ``X-Quartier-Event: <plugin>.<key>`` and the same delivery id and signature headers.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx

from plugins.notifications.channels import PermanentFailure, TemporaryFailure

RETRY_STATUSES = frozenset({408, 429})
ERROR_SNIPPET = 200  # characters of a failing answer kept in last_error


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Quartier-Signature`` value for one request."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _target(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise PermanentFailure(f"invalid webhook URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        found = f"scheme '{parsed.scheme}'" if parsed.scheme else "no scheme"
        raise PermanentFailure(f"webhook URL must start with http:// or https:// and name a host (found {found})")
    return parsed


def _where(url: httpx.URL) -> str:
    """The URL for error messages, without any user:password in it."""
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


async def _snippet(response: httpx.Response) -> str:
    """The start of a failing answer's body (read only that much)."""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
            size += len(chunk)
            if size >= ERROR_SNIPPET * 4:
                break
    except httpx.HTTPError:
        pass
    text = b"".join(chunks).decode("utf-8", errors="replace").strip()
    text = " ".join(text.split())[:ERROR_SNIPPET]
    return f": {text}" if text else ""


class WebhookChannel:
    """POST the message's JSON body to its recipient URL, signed with HMAC-SHA256 when a secret is set."""

    name = "webhook"

    def __init__(self, secret: str, timeout: float) -> None:
        self.secret = secret
        self.timeout = timeout

    def headers(self, message: Any, body: bytes, timestamp: str) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Quartier",
            "X-Quartier-Event": str(message.kind),
            "X-Quartier-Delivery": str(message.idempotency_key),
            "X-Quartier-Timestamp": timestamp,
        }
        if self.secret:
            headers["X-Quartier-Signature"] = signature(self.secret, timestamp, body)
        return headers

    async def send(self, message: Any) -> None:
        url = _target(message.recipient)
        body = (message.body_text or "").encode("utf-8")
        timestamp = str(int(time.time()))
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
                async with client.stream("POST", url, content=body, headers=self.headers(message, body, timestamp)) as response:
                    status = response.status_code
                    if 200 <= status < 300:
                        return
                    detail = await _snippet(response)
                    location = response.headers.get("location", "")
        except httpx.TimeoutException as exc:
            raise TemporaryFailure(f"webhook {_where(url)}: timeout ({type(exc).__name__})") from None
        except httpx.UnsupportedProtocol as exc:
            raise PermanentFailure(f"webhook {_where(url)}: {exc}") from None
        except httpx.TransportError as exc:
            raise TemporaryFailure(f"webhook {_where(url)}: {type(exc).__name__}: {exc}") from None
        if 300 <= status < 400:
            raise PermanentFailure(
                f"webhook {_where(url)}: HTTP {status} redirect to {location or '(no Location)'}; "
                "redirects are not followed, set webhook_url to the final address")
        if status in RETRY_STATUSES or status >= 500:
            raise TemporaryFailure(f"webhook {_where(url)}: HTTP {status}{detail}")
        raise PermanentFailure(f"webhook {_where(url)}: HTTP {status}{detail}")
