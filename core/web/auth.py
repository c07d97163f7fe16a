"""Staff login: server-side sessions, throttling per account and address, roles and Quartier scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from core.accounts.tables import StaffUser, StaffUserQuartier
from core.web import store

SESSION_USER = "staff_user_id"
WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


@dataclass
class StaffContext:
    """Who is asking: the user, their role and the Quartiere they may see (None: all)."""

    user: StaffUser
    role: str
    quartier_ids: set[int] | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_see_quartier(self, quartier_id: int) -> bool:
        return self.quartier_ids is None or quartier_id in self.quartier_ids


async def context_for(user: StaffUser) -> StaffContext:
    if user.role == "admin":
        return StaffContext(user=user, role=user.role, quartier_ids=None)
    rows = await StaffUserQuartier.select(StaffUserQuartier.quartier).where(StaffUserQuartier.user == user.id)
    return StaffContext(user=user, role=user.role, quartier_ids={row["quartier"] for row in rows})


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


async def require_staff_api(request: Request[Any, Any, Any]) -> StaffContext:
    """Staff on the JSON API: ``Authorization: Bearer <token>``, or the browser session.

    The API is outside the CSRF check, so with a session a changing request must
    send JSON: a form on another site cannot.
    """
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        from core.accounts.service import user_for_token

        user = await user_for_token(header[7:].strip())
        if user is None:
            raise NotAuthorizedException("Ungültiges API-Token.")
        return await context_for(user)
    ctx = await optional_staff(request)
    if ctx is None:
        raise NotAuthorizedException("Bitte melden Sie sich an oder senden Sie ein API-Token.")
    if request.method not in ("GET", "HEAD", "OPTIONS") and not request.headers.get("content-type", "").startswith("application/json"):
        raise PermissionDeniedException("Änderungen über die API mit Sitzung brauchen Content-Type application/json.")
    return ctx


def require_role(ctx: StaffContext, *roles: str) -> None:
    if ctx.role not in roles:
        raise PermissionDeniedException("Dafür fehlt Ihnen die Berechtigung.")


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def login_blocked(email: str, address: str) -> bool:
    return (
        await store.count(f"login:account:{email}") >= MAX_FAILURES_PER_ACCOUNT
        or await store.count(f"login:address:{address}") >= MAX_FAILURES_PER_ADDRESS
    )


async def record_failure(email: str, address: str) -> None:
    await store.hit(f"login:account:{email}", WINDOW_SECONDS)
    await store.hit(f"login:address:{address}", WINDOW_SECONDS)


async def record_success(email: str) -> None:
    await store.reset(f"login:account:{email}")
