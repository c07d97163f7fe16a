"""Public: unsubscribing from announcements with one click (RFC 8058: acting on POST only)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from core.plugin_api import page, plugin_gettext
from plugins.notifications import announcements

_ = plugin_gettext("notifications")

AnyRequest = Request[Any, Any, Any]


@get("/benachrichtigungen/abbestellen/{token:str}", opt={"quartier": "none"}, include_in_schema=False)
async def unsubscribe_page(request: AnyRequest, token: FromPath[str]) -> Template:
    return page(request, "notifications/unsubscribe.html", {"token": token, "done": False})


# Mail programs POST here without a form (RFC 8058); the signed token is the protection.
@post("/benachrichtigungen/abbestellen/{token:str}", opt={"quartier": "none"}, include_in_schema=False, status_code=200, exclude_from_csrf=True)
async def unsubscribe(request: AnyRequest, token: FromPath[str]) -> Template | Response[str]:
    if not await announcements.unsubscribe(token):
        raise NotFoundException()
    if "text/html" not in request.headers.get("accept", ""):  # the mail program's one-click POST
        return Response(_("Abbestellt."), media_type="text/plain")
    return page(request, "notifications/unsubscribe.html", {"token": token, "done": True})


ROUTES = [unsubscribe_page, unsubscribe]
