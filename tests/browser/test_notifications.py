"""Announcements in a real browser: staff write to everyone registered for an event, look at the preview,
send a test to themselves, send for real (after confirming), and see the progress; the mails arrive in a
real SMTP server (aiosmtpd), once per person. axe-core finds no WCAG 2.1 A/AA violations on the
notification screens and on the public unsubscribe page."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from core.testing.browser import LiveServer, run_async
from tests.browser.conftest import LiveApp, _seed
from tests.browser.helpers import login
from tests.plugins.notifications.conftest import Sink, sections, smtp  # noqa: F401 (smtp: the fixture)

pytestmark = pytest.mark.browser

PLUGINS = ["registration", "notifications"]
PEOPLE = {"anna@example.org": "Anna Nachbarin", "bert@example.org": "Bert Berger"}
PHONE_ONLY = "Paul Telefon"
SUBJECT = "Raumwechsel zum Sommerfest"
BODY = "Wir feiern im großen Saal statt im Hof.\n\nBitte bringen Sie gute Laune mit."


@dataclass
class NotificationsApp:
    """The seeded live app with registration and notifications; mails go to ``sink``."""

    app: LiveApp
    sink: Sink

    def at(self, path: str) -> str:
        return self.app.at(path)

    def send_due(self) -> int:
        """What ``quartier notifications send`` does: send everything that is due."""
        from plugins.notifications.worker import work

        return run_async(work(self.app.deployment))


async def _seed_registrations(event_id: int) -> None:
    from plugins.registration import service
    from plugins.registration.service import RegistrationInput

    await service.ensure_form(event_id, capacity=10, double_opt_in=False)
    for email, name in PEOPLE.items():
        await service.register(event_id, RegistrationInput(name=name, email=email, consent=True))
    await service.register(event_id, RegistrationInput(name=PHONE_ONLY, phone="05371 4711", consent=True), channel="phone")


@pytest.fixture
def notifications_app(make_deployment: Callable[..., Any], cheap_passwords: None, smtp: Sink) -> Iterator[NotificationsApp]:  # noqa: F811
    """Like ``live_app``, with plugins registration and notifications (the app's send job is not due during the test: the test sends)."""
    from core.app import create_app

    deployment = run_async(make_deployment(plugins=PLUGINS, sections=sections(smtp.port)))
    seeded = run_async(_seed())
    run_async(_seed_registrations(seeded["event_id"]))
    with LiveServer(create_app(deployment=deployment)) as server:
        live = NotificationsApp(app=LiveApp(url=server.url, deployment=deployment, **seeded), sink=smtp)
        live.send_due()  # the registration confirmations
        assert {m["To"] for m in smtp.messages} == set(PEOPLE)
        smtp.messages.clear()
        yield live


def _menu(page: Any) -> Any:
    return page.get_by_role("navigation", name="Hauptmenü")


def _detail(page: Any, label: str) -> Any:
    return page.locator("dl.details dt", has_text=re.compile(rf"^{re.escape(label)}$")).locator("xpath=following-sibling::dd[1]")


def _body(message: Any) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_announcement_preview_test_and_send(notifications_app, page, new_page, screenshot, assert_no_axe_violations):
    live = notifications_app
    sink = live.sink
    login(page, live.app, live.app.staff)

    _menu(page).get_by_role("link", name="Mitteilungen", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitteilungen")
    page.get_by_role("link", name="Mitteilung anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mitteilung anlegen")
    expect(page.get_by_label("Text (Pflichtfeld)", exact=True)).to_have_accessible_description(
        re.compile("der Abbestell-Link werden ergänzt"))
    assert_no_axe_violations(page, "announcement form")

    page.get_by_label("Veranstaltung (Pflichtfeld)", exact=True).select_option(label=live.app.event_title)
    page.get_by_label("An (Pflichtfeld)", exact=True).select_option(label="Angemeldete")
    page.get_by_label("Betreff (Pflichtfeld)", exact=True).fill(SUBJECT)
    page.get_by_label("Text (Pflichtfeld)", exact=True).fill(BODY)
    page.get_by_role("button", name="Speichern").click()

    # the detail page: a preview for a real recipient, the buttons of a draft
    expect(page).to_have_url(re.compile(r"/staff/r/announcements/\d+$"))
    expect(page.get_by_role("status")).to_contain_text(f"„{SUBJECT}“ wurde angelegt.")
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(_detail(page, "Status")).to_have_text("Entwurf")
    expect(_detail(page, "Empfänger (mit E-Mail)")).to_have_text("2")
    expect(_detail(page, "Auf die Anrufliste (ohne E-Mail)")).to_have_text("1")
    preview = _detail(page, "Vorschau")
    expect(preview).to_contain_text(f"Betreff: {SUBJECT}")
    expect(preview).to_contain_text(f"Guten Tag {PEOPLE['anna@example.org']},")
    expect(preview).to_contain_text("Wir feiern im großen Saal statt im Hof.")
    expect(preview).to_contain_text("Solche Mitteilungen abbestellen: http://testserver.local/benachrichtigungen/abbestellen/")
    screenshot(page, "announcement")
    assert_no_axe_violations(page, "announcement detail page (draft)")

    # a test to oneself
    page.get_by_role("button", name="Test an mich senden", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("„Test an mich senden“ wurde ausgeführt.")
    live.send_due()
    (test_mail,) = sink.messages
    assert test_mail["To"] == live.app.staff.email
    assert test_mail["Subject"] == f"[Test] {SUBJECT}"
    assert f"Guten Tag {live.app.staff.name}," in _body(test_mail)
    expect(_detail(page, "Status")).to_have_text("Entwurf")  # a test does not send the announcement

    # send for real, after confirming
    confirm = page.locator("details.confirm", has=page.locator("summary", has_text="Jetzt senden"))
    yes = confirm.get_by_role("button", name="Ja, Jetzt senden")
    expect(yes).to_be_hidden()
    confirm.locator("summary").click()
    expect(confirm.get_by_text("Die Mitteilung jetzt an alle Empfänger senden?")).to_be_visible()
    yes.click()
    expect(page.get_by_role("status")).to_contain_text("„Jetzt senden“ wurde ausgeführt.")
    expect(_detail(page, "Status")).to_have_text("Versandt")
    expect(page.locator("summary", has_text="Jetzt senden")).to_have_count(0)
    expect(page.get_by_role("button", name="Test an mich senden")).to_have_count(0)

    assert live.send_due() == 2
    assert live.send_due() == 0
    announcements = [m for m in sink.messages if m["Subject"] == SUBJECT]
    assert Counter(m["To"] for m in announcements) == Counter(list(PEOPLE))  # both registrants, each exactly once
    assert len(sink.messages) == 3  # and nothing else (the phone-only person is on the call list)
    for message in announcements:
        assert f"Guten Tag {PEOPLE[message['To']]}," in _body(message)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    page.reload()
    expect(_detail(page, "Versandstand")).to_have_text("2 versandt, 1 ausstehend, 0 fehlgeschlagen")  # the call to make
    assert_no_axe_violations(page, "announcement detail page (sent)")

    # the other notification screens
    _menu(page).get_by_role("link", name="Versandprotokoll", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Versandprotokoll")
    expect(page.get_by_role("main")).to_contain_text("anna@example.org")
    assert_no_axe_violations(page, "delivery log")

    _menu(page).get_by_role("link", name="Anrufliste", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anrufliste")
    expect(page.get_by_role("main")).to_contain_text(PHONE_ONLY)
    assert_no_axe_violations(page, "call list")
    call = page.get_by_role("row").filter(has_text="Mitteilung").get_by_role("link", name=re.compile(PHONE_ONLY))
    call.click()
    expect(_detail(page, "Was zu sagen ist")).to_contain_text("Wir feiern im großen Saal statt im Hof.")
    page.get_by_role("button", name="Angerufen").click()
    expect(_detail(page, "Status")).to_have_text("Erledigt")

    _menu(page).get_by_role("link", name="Nachrichtentexte", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nachrichtentexte")
    page.get_by_role("link", name="Nachrichtentext anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nachrichtentext anlegen")
    expect(page.get_by_label("Text", exact=True)).to_have_accessible_description(re.compile("Erste Zeile „Betreff: …“"))
    assert_no_axe_violations(page, "message template form")

    # the public unsubscribe page, from the link in the mail (a fresh context: not logged in)
    anna = next(m for m in announcements if m["To"] == "anna@example.org")
    link = re.fullmatch(r"<(.+)>", anna["List-Unsubscribe"]).group(1)
    assert link.startswith("http://testserver.local/benachrichtigungen/abbestellen/")
    public = new_page()
    public.goto(live.at(urlsplit(link).path))
    expect(public.get_by_role("heading", level=1)).to_have_text("Mitteilungen abbestellen")
    assert_no_axe_violations(public, "unsubscribe page")
    public.get_by_role("button", name="Mitteilungen abbestellen").click()
    expect(public.get_by_role("status")).to_contain_text("Sie bekommen keine Mitteilungen mehr.")
    assert_no_axe_violations(public, "unsubscribe page after unsubscribing")


def test_subscribing_to_new_events_confirming_and_unsubscribing(notifications_app, page, new_page, assert_no_axe_violations):
    """A citizen subscribes on the Quartier's page (first forgetting the consent), confirms from the mail, gets a
    digest and ends the subscription from its link; staff see the count on the dashboard."""
    from core.events import service as events
    from plugins.notifications import subscriptions

    live = notifications_app
    page.goto(live.at(f"/{live.app.quartier_slug}"))
    block = page.get_by_role("region", name="Neue Termine per E-Mail")
    block.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    block.get_by_label("sobald etwas Neues erscheint").check()
    assert_no_axe_violations(page, "Quartier page with the subscribe form")
    block.get_by_role("button", name="Abonnieren").click()
    expect(page.locator("#sub-consent-error")).to_have_text("Bitte stimmen Sie der Speicherung Ihrer E-Mail-Adresse zu.")
    expect(page.get_by_label("Ich stimme zu.")).to_have_accessible_description(re.compile("Ich möchte per E-Mail"))
    assert_no_axe_violations(page, "subscribe form with an error")
    page.get_by_label("Ich stimme zu.").check()
    page.get_by_role("button", name="Abonnieren").click()
    expect(page.get_by_role("status")).to_contain_text("Fast geschafft")
    assert_no_axe_violations(page, "subscribe: check your mail")

    live.send_due()
    (request,) = live.sink.to("erika@example.org")
    confirm = re.search(r"http://testserver\.local(\S+/bestaetigen)", request.get_body(("plain",)).get_content()).group(1)
    citizen = new_page()
    citizen.goto(live.at(confirm))
    assert_no_axe_violations(citizen, "confirm subscription page")
    citizen.get_by_role("button", name="Abonnement bestätigen").click()
    expect(citizen.get_by_role("status")).to_have_text("Vielen Dank! Ihr Abonnement ist bestätigt.")
    assert_no_axe_violations(citizen, "subscription confirmed")
    login(page, live.app, live.app.staff)  # staff see how many, not who
    widget = page.locator("section", has=page.get_by_role("heading", name="Abonnements neuer Termine"))
    expect(widget.get_by_role("row", name="Nordstadt 1 0")).to_be_visible()
    expect(widget).not_to_contain_text("erika@example.org")
    assert_no_axe_violations(page, "dashboard with the subscriptions widget")

    run_async(events.publish_event(live.app.draft_id))
    from core.testing.fixtures import deliver_pending_events

    run_async(deliver_pending_events())
    run_async(subscriptions.send_digests(live.app.deployment))
    live.send_due()
    digest = live.sink.to("erika@example.org")[1]
    assert live.app.draft_title in digest.get_body(("plain",)).get_content()
    unsubscribe = urlsplit(re.fullmatch(r"<(.+)>", digest["List-Unsubscribe"]).group(1)).path
    citizen.goto(live.at(unsubscribe))
    assert_no_axe_violations(citizen, "unsubscribe page of a subscription")
    citizen.get_by_role("button", name="Abonnement beenden").click()
    expect(citizen.get_by_role("status")).to_have_text("Ihr Abonnement ist beendet und Ihre E-Mail-Adresse gelöscht.")
    assert_no_axe_violations(citizen, "subscription ended")

    page.reload()
    expect(page.get_by_role("heading", name="Abonnements neuer Termine")).to_have_count(0)  # nobody left subscribed

    # a series page has its own subscribe form
    from core.events.series import create_series

    series = run_async(create_series(live.app.event_id, "weekly", None, 2, ""))
    citizen.goto(live.at(f"/{live.app.quartier_slug}/reihen/{series.id}"))  # redirects to the page with its name
    expect(citizen.get_by_role("region", name="Neue Termine per E-Mail")).to_be_visible()
    assert_no_axe_violations(citizen, "series page with the subscribe form")
