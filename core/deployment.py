"""One running deployment: settings, loaded plugins, their settings and the database."""

from __future__ import annotations

import inspect
import logging
from typing import Any

import msgspec
import pluggy
from piccolo.conf.apps import AppConfig

from core import piccolo_app
from core.config import Settings, validate_section
from core.db import bind_engine, create_engine
from core.domain_events.types import CORE_EVENT_TYPES, DomainEvent
from core.plugin_manager import PluginInfo, create_plugin_manager, load_plugins

log = logging.getLogger(__name__)

_current: Deployment | None = None


async def maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class Deployment:
    """Built once per process from the settings; handed to hooks as ``deployment``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pm: pluggy.PluginManager = create_plugin_manager()
        self.plugins: dict[str, PluginInfo] = load_plugins(settings, self.pm)
        self._plugin_settings: dict[str, msgspec.Struct | None] = {}
        for name in self.plugins:
            struct = self.call_plugin_hook_sync(name, "plugin_settings")
            self._plugin_settings[name] = validate_section(settings, name, struct) if struct else None
        self.apps: list[AppConfig] = [piccolo_app.APP_CONFIG]
        for name in self.plugins:
            app = self.call_plugin_hook_sync(name, "register_tables")
            if app is not None:
                self.apps.append(app)
        self.domain_event_types: dict[str, type[DomainEvent]] = {t.name: t for t in CORE_EVENT_TYPES}
        for types in self.pm.hook.register_domain_events():
            for event_type in types or []:
                self.domain_event_types[event_type.name] = event_type
        self.engine = create_engine(settings.database_url)
        self.resources: dict[str, Any] = {}  # staff resources, collected by the app factory
        self.templates: Any = None  # the Jinja environment, made by the app factory
        self.reserved_slugs: set[str] = set()  # first path segments of the app's routes

    # -- plugins -----------------------------------------------------------
    def settings_for(self, plugin: str) -> Any:
        """The validated settings Struct of a loaded plugin."""
        if plugin not in self._plugin_settings:
            raise KeyError(f"plugin '{plugin}' is not loaded")
        return self._plugin_settings[plugin]

    def has_plugin(self, name: str) -> bool:
        return name in self.plugins

    def _hookimpl(self, plugin: str, hook: str) -> pluggy.HookImpl | None:
        caller = getattr(self.pm.hook, hook)
        for impl in caller.get_hookimpls():
            if impl.plugin_name == plugin:
                return impl
        return None

    def call_plugin_hook_sync(self, plugin: str, hook: str, **kwargs: Any) -> Any:
        """Call one plugin's implementation of a hook (None when it has none)."""
        impl = self._hookimpl(plugin, hook)
        if impl is None:
            return None
        return impl.function(**{name: kwargs[name] for name in impl.argnames})

    async def call_plugin_hook(self, plugin: str, hook: str, **kwargs: Any) -> Any:
        return await maybe_await(self.call_plugin_hook_sync(plugin, hook, **kwargs))

    async def call_isolated(self, hook: str, plugins: list[str] | None = None, **kwargs: Any) -> dict[str, Any]:
        """Call a hook on each plugin separately; a failing plugin is logged and skipped."""
        results: dict[str, Any] = {}
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if plugins is not None and impl.plugin_name not in plugins:
                continue
            try:
                results[impl.plugin_name] = await self.call_plugin_hook(impl.plugin_name, hook, **kwargs)
            except Exception:
                log.exception("plugin %s failed in hook %s", impl.plugin_name, hook)
        return results

    # -- database ----------------------------------------------------------
    def bind(self) -> None:
        """Point every table of the core and the loaded plugins at this deployment's database."""
        global _current
        bind_engine(self.engine, self.apps)
        _current = self

    async def migrate(self) -> dict[str, list[str]]:
        from core.db.migrations import migrate

        self.bind()
        return await migrate(self.apps)

    async def publish(self, event: DomainEvent) -> None:
        from core.domain_events.service import publish

        await publish(self, event)


def current() -> Deployment:
    if _current is None:
        raise RuntimeError("No deployment is active in this process.")
    return _current
