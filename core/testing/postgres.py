"""Throwaway PostgreSQL server for tests (initdb + pg_ctl in a temp dir)."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import asyncpg

from core.db.backup import pg_bindirs
from core.testing.processes import free_port

PG_USER = "postgres"  # database superuser and, when running as root, OS user


def find_pg_bindir() -> Path | None:
    """Locate a PostgreSQL bin directory containing initdb and pg_ctl."""
    env = os.environ.get("QUARTIER_PG_BINDIR")
    if env:
        return Path(env)

    for path in pg_bindirs():
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file():
            return path

    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).resolve().parent
    return None


def _clean_env() -> dict[str, str]:
    # Drop PG* variables (PGDATABASE, PGSSLMODE, ...) and locale overrides.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "LC_"))}
    env["LANG"] = "C"
    return env


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PostgresServer:
    """A private PostgreSQL cluster listening on 127.0.0.1:<free port>."""

    def __init__(self, bindir: Path | str, parent: Path | str | None = None, settings: dict[str, str] | None = None) -> None:
        self.bindir = Path(bindir)
        self.parent = parent  # where the cluster's directory goes (default /tmp)
        self.settings = settings or {}  # further server settings (-c name=value)
        self.basedir: Path | None = None
        self.port: int | None = None
        self._as_root = os.geteuid() == 0
        self._running = False
        self._admin: tuple[asyncio.AbstractEventLoop, threading.Thread, asyncpg.Connection] | None = None

    # -- paths -----------------------------------------------------------
    @property
    def datadir(self) -> Path:
        assert self.basedir is not None, "server not started"
        return self.basedir / "data"

    @property
    def logfile(self) -> Path:
        assert self.basedir is not None, "server not started"
        return self.basedir / "postgres.log"

    # -- process helpers --------------------------------------------------
    def _run_pg(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        # initdb refuses to run as root: drop to the postgres OS user.
        cmd = [str(self.bindir / tool), *args]
        if self._as_root:
            cmd = ["runuser", "-u", PG_USER, "--", *cmd]
        return subprocess.run(
            cmd,
            cwd=self.basedir,  # avoid "could not change directory to /root"
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "<no log file>"

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> "PostgresServer":
        if self._running:
            return self
        # Short path (/tmp by default): unix socket paths are limited to ~107 bytes.
        parent = self.parent or ("/tmp" if os.path.isdir("/tmp") else None)
        self.basedir = Path(tempfile.mkdtemp(prefix="quartier-pg-", dir=parent))
        atexit.register(self.stop)
        try:
            os.chmod(self.basedir, 0o755)
            if self._as_root:
                pw = pwd.getpwnam(PG_USER)
                os.chown(self.basedir, pw.pw_uid, pw.pw_gid)
            self._initdb()
            self._start_server()
        except BaseException:
            self.stop()
            raise
        return self

    def _initdb(self) -> None:
        base = ["-D", str(self.datadir), "-A", "trust", "-U", PG_USER, "-E", "UTF8", "--no-sync"]
        result = self._run_pg("initdb", *base, "--locale=C.UTF-8")
        if result.returncode != 0:
            # C.UTF-8 locale missing on this system: retry with plain C.
            shutil.rmtree(self.datadir, ignore_errors=True)
            result = self._run_pg("initdb", *base, "--locale=C")
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    def _start_server(self) -> None:
        # The free port may be grabbed by someone else before postgres binds it: retry.
        for _attempt in range(3):
            self.port = free_port()
            options = (
                f"-h 127.0.0.1 -p {self.port} -k {self.basedir} -F"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                " -c max_connections=300"
            ) + "".join(f" -c {name}={value}" for name, value in self.settings.items())
            result = self._run_pg(
                "pg_ctl", "-w", "-t", "60", "-D", str(self.datadir), "-l", str(self.logfile), "-o", options, "start"
            )
            if result.returncode == 0:
                self._running = True
                return
            log = self._log_tail()
            if "Address already in use" not in log:
                break
        raise RuntimeError(
            f"pg_ctl start failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n--- log tail ---\n{log}"
        )

    def stop(self) -> None:
        """Stop the server (immediate mode) and delete its files. Idempotent."""
        if self.basedir is None:
            return
        self._close_admin()
        if self.datadir.exists():
            result = self._run_pg("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", timeout=60)
            if result.returncode != 0:
                self._kill_postmaster()
        self._running = False
        shutil.rmtree(self.basedir, ignore_errors=True)
        self.basedir = None
        atexit.unregister(self.stop)

    def _kill_postmaster(self) -> None:
        # Last resort if pg_ctl could not stop it (e.g. half-started server).
        try:
            pid = int((self.datadir / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
        except (OSError, ValueError, IndexError):
            pass

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- client helpers ------------------------------------------------------
    def dsn(self, dbname: str = "postgres") -> str:
        if self.port is None:
            raise RuntimeError("server not started")
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{dbname}"

    def execute(self, *statements: str) -> None:
        """Run SQL statements one by one as the superuser, on a connection kept open (a psql per call cost ~20 ms).

        The connection lives in its own thread and event loop, so this works from sync and async code alike.
        Errors are raised as RuntimeError.
        """
        if not self._running:
            raise RuntimeError("server not running")
        if self._admin is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="quartier-postgres-admin", daemon=True)
            thread.start()
            connection = asyncio.run_coroutine_threadsafe(asyncpg.connect(self.dsn()), loop).result(timeout=60)
            self._admin = (loop, thread, connection)
        loop, _, connection = self._admin

        async def run() -> None:
            for sql in statements:
                await connection.execute(sql)

        try:
            asyncio.run_coroutine_threadsafe(run(), loop).result(timeout=120)
        except asyncpg.PostgresError as exc:
            raise RuntimeError(f"{exc} (in {statements!r})") from exc

    def _close_admin(self) -> None:
        if self._admin is None:
            return
        loop, thread, connection = self._admin
        self._admin = None
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(connection.close(timeout=5), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    def create_database(self, name: str, template: str | None = None, *, replace: bool = False) -> None:
        """CREATE DATABASE, as a copy of ``template`` if given; ``replace=True`` drops one of that name first."""
        sql = f"CREATE DATABASE {_quote_ident(name)}"
        if template:
            sql += f" TEMPLATE {_quote_ident(template)}"
        statements = [self._drop_sql(name), sql] if replace else [sql]
        deadline = time.monotonic() + 10
        while True:
            try:
                self.execute(*statements)
                return
            except RuntimeError as exc:
                # Backends of just-closed template connections exit asynchronously.
                if "is being accessed by other users" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _drop_sql(self, name: str) -> str:
        return f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)"  # FORCE ends its connections

    def drop_database(self, name: str) -> None:
        self.execute(self._drop_sql(name))
