"""The one way to call a hook: ``deployment.hooks.<name>(**kwargs)``.

Built on pluggy: each plugin is called through ``pm.subset_hook_caller`` (so
pluggy checks the arguments and runs the plugin's own hook wrappers), in the
order the deployment lists the plugins; a ``firstresult`` hook is one pluggy
call and returns pluggy's first non-None answer. How a hook is called is
declared with its hookspec (``@hookspec(isolated=..., per_quartier=...,
awaitable=...)``), not chosen by the caller:

- ``isolated``: a failing plugin is logged and left out (``results.failed``);
  otherwise the first failure raises ``HookFailed`` naming the plugin.
- ``per_quartier``: the caller must pass ``quartier=`` (a Quartier id, or None
  when the call concerns no Quartier); plugins switched off there are not called.
- ``awaitable``: implementations may return awaitables; the call returns a
  coroutine that awaits them. A synchronous hook refuses an awaitable answer.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Callable

import pluggy

from core.config import ConfigError
from core.quartiere.service import disabled_plugins

log = logging.getLogger(__name__)

POLICY_ATTR = "quartier_hook_policy"
_UNSET: Any = object()


@dataclass(frozen=True)
class HookPolicy:
    isolated: bool = False
    per_quartier: bool = False
    awaitable: bool = False


class HookspecMarker(pluggy.HookspecMarker):
    """pluggy's hookspec marker that also records how the hook is called."""

    def __call__(self, function: Callable[..., Any] | None = None, *, firstresult: bool = False,  # type: ignore[override]
                 historic: bool = False, isolated: bool = False, per_quartier: bool = False,
                 awaitable: bool = False) -> Any:
        policy = HookPolicy(isolated=isolated, per_quartier=per_quartier, awaitable=awaitable)

        def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
            setattr(fn, POLICY_ATTR, policy)
            return super(HookspecMarker, self).__call__(fn, firstresult=firstresult, historic=historic)

        return mark(function) if function is not None else mark


class HookFailed(ConfigError):
    """A plugin's implementation of a fail-loudly hook raised; one sentence naming the plugin and the hook."""

    def __init__(self, plugin: str, hook: str, exc: BaseException) -> None:
        super().__init__(f"Plugin '{plugin}' failed in hook '{hook}': {type(exc).__name__}: {exc}.")
        self.plugin = plugin
        self.hook = hook


class HookResults(dict[str, Any]):
    """Each called plugin's answer by plugin name, in the deployment's plugin order."""

    def __init__(self) -> None:
        super().__init__()
        self.failed: dict[str, BaseException] = {}

    def flat(self) -> list[Any]:
        """The answers that are lists, joined in plugin order (None counts as empty)."""
        return [item for answer in self.values() for item in (answer or [])]


class HookCall:
    """One hook of one deployment; call it with keyword arguments."""

    def __init__(self, pm: pluggy.PluginManager, name: str, order: list[str]) -> None:
        self.name = name
        self._pm = pm
        self._order = order
        self._caller: pluggy.HookCaller = getattr(pm.hook, name)
        spec = self._caller.spec
        self.policy: HookPolicy = getattr(spec.function, POLICY_ATTR, HookPolicy()) if spec else HookPolicy()
        self.firstresult = bool(spec and spec.opts.get("firstresult"))

    def implementers(self) -> list[str]:
        """Names of the plugins implementing this hook: the listed ones in order, then any registered later."""
        names = list(dict.fromkeys(impl.plugin_name for impl in self._caller.get_hookimpls()))
        return [name for name in self._order if name in names] + [name for name in names if name not in self._order]

    async def enabled_implementers(self, quartier: int | None) -> list[str]:
        """The implementers switched on for a Quartier (all of them for None)."""
        off = await disabled_plugins(quartier) if quartier is not None else set()
        return [name for name in self.implementers() if name not in off]

    def __call__(self, *, quartier: int | None = _UNSET, plugins: Iterable[str] | None = None, **kwargs: Any) -> Any:
        if self.policy.per_quartier and quartier is _UNSET:
            raise TypeError(f"hook '{self.name}' is called per Quartier: pass quartier= (an id, or None)")
        if not self.policy.per_quartier and quartier is not _UNSET:
            raise TypeError(f"hook '{self.name}' is not filtered per Quartier: do not pass quartier=")
        if self.policy.awaitable:
            return self._call_async(None if quartier is _UNSET else quartier, plugins, kwargs)
        return self._finish_sync(self._names(self.implementers(), plugins), kwargs)

    def _names(self, names: list[str], plugins: Iterable[str] | None) -> list[str]:
        if plugins is None:
            return names
        wanted = set(plugins)
        return [name for name in names if name in wanted]

    def _subset(self, names: list[str]) -> pluggy.HookCaller:
        keep = set(names)
        others = [plugin for name, plugin in self._pm.list_name_plugin() if name not in keep]
        return self._pm.subset_hook_caller(self.name, remove_plugins=others)

    def _fail(self, results: HookResults, plugin: str, exc: Exception) -> None:
        if not self.policy.isolated:
            raise HookFailed(plugin, self.name, exc) from exc
        log.exception("plugin %s failed in hook %s", plugin, self.name)
        results.failed[plugin] = exc

    def _refuse_awaitable(self, plugin: str, value: Any) -> Any:
        if inspect.isawaitable(value):
            if inspect.iscoroutine(value):
                value.close()
            raise TypeError(f"hook '{self.name}' is synchronous; plugin '{plugin}' returned an awaitable")
        return value

    def _finish_sync(self, names: list[str], kwargs: dict[str, Any]) -> Any:
        if self.firstresult:
            return self._refuse_awaitable(",".join(names), self._subset(names)(**kwargs))
        results = HookResults()
        for name in names:
            try:
                answers = self._subset([name])(**kwargs)
                results[name] = self._refuse_awaitable(name, answers[0] if answers else None)
            except Exception as exc:
                self._fail(results, name, exc)
        return results

    async def _call_async(self, quartier: int | None, plugins: Iterable[str] | None, kwargs: dict[str, Any]) -> Any:
        names = self._names(await self.enabled_implementers(quartier), plugins)
        if self.firstresult:
            value = self._subset(names)(**kwargs)
            return await value if inspect.isawaitable(value) else value
        results = HookResults()
        for name in names:
            try:
                answers = self._subset([name])(**kwargs)
                value = answers[0] if answers else None
                results[name] = await value if inspect.isawaitable(value) else value
            except Exception as exc:
                self._fail(results, name, exc)
        return results


class Hooks:
    """``deployment.hooks``: every hook of the deployment, as ``HookCall`` attributes."""

    def __init__(self, pm: pluggy.PluginManager, order: list[str]) -> None:
        self._pm = pm
        self._order = order
        self._calls: dict[str, HookCall] = {}

    def __getattr__(self, name: str) -> HookCall:
        if name.startswith("_"):
            raise AttributeError(name)
        call = self._calls.get(name)
        if call is None:
            if not hasattr(self._pm.hook, name):
                raise AttributeError(f"no hook named '{name}' (is the plugin that declares it loaded?)")
            call = self._calls[name] = HookCall(self._pm, name, self._order)
        return call
