"""The plugin guide (docs/plugins.md) lists every export of core.plugin_api and every helper of the test kit,
and its test-kit example runs."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import core.plugin_api
import core.testing.fixtures

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "plugins.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = GUIDE.index(title)
    end = GUIDE.find("\n## ", start + 1)
    return GUIDE[start:end]


def test_every_export_of_the_plugin_api_has_a_line_in_the_reference():
    reference = _section("### Everything `core.plugin_api` exports")
    missing = [name for name in core.plugin_api.__all__ if f"`{name}`" not in reference]
    assert missing == []


def test_every_helper_and_fixture_of_the_test_kit_is_documented():
    testing = _section("## Testing")
    public = [name for name, obj in vars(core.testing.fixtures).items()
              if not name.startswith("_") and getattr(obj, "__module__", None) == core.testing.fixtures.__name__
              and (inspect.isfunction(obj) or hasattr(obj, "_pytestfixturefunction") or hasattr(obj, "_fixture_function"))]
    assert len(public) > 15, public  # the kit is found at all
    missing = [name for name in public if not re.search(rf"\b{name}\b", testing)]
    assert missing == []


async def test_the_staff_client_example_runs(make_staff_client, sample_plugins):
    block = re.search(r"```python\n((?:(?!```).)*?def test_staff_adds_a_greeting.*?)```", _section("## Testing"), re.S)
    assert block, "the staff client example is in the guide"
    namespace: dict = {}
    exec(compile(block.group(1), "docs/plugins.md", "exec"), namespace)
    await namespace["test_staff_adds_a_greeting"](make_staff_client)


def test_the_public_form_example_is_the_example_plugins_code():
    block = re.search(r"```python\n(.*?)```", _section("## A public form"), re.S)
    routes = Path(__file__).resolve().parents[2] / "examples" / "quartier-hilfsangebote" / "quartier_hilfsangebote" / "routes.py"
    assert block and block.group(1).strip() in routes.read_text(encoding="utf-8")
