"""The notifications plugin's own hook is documented under its signature and has a test."""

import ast
import inspect
from pathlib import Path

from plugins.notifications.hookspecs import NotificationSpecs

ROOT = Path(__file__).resolve().parents[3]


def hooks():
    return [f for _name, f in inspect.getmembers(NotificationSpecs, inspect.isfunction) if hasattr(f, "quartier_spec")]


def test_every_hook_of_the_plugin_is_documented_and_tested():
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = docs.split("## Hooks of the built-in plugins", 1)[1]
    tests = {node.name for path in Path(__file__).parent.glob("test_*.py")
             for node in ast.parse(path.read_text()).body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    assert hooks()
    for hook in hooks():
        assert hook.__doc__ and hook.__doc__.strip()
        assert f"### `{hook.__name__}{inspect.signature(hook)}`" in section
        assert f"test_hook_{hook.__name__}" in tests
