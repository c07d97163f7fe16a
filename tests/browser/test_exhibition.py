"""The exhibition in a real browser: a citizen reads it on a phone and answers a guiding question, a moderator
approves the answer and the wall that was open all along shows it without a reload (wall.js polls every
second here); a script payload stays text on the wall; staff upload an image and order the exhibits; axe-core
finds no WCAG 2.1 A/AA violations on the public exhibition pages, the wall and the staff screens."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pytest
from playwright.sync_api import expect

from core.testing.browser import LiveServer, run_async
from tests.browser.conftest import PASSWORD, Account, LiveApp, _seed
from tests.browser.helpers import login, wait_for

pytestmark = pytest.mark.browser

SECTIONS = {"exhibition": {"wall_refresh_seconds": 1, "rate_limit_per_minute": 0}}
TITLE = "Gute Nachbarschaft"
EXHIBITS = [
    ("Einsamkeit im Quartier", "Jeder zehnte Mensch in Deutschland fühlt sich einsam.\n\nEin Netzwerk im Quartier hilft."),
    ("Das Quartiersmanagement", "Eine niederschwellige Kontaktstelle für alle im Quartier."),
    ("Kleine Gesten", "Gemeinsames Essen, kleine Feiern, ein Gespräch über den Gartenzaun."),
]
ALT = "Nachbarinnen und Nachbarn an einer langen Kaffeetafel im Hof"
QUESTION = "Was verstehe ich unter guter Nachbarschaft?"
SEEDED = ["Dass man sich grüßt und weiß, wen man fragen kann, wenn etwas fehlt.",
          "Eine Bank vor dem Treff-PUNKT, auf der man sich zusammensetzen kann."]
ANSWER = "Wenn jemand die Blumen gießt, während ich im Urlaub bin."
PAYLOAD = "<img src=x onerror=window.__xss=1>"


@dataclass
class ExhibitionApp:
    """The seeded live app with the exhibition plugin: a published exhibition with three exhibits (the first with
    an image) and a pre-moderated guiding question with two approved contributions; a moderator for the Quartier."""

    app: LiveApp
    moderator: Account
    exhibition_id: int
    path: str  # the public exhibition page
    exhibit_ids: list[int]
    question_id: int

    def at(self, path: str) -> str:
        return self.app.at(path)

    @property
    def question_path(self) -> str:
        return f"/{self.app.quartier_slug}/fragen/{self.question_id}"


def png(width: int = 1600, height: int = 1000) -> bytes:
    """A photo-sized PNG with some shapes (large enough for all WebP widths)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (236, 228, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(120, 90, 60))  # the table
    for n in range(6):
        x = width * (n + 1) // 7
        draw.ellipse((x - 70, height // 3, x + 70, height // 3 + 140), fill=(40 + n * 30, 90, 140))  # heads
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def _seed_exhibition(quartier_slug: str, event_id: int) -> dict[str, Any]:
    from core.accounts.service import create_user
    from core.quartiere.tables import Quartier
    from plugins.exhibition import service
    from plugins.exhibition.service import ContributionInput, ImageInput

    quartier = await Quartier.objects().where(Quartier.slug == quartier_slug).first()
    moderator = await create_user("moderation@example.org", "Mona Moderatorin", PASSWORD, role="moderator", quartiere=[quartier_slug])
    exhibition = await service.create_exhibition(
        quartier.id, TITLE, "Die Ausstellung zeigt, wie Nachbarschaft im Quartier gelingen kann.", "gute-nachbarschaft", [event_id])
    exhibits = [await service.create_exhibit(exhibition.id, title, body, status="published") for title, body in EXHIBITS]
    await service.add_image(exhibits[0], png(), ImageInput(alt_text=ALT, caption="Das Hoffest 2025", credit="Foto: Maria Muster",
                                                           licence="CC BY 4.0"))
    question = await service.create_question(QUESTION, exhibition_id=exhibition.id, event_id=event_id)
    exhibition = await service.publish_exhibition(exhibition)
    for n, text in enumerate(SEEDED):
        contribution = await service.submit(question, ContributionInput(text=text, name="Anna" if n else ""))
        await service.approve(contribution)
    return {"moderator": Account(moderator.email, moderator.name), "exhibition_id": exhibition.id,
            "path": service.exhibition_path(exhibition, quartier_slug), "exhibit_ids": [e.id for e in exhibits],
            "question_id": question.id}


@pytest.fixture
def exhibition_app(make_deployment: Callable[..., Any], cheap_passwords: None) -> Iterator[ExhibitionApp]:
    """Like ``live_app``, with plugins=["exhibition"] (wall refresh 1 s, no rate limit) and a published exhibition."""
    from core.app import create_app

    deployment = run_async(make_deployment(plugins=["exhibition"], sections=SECTIONS))
    seeded = run_async(_seed())
    content = run_async(_seed_exhibition(seeded["quartier_slug"], seeded["event_id"]))
    with LiveServer(create_app(deployment=deployment)) as server:
        yield ExhibitionApp(app=LiveApp(url=server.url, deployment=deployment, **seeded), **content)


def _phone(new_page: Callable[..., Any]) -> Any:
    return new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)


def _no_horizontal_scrolling(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"


# Chromium names <button>Freigeben<span class="visually-hidden">: Beitrag 3</span></button> "Freigeben : Beitrag 3"
def _button(action: str) -> re.Pattern[str]:
    return re.compile(rf"^{action}\s?: Beitrag \d+$")


def _moderation_item(page: Any, text: str) -> Any:
    return page.locator("article.moderation-item", has=page.locator("blockquote", has_text=text))


def _wall_texts(wall: Any) -> Any:
    return wall.locator("ul[data-feed] li.wall-item blockquote")


# -- a citizen reads the exhibition -------------------------------------------------------------
def test_citizen_reads_the_exhibition_on_a_phone(exhibition_app, new_page, screenshot, assert_no_axe_violations):
    ex = exhibition_app
    page = _phone(new_page)
    page.goto(ex.at(ex.path))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    tour = page.get_by_role("list").filter(has=page.get_by_role("link", name=EXHIBITS[0][0]))
    expect(tour.get_by_role("listitem")).to_have_count(3)
    expect(page.get_by_role("region", name=QUESTION)).to_be_visible()
    _no_horizontal_scrolling(page)
    screenshot(page, "exhibition")
    assert_no_axe_violations(page, "exhibition page (phone)")

    page.get_by_role("link", name="Rundgang beginnen").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(ex.path)}/exponate/{ex.exhibit_ids[0]}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(EXHIBITS[0][0])
    expect(page.get_by_text("Exponat 1 von 3")).to_be_visible()
    image = page.get_by_role("img", name=ALT)
    expect(image).to_be_visible()
    expect(image).to_have_attribute("srcset", re.compile(r"480\.webp 480w, .*960\.webp 960w"))
    wait_for(image, "img => img.complete && img.naturalWidth > 0")
    chosen = image.evaluate("img => img.currentSrc")
    assert chosen.endswith(".webp") and "/original." not in chosen, chosen  # a variant, not the original
    expect(page.locator("figcaption")).to_contain_text("Das Hoffest 2025")
    expect(page.locator("figcaption")).to_contain_text("Bild: Foto: Maria Muster, CC BY 4.0")
    expect(page.get_by_role("link", name=re.compile("Voriges Exponat"))).to_have_count(0)
    _no_horizontal_scrolling(page)
    screenshot(page, "exhibit-mobile")
    assert_no_axe_violations(page, "exhibit page with an image (phone)")

    pager = page.get_by_role("navigation", name="Exponate")
    pager.get_by_role("link", name=re.compile("^Nächstes Exponat")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EXHIBITS[1][0])
    expect(page.get_by_text("Exponat 2 von 3")).to_be_visible()
    assert_no_axe_violations(page, "exhibit page without an image (phone)")
    pager.get_by_role("link", name=re.compile("^Nächstes Exponat")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EXHIBITS[2][0])
    expect(pager.get_by_role("link", name=re.compile("^Nächstes Exponat"))).to_have_count(0)
    expect(pager.get_by_role("link", name="Zu den Fragen →")).to_be_visible()
    pager.get_by_role("link", name=re.compile("^← Voriges Exponat")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EXHIBITS[1][0])
    pager.get_by_role("link", name=re.compile("^← Voriges Exponat")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EXHIBITS[0][0])
    pager.get_by_role("link", name="Übersicht").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


# -- answer, moderate, wall ---------------------------------------------------------------------
def test_contribution_is_moderated_and_appears_on_the_open_wall(exhibition_app, page, new_page, screenshot,
                                                               assert_no_axe_violations):
    ex = exhibition_app
    # the wall on a big screen at the venue, open from the start
    wall = new_page(viewport={"width": 1920, "height": 1080})
    wall.goto(ex.at(f"{ex.question_path}/wand"))
    expect(wall.get_by_role("heading", level=2)).to_have_text(QUESTION)
    expect(_wall_texts(wall)).to_have_text(list(reversed(SEEDED)))  # newest first
    wall.evaluate("window.__sameDocument = true")  # gone if the page reloads
    assert_no_axe_violations(wall, "wall")

    # a citizen answers on the question page (the QR code's address) on a phone
    citizen = _phone(new_page)
    citizen.goto(ex.at(ex.question_path))
    expect(citizen.get_by_role("heading", level=1)).to_have_text("Ihre Meinung ist gefragt")
    region = citizen.get_by_role("region", name=QUESTION)
    expect(region.get_by_role("heading", level=3)).to_have_text("2 Beiträge")
    assert_no_axe_violations(citizen, "question page")
    region.get_by_label("Ihr Beitrag").fill(ANSWER)
    expect(region.get_by_label("Ihr Beitrag")).to_have_accessible_description(re.compile("Höchstens 1000 Zeichen"))
    region.get_by_label("Name").fill("Bernd")
    region.get_by_role("button", name="Beitrag senden").click()
    expect(citizen.get_by_role("status")).to_have_text(
        "Danke für Ihren Beitrag! Er erscheint, sobald ihn jemand aus dem Quartiersmanagement freigegeben hat.")
    expect(citizen.locator(".contributions blockquote", has_text=ANSWER)).to_have_count(0)  # pre-moderation
    expect(citizen.get_by_role("region", name=QUESTION).get_by_role("heading", level=3)).to_have_text("2 Beiträge")

    # the moderator approves it
    login(page, ex.app, ex.moderator)
    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Moderation", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation")
    item = _moderation_item(page, ANSWER)
    expect(item).to_contain_text("Name: Bernd")
    expect(item).to_contain_text("Wartet auf Prüfung")
    expect(page.get_by_role("link", name="Zu prüfen (1)")).to_have_attribute("aria-current", "page")
    assert_no_axe_violations(page, "moderation queue")
    screenshot(page, "moderation")
    # still not on the wall after a refresh since the submission, and nothing redrawn (the list is a live region)
    wall.evaluate("document.querySelector('li.wall-item').__drawn = true")
    with wall.expect_response(lambda r: "/contributions" in r.url):
        pass
    expect(_wall_texts(wall)).to_have_count(2)
    assert wall.evaluate("document.querySelector('li.wall-item').__drawn") is True, "an unchanged wall was redrawn"

    item.get_by_role("button", name=_button("Freigeben")).click()
    expect(page.get_by_role("status")).to_contain_text("Der Beitrag ist freigegeben.")
    expect(page.get_by_text("Hier ist nichts zu tun.")).to_be_visible()
    expect(page.get_by_role("link", name="Freigegeben (3)")).to_be_visible()

    # the open wall picks it up by itself
    expect(_wall_texts(wall).first).to_have_text(ANSWER)
    expect(wall.locator("li.wall-item", has_text=ANSWER).locator(".by")).to_have_text("Bernd")
    assert wall.evaluate("window.__sameDocument") is True, "the wall reloaded"
    expect(_wall_texts(wall)).to_have_text([ANSWER, *reversed(SEEDED)])
    wait_for(wall, "() => document.getAnimations().every(a => a.playState === 'finished')")  # the fade-in of the new one
    screenshot(wall, "wall")
    assert_no_axe_violations(wall, "wall with a new contribution")

    # and the citizen sees it on the question page now
    citizen.reload()
    expect(citizen.locator(".contributions blockquote").first).to_have_text(ANSWER)


def test_a_script_payload_stays_text_on_the_wall(exhibition_app, page, new_page):
    ex = exhibition_app
    wall = new_page(viewport={"width": 1920, "height": 1080})
    wall.goto(ex.at(f"/{ex.app.quartier_slug}/ausstellungen/{ex.exhibition_id}-gute-nachbarschaft/wand"))
    expect(_wall_texts(wall)).to_have_count(2)
    wall.evaluate("window.__sameDocument = true")

    citizen = new_page()
    citizen.goto(ex.at(ex.question_path))
    citizen.get_by_label("Ihr Beitrag").fill(PAYLOAD)
    citizen.get_by_role("button", name="Beitrag senden").click()
    expect(citizen.get_by_role("status")).to_contain_text("Danke für Ihren Beitrag!")

    login(page, ex.app, ex.moderator, next_path="/staff/moderation")
    item = _moderation_item(page, PAYLOAD)
    expect(item.locator("blockquote")).to_have_text(PAYLOAD)
    expect(item.locator("img")).to_have_count(0)
    item.get_by_role("button", name=_button("Freigeben")).click()
    expect(page.get_by_role("status")).to_contain_text("Der Beitrag ist freigegeben.")

    newest = _wall_texts(wall).first
    expect(newest).to_have_text(PAYLOAD)  # drawn by wall.js, as text
    assert wall.evaluate("window.__sameDocument") is True, "the wall reloaded"
    expect(wall.locator("ul[data-feed] img")).to_have_count(0)
    for where in (wall, page, citizen):
        assert where.evaluate("typeof window.__xss") == "undefined", where.url

    # the page as the server renders it, and the question page, escape it too
    wall.reload()
    expect(_wall_texts(wall).first).to_have_text(PAYLOAD)
    citizen.goto(ex.at(ex.question_path))
    expect(citizen.locator(".contributions blockquote").first).to_have_text(PAYLOAD)
    for where in (wall, citizen):
        assert where.evaluate("typeof window.__xss") == "undefined", where.url


def test_question_form_errors(exhibition_app, page, screenshot, assert_no_axe_violations):
    ex = exhibition_app
    page.goto(ex.at(ex.question_path))
    page.get_by_role("button", name="Beitrag senden").click()
    expect(page.get_by_role("alert")).to_have_text("Bitte prüfen Sie die markierten Felder.")
    text = page.get_by_label("Ihr Beitrag")
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(text).to_have_accessible_description(re.compile("Bitte schreiben Sie Ihren Beitrag.$"))
    page.get_by_label("Name").fill("Bernd")
    assert_no_axe_violations(page, "question page with form errors")
    text.fill(ANSWER)
    page.get_by_role("button", name="Beitrag senden").click()
    expect(page.get_by_role("status")).to_contain_text("Danke für Ihren Beitrag!")
    expect(page.get_by_role("alert")).to_have_count(0)


# -- staff screens ------------------------------------------------------------------------------
def test_staff_upload_an_image_and_order_the_exhibits(exhibition_app, page, screenshot, assert_no_axe_violations):
    ex = exhibition_app
    login(page, ex.app, ex.app.staff)
    page.goto(ex.at(f"/staff/r/exhibitions/{ex.exhibition_id}"))
    page.get_by_role("link", name="Exponate und Reihenfolge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Exponate: {TITLE}")
    rows = page.locator("table tbody tr")
    expect(rows.locator("td:nth-child(2)")).to_have_text([title for title, _body in EXHIBITS])
    assert_no_axe_violations(page, "exhibit order page")

    rows.nth(2).get_by_role("button", name=re.compile(rf"^↑ Nach vorn\s?: {EXHIBITS[2][0]}$")).click()
    expect(rows.locator("td:nth-child(2)")).to_have_text([EXHIBITS[0][0], EXHIBITS[2][0], EXHIBITS[1][0]])
    screenshot(page, "exhibit-order")

    rows.nth(1).get_by_role("link", name=re.compile(rf"Bilder: {EXHIBITS[2][0]}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bilder: {EXHIBITS[2][0]}")
    expect(page.get_by_text("Dieses Exponat hat noch keine Bilder.")).to_be_visible()
    assert_no_axe_violations(page, "staff images page (empty)")

    # without alt text: refused, the field marked
    page.get_by_label("Bilddatei").set_input_files({"name": "gesten.png", "mimeType": "image/png", "buffer": png(800, 500)})
    page.get_by_role("button", name="Hochladen").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie die markierten Felder.")
    alt = page.get_by_label("Alternativtext")
    expect(alt).to_have_attribute("aria-invalid", "true")
    expect(alt).to_have_accessible_description(re.compile("Bitte beschreiben Sie das Bild"))
    assert_no_axe_violations(page, "staff images page with errors")

    page.get_by_label("Bilddatei").set_input_files({"name": "gesten.png", "mimeType": "image/png", "buffer": png(800, 500)})
    alt.fill("Zwei Nachbarn im Gespräch am Gartenzaun")
    page.get_by_label("Urheber/in").fill("Foto: Maria Muster")
    page.get_by_role("button", name="Hochladen").click()
    expect(page.get_by_role("status")).to_contain_text("Das Bild ist hochgeladen.")
    expect(page.get_by_role("heading", level=2, name=re.compile(r"^Bild 1"))).to_be_visible()
    thumb = page.get_by_role("img", name="Zwei Nachbarn im Gespräch am Gartenzaun")
    wait_for(thumb, "img => img.complete && img.naturalWidth > 0")
    screenshot(page, "staff-images")
    assert_no_axe_violations(page, "staff images page with an image")

    # the public exhibit shows it, in the new order
    page.goto(ex.at(f"{ex.path}/exponate/{ex.exhibit_ids[2]}"))
    expect(page.get_by_text("Exponat 2 von 3")).to_be_visible()
    expect(page.get_by_role("img", name="Zwei Nachbarn im Gespräch am Gartenzaun")).to_be_visible()


def test_print_button_of_the_export_and_the_poster_pdf(exhibition_app, page, assert_no_axe_violations):
    """The export's button works without inline handlers (the CSP forbids them): plugins/exhibition/static/print.js;
    the poster page offers the poster as a PDF (core/printing)."""
    ex = exhibition_app
    page.context.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    login(page, ex.app, ex.app.staff)
    path = f"/staff/ausstellungen/beitraege?ausstellung={ex.exhibition_id}"
    page.goto(ex.at(path))
    page.get_by_role("button", name="Drucken oder als PDF speichern", exact=True).click()
    assert page.evaluate("() => window.printed") == 1, path
    assert_no_axe_violations(page, path)
    path = f"/staff/ausstellungen/fragen/{ex.question_id}/aushang"
    page.goto(ex.at(path))
    with page.expect_download() as download:
        page.get_by_role("link", name="Aushang als PDF (A4)").click()
    assert download.value.suggested_filename.startswith("aushang-") and download.value.suggested_filename.endswith(".pdf")
    assert_no_axe_violations(page, path)


def test_staff_type_in_paper_cards_and_the_open_wall_marks_them(exhibition_app, page, new_page, screenshot,
                                                               assert_no_axe_violations):
    ex = exhibition_app
    wall = new_page()
    wall.goto(ex.at(f"{ex.path}/wand"))
    expect(_wall_texts(wall)).to_have_count(2)
    login(page, ex.app, ex.app.staff)
    page.goto(ex.at(f"/staff/r/guiding-questions/{ex.question_id}"))
    page.get_by_role("link", name="Antworten von Papier eingeben").click()
    page.get_by_role("button", name="Speichern").click()  # nothing typed
    expect(page.get_by_role("alert")).to_contain_text("Bitte schreiben Sie mindestens eine Antwort ab.")
    assert_no_axe_violations(page, "paper form with an error")
    page.get_by_label("Antworten").fill("Kinder spielen zusammen im Hof.\n\nEin offenes Ohr.")
    page.get_by_role("button", name="Speichern").click()
    expect(page.get_by_role("status")).to_contain_text("2 Antworten von Papier sind gespeichert.")
    assert_no_axe_violations(page, "paper form")
    screenshot(page, "paper-form")

    page.goto(ex.at(f"/staff/moderation?frage={ex.question_id}"))
    item = _moderation_item(page, "Ein offenes Ohr.")
    expect(item).to_contain_text("auf Papier")
    item.get_by_role("button", name=_button("Freigeben")).click()
    expect(page.get_by_role("status")).to_contain_text("Der Beitrag ist freigegeben.")
    expect(_wall_texts(wall).first).to_have_text("Ein offenes Ohr.")
    expect(wall.locator("li.wall-item", has_text="Ein offenes Ohr.").locator(".by")).to_have_text("anonym · auf Papier")
    assert_no_axe_violations(wall, "wall with a paper answer")
