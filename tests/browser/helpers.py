"""Steps the browser tests share."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import expect


def login(page: Any, app: Any, account: Any, next_path: str = "") -> None:
    """Sign in through the login form and land on the dashboard (or ``next_path``)."""
    page.goto(app.at("/staff/login" + (f"?next={next_path}" if next_path else "")))
    page.get_by_label("E-Mail-Adresse", exact=True).fill(account.email)
    page.get_by_label("Passwort", exact=True).fill(account.password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()


def wait_for(target: Any, expression: str, arg: Any = None, timeout: float = 10.0) -> None:
    """Wait until ``expression`` (JavaScript, with ``arg``) is truthy in a page or for a locator.

    Instead of ``page.wait_for_function``: its polling evaluates the expression with ``eval`` inside
    the page, which the app's Content-Security-Policy refuses; ``evaluate`` goes through DevTools.
    """
    deadline = time.monotonic() + timeout
    while not target.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:g} s: {expression}")
        time.sleep(0.05)
