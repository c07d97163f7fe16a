"""Several real Quartier processes on one PostgreSQL database: ``make_cluster``.

``cluster = await make_cluster()`` migrates a fresh database of the kit's PostgreSQL server (the test
process is bound to it, so a test creates its content through the services), starts an SMTP server
(aiosmtpd), two web nodes (``quartier serve --workers 1`` of this interpreter's venv, each on a free
127.0.0.1 port with its own data_dir) and one ``quartier worker``, all configured through QUARTIER_*
variables as a production unit would be. Everything is stopped after the test.

A check of something only the processes do together (a job due once runs once, issue 15) is one more
test in test_two_nodes.py: ``make_cluster(env={...})`` sets its settings, ``cluster.restart(name)``
restarts a process, ``cluster.logs()`` reads what each process wrote, ``cluster.sql(...)`` reads the database.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from core.testing.processes import Service, free_port

PLUGINS = ["registration", "notifications", "exhibition"]
QUARTIER = str(Path(sys.executable).parent / "quartier")  # this interpreter's venv
START_TIMEOUT = 90  # seconds; two cores shared with other test workers


@pytest.fixture
def database_url(postgres_database_url: str) -> str:
    """The processes share one database: PostgreSQL only (QUARTIER_REQUIRE_POSTGRES=1 makes its absence a failure)."""
    return postgres_database_url


class Cluster:
    """The processes of one deployment; ``nodes`` are the web processes' base URLs, in order."""

    def __init__(self, deployment: Any, folder: Path, smtp: Any, env: dict[str, str], nodes: int) -> None:
        self.deployment, self.folder, self.smtp = deployment, folder, smtp
        self.env = env
        self.services: dict[str, Service] = {}
        self.nodes: list[str] = []
        for number in range(1, nodes + 1):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            data_dir = folder / f"node{number}"
            data_dir.mkdir()
            self._add(f"node{number}", ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                      {"QUARTIER_DATA_DIR": str(data_dir), "QUARTIER_BASE_URL": url}, url)
            self.nodes.append(url)
        worker_dir = folder / "worker"
        worker_dir.mkdir()
        self._add("worker", ["worker"], {"QUARTIER_DATA_DIR": str(worker_dir)}, None)

    def _add(self, name: str, args: list[str], env: dict[str, str], url: str | None) -> None:
        service = Service(name, [QUARTIER, *args], {**self.env, **env}, self.folder, self.folder / f"{name}.log")
        service.url = url  # type: ignore[attr-defined]
        self.services[name] = service

    def start(self, *names: str) -> None:
        """Start the named processes (all when none are named) together, then wait until each answers."""
        chosen = [self.services[name] for name in names or self.services]
        for service in chosen:
            service.start()
        for service in chosen:
            if service.url:
                service.wait_http(service.url + "/readyz", timeout=START_TIMEOUT)
            else:  # the worker has no port: it must still be alive once the nodes answer
                service.wait_until(lambda: True, timeout=START_TIMEOUT)

    def kill(self, name: str) -> None:
        self.services[name].kill()

    def restart(self, name: str) -> None:
        self.services[name].stop()
        self.start(name)

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()

    def logs(self) -> dict[str, str]:
        return {name: service.log_tail(1 << 20) for name, service in self.services.items()}

    async def sql(self, query: str, *args: Any) -> list[dict[str, Any]]:
        """Rows of a query on the shared database, as dicts."""
        import asyncpg

        conn = await asyncpg.connect(self.deployment.settings.database_url)
        try:
            return [dict(row) for row in await conn.fetch(query, *args)]
        finally:
            await conn.close()


@pytest.fixture
async def make_cluster(make_deployment: Callable[..., Awaitable[Any]], smtp_server: Any, tmp_path: Path,
                       fast_passwords: None) -> AsyncIterator[Callable[..., Awaitable[Cluster]]]:
    """``await make_cluster(nodes=2, env={"QUARTIER_...": "..."})``: a started cluster (see the module's docstring).

    ``start=False`` returns it unstarted, for a test that prepares the database first (a job made overdue)
    and then calls ``cluster.start()``.
    """
    clusters: list[Cluster] = []

    async def make(nodes: int = 2, env: dict[str, str] | None = None, start: bool = True) -> Cluster:
        deployment = await make_deployment(PLUGINS)
        settings = deployment.settings
        base = {key: value for key, value in os.environ.items() if not key.startswith("QUARTIER_")}
        base.update({
            "QUARTIER_PLUGINS": ",".join(PLUGINS),
            "QUARTIER_DATABASE_URL": settings.database_url,
            "QUARTIER_SECRET_KEY": uuid.uuid4().hex * 2,
            "QUARTIER_REGISTRATION__RATE_LIMIT_PER_MINUTE": "0",
            "QUARTIER_REGISTRATION__CONFIRM_MAILS_PER_CLIENT_PER_HOUR": "0",
            "QUARTIER_NOTIFICATIONS__SMTP_HOST": "127.0.0.1",
            "QUARTIER_NOTIFICATIONS__SMTP_PORT": str(smtp_server.port),
            "QUARTIER_NOTIFICATIONS__FROM_ADDRESS": "quartier@nodes.example",
            "QUARTIER_NOTIFICATIONS__POLL_SECONDS": "0.5",
            **(env or {}),
        })
        folder = tmp_path / f"cluster{len(clusters) + 1}"
        folder.mkdir()
        cluster = Cluster(deployment, folder, smtp_server, base, nodes)
        clusters.append(cluster)
        if start:
            cluster.start()
        return cluster

    try:
        yield make
    finally:
        for cluster in clusters:
            cluster.stop()
