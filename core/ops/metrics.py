"""Prometheus metrics at ``/metrics``, through Litestar's Prometheus plugin.

Litestar's middleware counts requests and their durations per route template (``group_path``: the
route, not the raw path, so ids do not multiply the series). The values of the core and the plugins
(the ``metrics`` hook) are read from the database at each scrape, so every process reports the same.
``quartier serve`` starts its worker processes with ``PROMETHEUS_MULTIPROC_DIR`` set: a scrape then
sums the request figures of all of them.

Only the addresses in the setting ``metrics_addresses`` (default loopback) or a request with
``Authorization: Bearer <metrics_token>`` get an answer; anybody else gets 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from litestar import Response, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from core.deployment import current
from core.domain_events.tables import DomainEventRecord
from core.jobs.service import deployment_jobs
from core.jobs.tables import JobRecord

if TYPE_CHECKING:
    from core.deployment import Deployment

log = logging.getLogger(__name__)
PREFIX = "quartier"
PATH = "/metrics"
_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


@dataclass(frozen=True)
class Metric:
    """One value of a gauge or counter, read when ``/metrics`` is scraped.

    A plugin's metric is published as ``quartier_<plugin>_<name>`` (a counter with ``_total``); values of one
    name with different ``labels`` form one metric, and all of them need the same label names.
    """

    name: str
    help: str
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)
    kind: Literal["gauge", "counter"] = "gauge"


async def core_metrics(deployment: Deployment) -> list[Metric]:
    """The core's own values (published as ``quartier_<name>``): domain events waiting, and each scheduled job."""
    pending = await DomainEventRecord.count().where(DomainEventRecord.dispatched_at.is_null())
    found = [Metric("domain_events_pending", "Domain events not yet delivered to every plugin", pending)]
    now = datetime.now(timezone.utc)
    current_jobs = [scheduled.key for scheduled in deployment_jobs(deployment)]  # not rows of jobs removed since
    for job in await JobRecord.select(JobRecord.name, JobRecord.next_due, JobRecord.failures, JobRecord.duration_seconds).where(
            JobRecord.name.is_in(current_jobs)):
        labels = {"job": job["name"]}
        found += [
            Metric("job_failures_in_a_row", "Failed runs of a scheduled job since its last success", job["failures"], labels),
            Metric("job_overdue_seconds", "How long a scheduled job is past its due time (0: not due)",
                   max(0.0, (now - job["next_due"]).total_seconds()), labels),
            Metric("job_last_duration_seconds", "How long the last run of a scheduled job took",
                   job["duration_seconds"] or 0.0, labels),
        ]
    return found


async def collected(deployment: Deployment) -> list[GaugeMetricFamily | CounterMetricFamily]:
    """The core's and the plugins' metrics as Prometheus families; a malformed one is logged and left out."""
    named = [(PREFIX, metric) for metric in await core_metrics(deployment)]
    answers = await deployment.hooks.metrics(deployment=deployment)
    named.extend((f"{PREFIX}_{plugin}", metric) for plugin, answer in answers.items() for metric in answer or [])
    families: dict[str, Any] = {}
    for prefix, metric in named:
        name, labels = f"{prefix}_{metric.name}", sorted(metric.labels)
        family = families.get(name)
        if family is None and _NAME.fullmatch(name) and all(_NAME.fullmatch(label) for label in labels):
            kind = CounterMetricFamily if metric.kind == "counter" else GaugeMetricFamily
            family = families[name] = kind(name, metric.help, labels=labels)
            family.quartier_labels = labels
        if family is None or family.quartier_labels != labels or family.type != metric.kind:
            log.warning("metric %s left out: invalid name or labels, or another kind or label set than before", name)
            continue
        family.add_metric([str(metric.labels[label]) for label in labels], float(metric.value))
    return list(families.values())


def _by_address(connection: ASGIConnection[Any, Any, Any, Any], allowed: list[str]) -> bool:
    """Whether the client's address is allowed. A forwarded request counts only when a proxy in ``trusted_proxies``
    forwarded it, so that its address is the client's (the last one in X-Forwarded-For); otherwise every client
    of a proxy on this machine would look like loopback."""
    if not connection.client or "forwarded" in connection.headers:
        return False
    forwarded = connection.headers.get("x-forwarded-for")
    if forwarded is not None and connection.client.host != forwarded.split(",")[-1].strip():
        return False
    try:
        address = ipaddress.ip_address(connection.client.host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(entry.strip(), strict=False) for entry in allowed)


async def metrics_access(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """404 unless the client's address is in ``metrics_addresses`` or it sends the bearer ``metrics_token``."""
    settings = current().settings
    sent = connection.headers.get("authorization", "")
    if settings.metrics_token and hmac.compare_digest(sent.encode(), f"Bearer {settings.metrics_token}".encode()):
        return
    if _by_address(connection, settings.metrics_addresses):
        return
    raise NotFoundException()


class MetricsController(PrometheusController):
    """Litestar's ``/metrics`` controller, behind ``metrics_access``, with the core's and the plugins' metrics."""

    path = PATH
    guards = [metrics_access]
    include_in_schema = False

    @get()
    async def get(self) -> Response:  # type: ignore[override]
        requests = await PrometheusController.get.fn(self)  # Litestar's answer: the middleware's request figures
        families = await collected(current())
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collected(families))
        return Response(requests.content + generate_latest(registry), headers={**requests.headers, "Cache-Control": "no-store"})


class _Collected:
    """A one-off prometheus_client collector for families read beforehand (its ``collect`` cannot await)."""

    def __init__(self, families: list[Any]) -> None:
        self.families = families

    def collect(self) -> Any:
        return iter(self.families)


def prometheus_config(deployment: Deployment) -> PrometheusConfig:
    """Request counts and durations per route template, for every route but ``/metrics`` itself."""
    return PrometheusConfig(app_name=PREFIX, prefix=PREFIX, group_path=True, exclude=[f"^{PATH}$"])
