"""``quartier plugins new NAME``: write the skeleton of a new plugin package.

The skeleton is a complete, installable package that follows docs/plugins.md:
an entry point in the group ``quartier``, settings, one table with its first
migration, a service, a public page, a JSON endpoint, a template, an English
catalog with the ``babel.cfg`` its translation test reads, and tests that use
the core's test kit. The files are rendered from ``templates/*.tmpl``
(``string.Template``: ``${name}`` and friends, so Jinja's braces in the page
template need no escaping).
"""

from __future__ import annotations

import datetime
import keyword
import re
import string
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
MAX_NAME_LENGTH = 40  # table names are "<name>_entries"; PostgreSQL cuts identifiers at 63 bytes
RESERVED = {"core"}  # the core's own Piccolo app

# template file -> path of the written file, below the package folder quartier-<name>/
FILES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "babel.cfg.tmpl": "babel.cfg",
    "README.md.tmpl": "README.md",
    "conftest.py.tmpl": "conftest.py",
    "package_init.py.tmpl": "{package}/__init__.py",
    "plugin.py.tmpl": "{package}/plugin.py",
    "tables.py.tmpl": "{package}/tables.py",
    "piccolo_app.py.tmpl": "{package}/piccolo_app.py",
    "migrations_init.py.tmpl": "{package}/migrations/__init__.py",
    "migration.py.tmpl": "{package}/migrations/{migration_file}.py",
    "service.py.tmpl": "{package}/service.py",
    "routes.py.tmpl": "{package}/routes.py",
    "page.html.tmpl": "{package}/templates/{name}/page.html",
    "messages.po.tmpl": "{package}/locale/en/LC_MESSAGES/messages.po",
    "test_plugin.py.tmpl": "tests/test_{name}.py",
    "test_i18n.py.tmpl": "tests/test_i18n.py",
}


class ScaffoldError(Exception):
    """A plugin skeleton cannot be written; the message is one sentence for the user."""


def check_name(name: str) -> None:
    """Raise ScaffoldError unless ``name`` can be the name of a new plugin."""
    if not NAME_PATTERN.fullmatch(name):
        raise ScaffoldError(
            f"'{name}' is not a valid plugin name: use lowercase letters, digits and underscores, starting with a letter."
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ScaffoldError(f"'{name}' is too long for a plugin name: use at most {MAX_NAME_LENGTH} characters.")
    if name in RESERVED or keyword.iskeyword(name):
        raise ScaffoldError(f"'{name}' is reserved and cannot be the name of a plugin.")
    from core.plugin_manager import available_plugins

    existing = available_plugins().get(name)
    if existing is not None:
        raise ScaffoldError(
            f"There is already a plugin named '{name}' ({existing.source}): choose another name."
        )


def migration_id(moment: datetime.datetime) -> tuple[str, str]:
    """Piccolo's migration ID for ``moment`` and the file name it would use (without .py)."""
    ident = moment.strftime("%Y-%m-%dT%H:%M:%S:%f")
    return ident, ident.replace(":", "_").replace("-", "_").lower()


def context(name: str, now: datetime.datetime | None = None) -> dict[str, str]:
    """The values the templates are rendered with."""
    from piccolo import __VERSION__ as piccolo_version

    ident, file_id = migration_id(now or datetime.datetime.now())
    words = name.split("_")
    return {
        "name": name,
        "NAME": name.upper(),
        "Class": "".join(word.capitalize() for word in words if word) or name.capitalize(),
        "title": " ".join(word for word in words if word).capitalize(),
        "package": f"quartier_{name}",
        "dist": f"quartier-{name}",
        "migration_id": ident,
        "migration_file": f"{name}_{file_id}",
        "piccolo_version": piccolo_version,
    }


def render(template: str, values: dict[str, str]) -> str:
    return string.Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)


def create_plugin(name: str, directory: str | Path = ".", now: datetime.datetime | None = None) -> Path:
    """Write the skeleton of plugin ``name`` to ``directory/quartier-<name>/`` and return that folder."""
    check_name(name)
    target = Path(directory) / f"quartier-{name}"
    if target.exists():
        raise ScaffoldError(f"{target} already exists: choose another name or directory, or remove it first.")
    values = context(name, now)
    rendered = {
        target / path.format(**values): render(template, values) for template, path in FILES.items()
    }  # everything rendered before anything is written: no half-written package on an error
    for path, text in rendered.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return target
