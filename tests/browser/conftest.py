"""Browser fixtures: a seeded live app on SQLite, headless Chromium pages, screenshots and axe-core.

The tests are sync functions: Playwright's sync API refuses to run inside an
asyncio loop. Database work (migrations, seed data) runs through ``run_async``,
i.e. ``asyncio.run`` in a fresh event loop on a worker thread, before the server
starts; the server then runs the app with uvicorn in its own thread and loop.

Without Chromium, Playwright or npm (to fetch axe-core once) the tests are
skipped, or fail where ``QUARTIER_REQUIRE_BROWSER=1`` (CI).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from core.testing.browser import (
    AxeUnavailable, LiveServer, axe_version, axe_violations, ensure_axe_core, find_chromium, format_axe_violations,
    launch_chromium, run_async, watch_csp_violations,
)
from core.testing.fixtures import skip_or_fail

REPO = Path(__file__).resolve().parents[2]
AXE_CACHE = REPO / ".cache" / "axe-core"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
REQUIRE = "QUARTIER_REQUIRE_BROWSER"
PASSWORD = "geheim-genug-123"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """SQLite only for browser tests (overrides the parametrized fixture from core.testing.fixtures)."""
    return sqlite_database_url


# -- the app ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    email: str
    name: str
    password: str = PASSWORD


@dataclass
class LiveApp:
    """The running app and what the seed put into its database."""

    url: str
    deployment: Any
    quartier_slug: str
    quartier_name: str
    event_id: int  # published
    event_title: str
    event_path: str
    draft_id: int
    draft_title: str
    admin: Account
    staff: Account

    def at(self, path: str) -> str:
        return self.url + path


async def _seed() -> dict[str, Any]:
    from core.accounts.service import create_user
    from core.events import service as events
    from core.events.tables import Organisation, Venue
    from tests.core.factories import make_event, make_quartier

    quartier = await make_quartier("nordstadt", "Nordstadt")
    quartier.description = "Das Quartiersmanagement lädt zu Treffen, Festen und Beratung ein."
    await quartier.save()
    admin = await create_user("admin@example.org", "Ada Admin", PASSWORD, role="admin")
    staff = await create_user("staff@example.org", "Sven Staff", PASSWORD, role="staff", quartiere=["nordstadt"])
    event = await make_event(quartier, "sommerfest", days=7, title="Sommerfest im Hof",
                             summary="Musik, Kuchen und Spiele für alle Nachbarinnen und Nachbarn.",
                             description="Wir feiern im Innenhof.\n\nBei Regen im Treff-PUNKT.")
    venue = await Venue.objects().where(Venue.id == event.venue).first()
    venue.accessibility = "Stufenloser Zugang, barrierefreie Toilette."
    venue.accessibility_features = "step_free accessible_toilet hearing_loop"
    await venue.save()
    organiser = await Organisation.objects().where(Organisation.name == "Landkreis Gifhorn").first()
    start = (datetime.now(timezone.utc) + timedelta(days=20)).replace(hour=15, minute=0, second=0, microsecond=0)
    draft = await events.create_event(
        quartier_id=quartier.id, title="Reparatur-Café", slug="reparatur-cafe", starts_at=start,
        ends_at=start + timedelta(hours=2), venue=venue.id, summary="Gemeinsam reparieren statt wegwerfen.",
        organisations=[(organiser.id, "organiser")],
    )
    return {
        "quartier_slug": quartier.slug, "quartier_name": quartier.name,
        "event_id": event.id, "event_title": event.title, "event_path": f"/{quartier.slug}/veranstaltungen/{event.id}-{event.slug}",
        "draft_id": draft.id, "draft_title": draft.title,
        "admin": Account(admin.email, admin.name), "staff": Account(staff.email, staff.name),
    }


@pytest.fixture
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheapest argon2 parameters (seeding two accounts and a login otherwise cost ~0.6 s of CPU per test).

    The server runs in this process, so it hashes and verifies cheaply too; undone after the test.
    """
    from argon2.profiles import CHEAPEST

    from core.accounts.service import hasher

    monkeypatch.setattr(hasher, "_parameters", CHEAPEST)


@pytest.fixture
def live_app(make_deployment: Callable[..., Any], cheap_passwords: None) -> Iterator[LiveApp]:
    """A migrated, seeded deployment on a fresh SQLite file, served by uvicorn on a free port."""
    from core.app import create_app

    deployment = run_async(make_deployment())  # before the server starts; binds the Piccolo tables globally
    seeded = run_async(_seed())
    with LiveServer(create_app(deployment=deployment)) as server:
        yield LiveApp(url=server.url, deployment=deployment, **seeded)


# -- the browser -----------------------------------------------------------------------------
@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the browser tests (package scope: Playwright's loop is gone after them)."""
    if find_chromium() is None:
        skip_or_fail("Chromium not found (set QUARTIER_CHROMIUM or install chromium)", REQUIRE)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed", REQUIRE)
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(**context_options)``: a page in a fresh context (German locale, Berlin time) closed after the test.

    The page runs under the app's Content-Security-Policy; any violation in it fails the test.
    """
    contexts: list[Any] = []
    reports: list[list[str]] = []  # one list of CSP violations per context

    def make(**options: Any) -> Any:
        options = {"locale": "de-DE", "timezone_id": "Europe/Berlin", "viewport": {"width": 1280, "height": 800}, **options}
        context = chromium.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        reports.append(watch_csp_violations(context))
        return context.new_page()

    yield make
    for context in contexts:
        for open_page in context.pages:
            open_page.evaluate("0")  # a round trip: reports still on their way arrive before the check
        context.close()
    found = [text for violations in reports for text in violations]
    if found:
        pytest.fail("Content-Security-Policy violation(s):\n" + "\n".join(f"- {text}" for text in found), pytrace=False)


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A desktop-sized page in a fresh browser context with ``locale="de-DE"``."""
    return new_page()


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """``screenshot(page, "name")``: a full-page PNG in test-artifacts/screenshots/name.png."""

    def take(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# -- axe-core --------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js from ``npm pack axe-core@4`` into .cache/axe-core (fetched once, not committed)."""
    try:
        return ensure_axe_core(AXE_CACHE)
    except AxeUnavailable as exc:
        skip_or_fail(f"axe-core unavailable: {exc}", REQUIRE)
        raise  # not reached


@pytest.fixture
def assert_no_axe_violations(axe_script: Path) -> Callable[..., None]:
    """``assert_no_axe_violations(page)``: fail with a readable list if axe finds WCAG 2.1 A/AA violations."""
    version = axe_version(axe_script)

    def check(page: Any, where: str = "") -> None:
        violations = axe_violations(page, axe_script)
        if violations:
            pytest.fail(format_axe_violations(violations, where or page.url, version), pytrace=False)

    return check
