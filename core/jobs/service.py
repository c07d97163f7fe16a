"""The scheduler. The deployment remembers each job in the ``scheduled_jobs`` table; a job runs once per due
time however many processes run it, because a process claims it with one conditional UPDATE (due, and no live lease) that
SQLite's write lock and PostgreSQL's row lock both let through once. The lease is renewed while the job runs
and runs out when its process dies. A job overdue at start runs at once, once, however many runs were missed;
a failure is logged, stored and retried after min(interval, 1, 5, 15 minutes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import traceback
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.jobs.types import Job, plugin_jobs
from core.jobs.tables import JobRecord
from core.quartiere.service import quartiere_with_plugin

if TYPE_CHECKING:
    from core.deployment import Deployment

log = logging.getLogger(__name__)

LEASE_SECONDS = 60  # renewed every third of it while the job runs
CHECK_SECONDS = 60  # a waiting process looks at the table at least this often
BACKOFF_SECONDS = (60, 300, 900)  # after the 1st, 2nd, 3rd and later failures in a row (at most the interval)


@dataclass(frozen=True)
class Scheduled:
    """A job of the deployment under its stored key ``<plugin>.<name>``."""

    plugin: str
    job: Job

    @property
    def key(self) -> str:
        return f"{self.plugin}.{self.job.name}"


def core_jobs() -> list[Job]:
    """The core's own jobs: deployment-wide upkeep."""
    from core.domain_events.service import delete_old_events, redeliver_job
    from core.web.store import delete_expired

    def wide(name: str, seconds: float, upkeep: Any) -> Job:
        async def run(deployment: Deployment, _quartiere: frozenset[int] | None) -> None:
            await upkeep(deployment)

        return Job(name, run, seconds=seconds, deployment_wide=True)

    return [wide("redeliver-domain-events", 30, redeliver_job), wide("delete-expired-values", 3600, delete_expired),
            wide("delete-old-domain-events", 3600, delete_old_events)]


def deployment_jobs(deployment: Deployment) -> list[Scheduled]:
    """Every job of the deployment: the core's and the loaded plugins'."""
    jobs = [Scheduled("core", job) for job in core_jobs()]
    jobs.extend(Scheduled(plugin, job) for plugin, job in plugin_jobs(deployment.hooks.background_tasks(deployment=deployment)))
    return jobs


async def run_once(deployment: Deployment, plugin: str, job: Job) -> bool:
    """Run a job once for the Quartiere where ``plugin`` is on; False when it was skipped (off everywhere)."""
    if job.deployment_wide:
        await job.run(deployment, None)
        return True
    quartiere = await quartiere_with_plugin(plugin)
    if not quartiere:
        return False
    await job.run(deployment, quartiere)
    return True


def _now() -> datetime:
    return datetime.now(timezone.utc)


def error_line(exc: BaseException) -> str:
    """One line for the table and the staff page: the exception type and where it was raised. The message
    stays in the log: it may name a person (an address the mail server refused)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return type(exc).__name__
    frame = frames[-1]
    return f"{type(exc).__name__} ({Path(frame.filename).name}:{frame.lineno})"


def process_name() -> str:
    """Who holds a lease: host, process id and a random part (a pid is reused after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def remember(deployment: Deployment, jobs: list[Scheduled]) -> None:
    """Add a row for each job the table does not know yet (first due one interval or at the next daily time
    from now); bring a stored due time forward when the schedule became shorter."""
    now, tz = _now(), deployment.settings.timezone
    for scheduled in jobs:
        due = scheduled.job.next_due(now, tz)
        await JobRecord.insert(JobRecord(name=scheduled.key, next_due=due)).on_conflict(
            target=JobRecord.name, action="DO NOTHING")
        await JobRecord.update({JobRecord.next_due: due}).where(
            (JobRecord.name == scheduled.key) & (JobRecord.next_due > due))


async def run_if_due(deployment: Deployment, scheduled: Scheduled, owner: str) -> str | None:
    """Claim the job if it is due and nobody holds it, run it and store the outcome ("ok", "failed",
    "skipped"); None when it was not claimed."""
    started = _now()
    job, clock = scheduled.job, time.monotonic()
    if job.every_process:  # no lease: every process runs it when its own timer says so; the row records the last run
        claimed = await JobRecord.update({JobRecord.last_started: started}).where(
            JobRecord.name == scheduled.key).returning(JobRecord.failures)
        mine = JobRecord.name == scheduled.key
    else:
        claimed = await JobRecord.update(
            {JobRecord.lease_owner: owner, JobRecord.lease_until: started + timedelta(seconds=LEASE_SECONDS),
             JobRecord.last_started: started}
        ).where(
            (JobRecord.name == scheduled.key) & (JobRecord.next_due <= started)
            & (JobRecord.lease_until.is_null() | (JobRecord.lease_until < started))
        ).returning(JobRecord.failures)
        mine = (JobRecord.name == scheduled.key) & (JobRecord.lease_owner == owner)
    if not claimed:
        return None

    async def keep_lease() -> None:
        while not job.every_process:
            await asyncio.sleep(LEASE_SECONDS / 3)
            await JobRecord.update({JobRecord.lease_until: _now() + timedelta(seconds=LEASE_SECONDS)}).where(mine)

    heartbeat = asyncio.create_task(keep_lease())
    error, failures = "", 0
    try:
        result = "ok" if await run_once(deployment, scheduled.plugin, job) else "skipped"
    except Exception as exc:
        log.exception("job %s failed", scheduled.key)
        result, error, failures = "failed", error_line(exc), claimed[0]["failures"] + 1
    except asyncio.CancelledError:  # the process stops: the job stays due, free for the next process at once
        with contextlib.suppress(Exception):
            await JobRecord.update({JobRecord.lease_owner: "", JobRecord.lease_until: None}).where(mine)
        raise
    finally:
        heartbeat.cancel()
        await asyncio.gather(heartbeat, return_exceptions=True)
    finished = _now()
    if failures:
        retry = min(job.interval, BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS)) - 1])
        next_due = finished + timedelta(seconds=retry)
    else:
        next_due = job.next_due(started, deployment.settings.timezone)
    stored = await JobRecord.update({
        JobRecord.last_finished: finished, JobRecord.duration_seconds: round(time.monotonic() - clock, 3),
        JobRecord.result: result, JobRecord.last_error: error, JobRecord.failures: failures,
        JobRecord.next_due: next_due, JobRecord.lease_owner: "", JobRecord.lease_until: None,
    }).where(mine).returning(JobRecord.id)
    if not stored:
        log.warning("job %s outlived its lease; its outcome (%s) is not stored", scheduled.key, result)
    return result


async def run_due(deployment: Deployment, owner: str | None = None) -> dict[str, str]:
    """Run every job that is due now, one after the other; ``{key: result}`` of those this process ran."""
    jobs = deployment_jobs(deployment)
    await remember(deployment, jobs)
    owner = owner or process_name()
    results = {}
    for scheduled in jobs:
        result = await run_if_due(deployment, scheduled, owner)
        if result is not None:
            results[scheduled.key] = result
    return results


async def _keep_running(deployment: Deployment, scheduled: Scheduled, owner: str) -> None:
    poll = min(CHECK_SECONDS, scheduled.job.interval)
    remembered = False
    while True:
        try:
            if not remembered:
                await remember(deployment, [scheduled])
                remembered = True
                if scheduled.job.every_process:  # first one interval after the start, as a new job
                    await asyncio.sleep(scheduled.job.interval)
            if await run_if_due(deployment, scheduled, owner) is None:
                row = await JobRecord.select(JobRecord.next_due).where(JobRecord.name == scheduled.key).first()
                wait = (row["next_due"] - _now()).total_seconds() if row else poll
                await asyncio.sleep(min(wait if wait > 0 else poll, CHECK_SECONDS))  # due but held elsewhere: poll
            elif scheduled.job.every_process:
                await asyncio.sleep(scheduled.job.interval)  # its own timer, whatever the others did
        except asyncio.CancelledError:
            raise
        except Exception:  # the database is away: try again later
            log.exception("scheduling job %s failed", scheduled.key)
            await asyncio.sleep(poll)


@contextlib.asynccontextmanager
async def running_jobs(deployment: Deployment) -> AsyncIterator[list[Scheduled]]:
    """While open, this process runs the deployment's jobs when they are due (and no other process does).
    A database that is away (or not migrated yet) is logged and tried again; it does not stop the start."""
    jobs = deployment_jobs(deployment)
    owner = process_name()
    tasks = [asyncio.create_task(_keep_running(deployment, scheduled, owner)) for scheduled in jobs]
    try:
        yield jobs
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
