"""The job scheduler: one run per due time in the whole deployment, catching up at start, failures retried and shown."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.config import ConfigError
from core.jobs import service as jobs
from core.jobs.types import Job, plugin_jobs
from core.jobs.service import Scheduled, remember, run_if_due
from core.jobs.tables import JobRecord

QUARTIER = str(Path(sys.executable).parent / "quartier")


def now() -> datetime:
    return datetime.now(timezone.utc)


class Counter:
    """A job that counts its runs and how many of them overlapped; it fails while ``error`` is set."""

    def __init__(self, pause: float = 0.0) -> None:
        self.runs = 0
        self.active = self.most_active = 0
        self.pause = pause
        self.error: Exception | None = None

    async def __call__(self, deployment, quartiere) -> None:
        self.runs += 1
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            await asyncio.sleep(self.pause)
            if self.error is not None:
                raise self.error
        finally:
            self.active -= 1


@pytest.fixture
def core_job(monkeypatch):
    """``core_job(job)``: the deployment's jobs are this one only (as the core's), for apps and workers in this process."""

    def install(job: Job) -> Scheduled:
        monkeypatch.setattr(jobs, "core_jobs", lambda: [job])
        return Scheduled("core", job)

    return install


async def stored(key: str) -> dict:
    return await JobRecord.select().where(JobRecord.name == key).first()


async def wait_until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


# -- declaring jobs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("job, problem", [
    (Job("Große Aufgabe", Counter(), seconds=60), "job 'Große Aufgabe' has the name 'Große Aufgabe'; use lower-case"),
    (Job("tick", Counter()), "job 'tick' needs either seconds or daily_at"),
    (Job("tick", Counter(), seconds=60, daily_at="03:30"), "job 'tick' needs either seconds or daily_at"),
    (Job("tick", Counter(), seconds=0), "job 'tick' needs seconds above 0"),
    (Job("tick", Counter(), daily_at="3 Uhr"), "job 'tick' has daily_at '3 Uhr'; use HH:MM"),
])
def test_a_wrong_job_stops_the_start_with_one_sentence(job, problem):
    with pytest.raises(ConfigError, match=rf"^Plugin 'rooms': {problem}"):
        plugin_jobs({"rooms": [job]})


def test_a_job_name_is_used_once_per_plugin():
    run = Counter()
    with pytest.raises(ConfigError, match=r"^Plugin 'rooms': job 'tick' is declared twice\.$"):
        plugin_jobs({"rooms": [Job("tick", run, seconds=60, deployment_wide=True), Job("tick", run, daily_at="03:30")]})
    assert len(plugin_jobs({"rooms": [Job("tick", run, seconds=60, deployment_wide=True)], "hall": [Job("tick", run, seconds=60, deployment_wide=True)]})) == 2


def test_the_next_daily_time_is_in_the_deployment_timezone():
    job = Job("purge", Counter(), daily_at="03:30")
    winter = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    assert job.next_due(winter, "Europe/Berlin") == datetime(2026, 12, 7, 2, 30, tzinfo=timezone.utc)
    summer_early = datetime(2026, 7, 1, 1, 0, tzinfo=timezone.utc)  # 03:00 in Berlin: today's 03:30 is still ahead
    assert job.next_due(summer_early, "Europe/Berlin") == datetime(2026, 7, 1, 1, 30, tzinfo=timezone.utc)


# -- one run per due time -----------------------------------------------------------------------------------
async def test_two_deployments_on_one_database_run_a_due_job_once(make_deployment):
    first = await make_deployment()
    second = await make_deployment()  # a second deployment (another node) on the same database
    run = Counter(pause=0.05)
    scheduled = Scheduled("core", Job("daily", run, daily_at="03:30", deployment_wide=True))
    await remember(first, [scheduled])
    await remember(second, [scheduled])
    assert await JobRecord.count() == 1
    await JobRecord.update({JobRecord.next_due: now() - timedelta(days=3)}).where(JobRecord.name == "core.daily")

    results = await asyncio.gather(*(run_if_due(deployment, scheduled, f"node-{i}")
                                     for i in range(10) for deployment in (first, second)))
    assert run.runs == 1 and results.count("ok") == 1 and results.count(None) == 19  # three missed days: one catch-up run
    row = await stored("core.daily")
    assert row["next_due"] > now() and row["result"] == "ok" and row["lease_owner"] == "" and row["lease_until"] is None
    assert await run_if_due(first, scheduled, "node-0") is None and run.runs == 1  # not due again before 03:30


async def test_two_schedulers_never_overlap_and_keep_the_interval(make_deployment, core_job):
    first = await make_deployment()
    second = await make_deployment()
    run = Counter(pause=0.05)
    core_job(Job("often", run, seconds=0.2, deployment_wide=True))
    started = time.monotonic()
    # a pool, as the app has: a scheduler stopped mid-query gives its connection back instead of leaking it
    await second.engine.start_connection_pool(min_size=1, max_size=5)
    try:
        async with jobs.running_jobs(first), jobs.running_jobs(second):
            await JobRecord.update({JobRecord.next_due: now()}).where(JobRecord.name == "core.often")
            await asyncio.sleep(2)
    finally:
        await second.engine.close_connection_pool()
    elapsed = time.monotonic() - started
    assert run.most_active == 1  # never two runs at once
    assert 3 <= run.runs <= elapsed / 0.2 + 1  # once per due time, not once per scheduler


async def test_an_every_process_job_runs_in_each_scheduler_on_its_own_timer(make_deployment, core_job):
    """``every_process``: no lease; two schedulers (two processes) run it at the same time, each every interval."""
    first = await make_deployment()
    second = await make_deployment()
    run = Counter(pause=0.3)
    core_job(Job("send", run, seconds=0.2, deployment_wide=True, every_process=True))
    await second.engine.start_connection_pool(min_size=1, max_size=5)
    try:
        async with jobs.running_jobs(first), jobs.running_jobs(second):
            await wait_until(lambda: _ran(run))
            await asyncio.sleep(1.5)
    finally:
        await second.engine.close_connection_pool()
    assert run.most_active == 2  # both at once
    assert 4 <= run.runs <= 2 * (1.5 / 0.5 + 2)  # each: run 0.3 s, wait 0.2 s
    row = await stored("core.send")
    assert row["result"] == "ok" and row["lease_owner"] == "" and row["lease_until"] is None


async def test_a_lease_of_a_dead_process_runs_out(make_deployment):
    deployment = await make_deployment()
    run = Counter()
    scheduled = Scheduled("core", Job("tick", run, seconds=3600, deployment_wide=True))
    await remember(deployment, [scheduled])
    await JobRecord.update({JobRecord.next_due: now() - timedelta(hours=1), JobRecord.lease_owner: "dead",
                            JobRecord.lease_until: now() + timedelta(seconds=30)}).where(JobRecord.name == "core.tick")
    assert await run_if_due(deployment, scheduled, "alive") is None and run.runs == 0  # still held
    await JobRecord.update({JobRecord.lease_until: now() - timedelta(seconds=1)}).where(JobRecord.name == "core.tick")
    assert await run_if_due(deployment, scheduled, "alive") == "ok" and run.runs == 1


async def test_a_restarted_app_runs_an_overdue_daily_job_at_start_once(make_client, core_job):
    run = Counter()
    core_job(Job("purge", run, daily_at="03:30", deployment_wide=True))
    async with make_client() as first:  # first start: the job is remembered, first due at the next 03:30
        await wait_until(functools.partial(stored, "core.purge"))
        row = await stored("core.purge")
        assert row["next_due"] > now() and run.runs == 0
    # the server was down for three days
    await JobRecord.update({JobRecord.next_due: now() - timedelta(days=3)}).where(JobRecord.name == "core.purge")
    started = time.monotonic()
    async with make_client(deployment=first.deployment):
        await wait_until(lambda: _ran(run))
        assert time.monotonic() - started < 60
        await asyncio.sleep(0.3)
        assert run.runs == 1  # one catch-up run, not three
        row = await stored("core.purge")
        assert row["result"] == "ok" and row["next_due"] > now()


async def _result_is_for(key: str, result: str) -> bool:
    return (await stored(key))["result"] == result


async def _ran(run: Counter) -> bool:
    return run.runs > 0


async def test_a_failing_job_is_retried_shown_to_admins_and_recovers(make_staff_client, core_job, monkeypatch):
    run = Counter()
    run.error = RuntimeError("Mail an erika@example.org abgelehnt")
    core_job(Job("send", run, seconds=0.2, deployment_wide=True))
    logged = []  # (the app's logging set-up replaces pytest's capture handler)
    monkeypatch.setattr(jobs.log, "exception", lambda message, *args: logged.append(message % args))
    async with make_staff_client(role="admin") as admin, make_staff_client(client=admin) as staff:
        await JobRecord.update({JobRecord.next_due: now()}).where(JobRecord.name == "core.send")
        await wait_until(lambda: _failed_twice())  # retried after min(interval, 1 min)
        assert logged[:2] == ["job core.send failed"] * 2  # logged each time, with the traceback

        page = await admin.get("/staff/jobs")
        assert page.status_code == 200
        html = page.text
        assert "Hintergrundaufgaben" in html and "fehlgeschlagen" in html and "Fehlschläge in Folge" in html
        assert "RuntimeError (test_jobs.py:" in html and "alle 0,2 Sek." in html
        assert "erika@example.org" not in html  # the message may name a person: only type and place are stored
        assert 'href="/staff/jobs"' in html  # in the admins' menu

        denied = await staff.get("/staff/jobs")
        assert denied.status_code == 403 and "RuntimeError" not in denied.text
        assert 'href="/staff/jobs"' not in (await staff.get("/staff/")).text

        run.error = None
        await wait_until(lambda: _result_is_for("core.send", "ok"))
        row = await stored("core.send")
        assert row["failures"] == 0 and row["last_error"] == ""
        html = (await admin.get("/staff/jobs")).text
        assert "erfolgreich" in html and "RuntimeError" not in html


async def _failed_twice() -> bool:
    row = await stored("core.send")
    return bool(row) and row["result"] == "failed" and row["failures"] >= 2


async def test_the_jobs_page_lists_every_job_of_core_and_plugins(make_staff_client):
    async with make_staff_client(role="admin", plugins=["registration", "notifications"]) as admin:
        html = (await admin.get("/staff/jobs")).text
    for plugin, name, schedule in [("core", "redeliver-domain-events", "alle 30 Sek."), ("core", "delete-expired-values", "alle 1 Std."),
                                   ("registration", "purge-personal-data", "täglich um 03:30"),
                                   ("notifications", "send", "alle 2 Sek."), ("notifications", "moderation-digests", "alle 30 Min.")]:
        assert f"<td>{plugin}</td><td>{name}</td><td>{schedule}</td>" in html
    assert html.count("noch nicht gelaufen") >= 5 and "in den Web-Prozessen" in html


async def test_with_jobs_run_in_worker_the_web_app_runs_none(make_deployment, make_client):
    deployment = await make_deployment(jobs_run_in="worker")
    run = Counter()
    scheduled = Scheduled("core", Job("tick", run, seconds=60, deployment_wide=True))
    await remember(deployment, [scheduled])
    await JobRecord.update({JobRecord.next_due: now() - timedelta(hours=1)}).where(JobRecord.name == "core.tick")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jobs, "core_jobs", lambda: [scheduled.job])
        async with make_client(deployment=deployment) as client:
            await asyncio.sleep(0.5)
            assert run.runs == 0 and (await stored("core.tick"))["last_started"] is None  # overdue, but not run here
            assert (await client.get("/healthz")).status_code == 200
            assert await jobs.run_due(deployment) == {"core.tick": "ok"}  # what `quartier worker --once` does
    assert run.runs == 1


# -- real processes -------------------------------------------------------------------------------------------
def _config(tmp_path: Path, database_url: str, **core: str) -> Path:
    config = tmp_path / "quartier.toml"
    lines = [f'database_url = "{database_url}"', 'secret_key = "x"', 'plugins = ["registration"]',
             *(f'{key} = "{value}"' for key, value in core.items())]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}


def test_two_worker_processes_run_each_overdue_job_once(tmp_path, database_url):
    config = _config(tmp_path, database_url, jobs_run_in="worker")
    quartier = [QUARTIER, "--config", str(config)]
    env = _environment()
    assert subprocess.run([*quartier, "db", "migrate"], env=env, capture_output=True, timeout=120).returncode == 0
    first = subprocess.run([*quartier, "worker", "--once"], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0 and first.stdout == "", first.stderr  # remembered; nothing due yet

    # every job overdue (a downtime of three days), then two workers at once
    overdue = (now() - timedelta(days=3)).isoformat()
    sql = f"UPDATE scheduled_jobs SET next_due = '{overdue}'"
    if database_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            names = [row[0] for row in conn.execute("SELECT name FROM scheduled_jobs")]
            conn.execute(sql)
    else:
        import asyncpg

        async def update() -> list[str]:
            conn = await asyncpg.connect(database_url)
            try:
                await conn.execute(sql.replace(f"'{overdue}'", f"'{overdue}'::timestamptz"))
                return [row["name"] for row in await conn.fetch("SELECT name FROM scheduled_jobs")]
            finally:
                await conn.close()

        names = asyncio.run(update())
    workers = [subprocess.Popen([*quartier, "worker", "--once"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    ran = [line.split(":")[0] for out, _err in outputs for line in out.splitlines()]
    assert sorted(ran) == sorted(names) and len(names) == 5  # each job once, by one of the two
    assert "registration.purge-personal-data" in ran


def test_the_worker_runs_jobs_until_stopped(tmp_path, database_url):
    config = _config(tmp_path, database_url, jobs_run_in="worker")
    quartier = [QUARTIER, "--config", str(config)]
    env = _environment()
    assert subprocess.run([*quartier, "db", "migrate"], env=env, capture_output=True, timeout=120).returncode == 0
    worker = subprocess.Popen([*quartier, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = worker.stdout.readline()
        assert first_line.startswith("Quartier worker: 5 jobs"), first_line
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0 and "Quartier worker stopped." in out, err


async def test_a_job_stopped_with_its_process_is_free_for_the_next_at_once(make_client, core_job):
    run = Counter(pause=30)
    core_job(Job("long", run, seconds=3600, deployment_wide=True))
    async with make_client() as first:
        await wait_until(functools.partial(stored, "core.long"))
    await JobRecord.update({JobRecord.next_due: now()}).where(JobRecord.name == "core.long")
    async with make_client(deployment=first.deployment):
        await wait_until(lambda: _ran(run))
        assert (await stored("core.long"))["lease_until"] > now()
    row = await stored("core.long")  # the app stopped mid-run: still due, no lease left behind
    assert row["lease_until"] is None and row["next_due"] < now() and row["result"] == ""
    run.pause = 0
    async with make_client(deployment=first.deployment):
        await wait_until(lambda: _result_is_for("core.long", "ok"))
    assert run.runs == 2


def test_an_every_process_job_needs_seconds_not_a_daily_time():
    from core.jobs.types import Job

    async def run(deployment):
        return None

    assert "not daily_at" in Job("nightly", run, daily_at="03:00", every_process=True).problem()
    assert Job("often", run, seconds=2, every_process=True).problem() is None
