"""Every core hook has a docstring, a heading in docs/plugins.md and a test in tests/core/test_hooks.py.

The heading is ``### `NAME(SIGNATURE)` `` with the signature exactly as
``NAME + str(inspect.signature(spec))`` prints it. test_hooks.py is parsed,
not imported, so a broken or missing hook test is reported here by name.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any, Callable

import pytest

from core import hookspecs

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DOCS = ROOT / "docs" / "plugins.md"
HOOK_TESTS = ROOT / "tests" / "core" / "test_hooks.py"
SPEC_MARK = "quartier_spec"  # pluggy sets "<project_name>_spec" on hookspec functions
HOOK_HEADING = re.compile(r"^### `([A-Za-z_][A-Za-z0-9_]*)\(")


def core_hookspecs() -> dict[str, Callable[..., Any]]:
    """Every function in core.hookspecs marked by ``@hookspec``, by name."""
    return {
        name: function
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if getattr(function, SPEC_MARK, None) is not None
    }


HOOKS = core_hookspecs()
HOOK_NAMES = sorted(HOOKS)


def expected_heading(name: str) -> str:
    return f"### `{name}{inspect.signature(HOOKS[name])}`"


def hooks_section() -> list[str]:
    """The lines of the ``## Hooks`` section of docs/plugins.md, up to the next level-2 heading."""
    assert PLUGIN_DOCS.is_file(), "docs/plugins.md does not exist"
    lines = [line.rstrip() for line in PLUGIN_DOCS.read_text(encoding="utf-8").splitlines()]
    assert "## Hooks" in lines, "docs/plugins.md has no '## Hooks' section"
    start = lines.index("## Hooks") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def hook_test_names() -> set[str]:
    """Names of the top-level ``test_hook_*`` functions in tests/core/test_hooks.py."""
    tree = ast.parse(HOOK_TESTS.read_text(encoding="utf-8"), filename=str(HOOK_TESTS))
    return {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_hook_")
    }


def test_hookspecs_are_found():
    assert SPEC_MARK == f"{hookspecs.hookspec.project_name}_spec"
    # The core's lifecycle hooks are always there; an empty list would make every check below vacuous.
    assert {"plugin_settings", "register_routes", "on_domain_event"} <= set(HOOKS)


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hookspec_has_a_docstring(name):
    doc = inspect.getdoc(HOOKS[name])
    assert doc and doc.strip(), f"hook {name} in core/hookspecs.py has no docstring"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hook_is_documented_under_its_signature(name):
    heading = expected_heading(name)
    section = hooks_section()
    assert heading in section, f"docs/plugins.md, section '## Hooks', lacks the heading line: {heading}"
    assert section.count(heading) == 1, f"docs/plugins.md documents {name} more than once"


def test_docs_document_no_hook_that_does_not_exist():
    documented = [match.group(1) for line in hooks_section() if (match := HOOK_HEADING.match(line))]
    unknown = sorted(set(documented) - set(HOOKS))
    assert not unknown, f"docs/plugins.md documents hooks that core/hookspecs.py no longer has: {unknown}"
    repeated = sorted({name for name in documented if documented.count(name) > 1})
    assert not repeated, f"docs/plugins.md has more than one heading for: {repeated}"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hook_has_a_test(name):
    assert HOOK_TESTS.is_file(), f"tests/core/test_hooks.py does not exist, so hook {name} has no test_hook_{name}"
    assert f"test_hook_{name}" in hook_test_names(), (
        f"tests/core/test_hooks.py has no top-level test function test_hook_{name}"
    )


PLUGIN_MODULES = sorted(ROOT.glob("plugins/*/plugin.py")) + sorted(ROOT.glob("examples/*/*/plugin.py"))


@pytest.mark.parametrize("path", PLUGIN_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_plugin_function_named_like_a_hook_is_marked_as_its_implementation(path: Path) -> None:
    """Without ``@hookimpl`` pluggy never calls it, and nothing says so."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    unmarked = [
        node.name for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in HOOKS
        and not any("hookimpl" in ast.unparse(decorator) for decorator in node.decorator_list)
    ]
    assert unmarked == []
