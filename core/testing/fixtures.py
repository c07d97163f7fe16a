"""Pytest fixtures: a deployment with a chosen plugin list on a fresh SQLite or PostgreSQL database.

Tests that use ``database_url`` (directly or through ``make_deployment`` /
``make_client``) run once per database in ``QUARTIER_TEST_DATABASES``
(default ``sqlite,postgres``). PostgreSQL is started by the fixtures from the
local binaries; without them the PostgreSQL runs are skipped, unless
``QUARTIER_REQUIRE_POSTGRES=1`` (as in CI), which turns the skip into a failure.
Browser tests do the same with ``QUARTIER_REQUIRE_BROWSER=1``.

Migrations run once per session and list of Piccolo apps, into a template
database; ``make_deployment`` gives each test a copy of it (see ``MigratedTemplates``).
Test databases live in RAM (``/dev/shm``) where it has room.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator

import pytest

from core.config import PagesSettings, Settings
from core.db import create_engine, statements
from core.db.engine import sqlite_path
from core.deployment import Deployment, current
from core.domain_events.service import deliver_pending_events
from core.plugin_manager import load_deployment
from core.testing.postgres import PostgresServer, find_pg_bindir

BACKENDS = [b.strip() for b in os.environ.get("QUARTIER_TEST_DATABASES", "sqlite,postgres").split(",") if b.strip()]


def skip_or_fail(reason: str, required_by: str) -> None:
    """Skip, or fail where the environment variable ``required_by`` is ``1``."""
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{reason} ({required_by}=1 makes this a failure)", pytrace=False)
    pytest.skip(reason)


RAM_DIR = Path("/dev/shm")
RAM_NEEDED = 2 << 30  # bytes free in RAM_DIR for the PostgreSQL cluster and the SQLite files


@pytest.fixture(scope="session")
def quartier_scratch() -> Iterator[Path]:
    """A directory for the session's databases: in RAM (tmpfs /dev/shm) where it has room, else in the temp dir.

    Test databases are thrown away, so nothing is gained by waiting for a disk: on a busy disk
    a CREATE DATABASE took 0.3-0.5 s and every SQLite commit an fsync.
    """
    in_ram = RAM_DIR.is_dir() and os.access(RAM_DIR, os.W_OK) and shutil.disk_usage(RAM_DIR).free > RAM_NEEDED
    path = Path(tempfile.mkdtemp(prefix="quartier-tests-", dir=RAM_DIR if in_ram else None))
    path.chmod(0o711)  # the PostgreSQL cluster inside may belong to the postgres user
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def quartier_postgres(quartier_scratch: Path) -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test session, on a loopback port."""
    bindir = find_pg_bindir()
    if bindir is None:
        skip_or_fail("PostgreSQL binaries not found", "QUARTIER_REQUIRE_POSTGRES")
    server = PostgresServer(bindir, parent=quartier_scratch).start()
    try:
        yield server
    finally:
        server.stop()


# The kit's PostgreSQL test databases by URL: only these may be replaced by a template's copy.
_postgres_databases: dict[str, tuple[PostgresServer, str]] = {}


@pytest.fixture
def sqlite_database_url(quartier_scratch: Path) -> Iterator[str]:
    """URL of a new SQLite file (not created yet), deleted after the test."""
    path = quartier_scratch / f"t_{uuid.uuid4().hex[:16]}.sqlite"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@pytest.fixture
def postgres_database_url(quartier_postgres: PostgresServer) -> Iterator[str]:
    """URL of a new empty PostgreSQL database, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    quartier_postgres.create_database(name)
    url = quartier_postgres.dsn(name)
    _postgres_databases[url] = (quartier_postgres, name)
    try:
        yield url
    finally:
        del _postgres_databases[url]
        quartier_postgres.drop_database(name)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """URL of an empty database of each backend under test."""
    if request.param not in ("sqlite", "postgres"):
        raise ValueError(f"unknown backend {request.param!r} in QUARTIER_TEST_DATABASES")
    return request.getfixturevalue(f"{request.param}_database_url")


class MigratedTemplates:
    """Migrated template databases of one session, one per backend and list of Piccolo apps.

    The first deployment with a list of apps migrates a template (the real migrations, through
    ``core.db.migrations.migrate``); later ones get a copy: ``CREATE DATABASE ... TEMPLATE`` on
    PostgreSQL, a file copy on SQLite. A template is never handed to a test: on PostgreSQL it takes
    no connections at all. The key holds each app's name and its migration files (name, size,
    mtime), so a new or changed migration makes a new template.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.templates: dict[tuple[Any, ...], str] = {}  # key -> SQLite path or PostgreSQL database name

    @staticmethod
    def key(apps: list[Any]) -> tuple[Any, ...]:
        parts = []
        for app in apps:
            folder = Path(app.resolved_migrations_folder_path)
            files = sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in folder.glob("*.py")) if folder.is_dir() else []
            parts.append((app.app_name, str(folder), tuple(files)))
        return tuple(parts)

    @staticmethod
    async def _migrate(deployment: Deployment, url: str) -> None:
        """``deployment.migrate()`` into the database at ``url`` (migrations reach the engine through ``current()``)."""
        own_engine, deployment.engine = deployment.engine, create_engine(url)
        try:
            await deployment.migrate()
        finally:
            deployment.engine = own_engine
            deployment.bind()

    async def copy_sqlite(self, deployment: Deployment) -> None:
        """Replace the deployment's (empty) SQLite file with a copy of the migrated template."""
        key = ("sqlite", self.key(deployment.apps))
        template = self.templates.get(key)
        if template is None:
            template = str(self.folder / f"template_{len(self.templates)}.sqlite")
            await self._migrate(deployment, f"sqlite:///{template}")
            with contextlib.closing(sqlite3.connect(template)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file
            self.templates[key] = template
        path = sqlite_path(deployment.settings.database_url)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, path)

    async def copy_postgres(self, deployment: Deployment, server: PostgresServer, name: str) -> None:
        """Replace the deployment's (empty) PostgreSQL database with a copy of the migrated template."""
        key = ("postgres", server.port, self.key(deployment.apps))
        template = self.templates.get(key)
        if template is None:
            template = f"template_{len(self.templates)}"
            server.create_database(template)
            await self._migrate(deployment, server.dsn(template))
            server.execute(f'ALTER DATABASE "{template}" WITH ALLOW_CONNECTIONS false')
            self.templates[key] = template
        server.create_database(name, template=template, replace=True)


@pytest.fixture(scope="session")
def quartier_templates(quartier_scratch: Path) -> MigratedTemplates:
    """The session's migrated template databases (used by ``make_deployment``)."""
    return MigratedTemplates(quartier_scratch)


async def _is_empty(url: str) -> bool:
    """Whether the database has no tables yet (a file that does not exist counts as empty)."""
    if url.startswith("sqlite:///"):
        path = sqlite_path(url)
        if not path.exists():
            return True
        with contextlib.closing(sqlite3.connect(path)) as conn:
            return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = 'public'::regnamespace)")
    finally:
        await conn.close()


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
def make_deployment(make_settings: Callable[..., Settings],
                    quartier_templates: MigratedTemplates) -> Callable[..., Awaitable[Deployment]]:
    """``await make_deployment(plugins=[...])``: a migrated deployment bound to the test database.

    An empty test database becomes a copy of the session's template for these plugins' apps;
    a database with tables (a second deployment in the test, or one the test migrated itself)
    is migrated with ``deployment.migrate()``.
    """

    async def make(plugins: list[str] | tuple[str, ...] = (), **kwargs: Any) -> Deployment:
        deployment = load_deployment(make_settings(plugins, **kwargs))
        url = deployment.settings.database_url
        postgres = _postgres_databases.get(url)
        if (url.startswith("sqlite:///") or postgres) and await _is_empty(url):
            if postgres:
                await quartier_templates.copy_postgres(deployment, *postgres)
            else:
                await quartier_templates.copy_sqlite(deployment)
            deployment.bind()
        else:
            await deployment.migrate()
        return deployment

    return make


@pytest.fixture
def make_client(make_deployment: Callable[..., Awaitable[Deployment]]) -> Callable[..., Any]:
    """``async with make_client(plugins=[...]) as client``: an HTTP client on a running app.

    After each response the client waits for the domain events the request
    published to be delivered (``deliver_pending_events``), so a test can check
    their effects right away; ``settle=False`` returns as the app does.
    ``client.app`` is the app: ``open_client(client.app)`` gives a second client
    (own cookies) on it. ``client_address`` is the client IP the app sees.

    The app runs in the test's own event loop (Litestar's AsyncTestClient uses
    another one), so the test can use the database pool the app started.
    """
    import httpx

    from core.app import create_app

    @contextlib.asynccontextmanager
    async def make(plugins: list[str] | tuple[str, ...] = (), deployment: Deployment | None = None,
                   client_address: str = "127.0.0.1", settle: bool = True, **kwargs: Any) -> AsyncIterator[Any]:
        deployment = deployment or await make_deployment(plugins, **kwargs)
        app = create_app(deployment=deployment)
        async with app.lifespan(), open_client(app, address=client_address, settle=settle) as client:
            client.deployment = deployment  # type: ignore[attr-defined]
            client.app = app  # type: ignore[attr-defined]
            yield client

    return make


# -- staff UI: accounts, login through the real form, CSRF ------------------------------
STAFF_PASSWORD = "Richtig-geheim-123"  # the password of every account make_staff_client creates
CSRF_COOKIE = "csrftoken"  # Litestar's default CSRFConfig.cookie_name
CSRF_FIELD = "_csrf_token"  # the form field Litestar's CSRF middleware reads
_CSRF_INPUT = re.compile(r'<input[^>]*name="_csrf_token"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*name="_csrf_token"')
_accounts = itertools.count(1)


def csrf_from_html(html: str) -> str | None:
    """The value of the first hidden ``_csrf_token`` input in a page, or None."""
    match = _CSRF_INPUT.search(html)
    return (match.group(1) or match.group(2)) if match else None


def open_client(app: Any, *, address: str = "127.0.0.1", base_url: str = "http://testserver.local",
                settle: bool = True) -> Any:
    """A further HTTP client (own cookie jar) on an app that is already running, e.g. ``client.app``.

    Use it as ``async with open_client(client.app) as other:``; it does not start
    the app again. ``address`` is the client IP the app sees (login throttling counts per address).
    ``settle`` as for ``make_client``.
    """
    import httpx

    async def settle_events(_: Any) -> None:
        await deliver_pending_events()

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 50000)), base_url=base_url,
                             event_hooks={"response": [settle_events] if settle else []})


async def csrf_token(client: Any) -> str:
    """The CSRF token for ``client``'s next POST.

    Litestar's CSRF middleware accepts a POST when the submitted token and the
    ``csrftoken`` cookie carry the same signed secret; the hidden input of every
    form holds the cookie's value. Without the cookie yet, one GET of /staff/login sets it.
    """
    token = client.cookies.get(CSRF_COOKIE)
    if token:
        return token
    response = await client.get("/staff/login")
    return csrf_from_html(response.text) or client.cookies[CSRF_COOKIE]


async def post_form(client: Any, url: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any) -> Any:
    """POST ``data`` as a form, with the CSRF token added (``csrf=False``: without it).

    List values become repeated fields (multi-checkboxes). Redirects are not followed.
    """
    form = dict(data or {})
    if csrf:
        form[CSRF_FIELD] = await csrf_token(client)
    return await client.post(url, data=form, **kwargs)


async def staff_login(client: Any, email: str, password: str = STAFF_PASSWORD, next: str | None = None) -> Any:
    """Log in through the real form: GET /staff/login, take ``_csrf_token`` from the HTML, POST.

    Returns the POST's response (303 to the target on success, 400 / 429 with the form otherwise).
    """
    form_page = await client.get("/staff/login", params={"next": next} if next else None)
    assert form_page.status_code == 200, form_page.text
    token = csrf_from_html(form_page.text)
    assert token, "no _csrf_token input on /staff/login"
    data = {"email": email, "password": password, CSRF_FIELD: token}
    if next:
        data["next"] = next
    return await client.post("/staff/login", data=data)


async def ensure_quartiere(slugs: list[str] | tuple[str, ...]) -> list[Any]:
    """The Quartiere with these slugs, creating missing ones (name = slug.capitalize())."""
    from core.quartiere.tables import Quartier

    rows = []
    for slug in slugs:
        row = await Quartier.objects().where(Quartier.slug == slug).first()
        if row is None:
            row = Quartier(name=slug.capitalize(), slug=slug)
            await row.save()
        rows.append(row)
    return rows


async def create_staff_user(role: str = "staff", quartiere: list[str] | tuple[str, ...] = (), *, email: str | None = None,
                            password: str = STAFF_PASSWORD, name: str | None = None) -> Any:
    """A staff account (Quartiere created as needed) through the accounts service.

    A ``role`` no loaded plugin declares is stored as it is: an account kept from when its plugin was loaded.
    """
    from core.accounts.service import create_user
    from core.accounts.tables import StaffUser

    await ensure_quartiere(quartiere)
    number = next(_accounts)
    email = email or f"{role}-{number}@example.org"
    declared = current().roles.get(role) is not None
    user = await create_user(email=email, name=name or f"{role.capitalize()} {number}", password=password,
                             role=role if declared else "staff", quartiere=list(quartiere))
    if not declared:
        await StaffUser.update({StaffUser.role: role}).where(StaffUser.id == user.id)
        user.role = role
    return user


@pytest.fixture
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheapest argon2 parameters for this test (a login costs ~0.2 s of CPU with the real ones).

    Changes the one shared ``core.accounts.service.hasher``, so every module that
    imported it hashes and verifies cheaply; undone after the test.
    """
    from argon2.profiles import CHEAPEST

    from core.accounts.service import hasher

    monkeypatch.setattr(hasher, "_parameters", CHEAPEST)


@pytest.fixture
def make_staff_client(make_client: Callable[..., Any], fast_passwords: None) -> Callable[..., Any]:
    """``async with make_staff_client(role="staff", quartiere=["nordstadt"]) as client``: a logged-in staff client.

    Creates the missing Quartiere (name = slug.capitalize()) and an account with
    ``STAFF_PASSWORD``, then logs in through the real login form. The client has
    ``client.user`` (the StaffUser row), ``client.password``, ``client.csrf()``
    (the current CSRF token from the cookie jar), ``client.deployment`` and ``client.app``.

    A second user on the same running app: pass the first client as ``client=``::

        async with make_staff_client(role="admin") as admin, \\
                make_staff_client(quartiere=["nordstadt"], client=admin) as staff:
            ...

    (``client=`` opens a further client with its own cookie jar on ``admin.app``;
    ``address=`` sets the client IP the app sees.) ``deployment=`` runs a new app
    on an existing deployment; ``plugins=`` and other keywords go to ``make_client``.
    Passwords are hashed with cheap argon2 parameters (``fast_passwords``).
    """

    @contextlib.asynccontextmanager
    async def make(role: str = "staff", quartiere: list[str] | tuple[str, ...] = ("nordstadt",),
                   plugins: list[str] | tuple[str, ...] = (), *, deployment: Deployment | None = None, client: Any = None,
                   email: str | None = None, password: str = STAFF_PASSWORD, name: str | None = None,
                   address: str = "127.0.0.1", login: bool = True, **kwargs: Any) -> AsyncIterator[Any]:
        async with contextlib.AsyncExitStack() as stack:
            if client is not None:
                http = await stack.enter_async_context(open_client(client.app, address=address))
                http.app, http.deployment = client.app, client.deployment
            else:
                http = await stack.enter_async_context(make_client(plugins, deployment=deployment, client_address=address, **kwargs))
            http.user = await create_staff_user(role, list(quartiere), email=email, password=password, name=name)
            http.password = password
            http.csrf = lambda: http.cookies.get(CSRF_COOKIE)
            if login:
                response = await staff_login(http, http.user.email, password)
                assert response.status_code == 303, f"login failed: {response.status_code} {response.text[:500]}"
            yield http

    return make


# -- captured side effects -----------------------------------------------------------------------
@pytest.fixture
def published_events() -> Callable[..., Awaitable[list[Any]]]:
    """``await published_events("registration.")``: the domain events stored so far, decoded, oldest first."""
    import msgspec

    from core.deployment import current
    from core.domain_events.tables import DomainEventRecord

    async def read(prefix: str = "") -> list[Any]:
        rows = await DomainEventRecord.objects().where(DomainEventRecord.name.like(f"{prefix}%")).order_by(DomainEventRecord.id)
        types = current().domain_event_types
        return [msgspec.json.decode(row.payload, type=types[row.name]) for row in rows if row.name in types]

    return read


class SmtpCapture:
    """What a real SMTP server (aiosmtpd on 127.0.0.1) received; ``replies`` makes it answer e.g. "451 ..." instead."""

    def __init__(self) -> None:
        import threading

        self.messages: list[Any] = []
        self.replies: list[str] = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        import email
        from email.policy import default

        with self.lock:
            if self.replies:
                return self.replies.pop(0)
            self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp_server() -> Iterator[SmtpCapture]:
    """A real SMTP server on a free loopback port for the test; point ``[notifications] smtp_port`` at ``.port``."""
    from aiosmtpd.controller import Controller

    from core.testing.processes import free_port

    capture = SmtpCapture()
    capture.port = free_port()
    controller = Controller(capture, hostname="127.0.0.1", port=capture.port)
    controller.start()
    try:
        yield capture
    finally:
        controller.stop()


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The app's statement counter on (``core/db/statements.py``), into a fresh folder with fresh totals: the folder."""
    monkeypatch.setenv(statements.ENV, str(tmp_path / "counts"))
    monkeypatch.setattr(statements, "_totals", {})
    return tmp_path / "counts"
