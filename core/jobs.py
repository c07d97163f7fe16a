"""Periodic jobs: the one way to schedule work in the app, for the core and for plugins (``background_tasks``).

A job belongs to a plugin and runs for the Quartiere where that plugin is switched on: each time it is due,
the runner reads those Quartiere and calls ``await job.run(deployment, quartiere)`` with their ids (a
``frozenset``), or skips the run while the plugin is off everywhere. A job whose work belongs to no Quartier
(sending the outbox, deletion deadlines the law sets whatever is switched on) declares ``deployment_wide=True``
and gets ``None``. An exception is logged and the job runs again next time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.config import ConfigError
from core.quartiere.service import quartiere_with_plugin

if TYPE_CHECKING:
    from core.deployment import Deployment

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """Run ``await run(deployment, quartiere)`` every ``seconds``; ``quartiere`` is None for a deployment-wide job."""

    seconds: float
    run: Callable[[Deployment, frozenset[int] | None], Awaitable[None]]
    deployment_wide: bool = False


def plugin_jobs(answers: dict[str, list[Job] | None]) -> list[tuple[str, Job]]:
    """``(plugin, job)`` for each plugin's ``background_tasks`` answer; anything but a ``Job`` stops the start."""
    jobs = []
    for plugin, answer in answers.items():
        for job in answer or []:
            if not isinstance(job, Job):
                raise ConfigError(f"Plugin '{plugin}': background_tasks must return Job items "
                                  f"(core.plugin_api.Job), not {type(job).__name__}.")
            jobs.append((plugin, job))
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


async def run_periodically(deployment: Deployment, plugin: str, job: Job) -> None:
    while True:
        await asyncio.sleep(job.seconds)
        try:
            await run_once(deployment, plugin, job)
        except Exception:
            log.exception("job %s of %s failed", getattr(job.run, "__qualname__", job.run), plugin)
