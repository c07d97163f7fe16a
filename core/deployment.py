"""One running deployment: settings, loaded plugins, their settings and the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pluggy
from piccolo.conf.apps import AppConfig

from core import piccolo_app
from core.accounts.roles import RoleRegistry
from core.config import Settings, validate_section
from core.db import bind_engine, create_engine
from core.domain_events.types import CORE_EVENT_TYPES, DomainEvent
from core.hooks import Hooks

log = logging.getLogger(__name__)

_current: Deployment | None = None


@dataclass
class PluginInfo:
    name: str
    module: str
    version: str
    source: str  # "built-in" or "package <dist>"
    hooks: list[str] = field(default_factory=list)
    loaded: bool = False


class Deployment:
    """Built once per process by ``core.plugin_manager.load_deployment(settings)``; handed to hooks as ``deployment``."""

    def __init__(self, settings: Settings, pm: pluggy.PluginManager, plugins: dict[str, PluginInfo]) -> None:
        self.settings = settings
        self.pm = pm
        self.plugins = plugins
        self.hooks = Hooks(self.pm, list(self.plugins))
        structs = self.hooks.plugin_settings()
        self._plugin_settings: dict[str, msgspec.Struct | None] = {
            name: validate_section(settings, name, structs[name]) if structs.get(name) else None for name in self.plugins
        }
        self.apps: list[AppConfig] = [piccolo_app.APP_CONFIG]
        self.apps.extend(app for app in self.hooks.register_tables().values() if app is not None)
        self.domain_event_types: dict[str, type[DomainEvent]] = {t.name: t for t in CORE_EVENT_TYPES}
        self.domain_event_owners: dict[str, str] = {t.name: "core" for t in CORE_EVENT_TYPES}  # name -> plugin
        for plugin, types in self.hooks.register_domain_events().items():
            for event_type in types or []:
                self.domain_event_types[event_type.name] = event_type
                self.domain_event_owners[event_type.name] = plugin
        self.roles = RoleRegistry(self.hooks.register_roles())
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


def current() -> Deployment:
    if _current is None:
        raise RuntimeError("No deployment is active in this process.")
    return _current
