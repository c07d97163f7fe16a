"""The Content-Security-Policy in a real browser: what it blocks is reported (so every browser test fails on a
violation, see ``new_page``), the event page's JSON-LD stays readable, and no page can be framed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from core.testing.browser import watch_csp_violations

pytestmark = pytest.mark.browser


def test_inline_script_and_style_are_blocked_and_reported(live_app, chromium):
    context = chromium.new_context(locale="de-DE")
    try:
        violations = watch_csp_violations(context)
        page = context.new_page()
        page.goto(live_app.at(live_app.event_path))
        expect(page.get_by_role("heading", level=1)).to_have_text(live_app.event_title)
        assert violations == []
        page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.head.append(script);
            document.querySelector("h1").setAttribute("style", "color: red");
            document.querySelector("h1").setAttribute("onclick", "window.handlerRan = true");
            document.querySelector("h1").click();
        }""")
        page.evaluate("0")  # a round trip: the reports arrive
        assert page.evaluate("() => [window.inlineRan, window.handlerRan]") == [None, None]
        kinds = sorted({text.split(" ", 1)[0] for text in violations})
        assert kinds == ["script-src-attr", "script-src-elem", "style-src-attr"], violations
    finally:
        context.close()


def test_event_json_ld_is_readable_under_the_policy(live_app, page):
    page.goto(live_app.at(live_app.event_path))
    blocks = page.locator('script[type="application/ld+json"]')
    expect(blocks).to_have_count(1)
    data: dict[str, Any] = json.loads(blocks.text_content() or "")
    assert data["name"] == live_app.event_title
    # new_page fails the test on any CSP violation


def test_pages_refuse_to_be_framed(live_app, page):
    """Another site (here: a blank page of no origin) cannot show the staff login in a frame."""
    page.set_content(f'<iframe title="Fremde Seite" src="{live_app.at("/staff/login")}"></iframe>')
    page.wait_for_load_state("load")
    frame = page.frames[1]
    assert frame.locator("form").count() == 0, f"the login form was shown in a frame ({frame.url})"
