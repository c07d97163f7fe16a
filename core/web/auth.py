"""Staff login: server-side sessions, throttling per account and address, roles and Quartier scope."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import DefineMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from core.accounts.tables import StaffUser, StaffUserQuartier
from core.config import Settings
from core.quartiere.tables import Quartier, QuartierPlugin
from core.deployment import current
from core.web import store

SESSION_USER = "staff_user_id"


@dataclass
class StaffContext:
    """Who is asking: the user, their role, the Quartiere they may see (None: all) and where plugins are off."""

    user: StaffUser
    role: str
    quartier_ids: set[int] | None
    plugins_off: dict[str, set[int]] = field(default_factory=dict)  # plugin -> Quartiere where it is switched off
    hidden_plugins: set[str] = field(default_factory=set)  # switched off in every Quartier the user may see
    seen_quartier_ids: set[int] = field(default_factory=set)  # every Quartier id the user may see, when a plugin is off

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def has_role(self, *roles: str) -> bool:
        """Whether the user's role is one of ``roles`` and declared by the core or a loaded plugin."""
        return current().roles.grants(self.role, roles)

    def may_see_quartier(self, quartier_id: int) -> bool:
        return self.quartier_ids is None or quartier_id in self.quartier_ids

    def quartiere_for(self, plugin: str) -> set[int] | None:
        """The Quartiere a plugin's staff page shows to this user: theirs where the plugin is on (None: all)."""
        off = self.plugins_off.get(plugin)
        return self.quartier_ids if not off else self.seen_quartier_ids - off

    def shown_plugins(self, plugins: Iterable[str]) -> list[str]:
        """The plugins whose menu links, widgets and screens this user gets."""
        return [name for name in plugins if name not in self.hidden_plugins]


async def context_for(user: StaffUser) -> StaffContext:
    off: dict[str, set[int]] = {}
    for row in await QuartierPlugin.select(QuartierPlugin.plugin, QuartierPlugin.quartier).where(
            QuartierPlugin.enabled == False):  # noqa: E712
        off.setdefault(row["plugin"], set()).add(row["quartier"])
    quartier_ids: set[int] | None = None
    if user.role != "admin":
        rows = await StaffUserQuartier.select(StaffUserQuartier.quartier).where(StaffUserQuartier.user == user.id)
        quartier_ids = {row["quartier"] for row in rows}
    seen = quartier_ids
    if seen is None and off:
        seen = {row["id"] for row in await Quartier.select(Quartier.id)}
    hidden = {plugin for plugin, where in off.items() if seen is not None and seen <= where}
    return StaffContext(user=user, role=user.role, quartier_ids=quartier_ids, plugins_off=off, hidden_plugins=hidden,
                        seen_quartier_ids=seen or set())


async def optional_staff(request: Request[Any, Any, Any]) -> StaffContext | None:
    cached = request.scope.get("quartier_staff", False)
    if cached is not False:
        return cached
    ctx = None
    user_id = request.session.get(SESSION_USER) if "session" in request.scope else None
    if user_id is not None:
        user = await StaffUser.objects().where((StaffUser.id == user_id) & (StaffUser.active == True)).first()  # noqa: E712
        if user is not None:
            ctx = await context_for(user)
    request.scope["quartier_staff"] = ctx  # type: ignore[typeddict-unknown-key]
    return ctx


async def require_staff(request: Request[Any, Any, Any]) -> StaffContext:
    ctx = await optional_staff(request)
    if ctx is None:
        raise NotAuthorizedException("Bitte melden Sie sich an.")
    return ctx


async def token_staff(request: Request[Any, Any, Any]) -> StaffContext | None:
    """The staff user of a valid ``Authorization: Bearer <token>`` header (None without one or for a wrong one)."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    cached = request.scope.get("quartier_token_staff", False)  # the scope guard asked already
    if cached is not False:
        return cached
    from core.accounts.service import user_for_token

    user = await user_for_token(header[7:].strip())
    ctx = None if user is None else await context_for(user)
    request.scope["quartier_token_staff"] = ctx  # type: ignore[typeddict-unknown-key]
    return ctx


async def require_staff_api(request: Request[Any, Any, Any]) -> StaffContext:
    """Staff on the JSON API: ``Authorization: Bearer <token>``, or the browser session.

    The API is outside the CSRF check, so with a session a changing request must
    send JSON: a form on another site cannot.
    """
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        token_ctx = await token_staff(request)
        if token_ctx is None:
            raise NotAuthorizedException("Ungültiges API-Token.")
        return token_ctx
    ctx = await optional_staff(request)
    if ctx is None:
        raise NotAuthorizedException("Bitte melden Sie sich an oder senden Sie ein API-Token.")
    if request.method not in ("GET", "HEAD", "OPTIONS") and not request.headers.get("content-type", "").startswith("application/json"):
        raise PermissionDeniedException("Änderungen über die API mit Sitzung brauchen Content-Type application/json.")
    return ctx


def require_role(ctx: StaffContext, *roles: str) -> None:
    if not ctx.has_role(*roles):
        raise PermissionDeniedException("Dafür fehlt Ihnen die Berechtigung.")


def client_address(request: Request[Any, Any, Any]) -> str:
    """The client's address: the peer, or what a proxy in ``trusted_proxies`` forwarded (see ``forwarded_headers``)."""
    return request.client.host if request.client else "unknown"


def forwarded_headers(settings: Settings) -> list[DefineMiddleware]:
    """The app's first middleware: X-Forwarded-For / -Proto count only from a peer in ``trusted_proxies``.

    uvicorn's own handling is off (``quartier run`` / ``serve`` pass ``proxy_headers=False``): by default it
    believes any peer on 127.0.0.1, so a client could make up its address and escape every per-address limit.
    """
    if not settings.trusted_proxies:
        return []
    return [DefineMiddleware(ProxyHeadersMiddleware, trusted_hosts=[entry.strip() for entry in settings.trusted_proxies])]


# -- login throttling ------------------------------------------------------------
# Counted per (account, address), per address and per account, all in one window. An attacker's
# failures slow and then refuse only their own pair or address; the account is slowed, never
# refused, so its owner can always log in from elsewhere with the right password.
WINDOW_SECONDS = 15 * 60
FREE_FAILURES_PER_PAIR = 3  # then a delay of FIRST_DELAY, doubling up to MAX_DELAY
MAX_FAILURES_PER_PAIR = 10  # the next attempt of that pair is refused
MAX_FAILURES_PER_ADDRESS = 30  # any accounts; the next attempt from that address is refused
FREE_FAILURES_PER_ACCOUNT = 20  # any addresses; then delayed, never refused
FIRST_DELAY = 0.5
MAX_DELAY = 4.0


async def pause(seconds: float) -> None:
    """Wait before answering a throttled login (tests replace it so they don't sleep)."""
    await asyncio.sleep(seconds)


def _delay(failures: int, free: int) -> float:
    return 0.0 if failures < free else min(FIRST_DELAY * 2 ** (failures - free), MAX_DELAY)


def _keys(email: str, address: str) -> dict[str, str]:
    """Counter keys; hashed with the secret key, so neither e-mail nor client addresses are stored."""
    secret = current().settings.secret_key.encode()

    def digest(*parts: str) -> str:
        return hmac.new(secret, "\0".join(parts).encode(), hashlib.sha256).hexdigest()

    return {"pair": f"login:pair:{digest(email, address)}", "account": f"login:account:{digest(email)}",
            "address": f"login:address:{digest(address)}"}


async def login_attempt(email: str, address: str) -> int | None:
    """Call before checking a password: counts the attempt as a failure until ``login_succeeded``.

    Waits as long as the failures so far demand, then returns None (go on and check the
    password), or the seconds until the (account, address) pair or the address may try
    again: then the attempt is refused without checking anything. Counting before checking
    keeps parallel attempts from slipping past the limits.
    """
    keys = _keys(email, address)
    pair, by_address, account = [await store.hit(keys[k], WINDOW_SECONDS) - 1 for k in ("pair", "address", "account")]
    for key, failures, limit in ((keys["pair"], pair, MAX_FAILURES_PER_PAIR), (keys["address"], by_address, MAX_FAILURES_PER_ADDRESS)):
        if failures >= limit:
            return max(1, await store.seconds_left(key))
    delay = max(_delay(pair, FREE_FAILURES_PER_PAIR), _delay(account, FREE_FAILURES_PER_ACCOUNT))
    if delay:
        await pause(delay)
    return None


async def login_succeeded(email: str, address: str) -> None:
    """The password was right: forget the pair's failures, and this attempt for the address and the account."""
    keys = _keys(email, address)
    await store.reset(keys["pair"])
    await store.unhit(keys["address"])
    await store.unhit(keys["account"])
