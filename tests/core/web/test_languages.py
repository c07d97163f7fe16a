"""The offered languages, right-to-left pages, the fonts the app serves, and dates, numbers and plurals through Babel."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from core.config import ConfigError, check_web_settings
from core.web import i18n
from tests.core.factories import make_event, make_quartier

FONTS = Path(__file__).resolve().parents[3] / "core" / "static" / "fonts"
MOMENT = datetime(2026, 12, 28, 13, 0, tzinfo=timezone.utc)  # 14:00 in Berlin


def _switcher(html: str) -> list[tuple[str, str]]:
    """(lang, name) of each entry of the language switcher."""
    nav = html.split('class="lang-switch"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<(?:a|span)[^>]*\blang="([^"]+)"[^>]*>([^<]+)<', nav)


def _html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


# -- offered languages ------------------------------------------------------------------------
async def test_the_switcher_offers_exactly_the_configured_languages_each_named_in_itself(make_client):
    async with make_client(languages=["de", "tr", "ar"]) as client:
        await make_quartier("nordstadt")
        html = (await client.get("/nordstadt/")).text
        assert _switcher(html) == [("de", "Deutsch"), ("tr", "Türkçe"), ("ar", "العربية")]
        # English is not offered here: ?lang=en is ignored, and so is an old cookie
        assert 'lang="de"' in _html_tag((await client.get("/nordstadt/?lang=en")).text)
        client.cookies.set("lang", "en")
        assert 'lang="de"' in _html_tag((await client.get("/nordstadt/")).text)
        page = (await client.get("/nordstadt/?lang=tr")).text
        assert _html_tag(page) == '<html lang="tr" dir="ltr">'
        assert re.search(r"<h2[^>]*>\s*Etkinlikler\s*</h2>", page)
        client.cookies.clear()
        browser = await client.get("/nordstadt/", headers={"Accept-Language": "ar, tr;q=0.8"})
        assert _html_tag(browser.text) == '<html lang="ar" dir="rtl">'
        assert "Accept-Language" in browser.headers["vary"]  # a cache must not hand it to a German reader


async def test_staff_pages_offer_the_same_languages(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], languages=["de", "en", "ar"]) as client:
        html = (await client.get("/staff/?lang=ar")).text
        assert _html_tag(html) == '<html lang="ar" dir="rtl">'
        assert [lang for lang, _name in _switcher(html)] == ["de", "en", "ar"]
        assert "نظرة عامة" in html  # "Übersicht"
        assert '<bdi class="who">' in html  # the user's name keeps its own direction


def test_an_unknown_or_uncatalogued_language_stops_the_start_in_one_sentence(make_settings):
    for languages, wanted in ((["de", "klingonisch"], "'klingonisch' is no known language"),
                              (["de", "xx"], "'xx' is no known language")):
        with pytest.raises(ConfigError) as caught:
            check_web_settings(make_settings(languages=languages))
        message = str(caught.value)
        assert wanted in message and "setting 'languages' is invalid" in message and "\n" not in message
    with pytest.raises(ConfigError, match="'default_language' is invalid"):
        check_web_settings(make_settings(languages=["de", "tr"], default_language="ar"))


# -- right to left ----------------------------------------------------------------------------
async def test_arabic_pages_are_right_to_left_and_isolate_names_and_numbers(make_client):
    async with make_client() as client:
        quartier = await make_quartier("nordstadt")
        event = await make_event(quartier, "treff")
        html = (await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff?lang=ar")).text
        assert _html_tag(html) == '<html lang="ar" dir="rtl">'
        assert "<bdi>Ulrike Buka</bdi>" in html and "<bdi>Treff-PUNKT 53</bdi>" in html
        assert 'href="tel:0537182562">(05371) 82562</a>' in html  # the stylesheet keeps tel: and mailto: left to right
        assert "متى" in html  # "Wann"
        german = (await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff?lang=de")).text
        assert _html_tag(german) == '<html lang="de" dir="ltr">'


def test_the_stylesheets_mirror_with_logical_properties():
    root = FONTS.parents[2]
    sheets = [root / "core/static/quartier.css", *root.glob("plugins/*/static/*.css"),
              *root.glob("examples/*/*/static/*.css")]
    assert len(sheets) >= 3
    physical = re.compile(r"(?<![-\w])(margin|padding|border)-(left|right)\b|(?<![-\w])(left|right)\s*:|text-align:\s*(left|right)"
                          r"|float:\s*(left|right)")
    for sheet in sheets:
        found = [line for line in sheet.read_text(encoding="utf-8").splitlines() if physical.search(line)]
        assert found == [], f"{sheet.name}: use logical properties (margin-inline-start, inset-inline-start, text-align: start)"
    css = (root / "core/static/quartier.css").read_text(encoding="utf-8")
    assert "unicode-bidi: isolate" in css and 'a[href^="tel:"]' in css


# -- fonts --------------------------------------------------------------------------------------
def test_the_fonts_are_subset_woff2_within_the_budget_with_their_licence():
    files = sorted(FONTS.glob("*.woff2"))
    assert [f.name for f in files] == ["noto-sans-arabic-bold.woff2", "noto-sans-arabic-regular.woff2",
                                       "noto-sans-bold.woff2", "noto-sans-regular.woff2"]
    sizes = {f.name: f.stat().st_size for f in files}
    assert all(size <= 40_000 for size in sizes.values()), sizes
    assert sum(sizes.values()) <= 130_000, sizes
    assert all(f.read_bytes()[:4] == b"wOF2" for f in files)
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONTS / "OFL.txt").read_text(encoding="utf-8")


async def test_the_app_serves_the_fonts_and_the_stylesheet_asks_no_other_server(make_client):
    async with make_client() as client:
        css = (await client.get("/static/core/quartier.css")).text
        urls = re.findall(r"url\(([^)]*)\)", css)
        assert len(urls) == 4 and all(u.strip("\"'").startswith("fonts/") for u in urls), urls
        assert css.count("font-display: swap") == 4
        for url in urls:
            response = await client.get("/static/core/" + url.strip("\"'"))
            assert response.status_code == 200 and response.content[:4] == b"wOF2"


def test_the_fonts_cover_the_letters_of_every_offered_language():
    from fontTools import ttLib as fontTools
    latin = set().union(*(fontTools.TTFont(FONTS / f"noto-sans-{w}.woff2").getBestCmap() for w in ("regular", "bold")))
    arabic = set(fontTools.TTFont(FONTS / "noto-sans-arabic-regular.woff2").getBestCmap())
    for text in ("Straße Übersicht", "Türkçe ğışİ Çö", "Русский Українська ґїєі", "€ – „“ …"):
        assert {ord(c) for c in text} <= latin, text
    assert {ord(c) for c in "العربية نظرة عامة ٠١٢٣"} - {ord(" ")} <= arabic


# -- dates, numbers, plurals -------------------------------------------------------------------
@pytest.fixture
def core_catalogs():
    i18n.load_catalogs({i18n.CORE_DOMAIN: [i18n.CORE_LOCALE]})
    yield
    i18n.set_language(i18n.SOURCE_LANGUAGE)


@pytest.mark.parametrize("lang, when, number, day", [
    ("de", "Montag, 28. Dezember 2026, 14:00", "1.234,5", "28. Dez."),
    ("tr", "28 Aralık 2026 Pazartesi 14:00", "1.234,5", "28 Ara"),
    ("ar", "الاثنين، 28 ديسمبر 2026، 2:00 م", "1,234.5", "28 ديسمبر"),
])
def test_dates_and_numbers_follow_the_language(core_catalogs, lang, when, number, day):
    i18n.set_language(lang)
    assert i18n.format_when(MOMENT) == when
    assert i18n.format_number(1234.5) == number
    assert i18n.format_month_day(MOMENT.date()) == day


@pytest.mark.parametrize("n, arabic", [
    (0, "لا توجد إدخالات"), (1, "إدخال واحد"), (2, "إدخالان"), (3, "3 إدخالات"), (11, "11 إدخالًا"), (100, "100 إدخال"),
    (1234, "1,234 إدخالًا"), (1200, "1,200 إدخال"),
])
def test_arabic_has_six_plural_forms(core_catalogs, make_env, n, arabic):
    i18n.set_language("ar")
    template = make_env.from_string('{{ ngettext("%(num)d Eintrag", "%(num)d Einträge", n) }}')
    assert template.render(n=n) == arabic


@pytest.mark.parametrize("n, turkish", [(1, "1 kayıt"), (1234, "1.234 kayıt")])
def test_turkish_plurals_write_the_number_the_turkish_way(core_catalogs, make_env, n, turkish):
    i18n.set_language("tr")
    assert make_env.from_string('{{ ngettext("%(num)d Eintrag", "%(num)d Einträge", n) }}').render(n=n) == turkish


@pytest.fixture
def make_env():
    from jinja2 import Environment

    from core.web import template_i18n

    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n", template_i18n.PluginDomains])
    template_i18n.install(env, {})
    return env


async def test_the_event_page_and_the_staff_list_in_turkish_and_arabic(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"]) as client:
        from core.quartiere.tables import Quartier

        quartier = await Quartier.objects().where(Quartier.slug == "nordstadt").first()
        event = await make_event(quartier, "treff")
        for lang, month in (("tr", re.compile(r"\d+ (Ocak|Şubat|Mart|Nisan|Mayıs|Haziran|Temmuz|Ağustos|Eylül|Ekim|Kasım|Aralık) 20\d\d")),
                            ("ar", re.compile(r"\d+ (يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر) 20\d\d"))):
            html = (await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff?lang={lang}")).text
            assert month.search(html), lang
            listing = (await client.get("/staff/r/events/")).text
            assert {"tr": "1 kayıt", "ar": "إدخال واحد"}[lang] in listing


def test_cached_dates_keep_zone_and_language_apart():
    moment = datetime(2027, 6, 11, 13, 0, tzinfo=timezone.utc)
    end = datetime(2027, 6, 11, 16, 0, tzinfo=timezone.utc)
    assert i18n.format_span(moment, end, "Europe/Berlin", lang="de") == "Freitag, 11. Juni 2027, 15:00 – 18:00"
    assert i18n.format_span(moment, end, "America/New_York", lang="de") == "Freitag, 11. Juni 2027, 09:00 – 12:00"
    assert i18n.format_span(moment, end, "Europe/Berlin", lang="en").endswith("3:00\u202fPM – 6:00\u202fPM")
    i18n.set_language("de")
    assert (i18n.format_clock(moment, "Europe/Berlin"), i18n.format_clock(moment, "Asia/Tokyo")) == ("15:00", "22:00")
