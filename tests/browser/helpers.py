"""Steps the browser tests share."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect


def login(page: Any, app: Any, account: Any, next_path: str = "") -> None:
    """Sign in through the login form and land on the dashboard (or ``next_path``)."""
    page.goto(app.at("/staff/login" + (f"?next={next_path}" if next_path else "")))
    page.get_by_label("E-Mail-Adresse", exact=True).fill(account.email)
    page.get_by_label("Passwort", exact=True).fill(account.password)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
