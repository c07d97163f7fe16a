"""``/readyz``: may this process take traffic? The database answers, its migrations are current, and every
plugin's ``readiness_checks`` pass. 200 with the checks as JSON, or 503 naming the ones that failed.

``/healthz`` only says the process is alive (for restarting it); ``/readyz`` is for the load balancer.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from litestar import Response, get

from core.db.migrations import pending_migrations
from core.deployment import current
from core.quartiere.tables import Quartier

if TYPE_CHECKING:
    from core.deployment import Deployment

log = logging.getLogger(__name__)
DATABASE_TIMEOUT = 5.0  # seconds; a database slower than this counts as unreachable


@dataclass(frozen=True)
class ReadinessCheck:
    """One answer of a ``readiness_checks`` hook: ``name``, whether it is ``ready``, and ``detail``: one sentence
    for the operator (say what is wrong and what to do; no personal data)."""

    name: str
    ready: bool
    detail: str = ""


async def readiness(deployment: Deployment) -> list[ReadinessCheck]:
    """The core's checks, then each plugin's (named ``<plugin>.<name>``); a plugin whose hook raised fails as ``<plugin>``."""
    try:
        await asyncio.wait_for(Quartier.count(), DATABASE_TIMEOUT)
    except Exception:
        log.exception("readiness: the database did not answer")
        return [ReadinessCheck("database", False, "The database does not answer.")]
    checks = [ReadinessCheck("database", True)]
    try:
        pending = await pending_migrations(deployment.apps)
    except Exception:
        log.exception("readiness: the applied migrations cannot be read")
        pending = {"core": ["?"]}
    checks.append(ReadinessCheck("migrations", not pending, "" if not pending else (
        f"Migrations are not applied ({', '.join(sorted(pending))}): run `quartier db migrate`.")))
    results = await deployment.hooks.readiness_checks(deployment=deployment)
    for plugin, answer in results.items():
        for check in answer or []:
            checks.append(ReadinessCheck(f"{plugin}.{check.name}", bool(check.ready), check.detail))
    for plugin in results.failed:
        checks.append(ReadinessCheck(plugin, False, f"The readiness check of plugin '{plugin}' failed (see the log)."))
    return checks


@get("/readyz", include_in_schema=False)
async def readyz() -> Response[dict[str, Any]]:
    checks = await readiness(current())
    failed = [check.name for check in checks if not check.ready]
    body = {"status": "not ready" if failed else "ready", "failed": failed, "checks": [asdict(c) for c in checks]}
    return Response(body, status_code=503 if failed else 200, headers={"Cache-Control": "no-store"})
