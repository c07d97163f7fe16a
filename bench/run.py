"""Benchmark suite (issue 7): four scenarios on SQLite and PostgreSQL, each next to its ceiling.

Run from the project root, with any Python that has Quartier and its bench extra installed (the servers
are started with that interpreter's `quartier` and uvicorn):
    .venv/bin/python bench/run.py [--db sqlite,postgres] [--scenarios rush,pages,fanout,footprint]
        [--requests 2000] [--page-requests 1000] [--events 200] [--recipients 5000]
        [--concurrency 50 | 16,50] [--workers 2] [--server granian,uvicorn,uvicorn-asyncio] [--shape web,worker]

Quick run (about two minutes):
    .venv/bin/python bench/run.py --quick

Per database: a fresh database (SQLite file / throwaway PostgreSQL server), `quartier demo`,
bench/seed.py (Quartier "benchstadt" with --events published events, --recipients recipients and two
draft announcements, a copy of the demo event for the second shape's rush, a staff admin), an SMTP
sink (bench/smtp_sink.py) in its own process, the app started with `quartier serve --workers W [--server X]` and
the ceiling app (bench/ceiling_app.py) with `uvicorn --workers W`. Load comes from a separate process (aiohttp, asyncio.Semaphore(concurrency)).
The rush has two ceilings: a bare insert, and the registration's essential writes (seat or waiting-list
number, the row, its domain event) on a copy of the app's database. Shapes (--shape): "web" (the web
workers also deliver domain events and run the jobs, mails among them) and "worker" (jobs_run_in and
events_delivered_in = "worker": the web workers only serve and one `quartier worker` runs beside them);
every scenario runs in the first shape, the rush and the fan-out again in the second (own event and
announcement), with their own table rows.
Everything binds to 127.0.0.1 and is stopped at the end, also on errors and Ctrl-C.
SQL statements per request (issue 18) come from the app's statement counter (QUARTIER_COUNT_STATEMENTS,
core/db/statements.py): statements sent before the response, and after it plus the background work
(event delivery, outbox) per registration; a registration refused (full, no waiting list) is probed after the rush.
Exit code 1 if a correctness check failed or a request was answered with a non-2xx status.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
SCRIPTS = sysconfig.get_path("scripts")  # the bin directory of the interpreter running this
# The `quartier` installed with this interpreter; else the same entry point through it.
QUARTIER = ([script] if (script := shutil.which("quartier", path=SCRIPTS)) else
            [PYTHON, "-c", "import sys; from core.cli import main; sys.argv[0] = 'quartier'; main()"])
CAPACITY = 100
EVENT_ID = 1  # the demo event takes the rush
ADMIN_EMAIL = "bench-admin@example.org"
# Issue 18's targets: statements before the response.
SQL_TARGETS = {"registration": 8, "refusal": 3, "detail": 4, "api": 3}
REFUSAL_PROBES = 20
DB_COUNT = "pg_stat_statements"  # the database's own count, next to the app's keys
PER_WORKER = "per worker"  # requests answered so far by each worker process (pid -> count), next to the app's keys
SCENARIOS = ("rush", "pages", "fanout", "footprint")
SHAPES = ("web", "worker")
# The production shape: the web workers serve only, `quartier worker` runs the jobs and delivers the domain events.
WORKER_SETTINGS = 'jobs_run_in = "worker"\nevents_delivered_in = "worker"\n'


def detect_plugins() -> list[str]:
    """All built-in plugins: exhibition as soon as it has a plugin module."""
    names = ["registration", "notifications"]
    if (ROOT / "plugins" / "exhibition" / "plugin.py").exists():
        names.append("exhibition")
    return names


# -- HTTP load driver (its own process: `python bench/run.py --drive SPEC`) ---------------------
async def _drive(spec: dict) -> dict:
    # aiohttp, not httpx: httpx used ≈ 7 ms of CPU per request at c50 and capped every run at ≈ 145 req/s.
    import aiohttp

    url, n, concurrency, kind = spec["url"], spec["n"], spec["concurrency"], spec["kind"]
    paths = spec.get("paths") or []
    sem = asyncio.Semaphore(concurrency)
    tag = uuid.uuid4().hex[:8]
    results: list[tuple[int, float]] = []  # (status or -1 on transport error, seconds)

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(url, connector=connector, timeout=timeout) as client:

        async def request(kind: str, i: int) -> int:
            if kind == "registration":  # the app's API or the ceiling's essential writes (``post_path``)
                body = {"name": f"Bench Person {i}", "email": f"bench-{tag}-{i}@example.org", "consent": True}
                call = client.post(spec["post_path"], json=body)
            elif kind == "insert":
                call = client.post("/insert", json={"email": f"bench-{tag}-{i}@example.org"})
            else:
                call = client.get(paths[i % len(paths)])
            async with call as resp:
                await resp.read()
                return resp.status

        async def one(kind: str, i: int, record: bool) -> None:
            async with sem:
                start = time.perf_counter()
                try:
                    status = await request(kind, i)
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    status = -1
                if record:
                    results.append((status, time.perf_counter() - start))

        if spec.get("warm"):  # opens the client's and the server's connections (pools) first
            warm_kind = spec.get("warm_kind", "get")
            saved = paths
            paths = spec.get("warm_paths") or paths
            await asyncio.gather(*(one(warm_kind, -1 - i, False) for i in range(spec["warm"])))
            paths = saved
        t0 = time.perf_counter()
        await asyncio.gather(*(one(kind, i, True) for i in range(n)))
        elapsed = time.perf_counter() - t0
    return {"elapsed": elapsed, "results": results, "end": time.time()}


def drive(**spec) -> dict:
    """Run the driver in a separate Python process and return its summary."""
    out = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--drive", json.dumps(spec)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return summarize(json.loads(out.stdout))


def summarize(run: dict) -> dict:
    lat = sorted(t for _, t in run["results"])
    statuses = [s for s, _ in run["results"]]

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, max(0, round(p / 100 * len(lat)) - 1))] * 1000

    non2xx = sum(1 for s in statuses if not 200 <= s < 300)
    return {
        "rps": len(statuses) / run["elapsed"], "p50": pct(50), "p95": pct(95), "p99": pct(99),
        "non2xx": non2xx, "5xx": sum(1 for s in statuses if s >= 500), "transport": statuses.count(-1),
        "codes": {str(c): statuses.count(c) for c in sorted(set(statuses))}, "end": run["end"],
    }


# -- SMTP ceiling sender (its own process: `python bench/run.py --smtp-ceiling SPEC`) ----------
async def _smtp_ceiling(spec: dict) -> dict:
    """aiosmtplib straight to the sink: ``connections`` persistent connections share the messages."""
    from types import SimpleNamespace

    import aiosmtplib

    from plugins.notifications.channels import build_email
    from plugins.notifications.settings import NotificationSettings

    rows = json.loads(Path(spec["file"]).read_text())
    settings = NotificationSettings(from_address="quartier@bench.example", from_name="Bench")
    queue: asyncio.Queue = asyncio.Queue()
    for row in rows:
        queue.put_nowait(row)
    sent = errors = 0
    start = time.time()

    async def sender() -> None:
        nonlocal sent, errors
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=spec["port"], timeout=30)
        await smtp.connect()
        try:
            while not queue.empty():
                row = queue.get_nowait()
                try:
                    await smtp.send_message(build_email(SimpleNamespace(**row), settings, "bench.example"))
                    sent += 1
                except aiosmtplib.SMTPException:
                    errors += 1
        finally:
            await smtp.quit()

    await asyncio.gather(*(sender() for _ in range(spec["connections"])))
    return {"start": start, "sent": sent, "errors": errors}


# -- processes -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_process(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    fh = open(log, "ab")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # our own session: the server and its workers
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def wait_ready(url: str, path: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> float:
    """Poll until the server answers; returns seconds since this call."""
    import httpx

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url + path, timeout=2).status_code == 200:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"server at {url} not ready after {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")


def worker_pids(master_pid: int) -> list[int]:
    """The worker processes under a server's master process."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == master_pid and "resource_tracker" not in cmdline:
            out.append(int(entry.name))
    return out


def workers_cpu(master_pid: int) -> float:
    """CPU seconds (user + system, all threads) the worker processes under a server's master used so far."""
    total = 0
    for pid in worker_pids(master_pid):
        try:
            total += sum(int(x) for x in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13])
        except (OSError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float | None:
    """Resident memory (VmRSS, from /proc) of a process."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory of each worker process."""
    return sorted(mb for mb in map(rss_mb, worker_pids(master_pid)) if mb is not None)


class Profiler:
    """``--profile DIR``: py-spy records the app's workers while a scenario drives them (collapsed stacks)."""

    def __init__(self, out_dir: str | None, master_pid: int, name: str) -> None:
        self.procs: list[subprocess.Popen] = []
        if not out_dir:
            return
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        pyspy = shutil.which("py-spy", path=SCRIPTS) or shutil.which("py-spy")
        if pyspy is None:
            raise RuntimeError(f"--profile needs py-spy ({PYTHON} -m pip install py-spy)")
        for pid in worker_pids(master_pid):
            self.procs.append(subprocess.Popen(
                [pyspy, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--nonblocking",
                 "-o", str(Path(out_dir) / f"{name}-{pid}.txt")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(1.0)

    def __enter__(self) -> "Profiler":
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def per_worker(start: dict, end: dict) -> list[int]:
    """Requests each worker process answered between two ``Bench.sql_totals()``, most first (balance check)."""
    before, after = start.get(PER_WORKER, {}), end.get(PER_WORKER, {})
    return sorted((n - before.get(pid, 0) for pid, n in after.items() if n > before.get(pid, 0)), reverse=True)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


def staff_login(client, email: str, password: str) -> None:
    """Log an ``httpx.Client`` in as staff (the session cookie stays in the client)."""
    r = client.post("/staff/login", data={"email": email, "password": password, "next": "/staff/",
                                          "_csrf_token": csrf_of(client.get("/staff/login").text)})
    if r.status_code != 303:
        raise RuntimeError(f"staff login failed: {r.status_code}")


def error_lines(log: Path) -> tuple[int, list[str]]:
    words = ("Error", "error", "locked", "Traceback")
    lines = [ln for ln in log.read_text(errors="replace").splitlines() if any(w in ln for w in words)]
    return len(lines), lines[-8:]


# -- databases -----------------------------------------------------------------------------------
class SqliteDB:
    name = "sqlite"

    def __init__(self, tmp: Path) -> None:
        self.app_file = tmp / "quartier.sqlite"
        self.ceiling_file = tmp / "ceiling.sqlite"
        self.app_url = f"sqlite:///{self.app_file}"
        self.ceiling_url = f"sqlite:///{self.ceiling_file}"

    def app_sql(self, sql: str, file: Path | None = None) -> list[tuple]:
        with sqlite3.connect(file or self.app_file, timeout=30) as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]

    def app_rows(self, sql: str) -> list[dict]:
        with sqlite3.connect(self.app_file, timeout=30) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql).fetchall()]

    def prepare_ceiling(self) -> None:
        """The ceiling's database: a copy of the seeded app database (its tables for the same writes) and bench_rows."""
        with sqlite3.connect(self.app_file) as app, sqlite3.connect(self.ceiling_file) as conn:
            app.backup(conn)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL)")

    def ceiling_sql(self, sql: str) -> list[tuple]:
        return self.app_sql(sql, self.ceiling_file)

    def version(self) -> str:
        return sqlite3.sqlite_version

    def statement_calls(self) -> int | None:
        return None  # SQLite keeps no statement statistics

    def close(self) -> None:
        pass


class PostgresDB:
    name = "postgres"

    def __init__(self, tmp: Path) -> None:
        from core.testing.postgres import PG_USER, PostgresServer, find_pg_bindir

        bindir = find_pg_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL binaries not found")
        # PostgreSQL's own statement counts, to check the app's counter against (when the module is installed).
        self.stat_statements = (bindir.parent / "lib" / "pg_stat_statements.so").exists()
        # Top-level statements only (the default): the foreign-key checks PostgreSQL runs itself are not counted.
        settings = {"shared_preload_libraries": "pg_stat_statements",
                    "pg_stat_statements.max": "10000"} if self.stat_statements else {}
        self.server = PostgresServer(bindir, settings=settings).start()
        self.server.create_database("bench_app")
        # The bench's own reads and writes run as another role, so the app's statements can be told apart.
        self.server.execute("CREATE ROLE bench LOGIN SUPERUSER",
                            *(["CREATE EXTENSION pg_stat_statements"] if self.stat_statements else []))
        self.app_url = self.server.dsn("bench_app")
        self.app_role = PG_USER
        self.bench_url = self.app_url.replace(f"//{PG_USER}@", "//bench@", 1)
        self.ceiling_url = self.server.dsn("bench_ceiling")

    def app_sql(self, sql: str, url: str | None = None) -> list[tuple]:
        return [tuple(r.values()) for r in self.app_rows(sql, url)]

    def statement_calls(self) -> int | None:
        """pg_stat_statements: the statements the app's role ran in the app's database so far."""
        if not self.stat_statements:
            return None
        return int(self.app_rows(
            "SELECT coalesce(sum(s.calls), 0) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            f"JOIN pg_roles r ON r.oid = s.userid WHERE d.datname = 'bench_app' AND r.rolname = '{self.app_role}'",
            self.server.dsn("postgres"))[0]["n"])

    def app_rows(self, sql: str, url: str | None = None) -> list[dict]:
        import asyncpg

        async def fetch() -> list[dict]:
            conn = await asyncpg.connect(url or self.bench_url)
            try:
                return [dict(r) for r in await conn.fetch(sql)]
            finally:
                await conn.close()

        return asyncio.run(fetch())

    def prepare_ceiling(self) -> None:
        """The ceiling's database: a copy of the seeded app database (its tables for the same writes) and bench_rows."""
        self.server.create_database("bench_ceiling", template="bench_app")
        self.app_rows("CREATE TABLE bench_rows (id serial PRIMARY KEY, email text NOT NULL)", self.ceiling_url)

    def ceiling_sql(self, sql: str) -> list[tuple]:
        return self.app_sql(sql, self.ceiling_url)

    def version(self) -> str:
        return str(self.app_rows("SHOW server_version")[0]["server_version"])

    def close(self) -> None:
        self.server.stop()


# -- one database, all scenarios -----------------------------------------------------------------
class Bench:
    def __init__(self, kind: str, args: argparse.Namespace, plugins: list[str], server: str = "") -> None:
        self.kind, self.args, self.plugins, self.server = kind, args, plugins, server
        self.label = f"{kind} {server}".strip()  # the table's db column
        self.tmp = Path(tempfile.mkdtemp(prefix=f"quartier-bench-{kind}-"))
        self.procs: list[subprocess.Popen] = []
        self.db: SqliteDB | PostgresDB | None = None
        self.rows: list[dict] = []  # table rows
        self.checks: dict[str, bool] = {}
        self.notes: list[str] = []
        self.statements_dir = self.tmp / "statements"  # the app's statement counts (QUARTIER_COUNT_STATEMENTS)

    def say(self, text: str) -> None:
        print(f"[{self.label}] {text}", flush=True)

    def check(self, name: str, passed: bool, detail: str = "") -> None:
        self.checks[name] = passed
        self.say(f"  {'PASS' if passed else 'FAIL'}  {name}{(' ' + detail) if detail else ''}")

    def row(self, scenario: str, unit: str, value: float, ceiling: float | None, target: str, met: bool,
            lat: dict | None = None, errors: int = 0, higher_is_better: bool = True) -> dict:
        ratio = (value / ceiling if higher_is_better else None) if ceiling else None
        self.rows.append({"scenario": scenario, "db": self.label, "unit": unit, "value": value, "ceiling": ceiling,
                          "ratio": ratio, "target": target, "met": met, "lat": lat, "errors": errors})
        return self.rows[-1]

    # -- SQL statements per request ------------------------------------------------------------
    def sql_totals(self) -> dict:
        """The app's statement counts so far, summed over its processes."""
        from core.db import statements

        time.sleep(3 * statements.FLUSH_AFTER)  # the workers' last counts reach their files
        totals = statements.read_totals(self.statements_dir)
        totals[PER_WORKER] = {path.stem: sum(t["requests"] for t in json.loads(path.read_text()).values())
                              for path in self.statements_dir.glob("*.json")}
        calls = self.db.statement_calls()
        if calls is not None:
            totals[DB_COUNT] = {"requests": 0, "before": 0, "after": calls}
        return totals

    def sql_per_request(self, start: dict, end: dict, prefix: str) -> dict:
        """Statements per request of the keys starting with ``prefix`` (e.g. "POST 2") between two totals;
        ``background``: statements outside any request in between, per such request."""
        from core.db.statements import BACKGROUND

        def delta(key: str, field: str) -> int:
            return end.get(key, {}).get(field, 0) - start.get(key, {}).get(field, 0)

        keys = [k for k in end if k.startswith(prefix)]
        n = sum(delta(k, "requests") for k in keys)
        if not n:
            return {"n": 0}
        counted = sum(delta(k, "before") + delta(k, "after") for k in end if k not in (DB_COUNT, PER_WORKER))
        return {"n": n, "before": sum(delta(k, "before") for k in keys) / n,
                "after": sum(delta(k, "after") for k in keys) / n, "background": delta(BACKGROUND, "after") / n,
                "counted": counted, "database": delta(DB_COUNT, "after") if DB_COUNT in end else None}

    def sql_row(self, row: dict, sql: dict, target: str | None, afterwards: bool = False) -> None:
        """Put a scenario's statements per request (and the issue's target for them) into its table row."""
        if not sql.get("n"):
            return
        later = sql["after"] + (sql["background"] if afterwards else 0.0)
        row["sql"] = f"{sql['before']:.1f}" + (f" +{later:.1f}" if later >= 0.05 else "")
        if target:
            limit = SQL_TARGETS[target]
            row["sql_target"] = f"≤{limit}: {'yes' if sql['before'] <= limit + 1e-9 else 'NO'}"
        self.say(f"  SQL per request ({sql['n']} requests): {sql['before']:.2f} before the response, {sql['after']:.2f} "
                 f"after it" + (f", {sql['background']:.2f} in the background (event delivery, outbox)" if afterwards else ""))
        if sql["database"] is not None:
            self.notes.append(f"{row['scenario']}: all statements in its window: {sql['counted']} counted by the app, "
                              f"{sql['database']} by pg_stat_statements")

    def run(self) -> dict:
        try:
            return self._run()
        finally:
            for p in reversed(self.procs):
                stop_process(p)
            if self.db is not None:
                self.db.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- setup ---------------------------------------------------------------------------------
    def _run(self) -> dict:
        args = self.args
        self.db = db = SqliteDB(self.tmp) if self.kind == "sqlite" else PostgresDB(self.tmp)
        self.env = env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
        self.smtp_port, self.ctl_port = free_port(), free_port()
        sink_log = self.tmp / "sink.log"
        self.procs.append(start_process([PYTHON, str(ROOT / "bench" / "smtp_sink.py"), str(self.smtp_port),
                                         str(self.ctl_port)], env, sink_log))
        self._wait_sink()

        # One configuration per shape; the worker shape adds the top-level settings that leave the work to the worker.
        plugin_list = ", ".join(f'"{p}"' for p in self.plugins)
        head = ('deployment_name = "Bench"\n'
                f"plugins = [{plugin_list}]\n"
                f'secret_key = "{uuid.uuid4().hex}{uuid.uuid4().hex}"\n'
                f'database_url = "{db.app_url}"\n')
        sections = ("\n[registration]\nrate_limit_per_minute = 0\nconfirm_mails_per_client_per_hour = 0\n"
                    f'\n[notifications]\nsmtp_host = "127.0.0.1"\nsmtp_port = {self.smtp_port}\n'
                    'from_address = "quartier@bench.example"\nfrom_name = "Bench"\n')
        self.configs = {shape: self.tmp / f"quartier-{shape}.toml" for shape in SHAPES}
        self.configs["web"].write_text(head + sections)
        self.configs["worker"].write_text(head + WORKER_SETTINGS + sections)
        self.cfg = cfg = self.configs[args.shape_list[0]]
        subprocess.run([*QUARTIER, "--config", str(cfg), "demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        self.password = uuid.uuid4().hex
        seeded = subprocess.run([PYTHON, str(ROOT / "bench" / "seed.py"), str(args.events),
                                 str(args.recipients if "fanout" in args.scenario_list else 0), ADMIN_EMAIL, self.password,
                                 str(EVENT_ID)],
                                cwd=ROOT, env=dict(env, QUARTIER_CONFIG=str(cfg)), check=True, capture_output=True, text=True)
        self.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        rush_events = ", ".join(map(str, self.seed["rush_events"]))
        db.app_sql(f"UPDATE registration_forms SET capacity = {CAPACITY}, double_opt_in = false WHERE event IN ({rush_events})")
        self.say(f"demo + {args.events} events + {args.recipients} recipients seeded; plugins {self.plugins}")
        db.prepare_ceiling()  # a copy of the app's database as seeded, before the app touches it

        # The app, started as an operator would; start-up = until the first answered request.
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app_log = self.tmp / "serve.log"
        self.worker_log = self.tmp / "worker.log"
        self.worker_proc: subprocess.Popen | None = None
        self.startups = [self._start_shape(args.shape_list[0])]
        # The ceiling app, same worker count.
        cport = free_port()
        self.curl = f"http://127.0.0.1:{cport}"
        self.ceiling_log = self.tmp / "ceiling.log"
        cenv = dict(env, BENCH_DB_URL=db.ceiling_url, BENCH_READ_URL=db.app_url)
        t0 = time.perf_counter()
        self.ceiling_proc = start_process([PYTHON, "-m", "uvicorn", "bench.ceiling_app:app", "--host", "127.0.0.1",
                                           "--port", str(cport), "--workers", str(args.workers), "--log-level", "warning",
                                           "--no-access-log"], cenv, self.ceiling_log)
        self.procs.append(self.ceiling_proc)
        wait_ready(self.curl, "/ready", self.ceiling_proc, self.ceiling_log)
        self.ceiling_startup = time.perf_counter() - t0
        self.say(f"app ready in {self.startups[0]:.2f}s, ceiling ready in {self.ceiling_startup:.2f}s")

        for i, shape in enumerate(args.shape_list):  # everything in the first shape, the rush and fan-out in the second
            if i:
                self._start_shape(shape)
            if "rush" in args.scenario_list:
                self.rush(shape, self.seed["rush_events"][i], refusals=not i)
            if "pages" in args.scenario_list and not i:
                self.pages()
            if "fanout" in args.scenario_list:
                self.fanout(shape, self.seed["announcements"][i] if self.seed["announcements"] else None)
            if "footprint" in args.scenario_list and not i:
                self.footprint()
            if self.worker_proc is not None and (mb := rss_mb(self.worker_proc.pid)) is not None:
                self.notes.append(f"shape {shape}: quartier worker RSS {mb:.0f} MB after its scenarios")
        stop_process(self.app_proc)
        stop_process(self.worker_proc)
        stop_process(self.ceiling_proc)
        for name, log in (("app server", self.app_log), ("quartier worker", self.worker_log)):
            count, lines = error_lines(log) if log.exists() else (0, [])
            if count:
                self.notes.append(f"{name} log: {count} error line(s), last: " + " | ".join(lines[-3:]))
        return {"db": self.kind, "label": self.label, "version": db.version(), "rows": self.rows, "checks": self.checks, "notes": self.notes}

    def _start_app(self) -> float:
        t0 = time.perf_counter()
        self.app_proc = start_process([*QUARTIER, "--config", str(self.cfg), "serve", "--host", "127.0.0.1",
                                       "--port", str(self.port), "--workers", str(self.args.workers),
                                       *(["--server", self.server] if self.server else [])], self._counted_env(),
                                      self.app_log)
        self.procs.append(self.app_proc)
        wait_ready(self.url, "/healthz", self.app_proc, self.app_log)
        return time.perf_counter() - t0

    def _counted_env(self) -> dict[str, str]:
        from core.db.statements import ENV

        return dict(self.env, **{ENV: str(self.statements_dir)})

    def _start_shape(self, shape: str) -> float:
        """(Re)start the app in ``shape``; in the worker shape one `quartier worker` beside it. Returns the app's start-up."""
        stop_process(getattr(self, "app_proc", None))
        stop_process(self.worker_proc)
        self.worker_proc = None
        self.cfg = self.configs[shape]
        startup = self._start_app()
        if shape == "worker":
            self.worker_proc = start_process([*QUARTIER, "--config", str(self.cfg), "worker"],
                                             dict(self._counted_env(), PYTHONUNBUFFERED="1"), self.worker_log)
            self.procs.append(self.worker_proc)
            deadline = time.monotonic() + 60
            while "Quartier worker:" not in self.worker_log.read_text(errors="replace"):
                if self.worker_proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"quartier worker did not start:\n{self.worker_log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.05)
        self.say(f"shape {shape}: " + ("the web workers serve, deliver domain events and run the jobs" if shape == "web" else
                                       "the web workers only serve; one `quartier worker` delivers and runs the jobs"))
        return startup

    def _wait_sink(self) -> None:
        from bench.smtp_sink import query

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                query(self.ctl_port)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("SMTP sink did not start")

    def sink(self, command: str = "STATS") -> dict:
        from bench.smtp_sink import query

        return query(self.ctl_port, command)

    def outbox(self, where: str = "1 = 1") -> dict[str, int]:
        if "notifications" not in self.plugins:
            return {}
        return {s: int(c) for s, c in self.db.app_sql(
            f"SELECT status, count(*) FROM notification_outbox WHERE {where} GROUP BY status")}

    def wait_outbox_drained(self, where: str, timeout: float) -> tuple[dict[str, int], float]:
        t0 = time.perf_counter()
        while True:
            counts = self.outbox(where)
            if not counts.get("pending") and not counts.get("sending"):
                return counts, time.perf_counter() - t0
            if time.perf_counter() - t0 > timeout:
                return counts, time.perf_counter() - t0
            time.sleep(0.25)

    # -- 1: registration rush ------------------------------------------------------------------
    def rush(self, shape: str, event_id: int, refusals: bool) -> None:
        import httpx

        args, db = self.args, self.db
        n = args.requests
        suffix = "" if shape == "web" else f" ({shape})"
        label = f"rush{suffix}"
        self.say(f"{label}: {n} registrations for event {event_id} at concurrency {args.concurrency} ...")
        self.sink("RESET")
        sql_start = self.sql_totals()
        cpu = workers_cpu(self.app_proc.pid)
        with Profiler(args.profile, self.app_proc.pid, f"{self.kind}-rush" + ("" if shape == "web" else f"-{shape}")):
            app = drive(url=self.url, kind="registration", post_path=f"/api/events/{event_id}/registrations", n=n,
                        concurrency=args.concurrency, warm=200, warm_kind="get",
                        warm_paths=[f"/api/events/{event_id}/availability"])
        self.notes.append(f"{label}: app workers' CPU {(workers_cpu(self.app_proc.pid) - cpu) * 1000 / n:.1f} ms per "
                          "registration (200 warm-up GETs included; e-mails sent meanwhile too)")
        mails = None
        if "notifications" in self.plugins:  # the rush's own e-mails, before the ceilings load the machine
            mails = self._wait_sink_count(n)
            drained = max(0.0, (mails["last"] or time.time()) - app["end"])
            outbox, _ = self.wait_outbox_drained(f"kind <> 'registration.reminder' AND event_id = {event_id}", timeout=60)
            self.say(f"{label}: the last of {mails['count']} e-mails reached the sink {drained:.1f}s after the last answer")
        sql = self.sql_per_request(sql_start, self.sql_totals(), "POST 2")
        avail = httpx.get(f"{self.url}/api/events/{event_id}/availability", timeout=10).json()

        # The ceilings: the bare insert (the framework's limit) and the same essential writes (the work that remains).
        self.say(f"{label}: ceilings, {n} bare inserts and {n} registrations' essential writes ...")
        rows_before = int(db.ceiling_sql("SELECT count(*) FROM bench_rows")[0][0])
        insert = drive(url=self.curl, kind="insert", n=n, concurrency=args.concurrency, warm=200, warm_kind="insert")
        inserted = int(db.ceiling_sql("SELECT count(*) FROM bench_rows")[0][0]) - rows_before - 200
        for sql_text in (f"DELETE FROM registrations WHERE event = {EVENT_ID}", "DELETE FROM domain_events",
                         f"UPDATE registration_forms SET taken = 0, waitlist_seq = 0 WHERE event = {EVENT_ID}"):
            db.ceiling_sql(sql_text)  # the ceiling's copy of the rush event as before any registration
        same = drive(url=self.curl, kind="registration", post_path=f"/events/{EVENT_ID}/registrations", n=n,
                     concurrency=args.concurrency, warm=200, warm_kind="get", warm_paths=[f"/events/{EVENT_ID}/seats"])
        self.say(f"{label}: app {app['rps']:.1f}/s p99 {app['p99']:.0f} ms {app['codes']}; "
                 f"bare insert {insert['rps']:.1f}/s p99 {insert['p99']:.0f} ms {insert['codes']}; "
                 f"same writes {same['rps']:.1f}/s p99 {same['p99']:.0f} ms {same['codes']}")

        self.check(f"{label}: availability.seats_taken == 100", avail.get("seats_taken") == CAPACITY,
                   f"({avail.get('seats_taken')})")
        self.check_seats(label, self.seat_state(db.app_sql, event_id), n)
        self.check(f"{label}: every request answered 2xx", app["non2xx"] == 0, f"({app['codes']})")
        if mails is not None:  # one per registration, each once
            ok = mails["count"] == n and mails["recipients"] == n and mails["dup_recipients"] == 0
            self.check(f"{label}: {n} registration e-mails, each once", ok,
                       f"(sink {mails['count']} to {mails['recipients']} addresses, dups {mails['dup_recipients']}; "
                       f"outbox {outbox})")
        correct = all(v for k, v in self.checks.items() if k.startswith(f"{label}:"))
        ceiling_label = f"same-writes ceiling{suffix}"
        self.check_seats(ceiling_label, self.seat_state(db.ceiling_sql, EVENT_ID), n)
        events = int(db.ceiling_sql("SELECT count(*) FROM domain_events")[0][0])
        self.check(f"{ceiling_label}: {n} domain events, every request 2xx", events == n and same["non2xx"] == 0,
                   f"({events}, {same['codes']})")
        self.check(f"insert ceiling{suffix}: {n} rows, every request 2xx", inserted == n and insert["non2xx"] == 0,
                   f"({inserted}, {insert['codes']})")

        ratio, same_ratio = app["rps"] / insert["rps"], app["rps"] / same["rps"]
        rush_row = self.row(f"1 registration rush{suffix}", "reg/s", app["rps"], insert["rps"], "≥0.35×, p99<400ms, correct",
                            ratio >= 0.35 and app["p99"] < 400 and correct, lat=app, errors=app["non2xx"])
        self.sql_row(rush_row, sql, "registration", afterwards=True)
        self.row(f"1 rush, same writes{suffix}", "reg/s", app["rps"], same["rps"], "≥0.70× same-writes ceiling",
                 same_ratio >= 0.7 and correct, errors=app["non2xx"])
        if mails is not None:
            self.row(f"1 rush mails drained{suffix}", "s", drained, None, "every mail once",
                     self.checks[f"{label}: {n} registration e-mails, each once"], higher_is_better=False)
        self.notes.append(f"{label} ceilings: bare insert p50/p95/p99 {insert['p50']:.1f}/{insert['p95']:.1f}/"
                          f"{insert['p99']:.1f} ms; same writes {same['p50']:.1f}/{same['p95']:.1f}/{same['p99']:.1f} ms")
        if mails is not None:
            self.notes.append(f"{label}: the last of {n} e-mails reached the sink {drained:.1f}s after the last registration "
                              f"was answered")
        self.sink("RESET")
        if refusals:
            self.refusals(event_id)

    def seat_state(self, sql: Callable[[str], list[tuple]], event_id: int) -> dict:
        """Seats, waiting-list numbers and rows of a rush's event, counted in the app's or the ceiling's database."""
        w = sql(f"SELECT count(*) AS n, count(DISTINCT waitlist_seq) AS d, min(waitlist_seq) AS lo, max(waitlist_seq) AS hi "
                f"FROM registrations WHERE event = {event_id} AND status = 'waitlisted'")[0]
        held = sql(f"SELECT count(*) AS n, coalesce(sum(seats), 0) AS seats FROM registrations "
                   f"WHERE event = {event_id} AND status IN ('unconfirmed', 'confirmed')")[0]
        # In order: waiting-list numbers follow the order in which the registrations were stored.
        order = [int(r[0]) for r in sql(f"SELECT waitlist_seq FROM registrations WHERE event = {event_id} "
                                        "AND status = 'waitlisted' ORDER BY id")]
        return {"waitlist": tuple(int(x) if x not in (None, "") else None for x in w),
                "held": tuple(int(x) for x in held), "in_order": order == sorted(order),
                "total": int(sql(f"SELECT count(*) FROM registrations WHERE event = {event_id}")[0][0]),
                "taken": int(sql(f"SELECT taken FROM registration_forms WHERE event = {event_id}")[0][0])}

    def check_seats(self, label: str, state: dict, n: int) -> None:
        n_wait = n - CAPACITY
        self.check(f"{label}: 100 registrations hold 100 seats",
                   state["held"] == (CAPACITY, CAPACITY) and state["taken"] == CAPACITY,
                   f"({state['held']}, seat counter {state['taken']})")
        self.check(f"{label}: {n_wait} waitlisted, numbers 1..{n_wait} distinct and in order",
                   state["waitlist"] == (n_wait, n_wait, 1, n_wait) and state["in_order"],
                   f"({state['waitlist']}, in order: {state['in_order']})")
        self.check(f"{label}: {n} registrations stored", state["total"] == n, f"({state['total']})")

    def refusals(self, event_id: int) -> None:
        """Registrations refused: the rush's event full, its waiting list closed; one request at a time."""
        import httpx

        self.db.app_sql(f"UPDATE registration_forms SET waitlist_enabled = false WHERE event = {event_id}")
        start = self.sql_totals()
        codes: dict[int, int] = {}
        t0 = time.perf_counter()
        with httpx.Client(base_url=self.url, timeout=30) as client:
            for i in range(REFUSAL_PROBES):
                body = {"name": f"Refused {i}", "email": f"refused-{uuid.uuid4().hex[:8]}@example.org", "consent": True}
                status = client.post(f"/api/events/{event_id}/registrations", json=body).status_code
                codes[status] = codes.get(status, 0) + 1
        rps = REFUSAL_PROBES / (time.perf_counter() - t0)
        self.say(f"refusals: {REFUSAL_PROBES} registrations for the full event, one at a time: {codes}")
        refused = codes == {409: REFUSAL_PROBES}
        self.check(f"refusals: {REFUSAL_PROBES} answered 409", refused, f"({codes})")
        row = self.row("1 refusal (full, one by one)", "req/s", rps, None, "409 each", refused,
                       errors=REFUSAL_PROBES - codes.get(409, 0))
        self.sql_row(row, self.sql_per_request(start, self.sql_totals(), "POST 409"), "refusal")

    # -- 2: public pages -----------------------------------------------------------------------
    def pages(self) -> None:
        import httpx

        args, slug = self.args, self.seed["quartier"]
        list_path = f"/{slug}/"
        first = httpx.get(self.url + list_path, timeout=30)
        if first.status_code != 200:
            list_path = f"/{slug}"
            first = httpx.get(self.url + list_path, timeout=30)
        shown = first.text.count(f'href="/{slug}/veranstaltungen/')
        api = httpx.get(f"{self.url}/api/quartiere/{slug}/events?limit={args.events}", timeout=30).json()
        self.check(f"pages: API returns all {args.events} events", len(api) == args.events, f"({len(api)})")
        if shown != args.events:
            self.notes.append(f"list page {list_path} shows {shown} of {args.events} events on its first page; "
                              f"the ceiling list renders the same {shown}")
        ids = self.seed["event_ids"]
        cases = [  # name, SQL target, the ratio issue 18 asks for, app paths, ceiling paths
            ("2 list page (HTML)", None, 0.7, [list_path], [f"/q/{slug}/?limit={shown}"]),
            ("2 detail page (HTML)", "detail", 0.7, self.seed["event_paths"], [f"/q/{slug}/e/{i}" for i in ids]),
            ("2 events API (JSON)", "api", 0.6, [f"/api/quartiere/{slug}/events?limit={args.events}"],
             [f"/q/{slug}/events.json?limit={args.events}"]),
        ]
        runs = [(case, c) for case in cases for c in args.concurrencies]
        for (name, sql_target, least, app_paths, ceiling_paths), concurrency in runs:
            if len(args.concurrencies) > 1:
                name = f"{name} c{concurrency}"
            c0 = httpx.get(self.curl + ceiling_paths[0], timeout=30)
            a0 = httpx.get(self.url + app_paths[0], timeout=30)
            self.say(f"pages: {name}: app {a0.status_code} {len(a0.content)} B, ceiling {c0.status_code} {len(c0.content)} B")
            sql_start = self.sql_totals()
            cpu = workers_cpu(self.app_proc.pid)
            with Profiler(args.profile, self.app_proc.pid, f"{self.kind}-{name.split()[1]}-c{concurrency}"):
                app = drive(url=self.url, kind="get", paths=app_paths, n=args.page_requests, concurrency=concurrency,
                            warm=100)
            cpu = workers_cpu(self.app_proc.pid) - cpu  # warm-up included
            sql_end = self.sql_totals()
            sql = self.sql_per_request(sql_start, sql_end, "GET 200")  # before the ceiling reads the same database
            self.notes.append(f"{name}: app workers' CPU {cpu * 1000 / (args.page_requests + 100):.1f} ms per request; "
                              f"requests per worker process {per_worker(sql_start, sql_end)}")
            ceiling = drive(url=self.curl, kind="get", paths=ceiling_paths, n=args.page_requests,
                            concurrency=concurrency, warm=100)
            ratio = app["rps"] / ceiling["rps"]
            self.say(f"pages: {name}: app {app['rps']:.1f}/s p99 {app['p99']:.0f} ms; ceiling {ceiling['rps']:.1f}/s "
                     f"p99 {ceiling['p99']:.0f} ms; ratio {ratio:.2f}")
            self.check(f"pages: {name} all 2xx", app["non2xx"] == 0 and ceiling["non2xx"] == 0,
                       f"(app {app['codes']}, ceiling {ceiling['codes']})")
            row = self.row(name, "req/s", app["rps"], ceiling["rps"], f"≥{least:.2f}×", ratio >= least and app["non2xx"] == 0,
                           lat=app, errors=app["non2xx"])
            self.sql_row(row, sql, sql_target)

    # -- 3: notification fan-out ---------------------------------------------------------------
    def fanout(self, shape: str, announcement: int | None) -> None:
        import httpx

        if "notifications" not in self.plugins or not announcement:
            return
        m, suffix = self.args.recipients, "" if shape == "web" else f" ({shape})"
        self.wait_outbox_drained("kind <> 'registration.reminder'", timeout=600)
        self.sink("RESET")
        with httpx.Client(base_url=self.url, timeout=600) as client:
            staff_login(client, ADMIN_EMAIL, self.password)
            token = csrf_of(client.get(f"/staff/r/announcements/{announcement}").text)
            self.say(f"fan-out{suffix}: sending the announcement to {m} recipients (staff action 'Jetzt senden') ...")
            profiler = Profiler(self.args.profile, self.app_proc.pid,
                                f"{self.kind}-fanout" + ("" if shape == "web" else f"-{shape}"))
            t_send = time.time()
            r = client.post(f"/staff/r/announcements/{announcement}/action/send", data={"_csrf_token": token})
            t_queued = time.time()
        if r.status_code != 303:
            raise RuntimeError(f"send action answered {r.status_code}")
        with profiler:
            stats = self._wait_sink_count(m)
        app_secs = (stats["last"] or time.time()) - t_send
        app_rate = stats["count"] / app_secs if app_secs > 0 else 0.0
        its_messages = f"kind = 'announcement' AND idempotency_key LIKE 'announcement:{announcement}:%'"
        counts = self.outbox(its_messages)
        expected = {f"fanout-{i}@example.org" for i in range(m)}
        self.check(f"fan-out{suffix}: {m} messages arrived, each exactly once",
                   stats["count"] == m and set(stats["recipient_list"]) == expected and stats["dup_recipients"] == 0
                   and stats["dup_ids"] == 0 and stats["missing_id"] == 0,
                   f"(sink {stats['count']} to {stats['recipients']}, dup recipients {stats['dup_recipients']}, "
                   f"dup ids {stats['dup_ids']}; outbox {counts})")
        delivery_rate = stats["count"] / max(1e-9, (stats["last"] or time.time()) - t_queued)
        self.say(f"fan-out{suffix}: app {app_rate:.1f} msg/s ({app_secs:.1f}s; queueing took {t_queued - t_send:.1f}s, "
                 f"then {delivery_rate:.1f} msg/s)")
        lost = m - stats["recipients"]
        twice = stats["count"] - stats["recipients"]

        # Ceiling: the same messages (as stored in the outbox) straight to the sink with aiosmtplib.
        rows = self.db.app_rows("SELECT id, recipient, subject, body_text, body_html, headers, calendar "
                                f"FROM notification_outbox WHERE {its_messages} ORDER BY id")
        for row in rows:
            row["headers"] = row["headers"] if isinstance(row["headers"], str) else json.dumps(row["headers"])
        spec_file = self.tmp / "ceiling_messages.json"
        spec_file.write_text(json.dumps(rows))
        self.sink("RESET")
        out = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--smtp-ceiling", json.dumps(
            {"file": str(spec_file), "port": self.smtp_port, "connections": self.args.workers})],
            capture_output=True, text=True, check=True, cwd=ROOT)
        sent = json.loads(out.stdout)
        cstats = self._wait_sink_count(len(rows))
        c_secs = cstats["last"] - sent["start"]
        c_rate = cstats["count"] / c_secs
        self.check(f"fan-out{suffix}: ceiling messages arrived, each once",
                   cstats["count"] == len(rows) and cstats["dup_recipients"] == 0, f"({cstats['count']}, errors {sent['errors']})")
        self.say(f"fan-out{suffix}: ceiling {c_rate:.1f} msg/s ({c_secs:.1f}s, {self.args.workers} connections)")
        ratio = app_rate / c_rate
        ok = self.checks[f"fan-out{suffix}: {m} messages arrived, each exactly once"]
        self.row("3 fan-out (e-mail)" if shape == "web" else f"3 fan-out{suffix}", "msg/s", app_rate, c_rate,
                 "≥0.70×, none lost/twice", ratio >= 0.7 and ok, errors=max(0, lost) + max(0, twice))
        self.notes.append(f"fan-out{suffix}: staff action took {t_queued - t_send:.1f}s to queue {m} messages; "
                          f"last message {app_secs:.1f}s after 'send' (delivery alone {delivery_rate:.1f} msg/s); lost {lost}, twice {twice}")
        self.sink("RESET")

    def _wait_sink_count(self, m: int, stall: float = 60, timeout: float = 900) -> dict:
        t0 = last_change = time.monotonic()
        seen = -1
        while True:
            stats = self.sink()
            if stats["count"] != seen:
                seen, last_change = stats["count"], time.monotonic()
            if stats["count"] >= m:
                time.sleep(1.0)  # anything arriving twice would come now
                return self.sink()
            if time.monotonic() - last_change > stall or time.monotonic() - t0 > timeout:
                return stats
            time.sleep(0.1)

    # -- 4: footprint ---------------------------------------------------------------------------
    def footprint(self) -> None:
        rss = worker_rss_mb(self.app_proc.pid)
        crss = worker_rss_mb(self.ceiling_proc.pid)
        stop_process(self.app_proc)
        for _ in range(2):  # two more starts for a steadier start-up figure
            self.startups.append(self._start_app())
            stop_process(self.app_proc)
        startup = statistics.median(self.startups)
        self.say(f"footprint: start-ups {', '.join(f'{s:.2f}' for s in self.startups)} s; worker RSS {rss} MB; "
                 f"ceiling worker RSS {crss} MB")
        self.row("4 start-up (serve→1st answer)", "s", startup, self.ceiling_startup, "<1.5 s", startup < 1.5,
                 higher_is_better=False)
        worst = max(rss) if rss else float("nan")
        self.row("4 RSS per worker (max)", "MB", worst, max(crss) if crss else None, "<120 MB", bool(rss) and worst < 120,
                 higher_is_better=False)


# -- report ----------------------------------------------------------------------------------------
def versions(results: list[dict]) -> str:
    import litestar
    import piccolo

    lv = litestar.__version__
    parts = [f"Python {platform.python_version()}",
             f"Litestar {lv.formatted(short=True) if hasattr(lv, 'formatted') else lv}",
             f"Piccolo {piccolo.__VERSION__}", f"SQLite {sqlite3.sqlite_version}"]
    parts += [f"PostgreSQL {r['version']}" for r in results if r["db"] == "postgres"]
    return ", ".join(parts)


def table(results: list[dict]) -> list[str]:
    head = (f"| {'scenario':<30} | {'db':<8} | {'result':>13} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | {'errors':>6} "
            f"| {'ceiling':>13} | {'ratio':>5} | {'target':<26} | met | {'SQL/req':>10} | {'SQL target':<10} |")
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]
    for r in (row for res in results for row in res["rows"]):
        lat = r["lat"] or {}

        def ms(key: str) -> str:
            return f"{lat[key]:.0f}" if key in lat else "–"

        unit = r["unit"]
        value = f"{r['value']:.2f} {unit}" if unit == "s" else f"{r['value']:.0f} {unit}" if unit == "MB" else f"{r['value']:.1f} {unit}"
        ceiling = "–" if r["ceiling"] is None else (f"{r['ceiling']:.2f} {unit}" if unit == "s" else
                                                   f"{r['ceiling']:.0f} {unit}" if unit == "MB" else f"{r['ceiling']:.1f}")
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "–"
        lines.append(f"| {r['scenario']:<30} | {r['db']:<8} | {value:>13} | {ms('p50'):>7} | {ms('p95'):>7} | {ms('p99'):>7} "
                     f"| {r['errors']:>6} | {ceiling:>13} | {ratio:>5} | {r['target']:<26} | {'yes' if r['met'] else 'NO':<3} "
                     f"| {r.get('sql', '–'):>10} | {r.get('sql_target', '–'):<10} |")
    return lines


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--drive":
        print(json.dumps(asyncio.run(_drive(json.loads(sys.argv[2])))))
        return 0
    if len(sys.argv) > 2 and sys.argv[1] == "--smtp-ceiling":
        print(json.dumps(asyncio.run(_smtp_ceiling(json.loads(sys.argv[2])))))
        return 0

    if importlib.util.find_spec("aiohttp") is None:
        sys.exit(f"The benchmark needs its extra: {PYTHON} -m pip install -e '.[bench]'")
    from core.cli import SERVERS  # what `quartier serve --server` runs
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of " + ",".join(SCENARIOS))
    parser.add_argument("--requests", type=int, default=2000, help="registrations in the rush")
    parser.add_argument("--page-requests", type=int, default=1000, help="requests per public page")
    parser.add_argument("--events", type=int, default=200, help="published events in the Quartier")
    parser.add_argument("--recipients", type=int, default=5000, help="recipients of the announcement")
    parser.add_argument("--concurrency", default="50", help="comma-separated: the pages run at each (e.g. 16,50), "
                                                             "the rush and fan-out at the highest")
    parser.add_argument("--server", default="", help="comma-separated subset of " + ",".join(SERVERS) + ": one run per "
                                                    "server and database (default: what `quartier serve` runs)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shape", default=",".join(SHAPES),
                        help="web: the web workers also deliver and send; worker: they only serve and one `quartier worker` "
                             "runs beside them. The first shape runs every scenario, the second the rush and the fan-out")
    parser.add_argument("--plugins", default="", help="override the plugin list (default: every built-in plugin)")
    parser.add_argument("--profile", metavar="DIR", help="record the app workers with py-spy during each scenario "
                                                          "(collapsed stacks; see bench/README.md)")
    parser.add_argument("--quick", action="store_true", help="smaller numbers: 500 registrations, 300 page requests, "
                                                             "1000 recipients")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.page_requests, args.recipients = 500, 300, 1000
    args.scenario_list = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    try:
        args.concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    except ValueError:
        parser.error("--concurrency takes whole numbers, e.g. 16,50")
    args.concurrency = max(args.concurrencies)
    servers = [s.strip() for s in args.server.split(",") if s.strip()] or [""]
    if unknown := set(servers) - set(SERVERS) - {""}:
        parser.error(f"unknown server(s): {', '.join(sorted(unknown))}")
    if unknown := set(args.scenario_list) - set(SCENARIOS):
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    args.shape_list = list(dict.fromkeys(s.strip() for s in args.shape.split(",") if s.strip()))
    if not args.shape_list or set(args.shape_list) - set(SHAPES):
        parser.error(f"--shape: one or both of {', '.join(SHAPES)}")
    if args.requests <= CAPACITY:
        parser.error(f"--requests must be more than the capacity ({CAPACITY})")
    plugins = [p.strip() for p in args.plugins.split(",") if p.strip()] or detect_plugins()
    # Bytecode as a production install (pip install .) has it; the editable .venv has none where
    # PYTHONDONTWRITEBYTECODE is set (as on the benchmark machine), and every process compiled
    # the project's modules again (about 0.07 s per process).
    subprocess.run([PYTHON, "-m", "compileall", "-q", "core", "plugins"], cwd=ROOT, check=True)

    def on_term(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    t0 = time.perf_counter()
    results, failures = [], []
    for kind, server in [(d.strip(), s) for d in args.db.split(",") if d.strip() for s in servers]:
        try:
            results.append(Bench(kind, args, plugins, server).run())
        except KeyboardInterrupt:
            print("interrupted; servers stopped", flush=True)
            return 130
        except Exception as exc:  # report and go on with the next database
            failures.append((f"{kind} {server}".strip(), repr(exc)))
            print(f"[{kind} {server}] FAILED: {exc}", flush=True)

    print()
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}")
    print(f"versions: {versions(results)}")
    print(f"settings: plugins={','.join(plugins)} workers={args.workers} concurrency={','.join(map(str, args.concurrencies))} "
          f"registrations={args.requests} capacity={CAPACITY} events={args.events} page-requests={args.page_requests} "
          f"recipients={args.recipients} shapes={','.join(args.shape_list)}")
    print("SQL/req: statements per request before the response (+ after it and in the background: event delivery, "
          "outbox); SQL target: issue 18's limit for before the response")
    print()
    for line in table(results):
        print(line)
    print()
    ok = not failures
    for res in results:
        for note in res["notes"]:
            print(f"[{res['label']}] {note}")
        failed = [name for name, passed in res["checks"].items() if not passed]
        print(f"[{res['label']}] correctness checks: {len(res['checks']) - len(failed)}/{len(res['checks'])} passed"
              + (f"; FAILED: {'; '.join(failed)}" if failed else ""))
        ok &= not failed
    for kind, err in failures:
        print(f"[{kind}] FAILED: {err}")
    print(f"\ntotal time: {time.perf_counter() - t0:.1f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
