"""A job as plugins declare it (``background_tasks``), and the check of their answers."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.config import ConfigError

if TYPE_CHECKING:
    from core.deployment import Deployment

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


@dataclass(frozen=True)
class Job:
    """Run ``await run(deployment, quartiere)`` every ``seconds`` or each day at ``daily_at`` ("HH:MM" in the
    deployment's timezone); ``quartiere`` is None for a ``deployment_wide`` job. ``name`` is stable: the
    deployment remembers the job under it. An ``every_process`` job runs in each process that runs jobs, on
    that process's own timer (work that shares itself out safely, such as claiming from a queue)."""

    name: str
    run: Callable[[Deployment, frozenset[int] | None], Awaitable[None]]
    seconds: float | None = None
    daily_at: str | None = None
    deployment_wide: bool = False
    every_process: bool = False

    def problem(self) -> str | None:
        """What is wrong with the declaration, as the end of a sentence; None when it is fine."""
        if isinstance(self.name, (int, float)):  # Job(seconds, run) of before names were needed
            return "has no name: a Job now starts with its name, Job(\"name\", run, seconds=…)"
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            return f"has the name {self.name!r}; use lower-case letters, digits, '-' and '_'"
        if (self.seconds is None) == (self.daily_at is None):
            return "needs either seconds or daily_at"
        if self.seconds is not None and not self.seconds > 0:
            return "needs seconds above 0"
        if self.daily_at is not None and not _CLOCK.match(str(self.daily_at)):
            return f"has daily_at {self.daily_at!r}; use HH:MM"
        if self.every_process and self.daily_at is not None:
            return "runs in every process on its own timer: give it seconds, not daily_at"
        return None

    @property
    def interval(self) -> float:
        return self.seconds if self.seconds is not None else 24 * 3600

    def next_due(self, after: datetime, tz: str) -> datetime:
        """When the job is due next after a run that started at ``after``."""
        if self.seconds is not None:
            return after + timedelta(seconds=self.seconds)
        hour, minute = (int(part) for part in str(self.daily_at).split(":"))
        local = after.astimezone(ZoneInfo(tz))
        due = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if due <= local:
            due = (local + timedelta(days=1)).replace(hour=hour, minute=minute, second=0, microsecond=0)
        return due.astimezone(timezone.utc)


def plugin_jobs(answers: dict[str, list[Job] | None]) -> list[tuple[str, Job]]:
    """``(plugin, job)`` for each plugin's ``background_tasks`` answer; a wrong answer stops the start."""
    jobs = []
    for plugin, answer in answers.items():
        names: set[str] = set()
        for job in answer or []:
            if not isinstance(job, Job):
                raise ConfigError(f"Plugin '{plugin}': background_tasks must return Job items "
                                  f"(core.plugin_api.Job), not {type(job).__name__}.")
            problem = job.problem() or ("is declared twice" if job.name in names else None)
            if problem:
                raise ConfigError(f"Plugin '{plugin}': job '{job.name}' {problem}.")
            names.add(job.name)
            jobs.append((plugin, job))
    return jobs
