"""The ``quartier`` command line, run as the operator runs it: the installed console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.sample_plugins import HERE as SAMPLES_DIR

QUARTIER = str(Path(sys.executable).parent / "quartier")


@pytest.fixture
def operator(tmp_path, database_url, sample_plugins):
    """Run ``quartier`` in a fresh folder with a config for the database under test."""
    config = tmp_path / "config" / "quartier.toml"
    config.parent.mkdir()
    config.write_text(f'plugins = ["greeter"]\ndatabase_url = "{database_url}"\nsecret_key = "cli-test-secret"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(sample_plugins), str(SAMPLES_DIR)])

    def run(*args: str, extra_env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [QUARTIER, *args], cwd=tmp_path, env={**env, **(extra_env or {})}, capture_output=True, text=True, timeout=120
        )
        if check and result.returncode != 0:
            pytest.fail(f"quartier {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    run.config = config  # type: ignore[attr-defined]
    return run


def test_help_lists_core_and_plugin_commands(operator):
    out = operator("--help").stdout
    for command in ("run", "serve", "db", "plugins", "users", "demo", "quartiere", "greet"):
        assert f"  {command} " in out


def test_plugins_lists_loaded_and_available_with_version_source_and_hooks(operator):
    out = operator("plugins").stdout
    greeter_line = next(line for line in out.splitlines() if line.startswith("greeter "))
    assert "1.2.3" in greeter_line and "loaded" in greeter_line and "package quartier-greeter" in greeter_line
    assert "hooks:" in out and "register_routes" in out and "on_domain_event" in out
    quiet_line = next(line for line in out.splitlines() if line.startswith("quiet "))
    assert "available" in quiet_line


def test_broken_config_stops_with_one_sentence(operator):
    operator.config.write_text('plugins = ["greeter", "registraton"]\n', encoding="utf-8")
    result = operator("db", "migrate", check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown plugin 'registraton'" in lines[0] and "quartier.toml" in lines[0]

    operator.config.write_text('plugins = ["greeter"]\n[greeter]\nrepeat = "oft"\n', encoding="utf-8")
    result = operator("plugins", check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'greeter.repeat'" in result.stderr


def test_environment_variable_overrides_config(operator, tmp_path):
    result = operator("plugins", extra_env={"QUARTIER_PLUGINS": "quiet"})
    assert next(line for line in result.stdout.splitlines() if line.startswith("quiet ")).split()[2] == "loaded"


def test_db_migrate_is_idempotent(operator):
    first = operator("db", "migrate").stdout
    assert "core: applied" in first and "greeter: applied" in first
    second = operator("db", "migrate").stdout
    assert second.splitlines() == ["core: up to date", "greeter: up to date"]


def test_demo_loads_once_and_users_can_be_created(operator):
    assert "Demo loaded" in operator("demo").stdout
    assert "Demo loaded" in operator("demo").stdout
    out = operator("quartiere", "list").stdout
    assert out.count("gifhorn") == 1 and "on: greeter" in out

    operator("quartiere", "plugin", "gifhorn", "greeter", "--off")
    assert "off: greeter" in operator("quartiere", "list").stdout

    created = operator("users", "create", "--email", "U.Buka@Example.org", "--name", "Ulrike Buka", "--role", "staff",
                       "--quartier", "gifhorn", extra_env={"QUARTIER_NEW_PASSWORD": "ein-langes-passwort"})
    assert "Created staff account u.buka@example.org" in created.stdout
    again = operator("users", "create", "--email", "u.buka@example.org", "--name", "X",
                     extra_env={"QUARTIER_NEW_PASSWORD": "ein-langes-passwort"}, check=False)
    assert again.returncode == 1 and "Es gibt schon ein Konto" in again.stderr
    short = operator("users", "create", "--email", "neu@example.org", "--name", "X",
                     extra_env={"QUARTIER_NEW_PASSWORD": "kurz"}, check=False)
    assert short.returncode == 1 and "mindestens 10 Zeichen" in short.stderr

    token = operator("users", "token", "--email", "u.buka@example.org", "--name", "Tabellen").stdout.strip()
    assert token.startswith("qt_") and len(token) > 40
    assert operator("users", "revoke-tokens", "--email", "u.buka@example.org").stdout == "Revoked 1 token(s).\n"
    missing = operator("users", "token", "--email", "niemand@example.org", "--name", "x", check=False)
    assert missing.returncode == 1 and "Es gibt kein Konto" in missing.stderr


async def test_demo_event_is_in_the_future_and_complete(make_deployment):
    from datetime import date, datetime, timezone

    from core.demo.loader import demo_date, load_demo
    from core.events.service import public_event

    deployment = await make_deployment()
    event = await load_demo(deployment)
    assert event.starts_at > datetime.now(timezone.utc)
    detail = await public_event(event.id)
    assert detail.quartier.contact_phone == "(05371) 82562"
    assert detail.venue.name == "Treff-PUNKT 53"
    assert [(o.name, role) for o, role in detail.organisations] == [
        ("Landkreis Gifhorn – Quartiersmanagement", "organiser"),
        ("Gifhorner Wohnungsbau-Genossenschaft eG (GWG)", "partner"),
    ]
    assert "Was verstehe ich unter guter Nachbarschaft?" in detail.event.description
    assert demo_date(date(2026, 11, 24)) == date(2026, 12, 28)
    # Loaded again after the date passed, the event moves to the future instead of doubling.
    moved = await load_demo(deployment, today=detail.event.starts_at.date() + __import__("datetime").timedelta(days=1))
    assert moved.id == event.id and moved.starts_at > event.starts_at


def test_serve_runs_several_workers_that_answer(operator):
    import socket
    import time
    import urllib.request

    operator("demo")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(operator.config).parents[1] / "site-packages"), str(SAMPLES_DIR)])
    server = subprocess.Popen(
        [QUARTIER, "serve", "--port", str(port), "--workers", "2"], cwd=operator.config.parents[1], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/quartiere/gifhorn/events", timeout=2) as response:
                    body = response.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    pytest.fail(f"quartier serve did not answer:\n{server.communicate()[0]}")
                time.sleep(0.2)
        assert "Netzwerktreff" in body
    finally:
        server.terminate()
        server.communicate(timeout=20)


async def test_sqlite_database_runs_in_wal_mode(tmp_path):
    import sqlite3

    from core.config import Settings
    from core.deployment import Deployment

    path = tmp_path / "wal.sqlite"
    await Deployment(Settings(database_url=f"sqlite:///{path}")).migrate()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
