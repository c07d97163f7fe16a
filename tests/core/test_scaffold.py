"""``quartier plugins new NAME``: the skeleton of a plugin package, and that it works once installed.

The slow test installs a freshly generated plugin into this venv with pip
(editable, offline), runs ``quartier plugins`` / ``db makemigrations`` /
``db migrate`` against it and the plugin's own tests, and uninstalls it again.
"""

from __future__ import annotations

import ast
import datetime
import importlib.metadata
import os
import random
import sqlite3
import string
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core.scaffold import FILES, ScaffoldError, check_name, create_plugin
from tests.core.test_plugin_surface import core_violations

QUARTIER = str(Path(sys.executable).parent / "quartier")
SCAFFOLD_PREFIX = "scaffoldtest"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    return {**env, **extra}


def quartier(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([QUARTIER, *args], cwd=cwd, env=env or clean_env(), capture_output=True, text=True, timeout=120)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args],
        env=clean_env(), capture_output=True, text=True, timeout=300,
    )


def unique_name() -> str:
    return SCAFFOLD_PREFIX + "".join(random.choices(string.ascii_lowercase, k=8))


# -- the skeleton (fast) -------------------------------------------------------------------
def test_skeleton_has_every_file_and_imports_the_core_only_through_plugin_api(tmp_path):
    moment = datetime.datetime(2026, 11, 24, 20, 35, 44, 396001)
    target = create_plugin("nachbarn", tmp_path, now=moment)
    assert target == tmp_path / "quartier-nachbarn"

    package = target / "quartier_nachbarn"
    for path in [
        "pyproject.toml", "README.md", "conftest.py", "tests/test_nachbarn.py",
        "quartier_nachbarn/__init__.py", "quartier_nachbarn/plugin.py", "quartier_nachbarn/tables.py",
        "quartier_nachbarn/piccolo_app.py", "quartier_nachbarn/service.py", "quartier_nachbarn/routes.py",
        "quartier_nachbarn/migrations/__init__.py",
        "quartier_nachbarn/migrations/nachbarn_2026_11_24t20_35_44_396001.py",
        "quartier_nachbarn/templates/nachbarn/page.html",
        "quartier_nachbarn/locale/en/LC_MESSAGES/messages.po", "babel.cfg", "tests/test_i18n.py",
    ]:
        assert (target / path).is_file(), path
    assert len([p for p in target.rglob("*") if p.is_file()]) == len(FILES)

    meta = tomllib.loads((target / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["name"] == "quartier-nachbarn"
    assert meta["project"]["dependencies"] == ["quartier"]
    assert meta["project"]["entry-points"]["quartier"] == {"nachbarn": "quartier_nachbarn.plugin"}
    assert "locale/**/*" in meta["tool"]["setuptools"]["package-data"]["quartier_nachbarn"]

    migration = (package / "migrations" / "nachbarn_2026_11_24t20_35_44_396001.py").read_text(encoding="utf-8")
    assert 'ID = "2026-11-24T20:35:44:396001"' in migration and 'app_name="nachbarn"' in migration
    assert 'tablename="nachbarn_entries"' in migration and "OnDelete.cascade" in migration
    assert "on_delete=OnDelete.cascade" in (package / "tables.py").read_text(encoding="utf-8")
    assert '{% extends "core/base.html" %}' in (package / "templates" / "nachbarn" / "page.html").read_text(encoding="utf-8")
    assert '@get("/{quartier:str}/nachbarn"' in (package / "routes.py").read_text(encoding="utf-8")

    for path in target.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert "${" not in text, f"{path}: a placeholder was not filled in"
            if path.suffix == ".py":
                ast.parse(text, filename=str(path))
                kit = "core.testing." if path.parent.name == "tests" else "core.plugin_api."  # tests use the test kit
                violations = [(line, module) for line, module in core_violations(text) if not module.startswith(kit)]
                assert violations == [], f"{path} imports the core beyond core.plugin_api"


def test_generated_translation_test_passes_as_written_and_names_a_text_without_english(tmp_path):
    """The skeleton's tests/test_i18n.py runs without installing the plugin (it reads babel.cfg)."""
    target = create_plugin("nachbarn", tmp_path)

    def run_i18n_test() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pytest", "tests/test_i18n.py", "-q", "-p", "no:cacheprovider"],
                              cwd=target, env=clean_env(), capture_output=True, text=True, timeout=120)

    passed = run_i18n_test()
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-3000:]
    assert "1 passed" in passed.stdout  # one check per language folder: en

    page = target / "quartier_nachbarn" / "templates" / "nachbarn" / "page.html"
    html = page.read_text(encoding="utf-8")
    cut = html.rindex("{% endblock %}")
    page.write_text(html[:cut] + '<p>{{ _("Neu im Quartier") }}</p>\n' + html[cut:], encoding="utf-8")
    failed = run_i18n_test()
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr[-3000:]
    assert "1 failed" in failed.stdout and "'Neu im Quartier'" in failed.stdout and "[en]" in failed.stdout


@pytest.mark.parametrize("name", ["Hilfe", "9leben", "mein-plugin", "_intern", "hilfe angebote", "", "core", "class",
                                  "a" * 41, "straße"])
def test_invalid_names_are_refused_in_one_sentence(name):
    with pytest.raises(ScaffoldError) as caught:
        check_name(name)
    message = str(caught.value)
    assert message.endswith(".") and message.count(". ") == 0 and "\n" not in message


@pytest.mark.parametrize("name", ["hilfe", "hilfe_angebote", "h2o", "x"])
def test_valid_names_are_accepted(name):
    check_name(name)


# -- the command, as the operator runs it --------------------------------------------------
def test_plugins_new_writes_the_package_and_says_what_to_do_next(tmp_path):
    out = ok(quartier("plugins", "new", "nachbarn", "--directory", "src", cwd=tmp_path))
    target = tmp_path / "src" / "quartier-nachbarn"
    assert (target / "quartier_nachbarn" / "plugin.py").is_file()
    assert f"pip install -e {Path('src') / 'quartier-nachbarn'}" in out
    # Without --directory: into the current directory.
    ok(quartier("plugins", "new", "nachbarn", cwd=tmp_path))
    assert (tmp_path / "quartier-nachbarn" / "pyproject.toml").is_file()


def test_plugins_without_subcommand_still_lists_and_help_shows_new(tmp_path):
    out = ok(quartier("plugins", cwd=tmp_path))
    assert any(line.startswith("registration ") and "built-in" in line for line in out.splitlines())
    assert "  new " in ok(quartier("plugins", "--help", cwd=tmp_path))


@pytest.mark.parametrize("case", ["bad name", "existing folder", "built-in plugin", "installed plugin"])
def test_plugins_new_refuses_with_one_sentence_and_exit_code_1(case, tmp_path, sample_plugins):
    env = clean_env(PYTHONPATH=str(sample_plugins))  # the sample packages, e.g. quartier-greeter (plugin "greeter")
    name, expected = {
        "bad name": ("Hilfe-Angebote", "'Hilfe-Angebote' is not a valid plugin name"),
        "existing folder": ("nachbarn", "quartier-nachbarn already exists"),
        "built-in plugin": ("registration", "already a plugin named 'registration' (built-in)"),
        "installed plugin": ("greeter", "already a plugin named 'greeter' (package quartier-greeter)"),
    }[case]
    if case == "existing folder":
        (tmp_path / "quartier-nachbarn").mkdir()
        (tmp_path / "quartier-nachbarn" / "mine.txt").write_text("keep me", encoding="utf-8")
    result = quartier("plugins", "new", name, cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("Error: ") and expected in lines[0]
    if case == "existing folder":
        assert [p.name for p in (tmp_path / "quartier-nachbarn").iterdir()] == ["mine.txt"]
    else:
        assert not list(tmp_path.glob("quartier-*"))


def test_plugins_new_works_with_a_broken_deployment_config(tmp_path):
    config = tmp_path / "config" / "quartier.toml"
    config.parent.mkdir()
    config.write_text('plugins = ["not_installed"]\n', encoding="utf-8")
    result = quartier("plugins", "new", "nachbarn", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "quartier-nachbarn" / "pyproject.toml").is_file()


# -- installed: listed, migrated, its own tests pass (slow) --------------------------------
def _remove_leftovers() -> None:
    """Uninstall scaffold test packages that an interrupted earlier run left in the venv."""
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"] or ""
        if name.startswith(f"quartier-{SCAFFOLD_PREFIX}"):
            pip("uninstall", "-y", name)


def test_slow_generated_plugin_installs_lists_migrates_and_passes_its_own_tests(tmp_path):
    """SLOW (about 10-20 s): pip-installs a generated plugin into this venv, then uninstalls it.

    Needs an offline editable install: setuptools>=64 with bdist_wheel (the
    ``wheel`` package, or setuptools>=70.1) in the venv.
    """
    _remove_leftovers()
    name = unique_name()
    dist = f"quartier-{name}"
    ok(quartier("plugins", "new", name, "--directory", "src", cwd=tmp_path))
    target = tmp_path / "src" / dist
    try:
        installed = pip("install", "--no-deps", "--no-build-isolation", "--no-index", "-e", str(target))
        assert installed.returncode == 0, (
            f"pip could not install the generated plugin offline ({installed.returncode}); the venv needs "
            f"setuptools>=64 and wheel (or setuptools>=70.1):\n{installed.stdout[-3000:]}\n{installed.stderr[-3000:]}"
        )

        (tmp_path / "config").mkdir()
        (tmp_path / "config" / "quartier.toml").write_text(
            f'plugins = ["{name}"]\ndatabase_url = "sqlite:///{tmp_path}/quartier.sqlite"\nsecret_key = "scaffold-test"\n',
            encoding="utf-8",
        )

        # (a) listed as loaded, from its package, with its hooks
        listing = ok(quartier("plugins", cwd=tmp_path)).splitlines()
        index, line = next((i, line) for i, line in enumerate(listing) if line.startswith(f"{name} "))
        assert line.split()[1:3] == ["0.1.0", "loaded"] and line.endswith(f"package {dist}"), line
        assert listing[index + 1].split("hooks: ")[1] == (
            "plugin_settings, register_locales, register_routes, register_tables, register_templates"
        )

        # The hand-rendered first migration is what Piccolo would write for tables.py ...
        assert ok(quartier("db", "makemigrations", name, cwd=tmp_path)).strip() == f"{name}: no changes."
        # (b) ... and creates the table.
        migrated = ok(quartier("db", "migrate", cwd=tmp_path))
        assert f"{name}: applied " in migrated
        with sqlite3.connect(tmp_path / "quartier.sqlite") as conn:
            columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{name}_entries")')]
        assert columns == ["id", "quartier", "title", "text", "shown", "created_at"]
        assert ok(quartier("db", "migrate", cwd=tmp_path)).splitlines()[-1] == f"{name}: up to date"

        # (c) the plugin's own tests pass
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", str(target / "tests"), "-p", "core.testing.fixtures", "-q",
             "-p", "no:cacheprovider"],
            cwd=tmp_path, env=clean_env(QUARTIER_TEST_DATABASES="sqlite"), capture_output=True, text=True, timeout=300,
        )
        assert tests.returncode == 0, f"the generated tests failed:\n{tests.stdout[-5000:]}\n{tests.stderr[-3000:]}"
        assert "4 passed" in tests.stdout  # one catalog check per language folder (en)
    finally:
        removed = pip("uninstall", "-y", dist)
        assert removed.returncode == 0, removed.stdout + removed.stderr
    assert dist not in {d.metadata["Name"] for d in importlib.metadata.distributions()}
