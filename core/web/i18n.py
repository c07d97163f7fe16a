"""Languages of the UI: German source strings, translated through Babel catalogs (``locale/<lang>/LC_MESSAGES/messages.po``)."""

from __future__ import annotations

import contextlib
import functools
import io
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_interval, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

# every language the UI can be offered in, named in itself (a deployment offers some: setting ``languages``)
LANGUAGES = {"de": "Deutsch", "de-x-ls": "Leichte Sprache", "en": "English", "tr": "Türkçe", "ar": "العربية",
             "ru": "Русский", "uk": "Українська"}
RIGHT_TO_LEFT = frozenset({"ar"})
SOURCE_LANGUAGE = "de"
# Leichte Sprache: German (a private-use BCP 47 tag), spoken and formatted as German.
# Its UI catalog is partial: what it lacks stays standard German.
EASY_LANGUAGE = "de-x-ls"
PARTIAL_CATALOGS = frozenset({EASY_LANGUAGE})
CORE_LOCALE = Path(__file__).resolve().parents[1] / "locale"

CORE_DOMAIN = "core"

_language: ContextVar[str] = ContextVar("quartier_language", default=SOURCE_LANGUAGE)
# language -> domain ("core" or a plugin's name) -> its translations; a plugin's fall back to the core's
_catalogs: dict[str, dict[str, NullTranslations]] = {}


def _read(folders: list[Path], lang: str) -> Translations | None:
    """The ``messages.po`` of ``lang`` below ``folders`` merged; where two define a message, the first folder wins."""
    merged: Translations | None = None
    for folder in reversed(folders):  # babel's merge lets the last one win
        po = Path(folder) / lang / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            continue
        stat = po.stat()
        translations = Translations(fp=io.BytesIO(_compiled(str(po), lang, stat.st_mtime_ns, stat.st_size)))
        merged = translations if merged is None else merged.merge(translations)
    return merged


def load_catalogs(domains: dict[str, list[Path]]) -> None:
    """Read the catalogs of each domain: ``{"core": [core/locale], "<plugin>": [its locale dirs], ...}``.

    A plugin's catalog translates that plugin's texts only; what it lacks comes from the core's
    catalog, then stays German. No plugin sees another plugin's catalog.
    """
    _catalogs.clear()
    for lang in LANGUAGES:
        if lang == SOURCE_LANGUAGE:
            continue
        core: NullTranslations | None = _read(domains.get(CORE_DOMAIN, []), lang)
        core = core if core is not None else NullTranslations()
        found: dict[str, NullTranslations] = {CORE_DOMAIN: core}
        for domain, folders in domains.items():
            own = _read(folders, lang) if domain != CORE_DOMAIN else None
            if own is not None:
                own.add_fallback(core)
                found[domain] = own
        _catalogs[lang] = found


@functools.lru_cache(maxsize=64)
def _compiled(po: str, lang: str, mtime_ns: int, size: int) -> bytes:
    """A ``messages.po`` compiled to .mo bytes, once per file version (every app built in a process reads them)."""
    with open(po, "rb") as fp:
        catalog = read_po(fp, locale=html_lang(lang))
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def available_languages() -> list[str]:
    """The source language and every language the core has a catalog for, in ``LANGUAGES`` order."""
    return [lang for lang in LANGUAGES
            if lang == SOURCE_LANGUAGE or (CORE_LOCALE / lang / "LC_MESSAGES" / "messages.po").exists()]


def html_lang(lang: str) -> str:
    """The ``lang`` attribute for ``lang``: Leichte Sprache is German to screen readers, hyphenation and Babel."""
    return SOURCE_LANGUAGE if lang == EASY_LANGUAGE else lang


def direction(lang: str) -> str:
    """``rtl`` or ``ltr``: the writing direction of ``lang``."""
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"


def set_language(lang: str) -> None:
    _language.set(lang if lang in LANGUAGES else SOURCE_LANGUAGE)


@contextlib.contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Inside, everything speaks ``lang`` (a message to one person, in their language); after, as before."""
    token = _language.set(lang if lang in LANGUAGES else SOURCE_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def accepted_language(header: str, offered: Iterable[str]) -> str | None:
    """The ``offered`` language an ``Accept-Language`` header prefers most ("tr-TR, en;q=0.8" -> "en" if tr is not offered)."""
    offered = set(offered)
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _sep, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        code = tag.strip().lower().split("-")[0]
        if code in offered and weight > 0:
            ranked.append((-weight, position, code))
    return min(ranked)[2] if ranked else None


def language() -> str:
    return _language.get()


def _catalog(domain: str) -> NullTranslations | None:
    found = _catalogs.get(_language.get())
    if found is None:
        return None
    catalog = found.get(domain)
    return catalog if catalog is not None else found.get(CORE_DOMAIN)


def dgettext(domain: str, message: str) -> str:
    """``message`` in the current language from ``domain``'s catalog (a plugin's name, or "core")."""
    catalog = _catalog(domain)
    return catalog.gettext(message) if catalog else message


def dngettext(domain: str, singular: str, plural: str, n: int) -> str:
    catalog = _catalog(domain)
    if catalog:
        return catalog.ngettext(singular, plural, n)
    return singular if n == 1 else plural


def gettext(message: str) -> str:
    """A core text in the current language (plugins use ``plugin_gettext``)."""
    return dgettext(CORE_DOMAIN, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return dngettext(CORE_DOMAIN, singular, plural, n)


class Translator:
    """``_ = plugin_gettext("name")``: ``_("Text")`` and ``_.ngettext(singular, plural, n)`` in a plugin's domain."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def __call__(self, message: str) -> str:
        return dgettext(self.domain, message)

    gettext = __call__

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return dngettext(self.domain, singular, plural, n)


def plugin_gettext(plugin: str) -> Translator:
    """The translations of one plugin: its own catalog first, then the core's; never another plugin's."""
    return Translator(plugin)


def _local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


@functools.cache
def _babel_locale(lang: str) -> Locale:
    return Locale.parse(html_lang(lang))  # Babel parses a locale string again on every call


def format_when(moment: datetime, tz: str = "Europe/Berlin", style: str = "full", lang: str | None = None) -> str:
    """'Montag, 28. Dezember 2026, 14:00' in ``lang`` (default: the current language)."""
    return _format_when(moment, tz, style, lang or language())


# Lists show the same events on every request: Babel's formatting was ≈ 40 % of the Quartier page's rendering.
@functools.lru_cache(maxsize=4096)
def _format_when(moment: datetime, tz: str, style: str, lang: str) -> str:
    local = _local(moment, tz)
    locale = _babel_locale(lang)
    joined = str(locale.datetime_formats["medium"])  # "{1}, {0}"; "{1} {0}" in Turkish, "{1}، {0}" in Arabic
    return joined.format(format_time(local, format="short", locale=locale), format_date(local, format=style, locale=locale))


def format_until(end: datetime, start: datetime, tz: str = "Europe/Berlin", style: str = "full", lang: str | None = None) -> str:
    """An event's end after its start: '18:00' on the same day, else 'Sonntag, 13. Juni 2027, 18:00'."""
    local = _local(end, tz)
    if local.date() != _local(start, tz).date():
        return format_when(end, tz, style, lang)
    return _format_clock(end, tz, lang or language())


@functools.lru_cache(maxsize=4096)
def _format_clock(moment: datetime, tz: str, lang: str) -> str:
    # Keyed by the zone too: the same instant in two zones is one datetime key.
    return format_time(_local(moment, tz), format="short", locale=_babel_locale(lang))


def format_span(start: datetime, end: datetime, tz: str = "Europe/Berlin", style: str = "full", lang: str | None = None) -> str:
    """'Freitag, 11. Juni 2027, 15:00 – 18:00', or '… – Sonntag, 13. Juni 2027, 18:00' over several days."""
    return _format_span(start, end, tz, style, lang or language())


@functools.lru_cache(maxsize=4096)
def _format_span(start: datetime, end: datetime, tz: str, style: str, lang: str) -> str:
    return f"{format_when(start, tz, style, lang)} – {format_until(end, start, tz, style, lang)}"


@functools.lru_cache(maxsize=4096)
def local_iso(moment: datetime, tz: str = "Europe/Berlin") -> str:
    """'2027-06-11T15:00:00+02:00': a moment on the wall clock of ``tz``, for ``<time datetime>``."""
    return _local(moment, tz).isoformat()


def format_day(moment: datetime, tz: str = "Europe/Berlin", style: str = "full") -> str:
    return format_date(_local(moment, tz), format=style, locale=_babel_locale(language()))


def format_clock(moment: datetime, tz: str = "Europe/Berlin") -> str:
    return _format_clock(moment, tz, language())


def format_short(moment: datetime, tz: str = "Europe/Berlin") -> str:
    return format_datetime(_local(moment, tz), format="short", locale=_babel_locale(language()))


def format_month_day(day: date) -> str:
    """'28. Dez.' / '28 Ara' / '28 ديسمبر': a day of the month, for axes and short lists."""
    return format_skeleton("dMMM", day, locale=_babel_locale(language()))


def format_period(first: date, last: date, unit: str = "days") -> str:
    """'7.–13. Dez. 2026' (``days``, both days included) or 'Dezember 2026' (``month``, of ``first``)."""
    locale = _babel_locale(language())
    if unit == "month":
        return format_skeleton("yMMMM", first, locale=locale)
    return format_interval(first, last, skeleton="yMMMd", locale=locale)


def format_month(day: date, with_year: bool = True) -> str:
    """'Dez. 2026' / 'Dec 2026' (or 'Dez.' / 'Dec'): a month, for report columns and chart axes."""
    return format_skeleton("yMMM" if with_year else "MMM", day, locale=_babel_locale(language()))


def format_number(value: float | int) -> str:
    """``1.234,5`` / ``1,234.5`` / ``١٬٢٣٤٫٥``: a number in the current language's notation."""
    return format_decimal(value, locale=_babel_locale(language()))


def language_name(lang: str, in_language: str | None = None) -> str:
    """``lang``'s name in ``in_language`` (default: in itself): "English", or "Englisch" in German."""
    if lang == EASY_LANGUAGE:
        return LANGUAGES[EASY_LANGUAGE]  # a name of its own, in every language
    return Locale.parse(lang).get_display_name(html_lang(in_language or lang)).capitalize()
