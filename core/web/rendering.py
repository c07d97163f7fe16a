"""The shared page context of staff and public pages: language, menu, flash messages."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template
from markupsafe import Markup

from urllib.parse import urlencode

from core.deployment import current
from core.web.auth import StaffContext
from core.web.i18n import LANGUAGES, direction, language
from core.web.ui import MenuLink

FLASH_KEY = "flash"
# What page() puts into every template; a page's own context must not reuse these names.
LAYOUT_KEYS = frozenset({"request_path", "query_without_lang", "lang", "dir", "languages", "flashes", "staff", "menu", "settings"})


def flash(request: Request[Any, Any, Any], message: str, kind: str = "success") -> None:
    messages = list(request.session.get(FLASH_KEY, [])) if "session" in request.scope else []
    messages.append({"kind": kind, "message": message})
    request.set_session({**request.session, FLASH_KEY: messages})


def pop_flashes(request: Request[Any, Any, Any]) -> list[dict[str, str]]:
    if "session" not in request.scope or not request.session.get(FLASH_KEY):
        return []
    messages = request.session.get(FLASH_KEY, [])
    rest = dict(request.session)
    rest.pop(FLASH_KEY, None)
    request.set_session(rest)
    return messages


def staff_menu(ctx: StaffContext) -> dict[str, list[MenuLink]]:
    deployment = current()
    links: list[MenuLink] = []
    for resource in deployment.resources.values():
        if resource.in_menu and resource.may("view", ctx) and resource.plugin not in ctx.hidden_plugins:
            links.append(MenuLink(label=resource.label_plural, url=f"/staff/r/{resource.name}/", group=resource.menu_group,
                                  roles=resource.view_roles, plugin=resource.plugin))
    menu = deployment.hooks.menu_links(deployment=deployment, staff=ctx, plugins=ctx.shown_plugins(deployment.plugins))
    for name, answer in menu.items():
        for link in answer or []:
            link.plugin = name
            links.append(link)
    links.append(MenuLink(label="Berichte", url="/staff/berichte"))
    if ctx.is_admin:
        links.append(MenuLink(label="Plugins je Quartier", url="/staff/plugins", group="System", roles=("admin",)))
        links.append(MenuLink(label="Protokoll", url="/staff/audit", group="System", roles=("admin",)))
        links.append(MenuLink(label="Hintergrundaufgaben", url="/staff/jobs", group="System", roles=("admin",)))
    # every account has its overview and its password, even one whose role grants nothing
    groups: dict[str, list[MenuLink]] = {"Start": [MenuLink(label="Übersicht", url="/staff/", group="Start")]}
    for link in links:
        if ctx.has_role(*link.roles):
            groups.setdefault(link.group, []).append(link)
    groups.setdefault("Konto", []).append(MenuLink(label="Passwort ändern", url="/staff/password", group="Konto"))
    return groups


def page(request: Request[Any, Any, Any], template: str, context: dict[str, Any], status_code: int = 200,
         staff: StaffContext | None = None) -> Template:
    """Render a page with the layout's context (Litestar renders synchronously: all values are ready here)."""
    deployment = current()
    clash = LAYOUT_KEYS & context.keys()
    if clash:
        raise ValueError(f"page(): context keys {sorted(clash)} are the layout's own; rename them in {template}")
    base = {
        "request_path": request.url.path,
        "query_without_lang": urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"]),
        "lang": language(),
        "dir": direction(language()),
        "languages": {code: LANGUAGES[code] for code in deployment.settings.languages},
        "flashes": pop_flashes(request),
        "staff": staff,
        "menu": staff_menu(staff) if staff else {},
        "settings": deployment.settings,
    }
    return Template(template_name=template, context={**base, **context}, status_code=status_code)


def bad_request(request: Request[Any, Any, Any], message: str, staff: StaffContext | None = None) -> Template:
    """400 as the error page with one sentence (already translated), e.g. for a query parameter out of bounds."""
    from core.web.i18n import gettext

    return page(request, "core/error.html", {"title": gettext("Ungültige Anfrage"), "message": message}, status_code=400, staff=staff)


def csrf_input(request: Request[Any, Any, Any]) -> Markup:
    """The hidden CSRF field for a form rendered outside a page template (a block, a widget)."""
    from litestar.utils.empty import value_or_default
    from litestar.utils.scope.state import ScopeState

    token = value_or_default(ScopeState.from_scope(request.scope).csrf_token, "")
    return Markup('<input type="hidden" name="_csrf_token" value="{}">').format(token)


def render(template: str, **context: Any) -> Markup:
    """Render a template of the app's environment to HTML, e.g. for a PageBlock or a Widget."""
    env = current().templates
    return Markup(env.get_template(template).render(lang=language(), **context))
