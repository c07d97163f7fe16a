"""The admins' page of scheduled jobs: what runs when, how the last run went."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from litestar import Request, get
from litestar.response import Template

from core.deployment import current
from core.jobs.types import Job
from core.jobs.service import deployment_jobs
from core.jobs.tables import JobRecord
from core.web import auth
from core.web.auth import require_staff
from core.web.i18n import format_number, gettext as _
from core.web.rendering import page


def schedule_text(job: Job) -> str:
    if job.daily_at is not None:
        return _("täglich um {time}").format(time=job.daily_at)
    seconds = job.interval
    if seconds >= 3600 and seconds % 3600 == 0:
        return _("alle {n} Std.").format(n=int(seconds // 3600))
    if seconds >= 60 and seconds % 60 == 0:
        return _("alle {n} Min.").format(n=int(seconds // 60))
    return _("alle {n} Sek.").format(n=format_number(seconds))


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return _("{n} ms").format(n=round(seconds * 1000)) if seconds < 10 else _("{n} Sek.").format(n=round(seconds))


def result_text(row: dict[str, Any] | None, now: datetime) -> str:
    if row and row["lease_until"] is not None and row["lease_until"] > now:
        return _("läuft gerade")
    results = {"ok": _("erfolgreich"), "failed": _("fehlgeschlagen"), "skipped": _("übersprungen (nirgends eingeschaltet)")}
    return results.get(row["result"] if row else "", _("noch nicht gelaufen"))


@get("/staff/jobs", include_in_schema=False)
async def jobs_page(request: Request[Any, Any, Any]) -> Template:
    staff = await require_staff(request)
    auth.require_role(staff, "admin")
    deployment = current()
    rows = {row["name"]: row for row in await JobRecord.select()}
    now = datetime.now(timezone.utc)
    jobs = []
    for scheduled in deployment_jobs(deployment):
        row = rows.get(scheduled.key)
        jobs.append({
            "plugin": scheduled.plugin, "name": scheduled.job.name, "schedule": schedule_text(scheduled.job),
            "last_started": row and row["last_started"], "duration": duration_text(row and row["duration_seconds"]),
            "result": result_text(row, now), "failed": bool(row and row["result"] == "failed"),
            "failures": row["failures"] if row else 0, "last_error": row["last_error"] if row else "",
            "next_due": row and row["next_due"],
        })
    where = _("in den Web-Prozessen") if deployment.settings.jobs_run_in == "web" else _("nur in „quartier worker“")
    return page(request, "core/staff/jobs.html", {"jobs": jobs, "where": where}, staff=staff)
