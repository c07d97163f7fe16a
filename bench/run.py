"""Benchmark: scenario "registration rush" on SQLite and PostgreSQL, with a ceiling app.

Run from the project root:
    .venv/bin/python bench/run.py [--db sqlite,postgres] [--requests 2000] [--concurrency 50] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
CAPACITY = 100
EVENT_ID = 1


# -- driver (runs in its own process: `python bench/run.py --drive ...`) ----------------
async def _drive(url: str, n: int, concurrency: int, kind: str) -> dict:
    import httpx

    sem = asyncio.Semaphore(concurrency)
    tag = uuid.uuid4().hex[:8]
    results: list[tuple[int, float]] = []  # (status or -1 on transport error, seconds)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def one(i: int) -> None:
            if kind == "registration":
                path = f"/api/events/{EVENT_ID}/registrations"
                body = {"name": f"Bench Person {i}", "email": f"bench-{tag}-{i}@example.org", "consent": True}
            else:
                path = "/insert"
                body = {"email": f"bench-{tag}-{i}@example.org"}
            async with sem:
                start = time.perf_counter()
                try:
                    resp = await client.post(path, json=body)
                    status = resp.status_code
                except httpx.HTTPError:
                    status = -1
                results.append((status, time.perf_counter() - start))

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        elapsed = time.perf_counter() - t0
    return {"elapsed": elapsed, "results": results}


def drive(url: str, n: int, concurrency: int, kind: str) -> dict:
    """Run the driver in a separate Python process and return its measurements."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--drive", url, str(n), str(concurrency), kind],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return json.loads(out.stdout)


def summarize(run: dict) -> dict:
    lat = sorted(t for _, t in run["results"])
    statuses = [s for s, _ in run["results"]]

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, max(0, round(p / 100 * len(lat)) - 1))] * 1000

    non2xx = sum(1 for s in statuses if not 200 <= s < 300)
    return {
        "rps": len(statuses) / run["elapsed"], "p50": pct(50), "p95": pct(95), "p99": pct(99),
        "non2xx": non2xx, "5xx": sum(1 for s in statuses if s >= 500), "transport": statuses.count(-1),
        "codes": {str(c): statuses.count(c) for c in sorted(set(statuses))},
    }


# -- servers ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_process(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    fh = open(log, "wb")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # our own session: uvicorn master and its workers
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def wait_ready(url: str, path: str, proc: subprocess.Popen, log: Path, method: str = "GET", timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            r = httpx.request(method, url + path, timeout=2, json={"email": "warmup"} if method == "POST" else None)
            if r.status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} not ready after {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")


def error_lines(log: Path) -> tuple[int, list[str]]:
    words = ("Error", "error", "locked", "Traceback")
    lines = [ln for ln in log.read_text(errors="replace").splitlines() if any(w in ln for w in words)]
    return len(lines), lines[-8:]


# -- databases ---------------------------------------------------------------------------------
class SqliteDB:
    name = "sqlite"

    def __init__(self, tmp: Path) -> None:
        self.app_file = tmp / "quartier.sqlite"
        self.ceiling_file = tmp / "ceiling.sqlite"
        self.app_url = f"sqlite:///{self.app_file}"
        self.ceiling_url = f"sqlite:///{self.ceiling_file}"

    def app_sql(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.app_file) as conn:
            rows = conn.execute(sql).fetchall()
        return rows

    def prepare_ceiling(self) -> None:
        with sqlite3.connect(self.ceiling_file) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL)")

    def ceiling_count(self) -> int:
        with sqlite3.connect(self.ceiling_file) as conn:
            return conn.execute("SELECT count(*) FROM bench_rows").fetchone()[0]

    def version(self) -> str:
        return sqlite3.sqlite_version

    def close(self) -> None:
        pass


class PostgresDB:
    name = "postgres"

    def __init__(self, tmp: Path) -> None:
        sys.path.insert(0, str(ROOT))
        from core.testing.postgres import PostgresServer, find_pg_bindir

        bindir = find_pg_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL binaries not found")
        self.server = PostgresServer(bindir).start()
        self.server.create_database("bench_app")
        self.server.create_database("bench_ceiling")
        self.app_url = self.server.dsn("bench_app")
        self.ceiling_url = self.server.dsn("bench_ceiling")

    def app_sql(self, sql: str) -> list[tuple]:
        out = self.server.psql(sql, dbname="bench_app")
        return [tuple(line.split("|")) for line in out.splitlines() if line]

    def prepare_ceiling(self) -> None:
        self.server.psql("CREATE TABLE bench_rows (id serial PRIMARY KEY, email text NOT NULL)", dbname="bench_ceiling")

    def ceiling_count(self) -> int:
        return int(self.server.psql("SELECT count(*) FROM bench_rows", dbname="bench_ceiling").strip())

    def version(self) -> str:
        return self.server.psql("SHOW server_version").strip()

    def close(self) -> None:
        self.server.stop()


# -- one database ---------------------------------------------------------------------------
def bench_db(kind: str, args: argparse.Namespace) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"quartier-bench-{kind}-"))
    db = None
    procs: list[subprocess.Popen] = []
    try:
        db = SqliteDB(tmp) if kind == "sqlite" else PostgresDB(tmp)
        cfg = tmp / "quartier.toml"
        cfg.write_text(
            'deployment_name = "Bench"\n'
            'plugins = ["registration"]\n'
            f'secret_key = "{uuid.uuid4().hex}{uuid.uuid4().hex}"\n'
            f'database_url = "{db.app_url}"\n'
            "\n[registration]\nrate_limit_per_minute = 0\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
        quartier = str(VENV_BIN / "quartier")
        subprocess.run([quartier, "--config", str(cfg), "demo"], cwd=ROOT, env=env, check=True,
                       capture_output=True, text=True)
        db.app_sql(f"UPDATE registration_forms SET capacity = {CAPACITY}, double_opt_in = false WHERE event = {EVENT_ID}")
        form = db.app_sql(f"SELECT capacity, taken, waitlist_enabled FROM registration_forms WHERE event = {EVENT_ID}")
        print(f"[{kind}] demo loaded, form (capacity, taken, waitlist) = {form}", flush=True)

        # The app, started as an operator would.
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = tmp / "serve.log"
        proc = start_process([quartier, "--config", str(cfg), "serve", "--host", "127.0.0.1", "--port", str(port),
                              "--workers", str(args.workers)], env, log)
        procs.append(proc)
        wait_ready(url, "/healthz", proc, log)
        print(f"[{kind}] app ready, driving {args.requests} registrations ...", flush=True)
        app_run = summarize(drive(url, args.requests, args.concurrency, "registration"))
        avail = __import__("httpx").get(f"{url}/api/events/{EVENT_ID}/availability", timeout=10).json()
        stop_process(proc)
        app_log_tail = error_lines(log)

        # Verification in the database.
        waitlisted = db.app_sql(
            f"SELECT count(*), count(DISTINCT waitlist_seq), min(waitlist_seq), max(waitlist_seq) "
            f"FROM registrations WHERE event = {EVENT_ID} AND status = 'waitlisted'")[0]
        waitlisted = tuple(int(x) if x not in (None, "") else None for x in waitlisted)
        held = db.app_sql(f"SELECT count(*), coalesce(sum(seats), 0) FROM registrations "
                          f"WHERE event = {EVENT_ID} AND status IN ('unconfirmed', 'confirmed')")[0]
        held = tuple(int(x) for x in held)
        total_regs = int(db.app_sql(f"SELECT count(*) FROM registrations WHERE event = {EVENT_ID}")[0][0])
        n_wait = args.requests - CAPACITY
        checks = {
            "availability.seats_taken == 100": avail.get("seats_taken") == CAPACITY,
            "seat-holding registrations == 100": held == (CAPACITY, CAPACITY),
            f"waitlisted == {n_wait}, seqs 1..{n_wait} distinct": waitlisted == (n_wait, n_wait, 1, n_wait),
            f"registrations total == {args.requests}": total_regs == args.requests,
        }
        verification = {"availability": avail, "held(count,seats)": held,
                        "waitlisted(count,distinct_seq,min,max)": waitlisted, "total": total_regs, "checks": checks}

        # Ceiling: same kind of database, same worker count, same driver.
        db.prepare_ceiling()
        cport = free_port()
        curl = f"http://127.0.0.1:{cport}"
        clog = tmp / "ceiling.log"
        cenv = dict(env, BENCH_DB_URL=db.ceiling_url)
        cproc = start_process([str(VENV_BIN / "uvicorn"), "bench.ceiling_app:app", "--host", "127.0.0.1",
                               "--port", str(cport), "--workers", str(args.workers), "--log-level", "warning",
                               "--no-access-log"], cenv, clog)
        procs.append(cproc)
        wait_ready(curl, "/insert", cproc, clog, method="POST")
        print(f"[{kind}] ceiling ready, driving {args.requests} inserts ...", flush=True)
        ceiling_run = summarize(drive(curl, args.requests, args.concurrency, "ceiling"))
        stop_process(cproc)
        ceiling_rows = db.ceiling_count()  # includes the one warm-up insert

        return {"db": kind, "app": app_run, "ceiling": ceiling_run, "verification": verification,
                "ceiling_rows": ceiling_rows, "version": db.version(), "app_log_tail": app_log_tail,
                "ceiling_log_tail": error_lines(clog)}
    finally:
        for p in procs:
            stop_process(p)
        if db is not None:
            db.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--drive":
        url, n, c, kind = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        print(json.dumps(asyncio.run(_drive(url, n, c, kind))))
        return 0

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.requests <= CAPACITY:
        parser.error(f"--requests must be more than the capacity ({CAPACITY})")

    t0 = time.perf_counter()
    results, failures = [], []
    for kind in [d.strip() for d in args.db.split(",") if d.strip()]:
        try:
            results.append(bench_db(kind, args))
        except Exception as exc:  # report and go on with the next database
            failures.append((kind, repr(exc)))
            print(f"[{kind}] FAILED: {exc}", flush=True)

    import litestar
    import piccolo

    print()
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}")
    versions = [f"python {platform.python_version()}", f"litestar {litestar.__version__.formatted(short=True)}"
                if hasattr(litestar.__version__, "formatted") else f"litestar {litestar.__version__}",
                f"piccolo {piccolo.__VERSION__}", f"sqlite {sqlite3.sqlite_version}"]
    versions += [f"postgresql {r['version']}" for r in results if r["db"] == "postgres"]
    print("versions: " + ", ".join(versions))
    print(f"settings: requests={args.requests} concurrency={args.concurrency} workers={args.workers} capacity={CAPACITY}")
    print()
    header = f"{'scenario':<18} {'db':<9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'ceiling req/s':>14} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for r in results:
        a, c = r["app"], r["ceiling"]
        print(f"{'registration rush':<18} {r['db']:<9} {a['rps']:>8.1f} {a['p50']:>8.1f} {a['p95']:>8.1f} {a['p99']:>8.1f} "
              f"{a['non2xx']:>7} {c['rps']:>14.1f} {a['rps'] / c['rps']:>6.2f}")
    print()
    ok = not failures
    for r in results:
        a, c, v = r["app"], r["ceiling"], r["verification"]
        print(f"[{r['db']}] app status codes {a['codes']} (5xx: {a['5xx']}, transport errors: {a['transport']})")
        print(f"[{r['db']}] ceiling status codes {c['codes']} (5xx: {c['5xx']}), rows inserted {r['ceiling_rows']} "
              f"(incl. 1 warm-up); ceiling p50/p95/p99 ms {c['p50']:.1f}/{c['p95']:.1f}/{c['p99']:.1f}")
        print(f"[{r['db']}] verification: seats_taken={v['availability'].get('seats_taken')} "
              f"held(count,seats)={v['held(count,seats)']} waitlisted(count,distinct_seq,min,max)="
              f"{v['waitlisted(count,distinct_seq,min,max)']} total={v['total']}")
        for name, passed in v["checks"].items():
            print(f"[{r['db']}]   {'PASS' if passed else 'FAIL'}  {name}")
            ok &= passed
        ok &= a["non2xx"] == 0
        for label, (count, lines) in (("app", r["app_log_tail"]), ("ceiling", r["ceiling_log_tail"])):
            if count:
                print(f"[{r['db']}] {label} server log: {count} error line(s), last ones:")
                for ln in lines:
                    print(f"    {ln}")
    for kind, err in failures:
        print(f"[{kind}] FAILED: {err}")
    print(f"\ntotal time: {time.perf_counter() - t0:.1f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
