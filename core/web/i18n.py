"""Languages of the UI: German source strings, translated through Babel catalogs (``locale/<lang>/LC_MESSAGES/messages.po``)."""

from __future__ import annotations

import functools
import io
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = {"de": "Deutsch", "en": "English"}
SOURCE_LANGUAGE = "de"

_language: ContextVar[str] = ContextVar("quartier_language", default=SOURCE_LANGUAGE)
_catalogs: dict[str, NullTranslations] = {}


def load_catalogs(locale_dirs: list[Path]) -> None:
    """Read every ``messages.po`` below the given dirs, merged per language.

    Later dirs add their messages; where two define the same message, the earlier
    one (the core's, then plugins in the listed order) wins.
    """
    _catalogs.clear()
    for lang in LANGUAGES:
        if lang == SOURCE_LANGUAGE:
            continue
        merged: Translations | None = None
        for folder in reversed(locale_dirs):  # babel's merge lets the last one win
            po = Path(folder) / lang / "LC_MESSAGES" / "messages.po"
            if not po.exists():
                continue
            stat = po.stat()
            translations = Translations(fp=io.BytesIO(_compiled(str(po), lang, stat.st_mtime_ns, stat.st_size)))
            merged = translations if merged is None else merged.merge(translations)
        if merged is not None:
            _catalogs[lang] = merged


@functools.lru_cache(maxsize=64)
def _compiled(po: str, lang: str, mtime_ns: int, size: int) -> bytes:
    """A ``messages.po`` compiled to .mo bytes, once per file version (every app built in a process reads them)."""
    with open(po, "rb") as fp:
        catalog = read_po(fp, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def set_language(lang: str) -> None:
    _language.set(lang if lang in LANGUAGES else SOURCE_LANGUAGE)


def language() -> str:
    return _language.get()


def gettext(message: str) -> str:
    catalog = _catalogs.get(_language.get())
    return catalog.gettext(message) if catalog else message


def ngettext(singular: str, plural: str, n: int) -> str:
    catalog = _catalogs.get(_language.get())
    if catalog:
        return catalog.ngettext(singular, plural, n)
    return singular if n == 1 else plural


def _local(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


@functools.cache
def _babel_locale(lang: str) -> Locale:
    return Locale.parse(lang)  # Babel parses a locale string again on every call


def format_when(moment: datetime, tz: str = "Europe/Berlin", style: str = "full") -> str:
    """'Montag, 28. Dezember 2026, 14:00' in the current language."""
    local = _local(moment, tz)
    locale = _babel_locale(language())
    return f"{format_date(local, format=style, locale=locale)}, {format_time(local, format='short', locale=locale)}"


def format_day(moment: datetime, tz: str = "Europe/Berlin", style: str = "full") -> str:
    return format_date(_local(moment, tz), format=style, locale=_babel_locale(language()))


def format_clock(moment: datetime, tz: str = "Europe/Berlin") -> str:
    return format_time(_local(moment, tz), format="short", locale=_babel_locale(language()))


def format_short(moment: datetime, tz: str = "Europe/Berlin") -> str:
    return format_datetime(_local(moment, tz), format="short", locale=_babel_locale(language()))


def language_name(lang: str) -> str:
    return Locale.parse(lang).get_display_name(lang).capitalize()
