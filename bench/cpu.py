"""CPU per request of the public pages, in one process (noise on a shared machine moves it little).

    .venv/bin/python bench/cpu.py [--db sqlite|postgres] [--tree DIR ...] [--rounds 3] [--requests 300]
    .venv/bin/python bench/cpu.py --rounds 1 --only "events API" --profile tottime   # where the time goes
    .venv/bin/python bench/cpu.py --rounds 1 --only "list page" --spy /tmp/spy   # py-spy, warm-up included

Seeds a database as bench/run.py does (demo + 200 events), then, for each round and each source tree
(default: this one; e.g. an unpacked `git archive` of the commit before a change), starts one process
that builds the app and sends the requests straight to its ASGI callable, one at a time, after a
warm-up: `time.process_time()` per request, in ms. Trees alternate within a round, so before/after
compare within the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def cases(seed: dict, events: int) -> dict[str, tuple[list[str], dict[str, str]]]:
    slug, german, english = seed["quartier"], {}, {"accept-language": "en"}
    api = f"/api/quartiere/{slug}/events?limit={events}"
    return {
        "list page": ([f"/{slug}"], german),
        "event page": (seed["event_paths"], german),
        "events API": ([api], german),
        "legal page": (["/impressum"], german),  # the floor: middleware and the base template
        "list page (en)": ([f"/{slug}"], english),
        "events API (en)": ([api], english),
    }


async def _measure(config: dict) -> dict[str, float]:
    from core.app import create_app_from_environment

    app = create_app_from_environment()
    startup: asyncio.Queue = asyncio.Queue()
    await startup.put({"type": "lifespan.startup"})
    started = asyncio.Event()

    async def life_send(message: dict) -> None:
        if message["type"].startswith("lifespan.startup"):
            started.set()

    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, startup.get, life_send))
    await started.wait()

    async def get(path: str, headers: dict[str, str]) -> int:
        route, _sep, query = path.partition("?")
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
                 "path": route, "raw_path": route.encode(), "query_string": query.encode(), "root_path": "",
                 "headers": [(b"host", b"127.0.0.1")] + [(k.encode(), v.encode()) for k, v in headers.items()],
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80), "state": {}}
        status = 0

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    result = {}
    for name, (paths, headers) in config["cases"].items():
        for i in range(config["warm"]):
            status = await get(paths[i % len(paths)], headers)
            if status != 200:
                raise SystemExit(f"{name}: {paths[i % len(paths)]} answered {status}")
        profiler = cProfile.Profile() if config.get("profile") else None
        t0 = time.process_time()
        if profiler:
            profiler.enable()
        for i in range(config["requests"]):
            await get(paths[i % len(paths)], headers)
        if profiler:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats(config["profile"]).print_stats(config["top"])
        result[name] = (time.process_time() - t0) * 1000 / config["requests"]
    await startup.put({"type": "lifespan.shutdown"})
    await lifespan
    return result


def prepare(db_kind: str, tmp: Path, events: int) -> tuple[Any, Path, dict]:
    sys.path.insert(0, str(ROOT))
    from bench.run import PYTHON, QUARTIER, PostgresDB, SqliteDB

    db = SqliteDB(tmp) if db_kind == "sqlite" else PostgresDB(tmp)
    cfg = tmp / "quartier.toml"
    cfg.write_text('deployment_name = "Bench"\nplugins = ["registration", "notifications", "exhibition"]\n'
                   f'secret_key = "{uuid.uuid4().hex}{uuid.uuid4().hex}"\ndatabase_url = "{db.app_url}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    subprocess.run([*QUARTIER, "--config", str(cfg), "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    seeded = subprocess.run([PYTHON, str(ROOT / "bench" / "seed.py"), str(events), "0", "cpu@example.org", uuid.uuid4().hex],
                            cwd=ROOT, env=dict(env, QUARTIER_CONFIG=str(cfg)), check=True, capture_output=True, text=True)
    return db, cfg, json.loads(seeded.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--tree", action="append", help="source tree to measure (repeatable; default: this one)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warm", type=int, default=50)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--only", action="append", help="case names to run (repeatable)")
    parser.add_argument("--profile", choices=("cumulative", "tottime"), help="print cProfile's top functions per case")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--spy", help="record each child with py-spy into this folder (collapsed stacks for "
                                      "bench/profile_summary.py)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child: a JSON config
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(_measure(json.loads(args.measure)))))
        return 0
    trees = [Path(t).resolve() for t in args.tree or [str(ROOT)]]
    with tempfile.TemporaryDirectory(prefix="quartier-cpu-") as tmp:
        db, cfg, seed = prepare(args.db, Path(tmp), args.events)
        try:
            chosen = {k: v for k, v in cases(seed, args.events).items() if not args.only or k in args.only}
            config = json.dumps({"cases": chosen, "requests": args.requests, "warm": args.warm, "profile": args.profile,
                                 "top": args.top})
            env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
            results: dict[str, dict[str, list[float]]] = {str(t): {} for t in trees}
            for _round in range(args.rounds):
                for n, tree in enumerate(trees):
                    child = [sys.executable, str(ROOT / "bench" / "cpu.py"), "--measure", config]
                    if args.spy:
                        Path(args.spy).mkdir(parents=True, exist_ok=True)
                        spy = shutil.which("py-spy", path=os.path.dirname(sys.executable)) or "py-spy"
                        child = [spy, "record", "--format", "raw", "--rate", "1000", "--nonblocking",
                                 "-o", str(Path(args.spy) / f"{args.db}-{n}-{_round}.txt"), "--", *child]
                    out = subprocess.run(child, cwd=tree,
                                         env=dict(env, QUARTIER_CONFIG=str(cfg), PYTHONPATH=str(tree)),
                                         check=True, capture_output=True, text=True)
                    if args.profile:
                        print(out.stderr)
                    for name, ms in json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1]).items():
                        results[str(tree)].setdefault(name, []).append(ms)
        finally:
            db.close()
    print(f"CPU ms per request ({args.db}, {args.requests} requests after {args.warm} warm-up, {args.rounds} rounds)")
    for tree, by_case in results.items():
        print(tree)
        for name, values in by_case.items():
            print(f"  {name:18} " + " / ".join(f"{v:.2f}" for v in values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
