"""Accessibility: keyboard use and axe-core (WCAG 2.1 A and AA) on the public and staff pages."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import login

pytestmark = pytest.mark.browser


def _submit_empty_event_form(page: Any, app: Any) -> None:
    page.goto(app.at("/staff/r/events/new"))
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie die markierten Felder.")


def _failed_login(page: Any, app: Any) -> None:
    page.goto(app.at("/staff/login"))
    page.get_by_label("E-Mail-Adresse", exact=True).fill(app.staff.email)
    page.get_by_label("Passwort", exact=True).fill("falsches-passwort")
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("alert")).to_be_visible()


def _submit_series_without_end(page: Any, app: Any) -> None:
    page.goto(app.at(f"/staff/r/series/new?event={app.draft_id}"))
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie die markierten Felder.")


def _public_series(page: Any, app: Any) -> None:
    page.goto(app.at(f"/staff/r/series/new?event={app.event_id}"))
    page.get_by_label("Anzahl der Termine").fill("3")
    page.get_by_role("button", name="Speichern").click()
    page.goto(app.at(app.event_path))
    page.get_by_role("link", name="Alle Termine dieser Reihe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(app.event_title)


def _draft_series(page: Any, app: Any) -> None:
    """The series detail page of the draft, made as a series of two dates first if need be."""
    page.goto(app.at(f"/staff/r/events/{app.draft_id}"))
    link = page.get_by_role("link", name="Veranstaltungsreihe", exact=True)
    if link.count():
        link.click()
        return
    page.goto(app.at(f"/staff/r/series/new?event={app.draft_id}"))
    page.get_by_label("Anzahl der Termine").fill("2")
    page.get_by_role("button", name="Speichern").click()


def _series_edit(page: Any, app: Any) -> None:
    _draft_series(page, app)
    page.get_by_role("link", name="Bearbeiten").click()
    expect(page.get_by_label("Ausnahmen")).to_be_visible()


def _series_date_edit(page: Any, app: Any) -> None:
    _draft_series(page, app)
    page.goto(app.at(f"/staff/r/events/{app.draft_id}/edit"))
    expect(page.get_by_label("Änderung gilt für")).to_have_value("this")


def _filter_by_accessibility(page: Any, app: Any) -> None:
    """The filter on the Quartier page, by mouse, without JavaScript of the app's own."""
    page.goto(app.at(f"/{app.quartier_slug}/"))
    page.get_by_text("Nach Barrierefreiheit filtern").click()
    page.get_by_label("Stufenloser Zugang").check()
    page.get_by_label("Gebärdensprache", exact=True).check()
    page.get_by_role("button", name="Filtern").click()
    expect(page.get_by_role("status")).to_contain_text("Keine geplante Veranstaltung bietet alles")
    page.get_by_label("Gebärdensprache", exact=True).uncheck()
    page.get_by_role("button", name="Filtern").click()
    expect(page.get_by_role("link", name=app.event_title)).to_be_visible()
    assert "barrierefrei=step_free" in page.url


def _leichte_sprache_with_hints(page: Any, app: Any) -> None:
    page.goto(app.at(f"/staff/r/events/{app.event_id}/translations/de-x-ls"))
    page.locator("#f-summary").fill("Wir feiern im Hof mit Musik und Kuchen und Spielen für alle Kinder und Erwachsenen aus dem ganzen Stadtteil.")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator("#f-summary-hints")).to_contain_text("Ein Satz hat 19 Wörter")


def _jobs_as_admin(page: Any, app: Any) -> None:
    login(page, app, app.admin, next_path="/staff/jobs")  # an admins' page


# name: (logged in?, path from the app, or a function that gets the page there)
PAGES: dict[str, tuple[bool, Callable[[Any], str] | Callable[[Any, Any], None]]] = {
    "public-home": (False, lambda app: "/"),
    "quartier": (False, lambda app: f"/{app.quartier_slug}/"),
    "quartier-filtered": (False, _filter_by_accessibility),
    "public-event": (False, lambda app: app.event_path),
    # English, where the event has no English version yet: German texts marked lang="de", with the notice
    "public-event-english": (False, lambda app: app.event_path + "?lang=en"),
    "legal": (False, lambda app: "/impressum"),
    "not-found": (False, lambda app: "/gibt-es-nicht/"),
    "login": (False, lambda app: "/staff/login"),
    "login-error": (False, _failed_login),
    "dashboard": (True, lambda app: "/staff/"),
    "events-list": (True, lambda app: "/staff/r/events/"),
    "event-form": (True, lambda app: "/staff/r/events/new"),
    "event-form-errors": (True, _submit_empty_event_form),
    "event-edit": (True, lambda app: f"/staff/r/events/{app.event_id}/edit"),
    "event-detail": (True, lambda app: f"/staff/r/events/{app.draft_id}"),
    "event-detail-published": (True, lambda app: f"/staff/r/events/{app.event_id}"),
    "event-cockpit": (True, lambda app: f"/staff/veranstaltungen/{app.event_id}"),
    "event-version-form": (True, lambda app: f"/staff/r/events/{app.event_id}/translations/en"),
    # Leichte Sprache: the checklist, and the hints after saving a text with a long sentence
    "event-version-form-leicht": (True, _leichte_sprache_with_hints),
    "confirm-delete": (True, lambda app: f"/staff/r/events/{app.draft_id}/delete"),
    "series-form": (True, lambda app: f"/staff/r/series/new?event={app.draft_id}"),
    "series-form-errors": (True, _submit_series_without_end),
    "public-series": (True, _public_series),
    "series-edit": (True, _series_edit),
    "series-date-edit": (True, _series_date_edit),
    "venue-form": (True, lambda app: "/staff/r/venues/new"),
    "password": (True, lambda app: "/staff/password"),
    "jobs": (False, _jobs_as_admin),
    "report": (True, lambda app: "/staff/berichte"),
    "report-error": (True, lambda app: "/staff/berichte?period=custom&from=2026-05-01&to=2026-04-01"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_wcag_violations(name, live_app, page, screenshot, assert_no_axe_violations):
    logged_in, target = PAGES[name]
    if logged_in:
        login(page, live_app, live_app.staff)
    if target.__code__.co_argcount == 2:
        target(page, live_app)
    else:
        page.goto(live_app.at(target(live_app)))
    screenshot(page, f"a11y-{name}")
    assert_no_axe_violations(page, f"{name} ({page.url})")


@pytest.mark.parametrize("path, logged_in", [("/", False), ("/nordstadt/", False), ("/staff/login", False), ("/staff/", True)])
def test_skip_link_is_first_and_moves_focus_to_main(path, logged_in, live_app, page):
    if logged_in:
        login(page, live_app, live_app.staff)
    page.goto(live_app.at(path))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Zum Inhalt springen")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown while it has focus
    page.keyboard.press("Enter")
    main = page.get_by_role("main")
    expect(main).to_be_focused()
    # The next Tab continues inside the main content, not in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)"), \
        "after the skip link, Tab should go on inside <main>"


def test_focus_is_visible_on_links_and_buttons(live_app, page):
    """Every focusable element on the login page shows a focus indicator when reached by keyboard."""
    page.goto(live_app.at("/staff/login"))
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => {
            const el = document.activeElement, style = getComputedStyle(el);
            return {tag: el.tagName, text: (el.textContent || el.name || '').trim().slice(0, 30),
                    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
                    shadow: style.boxShadow !== 'none'};
        }""")
        if info["tag"] == "BODY":
            break
        seen.append(info)
        assert info["outline"] or info["shadow"], f"no visible focus on {info}"
    assert len(seen) >= 5


PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
PHONE_PAGES = ["public-home", "quartier", "public-event", "login-error", "dashboard", "events-list", "event-form-errors",
               "event-detail", "event-cockpit"]


@pytest.mark.parametrize("name", PHONE_PAGES)
def test_pages_reflow_on_a_phone(name, live_app, new_page, screenshot, assert_no_axe_violations):
    """WCAG 1.4.10: no sideways scrolling of the page at 390 and 320 CSS pixels (wide tables scroll in their box),
    and no axe violations in the phone layout (e.g. a scrolling box that a keyboard cannot reach)."""
    page = new_page(**PHONE)
    logged_in, target = PAGES[name]
    if logged_in:
        login(page, live_app, live_app.staff)
    if target.__code__.co_argcount == 2:
        target(page, live_app)
    else:
        page.goto(live_app.at(target(live_app)))
    screenshot(page, f"mobile-{name}")
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 844})
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
        assert_no_axe_violations(page, f"{name} at {width}px ({page.url})")


SMALLEST_TEXT = """() => {
  const found = [];
  for (const el of document.querySelectorAll('main *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.checkVisibility()) continue;
    found.push([parseFloat(getComputedStyle(el).fontSize), el.tagName + '.' + el.className + ': ' + el.textContent.trim().slice(0, 40)]);
  }
  return found.sort((a, b) => a[0] - b[0]).slice(0, 3);
}"""


@pytest.mark.parametrize("path", ["/staff/r/events/new", "/staff/r/events/{event_id}", "/staff/r/events/"])
def test_text_is_at_least_16_px_and_hints_are_not_pale(path, live_app, page):
    """DESIGN.md: 16 px body text; hints (.help) were 14.4 px grey, breadcrumbs and versions 15.2 px."""
    login(page, live_app, live_app.staff)
    page.goto(live_app.at(path.format(event_id=live_app.event_id)))
    smallest = page.evaluate(SMALLEST_TEXT)
    assert smallest and smallest[0][0] >= 16, f"text below 16 px on {path}: {smallest}"
    for colour in page.locator(".help").evaluate_all("els => els.map(el => getComputedStyle(el).color)"):
        assert colour in ("rgb(85, 85, 85)", "rgb(26, 26, 26)"), colour  # --muted #555: 7.5:1 on white, 6.8:1 on --soft
