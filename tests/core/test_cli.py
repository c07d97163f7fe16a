"""The ``quartier`` command line, run as the operator runs it: the installed console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import SERVERS
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
    # Published event types with their fields, personal data marked.
    assert "event: greeter.greeting_sent (text, requester_email*)" in out
    assert "event: event.published (event)" in out
    assert "role: greeter-host (Grußdienst): Liest die Grüße der zugewiesenen Quartiere, sonst nichts." in out
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

    # the weekly Nachbarschaftscafé: the next eight Mondays, 14:00, one series; once, however often the demo loads
    from zoneinfo import ZoneInfo

    from core.events.tables import Event, EventSeries

    await load_demo(deployment)
    (series,) = await EventSeries.objects()
    cafes = await Event.objects().where(Event.series == series.id).order_by(Event.starts_at)
    starts = [e.starts_at.astimezone(ZoneInfo("Europe/Berlin")) for e in cafes]
    assert len(cafes) == 8 and {(s.weekday(), s.hour) for s in starts} == {(0, 14)} and starts[0].date() > date.today()
    assert {e.status for e in cafes} == {"published"} and {e.venue for e in cafes} == {detail.venue.id}


def start_serve(operator, *args: str, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """``quartier serve --port P ARGS`` after the demo, in the operator's folder; returns it once the events API answers."""
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
        [QUARTIER, "serve", "--port", str(port), *args], cwd=operator.config.parents[1], env={**env, **(extra_env or {})},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/quartiere/gifhorn/events", timeout=2) as response:
                assert "Netzwerktreff" in response.read().decode()
            return server, url
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"quartier serve did not answer:\n{server.communicate()[0]}")
            time.sleep(0.2)


def stop_serve(server: subprocess.Popen[str]) -> str:
    """SIGTERM, as a service manager stops it: every process ends cleanly; returns what it wrote."""
    import signal

    server.send_signal(signal.SIGTERM)
    try:
        output = server.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        server.kill()
        pytest.fail(f"quartier serve did not stop on SIGTERM:\n{server.communicate()[0]}")
    # uvicorn with one worker raises the signal again once it has shut down (the exit status shows what stopped it)
    assert server.returncode in (0, -signal.SIGTERM) and "Traceback" not in output, output
    return output


@pytest.mark.parametrize("server", SERVERS)
def test_serve_runs_several_workers_that_answer(operator, tmp_path, server):
    """Each server ``serve`` can run: two workers answer, they put their metrics into PROMETHEUS_MULTIPROC_DIR, a
    forwarded header from loopback does not change the client the app sees, and SIGTERM stops everything cleanly."""
    import urllib.request

    metrics = tmp_path / "metrics"
    metrics.mkdir()
    process, url = start_serve(operator, "--workers", "2", "--server", server,
                               extra_env={"PROMETHEUS_MULTIPROC_DIR": str(metrics)})
    try:
        # /metrics answers loopback (here: the peer, which is also the header's last entry); a server that believed
        # the header from loopback, as uvicorn does by default, would make this client 203.0.113.9 (404).
        forwarded = urllib.request.Request(f"{url}/metrics", headers={"X-Forwarded-For": "203.0.113.9, 127.0.0.1"})
        with urllib.request.urlopen(forwarded, timeout=10) as response:
            assert response.status == 200
        assert list(metrics.glob("*.db")), "the workers keep their request figures in PROMETHEUS_MULTIPROC_DIR"
    finally:
        output = stop_serve(process)
    assert "rror" not in output, output


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_serve_logs_json_lines(operator, server):
    """log_format = "json": the workers' request lines and the server's own lines are JSON; no access log."""
    import json

    process, url = start_serve(operator, "--workers", "1", "--server", server, extra_env={"QUARTIER_LOG_FORMAT": "json"})
    output = stop_serve(process)
    banner, *lines = output.strip().splitlines()
    assert banner.startswith("Quartier ") and f"{server})" in banner
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert any(r["logger"] == "quartier.requests" and r["route"] == "/api/quartiere/{quartier}/events" for r in records), lines


def test_the_workers_app_is_frozen_out_of_the_garbage_collector(tmp_path):
    """The factory ``serve`` runs in each worker leaves the start-up objects to no full collection (issue 18)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    env.update(QUARTIER_DATABASE_URL=f"sqlite:///{tmp_path}/q.sqlite", QUARTIER_SECRET_KEY="cli-test-secret")
    script = "import gc; from core.app import create_app_from_environment as f; f(); print(gc.get_freeze_count())"
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert int(out.stdout.split()[-1]) > 50_000, out.stdout


async def test_sqlite_database_runs_in_wal_mode(tmp_path):
    import sqlite3

    from core.config import Settings
    from core.plugin_manager import load_deployment

    path = tmp_path / "wal.sqlite"
    await load_deployment(Settings(database_url=f"sqlite:///{path}")).migrate()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- a database that is not there, not migrated or not reachable: one sentence, never a traceback ----------
PLUGINS_WITH_COMMANDS = "registration,notifications,exhibition"
NEEDS_TABLES = [  # every command that reads or writes the database, the plugins' included
    ["quartiere", "list"], ["quartiere", "plugin", "gifhorn", "registration", "--on"],
    ["users", "create", "--email", "neu@example.org", "--name", "Neu"], ["users", "token", "--email", "neu@example.org", "--name", "t"],
    ["users", "revoke-tokens", "--email", "neu@example.org"], ["worker", "--once"], ["notifications", "send"], ["registration", "purge"],
]
NEEDS_THE_DATABASE = [*NEEDS_TABLES, ["db", "migrate"], ["demo"], ["run"], ["serve"]]


def one_sentence_and_failure(capsys, argv: list[str]) -> str:
    """Run ``quartier ARGV`` in this process: it must exit non-zero with one line on stderr (an exception would fail the test)."""
    from core.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    assert exit_.value.code not in (0, None), (argv, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in err, (argv, err)
    return lines[0]


@pytest.fixture
def quartier_env(tmp_path, monkeypatch):
    """Environment for ``main()`` in this process: no config file, the built-in plugins with commands, no server started."""
    import uvicorn

    for name in [name for name in os.environ if name.startswith("QUARTIER_") and not name.startswith("QUARTIER_REQUIRE_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUARTIER_PLUGINS", PLUGINS_WITH_COMMANDS)
    monkeypatch.setenv("QUARTIER_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("QUARTIER_NEW_PASSWORD", "ein-langes-passwort")
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("the server started"))
    monkeypatch.setattr("granian.server.Server.serve", lambda *a, **k: pytest.fail("the server started"))
    return monkeypatch


def test_users_create_before_db_migrate_names_the_command_to_run(operator):
    result = operator("users", "create", "--email", "neu@example.org", "--name", "Neu",
                      extra_env={"QUARTIER_NEW_PASSWORD": "ein-langes-passwort"}, check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: The database has no table staff_users yet: run `quartier db migrate` first."]


def test_every_command_on_a_database_without_tables_says_to_migrate(quartier_env, capsys, database_url):
    quartier_env.setenv("QUARTIER_DATABASE_URL", database_url)
    for argv in NEEDS_TABLES:
        assert one_sentence_and_failure(capsys, argv).endswith("yet: run `quartier db migrate` first."), argv


def free_loopback_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("url, says", [
    ("mysql://quartier@db.example/quartier", "'mysql' is not supported"),
    ("sqlite://quartier.sqlite", "a SQLite URL has three slashes"),
    ("sqlite:///missing/directory/quartier.sqlite", "The directory missing/directory of the SQLite database does not exist"),
    ("sqlite:///not-a-database.txt", "cannot be opened (file is not a database)"),
    ("postgresql://quartier@127.0.0.1:{port}/quartier", "The PostgreSQL server at 127.0.0.1:{port} (database quartier) is not reachable"),
    ("postgresql://quartier@127.0.0.1:99999/quartier", "its port is not a number"),
])
def test_every_command_with_a_wrong_or_unreachable_database_ends_with_one_sentence(quartier_env, capsys, tmp_path, url, says):
    port = free_loopback_port()  # nobody listens there
    (tmp_path / "not-a-database.txt").write_text("Hallo\n" * 200, encoding="utf-8")
    quartier_env.setenv("QUARTIER_DATABASE_URL", url.format(port=port))
    for argv in NEEDS_THE_DATABASE:
        assert says.format(port=port) in one_sentence_and_failure(capsys, argv), argv
    assert not (tmp_path / "missing").exists()


def test_a_missing_postgresql_database_or_role_ends_with_one_sentence(quartier_env, capsys, quartier_postgres):
    quartier_env.setenv("QUARTIER_DATABASE_URL", quartier_postgres.dsn("no_such_database"))
    assert 'refused the connection: database "no_such_database" does not exist' in one_sentence_and_failure(capsys, ["db", "migrate"])
    quartier_env.setenv("QUARTIER_DATABASE_URL", f"postgresql://nobody@127.0.0.1:{quartier_postgres.port}/postgres")
    assert 'role "nobody" does not exist' in one_sentence_and_failure(capsys, ["users", "token", "--email", "a@example.org", "--name", "t"])


def test_the_database_directory_is_made_when_its_parent_exists(quartier_env, capsys, tmp_path):
    from core.cli import main

    quartier_env.setenv("QUARTIER_DATABASE_URL", "sqlite:///data/quartier.sqlite")
    with pytest.raises(SystemExit) as exit_:
        main(["db", "migrate"])
    assert exit_.value.code in (0, None) and (tmp_path / "data" / "quartier.sqlite").is_file()
