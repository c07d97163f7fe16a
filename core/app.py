"""The app factory: turns a deployment (settings + plugins) into a Litestar app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any, AsyncIterator

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, Router, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from core import __version__
from core.config import Settings, load_settings
from core.deployment import Deployment, maybe_await
from core.domain_events.service import redeliver_pending
from core.events.routes import PublicEventsController
from core.events.tables import Event
from core.quartiere.service import is_plugin_enabled
from core.quartiere.tables import Quartier

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
REDELIVERY_SECONDS = 30


def plugin_guard(plugin: str):
    """Answer 404 on a plugin's route when it is switched off for the Quartier in the path."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        params = connection.path_params
        quartier_id: int | None = None
        if "quartier" in params:
            row = await Quartier.select(Quartier.id).where(Quartier.slug == params["quartier"]).first()
            if row is None:
                raise NotFoundException()
            quartier_id = row["id"]
        elif "event_id" in params:
            row = await Event.select(Event.quartier).where(Event.id == params["event_id"]).first()
            if row is None:
                raise NotFoundException()
            quartier_id = row["quartier"]
        if quartier_id is not None and not await is_plugin_enabled(quartier_id, plugin):
            raise NotFoundException()

    return guard


async def _periodic(deployment: Deployment, seconds: float, job: Any) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await job(deployment)
        except Exception:
            log.exception("background task %r failed", job)


def _lifespan(deployment: Deployment):
    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        deployment.bind()
        pool = deployment.engine.engine_type == "postgres"
        if pool:
            await deployment.engine.start_connection_pool(max_size=20)
        if deployment.settings.migrate_on_start and deployment.settings.is_sqlite:
            await deployment.migrate()
        for result in deployment.pm.hook.startup(deployment=deployment):
            await maybe_await(result)
        jobs: list[tuple[float, Any]] = [(REDELIVERY_SECONDS, redeliver_pending)]
        for pairs in deployment.pm.hook.background_tasks(deployment=deployment):
            jobs.extend(pairs or [])
        tasks = [asyncio.create_task(_periodic(deployment, seconds, job)) for seconds, job in jobs]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for result in deployment.pm.hook.shutdown(deployment=deployment):
                await maybe_await(result)
            if pool:
                await deployment.engine.close_connection_pool()

    return lifespan


def template_environment(deployment: Deployment) -> Environment:
    folders = [str(HERE / "templates")]
    for extra in deployment.pm.hook.register_templates():
        folders.extend(str(folder) for folder in extra or [])
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        enable_async=False,  # Litestar renders synchronously
    )
    env.globals["deployment_name"] = deployment.settings.deployment_name
    env.globals["quartier_version"] = __version__
    return env


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Template:
    quartiere = await Quartier.objects().order_by(Quartier.name)
    return Template(template_name="core/home.html", context={"quartiere": quartiere})


@get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    await Quartier.count()
    return {"status": "ok"}


def create_app(settings: Settings | None = None, deployment: Deployment | None = None) -> Litestar:
    """Build the web app. Pass a ready ``deployment`` or ``settings`` (default: from the environment)."""
    if deployment is None:
        deployment = Deployment(settings or load_settings())
    deployment.bind()

    handlers: list[Any] = [home, healthz, PublicEventsController]
    static_dirs = {"core": str(HERE / "static")}
    for name in deployment.plugins:
        routes = deployment.call_plugin_hook_sync(name, "register_routes", deployment=deployment) or []
        if routes:
            handlers.append(Router(path="/", route_handlers=routes, guards=[plugin_guard(name)]))
        static_dirs.update(deployment.call_plugin_hook_sync(name, "register_static") or {})
    handlers.extend(
        create_static_files_router(path=f"/static/{url_name}", directories=[folder], name=f"static-{url_name}")
        for url_name, folder in static_dirs.items()
    )

    app = Litestar(
        route_handlers=handlers,
        lifespan=[_lifespan(deployment)],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(template_environment(deployment))),
        openapi_config=OpenAPIConfig(
            title=f"Quartier API ({deployment.settings.deployment_name})",
            version=__version__,
            path="/schema",
            render_plugins=[JsonRenderPlugin()],  # no UI: the usual ones load scripts from a CDN
        ),
        debug=deployment.settings.debug,
    )
    app.state.deployment = deployment
    return app


def create_app_from_environment() -> Litestar:
    """Factory for ``uvicorn --factory``: settings from QUARTIER_CONFIG and QUARTIER_* variables."""
    return create_app(load_settings())
