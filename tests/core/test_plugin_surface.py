"""The plugin surface: plugins import the core only through ``core.plugin_api``, and never each other.

Checked statically with ``ast`` over the built-in plugins (``plugins/``) and the
example packages (``examples/*/``); their tests (``tests/`` folders and
``conftest.py``) may use the rest of the core, e.g. ``core.testing``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import core.plugin_api

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "plugins"
EXAMPLES = ROOT / "examples"
ALLOWED_CORE = "core.plugin_api"
IMPORT_FUNCTIONS = {"import_module", "__import__"}  # importlib.import_module("core.x"), __import__("core.x")


def plugin_sources() -> list[Path]:
    """Every .py file of the built-in plugins and of the examples, without their tests."""
    files = sorted(PLUGINS.rglob("*.py"))
    files += sorted(path for example in sorted(EXAMPLES.glob("*/")) if example.is_dir() for path in example.rglob("*.py"))
    return [
        path for path in files
        if "tests" not in path.relative_to(ROOT).parts and path.name != "conftest.py"
        and not any(part.startswith(".") or part in ("build", "__pycache__") for part in path.relative_to(ROOT).parts)
    ]


def imported_modules(source: str, package: str = "") -> list[tuple[int, str]]:
    """(line, module) for every import in ``source``, also inside functions.

    ``from a import b`` yields ``a.b`` (``b`` may be a module). Relative imports
    are resolved against ``package``, the dotted package the file is in.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level - 1 <= len(parts) else []
                base = ".".join([*parts, *([node.module] if node.module else [])])
            found += [(node.lineno, f"{base}.{alias.name}" if base else alias.name) for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in IMPORT_FUNCTIONS:
                found.append((node.lineno, node.args[0].value))
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def core_violations(source: str, package: str = "") -> list[tuple[int, str]]:
    """Imports of ``core`` or ``core.<x>`` other than ``core.plugin_api`` (and its names)."""
    return [(line, module) for line, module in imported_modules(source, package)
            if _within(module, "core") and not _within(module, ALLOWED_CORE)]


def package_of(path: Path) -> str:
    """The dotted package a file is in: ``plugins.registration`` or, in an example, ``quartier_x``."""
    folder = path.parent.relative_to(ROOT)
    parts = folder.parts[2:] if folder.parts[:1] == ("examples",) else folder.parts
    return ".".join(parts)


def plugin_of(path: Path) -> str | None:
    """The built-in plugin a file belongs to (``plugins/<name>/...``), or None."""
    parts = path.relative_to(ROOT).parts
    return parts[1] if len(parts) > 2 and parts[0] == "plugins" else None


def cross_plugin_violations(source: str, own: str | None, package: str = "") -> list[tuple[int, str]]:
    """Imports of a built-in plugin other than ``own`` (an example has none of its own)."""
    bad = []
    for line, module in imported_modules(source, package):
        parts = module.split(".")
        if parts[0] != "plugins":
            continue
        if len(parts) == 1 or parts[1] != own:  # "import plugins" or another plugin's package
            bad.append((line, module))
    return bad


def _report(offences: list[str], rule: str) -> str:
    return f"{len(offences)} import(s) break the rule '{rule}' (docs/plugins.md, Rules):\n" + "\n".join(offences)


# -- the checker itself ------------------------------------------------------------------
def test_checker_finds_every_kind_of_core_import():
    source = (
        "import core\n"
        "import core.db\n"
        "from core import plugin_api, config\n"
        "from core.web.rendering import page\n"
        "from core.plugin_api import hookimpl\n"
        "import core.plugin_api as api\n"
        "from . import service\n"
        "import corelib\n"
        "def later():\n"
        "    from core.deployment import current\n"
        "    importlib.import_module('core.quartiere.service')\n"
    )
    assert core_violations(source) == [
        (1, "core"), (2, "core.db"), (3, "core.config"), (4, "core.web.rendering.page"),
        (10, "core.deployment.current"), (11, "core.quartiere.service"),
    ]


def test_checker_finds_imports_of_other_plugins():
    source = (
        "from plugins.registration import service\n"
        "from plugins.notifications.tables import Message\n"
        "from plugins import exhibition\n"
        "import plugins\n"
    )
    assert cross_plugin_violations(source, own="registration") == [
        (2, "plugins.notifications.tables.Message"), (3, "plugins.exhibition"), (4, "plugins"),
    ]
    assert len(cross_plugin_violations(source, own=None)) == 4

    relative = "from . import service\nfrom .tables import Form\nfrom .. import notifications\nfrom ..exhibition.tables import Work\n"
    assert cross_plugin_violations(relative, own="registration", package="plugins.registration") == [
        (3, "plugins.notifications"), (4, "plugins.exhibition.tables.Work"),
    ]


def test_the_checked_files_include_every_built_in_plugin():
    files = plugin_sources()
    checked = {plugin_of(path) for path in files}
    packages = {path.parent.name for path in PLUGINS.glob("*/__init__.py")}
    assert packages and packages <= checked
    assert not any("tests" in path.parts[len(ROOT.parts):] for path in files)


# -- the rules ---------------------------------------------------------------------------
def test_plugins_and_examples_import_the_core_only_through_plugin_api():
    offences = []
    for path in plugin_sources():
        for line, module in core_violations(path.read_text(encoding="utf-8"), package_of(path)):
            offences.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
    assert not offences, _report(offences, f"import from the core only through {ALLOWED_CORE}")


def test_plugins_never_import_each_other():
    offences = []
    for path in plugin_sources():
        for line, module in cross_plugin_violations(path.read_text(encoding="utf-8"), plugin_of(path), package_of(path)):
            offences.append(f"{path.relative_to(ROOT)}:{line}: imports {module}")
    assert not offences, _report(offences, "plugins never import each other")


def test_every_name_in_plugin_api_all_exists():
    names = core.plugin_api.__all__
    missing = [name for name in names if not hasattr(core.plugin_api, name)]
    assert not missing, f"core.plugin_api.__all__ names what the module lacks: {', '.join(missing)}"
    assert len(names) == len(set(names)), "core.plugin_api.__all__ lists a name twice"
