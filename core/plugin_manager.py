"""Finding, loading and checking plugins.

Built-in plugins live in ``plugins/<name>/plugin.py``; third-party plugins are
packages with an entry point in the group ``quartier``. Both are loaded only
when the deployment config lists them, and exactly the same way.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
from types import ModuleType
from typing import Any

import pluggy

from core import __version__, hookspecs
from core.config import ConfigError, Settings
from core.deployment import Deployment, PluginInfo
from core.hooks import Hooks

ENTRY_POINT_GROUP = "quartier"
BUILTIN_PACKAGE = "plugins"


def builtin_plugins() -> dict[str, str]:
    """Names of built-in plugins mapped to their hook module."""
    try:
        package = importlib.import_module(BUILTIN_PACKAGE)
    except ModuleNotFoundError:
        return {}
    return {
        info.name: f"{BUILTIN_PACKAGE}.{info.name}.plugin"
        for info in pkgutil.iter_modules(package.__path__)
        if info.ispkg
    }


def entry_point_plugins() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available_plugins(packages: bool = True) -> dict[str, PluginInfo]:
    """Every plugin that could be loaded, built-in ones first (``packages=False``: only those)."""
    found = {
        name: PluginInfo(name=name, module=module, version=__version__, source="built-in")
        for name, module in sorted(builtin_plugins().items())
    }
    for name, ep in sorted(entry_point_plugins().items() if packages else ()):
        if name in found:
            continue  # a built-in name cannot be taken over by a package
        dist = ep.dist
        found[name] = PluginInfo(
            name=name,
            module=ep.value,
            version=dist.version if dist else "?",
            source=f"package {dist.name}" if dist else "package",
        )
    return found


def _import_plugin(info: PluginInfo, source: str) -> ModuleType | Any:
    try:
        if info.source == "built-in":
            return importlib.import_module(info.module)
        return entry_point_plugins()[info.name].load()
    except Exception as exc:  # the operator needs the cause, not a traceback
        raise ConfigError(
            f"Plugin '{info.name}' ({info.module}), listed in {source} key 'plugins', "
            f"failed to import: {type(exc).__name__}: {exc}."
        ) from exc


def load_deployment(settings: Settings) -> Deployment:
    """The deployment of these settings, with its plugins loaded; raise ConfigError with one sentence."""
    pm = create_plugin_manager()
    return Deployment(settings, pm, load_plugins(settings, pm))


def create_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("quartier")
    pm.add_hookspecs(hookspecs)
    return pm


def load_plugins(settings: Settings, pm: pluggy.PluginManager) -> dict[str, PluginInfo]:
    """Register the plugins listed in the settings; raise ConfigError with one sentence."""
    available = available_plugins(packages=False)
    if not set(settings.plugins) | set(settings.plugin_sections) <= set(available):
        available = available_plugins()  # reading every package's entry points costs ~10 ms: only when needed
    loaded: dict[str, PluginInfo] = {}
    for name in settings.plugins:
        info = available.get(name)
        if info is None:
            known = ", ".join(sorted(available)) or "none"
            raise ConfigError(
                f"{settings.source}: unknown plugin '{name}' in key 'plugins' "
                f"(available: {known}; third-party plugins need an entry point in the group '{ENTRY_POINT_GROUP}')."
            )
        if name in loaded:
            raise ConfigError(f"{settings.source}: plugin '{name}' is listed twice in key 'plugins'.")
        module = _import_plugin(info, settings.source)
        pm.register(module, name=name)
        info.loaded = True
        loaded[name] = info

    for specs in Hooks(pm, list(loaded)).register_hookspecs().values():
        if specs is not None:
            pm.add_hookspecs(specs)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin_name = pm.get_name(exc.plugin) if exc.plugin else "?"
        raise ConfigError(f"Plugin '{plugin_name}': {exc}.") from None

    for section in settings.plugin_sections:
        if section not in available:
            raise ConfigError(
                f"{settings.source}: section [{section}] belongs to no known plugin and is not a core setting."
            )
    for name, info in loaded.items():
        info.hooks = sorted(
            caller.name for caller in pm.get_hookcallers(pm.get_plugin(name)) or []
        )
    return loaded
