"""Security headers on every response, and ``Secure`` on every cookie when the deployment is served over HTTPS.

One ``before_send`` hook of the app sees every response start: pages, the JSON API,
static files, redirects and the answers of the exception handlers (404 for unknown
paths included), so nothing here depends on a route remembering it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.datastructures import MutableScopeHeaders

if TYPE_CHECKING:
    from litestar.types import BeforeMessageSendHookHandler, Message, Scope

    from core.config import Settings

# Scripts and styles only from our own files: no inline <script>, no on...= handlers, no style= attributes.
# JSON-LD (<script type="application/ld+json">) is a data block, which CSP does not govern.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
    # Other sites learn nothing, not even our origin: personal links (/anmeldung/<token>) carry secrets in the path.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                          "payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"  # one year; no includeSubDomains: the app does not know the host's other names


def served_over_https(settings: Settings) -> bool:
    """Whether the deployment's public address is https (then cookies are ``Secure`` and HSTS is sent)."""
    return settings.base_url.strip().lower().startswith("https://")


def security_headers(settings: Settings) -> BeforeMessageSendHookHandler:
    """The app's ``before_send`` hook: add the headers above (a response's own value wins) and, over HTTPS,
    HSTS and ``Secure`` on every ``Set-Cookie``."""
    https = served_over_https(settings)
    headers = {**HEADERS, "Strict-Transport-Security": HSTS} if https else HEADERS

    async def add(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        response = MutableScopeHeaders.from_message(message)
        for name, value in headers.items():
            if name not in response:
                response[name] = value
        if https:
            cookies = response.getall("set-cookie", [])
            if any(not _is_secure(cookie) for cookie in cookies):
                del response["set-cookie"]
                for cookie in cookies:
                    response.add("set-cookie", cookie if _is_secure(cookie) else f"{cookie}; Secure")

    return add


def _is_secure(cookie: str) -> bool:
    return any(part.strip().lower() == "secure" for part in cookie.split(";")[1:])
