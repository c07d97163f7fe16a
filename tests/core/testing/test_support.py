"""Self-tests for tests/support (PostgreSQL server, live server, browser)."""

from __future__ import annotations

import os
import socket
import time

import asyncpg
import httpx
import pytest
from litestar import Litestar, MediaType, get

from core.testing.browser import LiveServer, find_chromium, launch_chromium
from core.testing.postgres import PostgresServer, find_pg_bindir


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _missing(what: str, require_env: str) -> None:
    # Skip locally, but fail in CI where the dependency is required.
    if os.environ.get(require_env) == "1":
        pytest.fail(f"{what} not found but {require_env}=1")
    pytest.skip(f"{what} not found")


async def test_postgres_server() -> None:
    bindir = find_pg_bindir()
    if bindir is None:
        _missing("PostgreSQL binaries", "QUARTIER_REQUIRE_POSTGRES")

    server = PostgresServer(bindir)
    t0 = time.monotonic()
    with server:
        print(f"initdb+start: {time.monotonic() - t0:.2f}s")
        port = server.port
        assert port is not None and _port_open(port)
        server.create_database("selftest")
        conn = await asyncpg.connect(server.dsn("selftest"))
        try:
            assert await conn.fetchval("select 1") == 1
        finally:
            await conn.close()
        server.create_database("selftest_copy", template="selftest")
        server.drop_database("selftest_copy")
        server.drop_database("selftest_copy")  # IF EXISTS: no error
        t1 = time.monotonic()
    print(f"stop: {time.monotonic() - t1:.2f}s")
    assert not _port_open(port)
    server.stop()  # second stop is a no-op


@get("/", media_type=MediaType.TEXT)
async def hello() -> str:
    return "hello"


def test_live_server() -> None:
    with LiveServer(Litestar([hello])) as live:
        port = live.port
        assert port is not None
        response = httpx.get(live.url + "/")
        assert response.status_code == 200
        assert response.text == "hello"
    assert not _port_open(port)


PAGE = """<!doctype html>
<html><body>
<p id="msg">before</p>
<button id="btn" onclick="document.getElementById('msg').textContent = 'after'">Click</button>
</body></html>"""


@get("/", media_type=MediaType.HTML)
async def page() -> str:
    return PAGE


@pytest.mark.browser
def test_browser_click() -> None:
    if find_chromium() is None:
        _missing("Chromium", "QUARTIER_REQUIRE_BROWSER")
    from playwright.sync_api import sync_playwright

    with LiveServer(Litestar([page])) as live, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            tab = browser.new_page()
            tab.goto(live.url + "/")
            assert tab.text_content("#msg") == "before"
            tab.click("#btn")
            assert tab.text_content("#msg") == "after"
        finally:
            browser.close()
