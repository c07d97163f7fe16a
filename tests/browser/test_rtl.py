"""Arabic in a real browser: the pages are right to left, nothing scrolls sideways, the served fonts are used and
axe-core finds no WCAG 2.1 A/AA violations on the event page, the registration (registered once), the exhibition's
contribution form, the wall and the staff check-in."""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import pytest
from playwright.sync_api import expect

from core.testing.browser import LiveServer, run_async
from tests.browser.conftest import LiveApp, _seed
from tests.browser.helpers import login
from tests.browser.test_exhibition import SECTIONS as EXHIBITION_SECTIONS, ExhibitionApp, _seed_exhibition
from tests.browser.test_registration import SETTINGS as REGISTRATION_SETTINGS, _seed_registrations

pytestmark = pytest.mark.browser


@pytest.fixture
def arabic_app(make_deployment: Callable[..., Any], cheap_passwords: None, smtp_server: Any) -> Iterator[ExhibitionApp]:
    """The seeded live app with the registration and exhibition plugins (both seeded as in their own browser tests),
    and the notifications plugin sending to the test's SMTP server."""
    from core.app import create_app

    mail = {"notifications": {"smtp_host": "127.0.0.1", "smtp_port": smtp_server.port, "poll_seconds": 0.5,
                              "from_address": "qm@gifhorn.example"}}
    deployment = run_async(make_deployment(plugins=["registration", "exhibition", "notifications"],
                                           sections={**REGISTRATION_SETTINGS, **EXHIBITION_SECTIONS, **mail}))
    seeded = run_async(_seed())
    run_async(_seed_registrations(seeded["event_id"]))
    content = run_async(_seed_exhibition(seeded["quartier_slug"], seeded["event_id"]))
    with LiveServer(create_app(deployment=deployment)) as server:
        yield ExhibitionApp(app=LiveApp(url=server.url, deployment=deployment, **seeded), **content)


def _check_rtl(page: Any, where: str, screenshot: Callable[..., Any], assert_no_axe_violations: Callable[..., None]) -> None:
    """dir="rtl", no sideways scrolling at 390 and 1280 px, the Arabic font in use, axe clean."""
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"], where
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl", where
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{where} scrolls sideways by {overflow}px at {width}px"
        assert_no_axe_violations(page, f"{where} in Arabic at {width}px ({page.url})")
    page.evaluate("document.fonts.ready.then(() => 0)")
    assert page.evaluate("document.fonts.check('16px \"Quartier Arabic\"', 'العربية')"), f"{where}: Arabic font not loaded"
    screenshot(page, f"rtl-{where.replace(' ', '-')}")


def test_public_pages_and_registration_in_arabic(arabic_app, page, screenshot, assert_no_axe_violations, smtp_server):
    ex = arabic_app
    page.goto(ex.at(ex.app.event_path + "?lang=ar"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ex.app.event_title)
    block = page.get_by_role("region", name="التسجيل")
    expect(block.get_by_role("status")).to_contain_text("بقي 16 مكانًا شاغرًا.")
    # the start of a line is on the right: the registration heading's right edge lines up with main's
    main_right, heading_right = page.evaluate("""() => [document.querySelector('main').getBoundingClientRect().right,
        document.querySelector('section.block h2').getBoundingClientRect().right]""")
    assert main_right - heading_right < 40, (main_right, heading_right)
    _check_rtl(page, "event page", screenshot, assert_no_axe_violations)

    # register once, in Arabic
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#reg-name").fill("Hanna Nachbarin")
    page.locator("#reg-email").fill("hanna@example.org")
    page.get_by_label("أوافق.").check()
    page.get_by_role("button", name="سجّل الآن").click()
    expect(page.get_by_role("status")).to_contain_text("يرجى تأكيد عنوان بريدك الإلكتروني")
    _check_rtl(page, "registration result", screenshot, assert_no_axe_violations)

    # the confirmation request arrives in Arabic, right to left
    deadline = time.monotonic() + 30
    while not smtp_server.to("hanna@example.org") and time.monotonic() < deadline:
        time.sleep(0.2)
    (mail,) = smtp_server.to("hanna@example.org")
    assert mail["Subject"] == f"يُرجى تأكيد تسجيلك: {ex.app.event_title}"
    assert mail.get_body(preferencelist=("plain",)).get_content().startswith("مرحبًا Hanna Nachbarin")
    assert '<html lang="ar" dir="rtl">' in mail.get_body(preferencelist=("html",)).get_content()


def test_contribution_form_and_wall_in_arabic(arabic_app, page, screenshot, assert_no_axe_violations):
    ex = arabic_app
    page.goto(ex.at(ex.question_path + "?lang=ar"))
    expect(page.get_by_role("button", name="إرسال المساهمة")).to_be_visible()
    _check_rtl(page, "contribution form", screenshot, assert_no_axe_violations)
    page.goto(ex.at(ex.question_path + "/wand"))  # the language is remembered
    expect(page.locator("li.wall-item")).to_have_count(2)
    expect(page.locator("li.wall-item p.by bdi").first).to_be_visible()
    _check_rtl(page, "wall", screenshot, assert_no_axe_violations)


def test_staff_check_in_in_arabic(arabic_app, page, screenshot, assert_no_axe_violations):
    ex = arabic_app
    login(page, ex.app, ex.app.staff)
    page.goto(ex.at(f"/staff/anmeldungen/{ex.app.event_id}/checkin?lang=ar"))
    expect(page.locator("p.checkin-count")).to_have_text("0 من 4 شخص سُجّل حضوره")
    page.get_by_role("button", name="تسجيل الحضور : Erika Muster").click()
    expect(page.locator("p.checkin-count")).to_have_text("1 من 4 شخص سُجّل حضوره")
    _check_rtl(page, "check-in", screenshot, assert_no_axe_violations)
