"""Staff in a real browser: log in, create and publish an event, see it on the public page, log out."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login

pytestmark = pytest.mark.browser


def _local(days: int, hour: int) -> str:
    """A value for <input type=datetime-local>."""
    return (datetime.now() + timedelta(days=days)).replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def _fill_event_form(page, *, title: str | None) -> None:
    if title is not None:
        page.get_by_label("Titel").fill(title)
    page.get_by_label("Kurzbezeichnung").fill("lesecafe-im-treff")
    page.get_by_label("Quartier").select_option(label="Nordstadt")
    page.get_by_label("Beginn").fill(_local(14, 17))
    page.get_by_label("Ende", exact=False).fill(_local(14, 19))
    page.get_by_label("Treffpunkt").select_option(label="Treff-PUNKT 53")
    page.get_by_label("Kurzbeschreibung").fill("Bücher tauschen, vorlesen, Tee trinken.")
    page.get_by_label("Beschreibung", exact=True).fill("Für Groß und Klein.\n\nDer Eintritt ist frei.")
    page.get_by_role("group", name="Träger").get_by_label("Landkreis Gifhorn").check()
    page.get_by_role("group", name="Kooperationspartner").get_by_label("GWG eG").check()
    page.get_by_label("E-Mail").fill("lesecafe@example.org")


def test_create_publish_and_see_event_on_public_page(live_app, page, new_page, screenshot):
    login(page, live_app, live_app.staff)
    expect(page).to_have_url(live_app.at("/staff/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Übersicht")
    expect(page.get_by_text(f"Willkommen, {live_app.staff.name}.")).to_be_visible()
    screenshot(page, "dashboard")

    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Veranstaltungen", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Veranstaltungen")
    page.get_by_role("link", name="Veranstaltung anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Veranstaltung anlegen")
    _fill_event_form(page, title="Lesecafé im Treff")
    page.get_by_role("button", name="Speichern").click()

    expect(page).to_have_url(re.compile(r"/staff/r/events/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("„Lesecafé im Treff“ wurde angelegt.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lesecafé im Treff")
    status = page.locator("dl.details dt", has_text="Status").locator("xpath=following-sibling::dd[1]")
    expect(status).to_have_text("Entwurf")
    screenshot(page, "event-detail-draft")

    page.get_by_role("button", name="Veröffentlichen", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("„Veröffentlichen“ wurde ausgeführt.")
    expect(status).to_have_text("Veröffentlicht")
    expect(page.get_by_role("button", name="Veröffentlichen", exact=True)).to_have_count(0)

    # The public page, as a citizen sees it (a fresh context: not logged in).
    public = new_page()
    public.goto(live_app.at(f"/{live_app.quartier_slug}/"))
    public.get_by_role("link", name="Lesecafé im Treff").click()
    expect(public).to_have_url(re.compile(rf"/{live_app.quartier_slug}/veranstaltungen/\d+-lesecafe-im-treff$"))
    expect(public.get_by_role("heading", level=1)).to_have_text("Lesecafé im Treff")
    expect(public.locator("dl.facts")).to_contain_text("Treff-PUNKT 53")
    expect(public.locator("dl.facts")).to_contain_text("Landkreis Gifhorn")
    expect(public.get_by_text("Der Eintritt ist frei.")).to_be_visible()
    screenshot(public, "public-event")

    phone = new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    phone.goto(public.url)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Lesecafé im Treff")
    overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the public event page scrolls sideways on a phone by {overflow}px"
    screenshot(phone, "public-event-mobile")


def test_missing_title_shows_german_error_next_to_the_field(live_app, page, screenshot):
    login(page, live_app, live_app.staff)
    page.goto(live_app.at("/staff/r/events/new"))
    _fill_event_form(page, title=None)
    page.get_by_role("button", name="Speichern").click()

    expect(page).to_have_url(live_app.at("/staff/r/events/new"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Veranstaltung anlegen")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Bitte prüfen Sie die markierten Felder.")
    expect(summary.get_by_role("link", name="Titel: Dieses Feld ist erforderlich.")).to_have_attribute("href", "#f-title")

    title = page.get_by_label("Titel")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_accessible_description("Dieses Feld ist erforderlich.")
    error = page.locator(".field", has=title).locator(".field-error")
    expect(error).to_have_text("Dieses Feld ist erforderlich.")
    field_box, error_box = title.bounding_box(), error.bounding_box()
    assert field_box and error_box and 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 40, \
        "the error message should sit right below the title field"
    # What was typed is kept; only the title is marked.
    expect(page.get_by_label("Kurzbezeichnung")).to_have_value("lesecafe-im-treff")
    expect(page.get_by_role("group", name="Träger").get_by_label("Landkreis Gifhorn")).to_be_checked()
    expect(page.locator("[aria-invalid=true]")).to_have_count(1)
    screenshot(page, "event-form-error")

    # The summary link leads to the field.
    summary.get_by_role("link", name="Titel: Dieses Feld ist erforderlich.").click()
    expect(title).to_be_focused()
    title.fill("Lesecafé im Treff")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_contain_text("„Lesecafé im Treff“ wurde angelegt.")


def test_wrong_password_shows_german_error(live_app, page):
    page.goto(live_app.at("/staff/login"))
    page.get_by_label("E-Mail-Adresse", exact=True).fill(live_app.staff.email)
    page.get_by_label("Passwort", exact=True).fill("falsches-passwort")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_have_text("E-Mail-Adresse oder Passwort ist falsch.")
    expect(page.get_by_label("E-Mail-Adresse", exact=True)).to_have_value(live_app.staff.email)


def test_logout(live_app, page):
    login(page, live_app, live_app.staff)
    page.get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(live_app.at("/staff/login"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    page.goto(live_app.at("/staff/"))
    expect(page).to_have_url(re.compile(r"/staff/login\?next=/staff/?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
