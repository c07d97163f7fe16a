"""The app factory: turns a deployment (settings + plugins) into a Litestar app."""

from __future__ import annotations

import contextlib
import gc
from contextvars import ContextVar
import logging
from pathlib import Path
from typing import Any, AsyncIterator

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from urllib.parse import quote

from litestar import Litestar, Request, Response, Router, get
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect
from markupsafe import Markup, escape
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from core import __version__
from core.config import ConfigError, Settings, check_web_settings, load_settings
from core.deployment import Deployment, current
from core.db import statements
from core.jobs.routes import jobs_page
from core.jobs.service import running_jobs
from core.ops.logs import configure_logging, request_log
from core.ops.metrics import MetricsController, prometheus_config
from core.ops.readiness import readyz
from core.plugin_manager import load_deployment
from core.domain_events.service import event_delivery
from core.events.routes import PublicEventsController
from core.quartiere.routes import ROUTES as QUARTIER_ROUTES
from core.quartiere.tables import Quartier
from core.reports.routes import ROUTES as REPORT_ROUTES
from core.content import templating as content_templating
from core.web import i18n, template_i18n
from core.web.api import error_body
from core.web.auth import forwarded_headers
from core.web.params import storable_input
from core.events.printing import ROUTES as PRINT_ROUTES
from core.web.public_routes import PUBLIC_HANDLERS
from core.web.rendering import page
from core.web.resources import Resource
from core.web.staff_routes import STAFF_HANDLERS
from core.web.scope import SCOPE_KEY, check_plugin_scope, request_switches, scope_problem
from core.web.security import security_headers, served_over_https
from core.web.sessions import SessionConfig
from core.web.store import DatabaseStore

LANGUAGE_COOKIE = "lang"
PLUGIN_KEY = "plugin"  # handler option: the plugin that registered the route

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


def plugin_guard(plugin: str):
    """Answer 404 on a plugin's route when it is switched off for the Quartier its declared scope names."""

    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        await check_plugin_scope(plugin, handler.opt.get(SCOPE_KEY), connection)

    return guard


def check_route_scopes(app: Litestar) -> None:
    """Every route of a plugin declares its tenant scope (core/web/scope.py); refuse the start otherwise."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            plugin = handler.opt.get(PLUGIN_KEY) if handler.http_methods != {"OPTIONS"} else None  # Litestar's own
            problem = plugin and scope_problem(handler.opt.get(SCOPE_KEY), set(route.path_parameters))
            if problem:
                raise ConfigError(f"Plugin '{plugin}': route {route.path} {problem}.")


def _lifespan(deployment: Deployment):
    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        deployment.bind()
        await deployment.engine.start_connection_pool(min_size=2, max_size=20)  # SQLite: reused connections
        if deployment.settings.migrate_on_start and deployment.settings.is_sqlite:
            await deployment.migrate()
        await deployment.hooks.startup(deployment=deployment)
        jobs = running_jobs(deployment) if deployment.settings.jobs_run_in == "web" else contextlib.nullcontext()
        try:
            async with event_delivery(deployment), jobs:  # requests do not wait for on_domain_event
                yield
        finally:
            await deployment.hooks.shutdown(deployment=deployment)
            await deployment.engine.close_connection_pool()

    return lifespan


def paragraphs(text: str) -> Markup:
    """Plain text as escaped paragraphs: blank lines separate them, single newlines become <br>."""
    parts = [p.strip() for p in str(text).replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("".join(f"<p>{escape(p)}</p>".replace("\n", Markup("<br>\n")) for p in parts))


def template_environment(deployment: Deployment) -> Environment:
    folders = [str(HERE / "templates")]
    domains: dict[str, str] = {}  # top folder of a plugin's templates -> the plugin
    for name, answer in deployment.hooks.register_templates().items():
        for folder in answer or []:
            folders.append(str(folder))
            if Path(folder).is_dir():
                domains.update({sub.name: name for sub in Path(folder).iterdir() if sub.is_dir()})
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        enable_async=False,  # Litestar renders synchronously
        extensions=["jinja2.ext.i18n", template_i18n.PluginDomains],
        auto_reload=deployment.settings.debug,  # otherwise every render stats each template file
    )
    template_i18n.install(env, domains)
    content_templating.install(env)
    env.filters.update(
        when=i18n.format_when, span=i18n.format_span, until=i18n.format_until, day=i18n.format_day, clock=i18n.format_clock, short=i18n.format_short,
        iso=i18n.local_iso,
        number=i18n.format_number, paragraphs=paragraphs,
    )
    env.globals["deployment_name"] = deployment.settings.deployment_name
    env.globals["quartier_version"] = __version__
    return env


def collect_resources(deployment: Deployment) -> dict[str, Resource]:
    from core.accounts.resources import STAFF_USERS
    from core.events.resources import EVENTS, ORGANISATIONS, SERIES, VENUES
    from core.quartiere.resources import QUARTIERE

    resources: dict[str, Resource] = {}
    declared = [("core", r) for r in (EVENTS, SERIES, VENUES, QUARTIERE, ORGANISATIONS, STAFF_USERS)]
    for name, answer in deployment.hooks.staff_resources(deployment=deployment).items():
        for resource in answer or []:
            resource.plugin = name
            for f in resource.fields:
                f.plugin = name
            declared.append((name, resource))
    for owner, resource in declared:
        if resource.name in resources:
            raise ConfigError(f"Plugin '{owner}': staff resource '{resource.name}' is already declared by '{resources[resource.name].plugin}'.")
        resources[resource.name] = resource
    for resource in resources.values():
        for f in resource.fields:
            if f.type == "fk" and f.references not in resources:
                raise ConfigError(f"Plugin '{resource.plugin}': field '{f.name}' of staff resource '{resource.name}' "
                                  f"references '{f.references}', which no loaded plugin declares.")
    return resources


_chosen_language: ContextVar[str | None] = ContextVar("quartier_chosen_language", default=None)


async def set_language(request: Request[Any, Any, Any]) -> None:
    """``?lang=en`` switches the language and remembers it in a cookie; otherwise the cookie, the
    browser's ``Accept-Language`` or the default."""
    offered = current().settings.languages
    chosen = request.query_params.get("lang")
    if chosen not in offered:
        chosen = None
    _chosen_language.set(chosen)
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    i18n.set_language(chosen or (remembered if remembered in offered else None)
                      or i18n.accepted_language(request.headers.get("accept-language", ""), offered)
                      or current().settings.default_language)


async def remember_language(response: Response[Any]) -> Response[Any]:
    vary = response.headers.get("Vary")  # the answer depends on the language the reader asked for
    response.headers["Vary"] = f"{vary}, Accept-Language, Cookie" if vary else "Accept-Language, Cookie"
    chosen = _chosen_language.get()
    if chosen and response.media_type != "application/pdf":  # a poster in Arabic does not switch the staff's pages
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    return not request.url.path.startswith(("/api/", "/schema"))


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """German (or English) error pages for people; JSON for the API."""
    status = getattr(exc, "status_code", 500)
    if status == 401 and request.url.path.startswith("/staff"):
        return Redirect(f"/staff/login?next={quote(request.url.path)}", status_code=303)
    if not _wants_html(request):
        status, body = error_body(exc)
        if status >= 500:
            log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        return Response(body, status_code=status, headers=getattr(exc, "headers", None) if status < 500 else None)
    if isinstance(exc, ValidationException):  # a query parameter out of range or of the wrong type
        status = 422
    titles = {
        400: ("Ungültige Anfrage", "Die Anfrage enthält ungültige Angaben."),
        422: ("Ungültige Anfrage", "Die Anfrage enthält ungültige Angaben."),
        401: ("Bitte anmelden", "Für diese Seite müssen Sie angemeldet sein."),
        403: ("Kein Zugriff", "Für diese Seite fehlt Ihnen die Berechtigung."),
        404: ("Seite nicht gefunden", "Diese Seite gibt es nicht (mehr)."),
        405: ("Nicht erlaubt", "Diese Aktion ist hier nicht möglich."),
        429: ("Zu viele Anfragen", "Bitte warten Sie einen Moment und versuchen Sie es erneut."),
    }
    if status >= 500:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    title, message = titles.get(status, ("Fehler", "Leider ist ein Fehler aufgetreten. Bitte versuchen Sie es später erneut."))
    if status == 403 and getattr(exc, "detail", "") and status != 500:
        message = exc.detail  # type: ignore[attr-defined]
    if status in (400, 403) and "csrf" in str(getattr(exc, "detail", "")).lower():
        title, message = "Formular abgelaufen", "Das Formular war nicht mehr gültig. Bitte laden Sie die Seite neu und senden Sie es erneut."
    return page(request, "core/error.html", {"title": i18n.gettext(title), "message": i18n.gettext(message)}, status_code=status)


@get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """Alive (for restarting the process); whether it may take traffic is ``/readyz`` (core/ops/readiness.py)."""
    await Quartier.count()
    return {"status": "ok"}


def create_app(settings: Settings | None = None, deployment: Deployment | None = None) -> Litestar:
    """Build the web app. Pass a ready ``deployment`` or ``settings`` (default: from the environment)."""
    if deployment is None:
        deployment = load_deployment(settings or load_settings())
    deployment.bind()

    check_web_settings(deployment.settings)
    json_logs = deployment.settings.log_format == "json"
    configure_logging(deployment.settings)
    deployment.resources = collect_resources(deployment)
    domains = {i18n.CORE_DOMAIN: [HERE / "locale"]}
    for name, answer in deployment.hooks.register_locales().items():
        domains[name] = [Path(folder) for folder in answer or []]
    i18n.load_catalogs(domains)
    deployment.templates = template_environment(deployment)

    handlers: list[Any] = [
        healthz, readyz, MetricsController, PublicEventsController, *STAFF_HANDLERS, jobs_page, *REPORT_ROUTES, *QUARTIER_ROUTES,
        *PRINT_ROUTES, *PUBLIC_HANDLERS,
    ]
    static_dirs = {"core": str(HERE / "static")}
    for name, routes in deployment.hooks.register_routes(deployment=deployment).items():
        if routes:
            handlers.append(Router(path="/", route_handlers=routes, guards=[plugin_guard(name)], opt={PLUGIN_KEY: name}))
    for folders in deployment.hooks.register_static().values():
        static_dirs.update(folders or {})
    handlers.extend(
        create_static_files_router(path=f"/static/{url_name}", directories=[folder], name=f"static-{url_name}")
        for url_name, folder in static_dirs.items()
    )

    https = served_over_https(deployment.settings)
    # No session for files: a font still loading when someone logs out would otherwise store the session again.
    sessions = SessionConfig(store="sessions", httponly=True, samesite="lax", secure=https, max_age=8 * 3600, exclude=["/static/"])
    app = Litestar(
        route_handlers=handlers,
        stores={"sessions": DatabaseStore("session")},
        middleware=[
            *([statements.middleware] if statements.enabled() else []),  # outermost: the session's statements too
            *forwarded_headers(deployment.settings), prometheus_config(deployment).middleware,
            *([request_log] if json_logs else []), sessions.middleware, request_switches,
        ],
        csrf_config=CSRFConfig(
            secret=deployment.settings.secret_key, exclude=["/api"], cookie_httponly=True, cookie_secure=https,
            cookie_samesite="lax",
        ),
        before_request=set_language,
        after_request=remember_language,
        before_send=[security_headers(deployment.settings)],
        guards=[storable_input],  # before the plugins' guards, which look the ids up
        exception_handlers={HTTPException: error_page, Exception: error_page},
        lifespan=[_lifespan(deployment)],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(deployment.templates)),
        openapi_config=OpenAPIConfig(
            title=f"Quartier API ({deployment.settings.deployment_name})",
            version=__version__,
            path="/schema",
            render_plugins=[JsonRenderPlugin()],  # no UI: the usual ones load scripts from a CDN
        ),
        debug=deployment.settings.debug,
        **({"logging_config": None} if json_logs else {}),  # Litestar's own would replace the JSON handler
    )
    check_route_scopes(app)
    app.state.deployment = deployment
    # First path segments of the app's own pages: a Quartier slug must not shadow them.
    deployment.reserved_slugs = {
        route.path.strip("/").split("/")[0] for route in app.routes if route.path.strip("/") and "{" not in route.path.split("/")[1]
    }
    return app


def create_app_from_environment() -> Litestar:
    """Factory for the workers of ``quartier serve``: settings from QUARTIER_CONFIG and QUARTIER_* variables.

    What exists now (modules, templates, routes: about 130,000 objects) is frozen out of the garbage collector:
    each full collection walked all of it, pausing every request of the worker (bench/README.md, issue 18).
    """
    app = create_app(load_settings())
    gc.collect()
    gc.freeze()
    return app
