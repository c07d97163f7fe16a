"""Registration in a real browser: a citizen registers on the event page, staff check people in at the door,
and axe-core finds no WCAG 2.1 A/AA violations on the registration pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pytest
from playwright.sync_api import expect

from core.testing.browser import LiveServer, run_async
from tests.browser.conftest import LiveApp, _seed
from tests.browser.helpers import login

pytestmark = pytest.mark.browser

# Chromium names <button>Einchecken<span class="visually-hidden">: Erika</span></button> "Einchecken : Erika"
def _button(action: str, name: str) -> re.Pattern[str]:
    return re.compile(rf"^{action}\s?: {re.escape(name)}$")


QUESTION = "Benötigen Sie einen barrierefreien Zugang?"
SETTINGS = {"registration": {"rate_limit_per_minute": 0}}


@dataclass
class RegistrationApp:
    """The seeded live app with the registration plugin, a registration form on the published event and some people."""

    app: LiveApp
    token: str  # personal link of an unconfirmed online registration
    expected: int  # seats expected at the door (confirmed + unconfirmed)

    def at(self, path: str) -> str:
        return self.app.at(path)

    @property
    def checkin_path(self) -> str:
        return f"/staff/anmeldungen/{self.app.event_id}/checkin"


async def _seed_registrations(event_id: int) -> dict[str, Any]:
    from plugins.registration import service
    from plugins.registration.service import RegistrationInput

    await service.ensure_form(event_id, capacity=20, max_companions=2, waitlist_enabled=True, questions=(
        f'[{{"key": "barrierefrei", "label": "{QUESTION}", "type": "yesno", "required": false}}]'))
    await service.register(event_id, RegistrationInput(name="Erika Muster", phone="05371 11", consent=True), channel="phone")
    await service.register(event_id, RegistrationInput(name="Max Mustermann", phone="05371 22", companions=1, consent=True),
                           channel="phone")
    online = await service.register(event_id, RegistrationInput(name="Paula Online", email="paula@example.org", consent=True))
    return {"token": online.registration.token, "expected": 4}


@pytest.fixture
def registration_app(make_deployment: Callable[..., Any], cheap_passwords: None) -> Iterator[RegistrationApp]:
    """Like ``live_app``, with plugins=["registration"] and a registration form on the published event."""
    from core.app import create_app

    deployment = run_async(make_deployment(plugins=["registration"], sections=SETTINGS))
    seeded = run_async(_seed())
    people = run_async(_seed_registrations(seeded["event_id"]))
    with LiveServer(create_app(deployment=deployment)) as server:
        yield RegistrationApp(app=LiveApp(url=server.url, deployment=deployment, **seeded), **people)


def _registration(page: Any) -> Any:
    return page.get_by_role("region", name="Anmeldung")


def _open_event(page: Any, reg: RegistrationApp) -> Any:
    page.goto(reg.at(reg.app.event_path))
    expect(page.get_by_role("heading", level=1)).to_have_text(reg.app.event_title)
    block = _registration(page)
    expect(block.get_by_role("heading", level=2)).to_have_text("Anmeldung")
    return block


# -- a citizen registers ---------------------------------------------------------------------------
def test_citizen_registers_on_the_event_page(registration_app, page, screenshot, assert_no_axe_violations):
    reg = registration_app
    block = _open_event(page, reg)
    expect(block.get_by_role("status")).to_contain_text("Noch 16 Plätze frei.")
    assert_no_axe_violations(page, "event page with the registration form")

    block.get_by_label("Name", exact=False).fill("Hanna Nachbarin")
    block.get_by_label("E-Mail-Adresse").fill("hanna@example.org")
    expect(block.get_by_label("E-Mail-Adresse")).to_have_accessible_description(re.compile("Wir schicken Ihnen eine Bestätigung"))
    block.get_by_label("Telefon").fill("05371 4711")
    block.get_by_label("Begleitpersonen").fill("1")
    block.get_by_role("group", name=QUESTION).get_by_label("Ja").check()
    consent = block.get_by_label("Ich stimme zu.")
    expect(consent).to_have_accessible_description(re.compile("Ich bin damit einverstanden"))
    consent.check()
    screenshot(page, "registration-form")
    block.get_by_role("button", name="Jetzt anmelden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anmeldung: {reg.app.event_title}")
    expect(page.get_by_role("status")).to_contain_text("Bitte bestätigen Sie Ihre E-Mail-Adresse")
    assert_no_axe_violations(page, "registration result page")
    page.get_by_role("link", name="Zurück zur Veranstaltung").click()
    expect(_registration(page).get_by_role("status")).to_contain_text("Noch 14 Plätze frei.")


def test_form_with_errors_marks_the_fields(registration_app, page, screenshot, assert_no_axe_violations):
    reg = registration_app
    block = _open_event(page, reg)
    block.get_by_label("E-Mail-Adresse").fill("keine-adresse")
    block.get_by_role("button", name="Jetzt anmelden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anmeldung: {reg.app.event_title}")
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie die markierten Felder.")
    name = page.get_by_label("Name", exact=False)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description("Bitte geben Sie Ihren Namen an.")
    email = page.get_by_label("E-Mail-Adresse")
    expect(email).to_have_value("keine-adresse")
    expect(email).to_have_accessible_description(re.compile("Bitte geben Sie eine gültige E-Mail-Adresse an."))
    expect(page.get_by_label("Ich stimme zu.")).to_have_accessible_description(
        re.compile("Bitte stimmen Sie der Verarbeitung Ihrer Angaben zu."))
    screenshot(page, "registration-form-errors")
    assert_no_axe_violations(page, "registration form with errors")

    # corrected on the same page
    name.fill("Hanna Nachbarin")
    email.fill("hanna@example.org")
    page.get_by_label("Ich stimme zu.").check()
    page.get_by_role("button", name="Jetzt anmelden").click()
    expect(page.get_by_role("status")).to_contain_text("Bitte bestätigen Sie Ihre E-Mail-Adresse")


def test_personal_page(registration_app, page, assert_no_axe_violations):
    reg = registration_app
    page.goto(reg.at(f"/anmeldung/{reg.token}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Anmeldung")
    expect(page.locator("dl.facts")).to_contain_text("Paula Online")
    expect(page.locator("dl.facts")).to_contain_text("Noch nicht bestätigt")
    assert_no_axe_violations(page, "personal page")

    page.get_by_role("link", name="E-Mail-Adresse bestätigen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung bestätigen")
    assert_no_axe_violations(page, "confirm page")
    page.get_by_role("button", name="Ja, ich bestätige meine Anmeldung").click()
    expect(page.get_by_role("status")).to_contain_text("Vielen Dank! Ihre E-Mail-Adresse ist bestätigt.")
    expect(page.locator("dl.facts")).to_contain_text("Angemeldet")

    page.get_by_role("link", name="Anmeldung stornieren").click()
    assert_no_axe_violations(page, "cancel page")
    page.get_by_role("button", name="Ja, stornieren").click()
    expect(page.get_by_role("status")).to_contain_text("Ihre Anmeldung ist storniert.")
    expect(page.locator("dl.facts")).to_contain_text("Storniert")


# -- staff at the door ----------------------------------------------------------------------------
def test_staff_count_walk_ins_at_the_door(registration_app, page, screenshot, assert_no_axe_violations):
    reg = registration_app
    login(page, reg.app, reg.app.staff)
    page.goto(reg.at(reg.checkin_path))
    page.get_by_role("link", name="Ohne Anmeldung zählen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ohne Anmeldung: {reg.app.event_title}")
    count = page.locator(".walk-in-count")
    expect(count).to_have_text("Ohne Anmeldung gezählt: 0")
    assert_no_axe_violations(page, "walk-in counter")

    page.get_by_label("Ältere (ab 65)").check()
    page.get_by_label("zum ersten Mal hier").check()
    page.get_by_role("button", name="+1 Person zählen").click()
    expect(count).to_have_text("Ohne Anmeldung gezählt: 1")
    page.get_by_role("button", name="−1 Zählung zurücknehmen").click()  # "keine Angabe" has none: refused
    expect(page.get_by_role("alert")).to_have_text("Der Zähler kann nicht unter null fallen.")
    expect(count).to_have_text("Ohne Anmeldung gezählt: 1")
    screenshot(page, "walk-ins")
    assert_no_axe_violations(page, "walk-in counter with an error")


def test_staff_check_in_at_the_door(registration_app, page, screenshot, assert_no_axe_violations):
    reg = registration_app
    login(page, reg.app, reg.app.staff)
    page.goto(reg.at(reg.checkin_path))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Einlass: {reg.app.event_title}")
    count = page.locator(".checkin-count")
    expect(count).to_have_text(f"0 von {reg.expected} Personen eingecheckt")
    assert_no_axe_violations(page, "check-in screen")

    page.get_by_role("search").get_by_label("Name suchen").fill("erika")
    page.get_by_role("search").get_by_role("button", name="Suchen").click()
    expect(page).to_have_url(re.compile(r"\?q=erika"))
    expect(page.locator(".checkin-list li")).to_have_count(1)
    page.get_by_role("button", name=_button("Einchecken", "Erika Muster")).click()

    expect(count).to_have_text(f"1 von {reg.expected} Personen eingecheckt")
    expect(page.get_by_role("button", name=_button("Rückgängig", "Erika Muster"))).to_be_visible()
    expect(page.get_by_label("Name suchen")).to_have_value("erika")
    screenshot(page, "checkin")
    assert_no_axe_violations(page, "check-in screen after a check-in")

    page.get_by_role("button", name=_button("Rückgängig", "Erika Muster")).click()
    expect(count).to_have_text(f"0 von {reg.expected} Personen eingecheckt")
    expect(page.get_by_role("button", name=_button("Einchecken", "Erika Muster"))).to_be_visible()


def test_dashboard_widget_and_registration_screens(registration_app, page, assert_no_axe_violations):
    reg = registration_app
    login(page, reg.app, reg.app.staff)
    widget = page.get_by_role("region", name=f"Anmeldungen: {reg.app.event_title}")
    expect(widget).to_be_visible()
    expect(widget.get_by_role("img", name="Angemeldete Plätze in den letzten drei Wochen")).to_be_visible()
    assert_no_axe_violations(page, "dashboard with the registration widget")

    widget.get_by_role("link", name="Liste drucken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Anmeldungen: {reg.app.event_title}")
    assert_no_axe_violations(page, "printable list")

    page.goto(reg.at("/staff/r/registrations/new"))
    assert_no_axe_violations(page, "phone registration form")


def test_the_cockpit_on_a_phone_shows_the_check_in_in_the_first_screen(registration_app, new_page, screenshot,
                                                                       assert_no_axe_violations):
    reg = registration_app
    page = new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    login(page, reg.app, reg.app.staff)
    page.locator("summary", has_text="Menü").click()  # the menu is collapsed on a phone; it opens without JavaScript
    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Veranstaltungen", exact=True).click()
    page.get_by_role("link", name=reg.app.event_title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(reg.app.event_title)
    menu = page.get_by_role("navigation", name="Hauptmenü")
    expect(menu.get_by_role("link", name="Veranstaltungen", exact=True)).to_be_hidden()
    checkin = page.get_by_role("link", name="Einlass", exact=True).first
    expect(checkin).to_be_in_viewport()
    box = checkin.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844, f"the check-in starts {box} down"
    expect(page.get_by_role("region", name="Anmeldungen")).to_contain_text("Warteliste")
    screenshot(page, "cockpit-phone")
    assert_no_axe_violations(page, "event cockpit on a phone")
    checkin.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Einlass: {reg.app.event_title}")

    page.set_viewport_size({"width": 1280, "height": 800})  # on a wide screen the menu is open
    page.go_back()
    expect(menu.get_by_role("link", name="Veranstaltungen", exact=True)).to_be_visible()
    assert_no_axe_violations(page, "event cockpit")


def test_the_printed_list_has_no_menu_and_every_column_fits(registration_app, page):
    from plugins.registration import service
    from plugins.registration.tables import Registration

    async def cancel_erika() -> None:
        await service.cancel(await Registration.objects().where(Registration.name == "Erika Muster").first())

    reg = registration_app
    run_async(cancel_erika())
    login(page, reg.app, reg.app.staff)
    page.goto(reg.at(f"/staff/anmeldungen/{reg.app.event_id}/liste"))
    names = [cell.inner_text() for cell in page.locator("tbody th").all()]
    assert names[-1] == "Erika Muster"  # cancelled last

    page.emulate_media(media="print")
    page.set_viewport_size({"width": 1050, "height": 740})  # A4 across, less the margins, at 96 px per inch
    expect(page.get_by_role("navigation", name="Hauptmenü")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    cut = page.evaluate("() => { const box = document.querySelector('.table-wrap'); return box.scrollWidth - box.clientWidth; }")
    assert cut <= 0, f"the printed list cuts {cut}px of its columns"
    pdf = page.pdf(prefer_css_page_size=True)
    width, height = (float(v) for v in re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf).groups())
    assert width > height, "the list prints across the page (landscape)"
