"""The hook runner (core/hooks.py): the policy declared with each hookspec decides how a hook is called."""

from __future__ import annotations

import ast
import inspect
import logging
from pathlib import Path

import pluggy
import pytest

from core import hookspecs
from core.hooks import POLICY_ATTR, HookFailed, HookPolicy, Hooks, HookspecMarker
from core.quartiere.service import set_plugin_enabled
from core.testing.fixtures import deliver_pending_events
from tests.core.factories import make_event, make_quartier

ROOT = Path(__file__).resolve().parents[2]
spec = HookspecMarker("quartier")
impl = pluggy.HookimplMarker("quartier")


class Specs:
    @spec
    def loud(self, value: int) -> int:
        """Fails loudly."""

    @spec(isolated=True)
    def quiet(self, value: int) -> int:
        """Isolated."""

    @spec(firstresult=True)
    def first(self) -> str:
        """pluggy's firstresult."""

    @spec(awaitable=True, isolated=True, per_quartier=True)
    async def scoped(self) -> str:
        """Per Quartier."""


class Good:
    @impl
    def loud(self, value):
        return value + 1

    @impl
    def quiet(self, value):
        return value * 2

    @impl
    def first(self):
        return None  # pluggy goes on to the next plugin

    @impl
    async def scoped(self):
        return "good"


class Bad:
    @impl
    def loud(self, value):
        raise ValueError("kaputt")

    @impl
    def quiet(self, value):
        raise ValueError("kaputt")

    @impl
    def first(self):
        return "bad"


def runner(*plugins: tuple[str, object]) -> Hooks:
    pm = pluggy.PluginManager("quartier")
    pm.add_hookspecs(Specs)
    for name, plugin in plugins:
        pm.register(plugin, name=name)
    return Hooks(pm, [name for name, _ in plugins])


def test_every_core_hook_declares_its_policy():
    specs = {name: fn for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "quartier_spec")}
    assert specs and all(isinstance(getattr(fn, POLICY_ATTR, None), HookPolicy) for fn in specs.values())
    assert getattr(specs["on_domain_event"], POLICY_ATTR) == HookPolicy(isolated=True, per_quartier=True, awaitable=True)
    assert getattr(specs["register_routes"], POLICY_ATTR) == HookPolicy()


def test_results_by_plugin_in_the_listed_order():
    hooks = runner(("b", Good()), ("a", Good()))
    assert list(hooks.loud(value=1).items()) == [("b", 2), ("a", 2)]


def test_a_loud_hook_names_the_failing_plugin():
    hooks = runner(("good", Good()), ("bad", Bad()))
    with pytest.raises(HookFailed, match=r"^Plugin 'bad' failed in hook 'loud': ValueError: kaputt\.$"):
        hooks.loud(value=1)


def test_an_isolated_hook_logs_and_goes_on(caplog):
    hooks = runner(("bad", Bad()), ("good", Good()))
    with caplog.at_level(logging.ERROR, logger="core.hooks"):
        results = hooks.quiet(value=3)
    assert dict(results) == {"good": 6}
    assert list(results.failed) == ["bad"] and isinstance(results.failed["bad"], ValueError)
    assert "plugin bad failed in hook quiet" in caplog.text


def test_firstresult_means_what_pluggy_means():
    # pluggy calls the last registered plugin first and stops at the first non-None answer.
    assert runner(("bad", Bad()), ("good", Good())).first() == "bad"
    assert runner(("good", Good())).first() is None


def test_plugins_limits_the_call():
    hooks = runner(("a", Good()), ("b", Good()))
    assert list(hooks.loud(value=0, plugins=["b"])) == ["b"]


def test_quartier_is_required_exactly_where_declared():
    hooks = runner(("good", Good()))
    with pytest.raises(TypeError, match="'scoped' is called per Quartier"):
        hooks.scoped()
    with pytest.raises(TypeError, match="'loud' is not filtered per Quartier"):
        hooks.loud(value=1, quartier=1)


async def test_a_synchronous_hook_refuses_an_awaitable():
    class Async:
        @impl
        async def loud(self, value):
            return value

    with pytest.raises(HookFailed, match="'loud' is synchronous; plugin 'async' returned an awaitable"):
        runner(("async", Async())).loud(value=1)


async def test_a_per_quartier_hook_skips_plugins_switched_off(make_deployment):
    await make_deployment([])
    nord, sued = await make_quartier("nordstadt"), await make_quartier("suedstadt")
    await set_plugin_enabled(nord.id, "good", False)
    hooks = runner(("good", Good()))
    assert dict(await hooks.scoped(quartier=nord.id)) == {}
    assert dict(await hooks.scoped(quartier=sued.id)) == {"good": "good"}
    assert dict(await hooks.scoped(quartier=None)) == {"good": "good"}


async def test_domain_events_reach_only_plugins_switched_on(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord, sued = await make_quartier("nordstadt"), await make_quartier("suedstadt")
        await set_plugin_enabled(nord.id, "greeter", False)
        await make_event(nord, "treff")
        await make_event(sued, "treff")
        await deliver_pending_events()
        received = (await client.get("/api/greeter/received")).json()
        assert [row["quartier_id"] for row in received] == [sued.id]


async def test_demo_loading_skips_a_plugin_switched_off(make_deployment, sample_plugins):
    from core.demo.loader import load_demo
    from quartier_greeter.plugin import calls

    deployment = await make_deployment(["greeter"])
    event = await load_demo(deployment)
    calls.clear()
    await set_plugin_enabled(event.quartier, "greeter", False)
    await load_demo(deployment)
    assert calls == []


def test_hooks_are_called_only_through_the_runner():
    """No code calls pluggy's hook callers or a hook implementation directly."""
    offenders = []
    for folder in ("core", "plugins", "examples", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "core" / "hooks.py" or ".venv" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in ("hook", "get_hookimpls", "subset_hook_caller") \
                        and isinstance(node.value, (ast.Attribute, ast.Name)) and getattr(node.value, "attr", getattr(node.value, "id", "")) == "pm":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"hooks called around the runner (use deployment.hooks.<name>): {offenders}"
