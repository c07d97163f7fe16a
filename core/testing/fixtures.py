"""Pytest fixtures: a deployment with a chosen plugin list on a fresh SQLite or PostgreSQL database.

Tests that use ``database_url`` (directly or through ``make_deployment`` /
``make_client``) run once per database in ``QUARTIER_TEST_DATABASES``
(default ``sqlite,postgres``). PostgreSQL is started by the fixtures from the
local binaries; without them the PostgreSQL runs are skipped, unless
``QUARTIER_REQUIRE_POSTGRES=1`` (as in CI), which turns the skip into a failure.
Browser tests do the same with ``QUARTIER_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator

import pytest

from core.config import PagesSettings, Settings
from core.deployment import Deployment
from core.testing.postgres import PostgresServer, find_pg_bindir

BACKENDS = [b.strip() for b in os.environ.get("QUARTIER_TEST_DATABASES", "sqlite,postgres").split(",") if b.strip()]


def skip_or_fail(reason: str, required_by: str) -> None:
    """Skip, or fail where the environment variable ``required_by`` is ``1``."""
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{reason} ({required_by}=1 makes this a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def quartier_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test session, on a loopback port."""
    bindir = find_pg_bindir()
    if bindir is None:
        skip_or_fail("PostgreSQL binaries not found", "QUARTIER_REQUIRE_POSTGRES")
    server = PostgresServer(bindir).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database of each backend under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/quartier.sqlite"
        return
    if request.param != "postgres":
        raise ValueError(f"unknown backend {request.param!r} in QUARTIER_TEST_DATABASES")
    server: PostgresServer = request.getfixturevalue("quartier_postgres")
    name = f"t_{uuid.uuid4().hex[:16]}"
    server.create_database(name)
    try:
        yield server.dsn(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def make_settings(database_url: str, tmp_path: Path) -> Callable[..., Settings]:
    """Build Settings for the database under test: ``make_settings(plugins=[...], **core_keys, sections={...})``."""

    def make(plugins: list[str] | tuple[str, ...] = (), sections: dict[str, dict[str, Any]] | None = None, **overrides: Any) -> Settings:
        values: dict[str, Any] = dict(
            plugins=list(plugins),
            database_url=database_url,
            data_dir=str(tmp_path / "data"),
            base_url="http://testserver.local",
            secret_key="test-secret-key-not-for-production",
            pages=PagesSettings(impressum="Impressum (Test)", datenschutz="Datenschutz (Test)", barrierefreiheit="Barrierefreiheit (Test)"),
        )
        values.update(overrides)
        settings = Settings(**values)
        settings.plugin_sections = sections or {}
        settings.source = "test settings"
        return settings

    return make


@pytest.fixture
def make_deployment(make_settings: Callable[..., Settings]) -> Callable[..., Awaitable[Deployment]]:
    """``await make_deployment(plugins=[...])``: a migrated deployment bound to the test database."""

    async def make(plugins: list[str] | tuple[str, ...] = (), **kwargs: Any) -> Deployment:
        deployment = Deployment(make_settings(plugins, **kwargs))
        await deployment.migrate()
        return deployment

    return make


@pytest.fixture
def make_client(make_deployment: Callable[..., Awaitable[Deployment]]) -> Callable[..., Any]:
    """``async with make_client(plugins=[...]) as client``: an HTTP client on a running app.

    The app runs in the test's own event loop (Litestar's AsyncTestClient uses
    another one), so the test can use the database pool the app started.
    """
    import httpx

    from core.app import create_app

    @contextlib.asynccontextmanager
    async def make(plugins: list[str] | tuple[str, ...] = (), deployment: Deployment | None = None, **kwargs: Any) -> AsyncIterator[Any]:
        deployment = deployment or await make_deployment(plugins, **kwargs)
        app = create_app(deployment=deployment)
        transport = httpx.ASGITransport(app=app)
        async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
            client.deployment = deployment  # type: ignore[attr-defined]
            client.app = app  # type: ignore[attr-defined]
            yield client

    return make
