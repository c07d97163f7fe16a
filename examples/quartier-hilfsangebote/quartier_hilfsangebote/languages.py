"""Names of the languages offers are given in, by ISO 639 code (German; the English catalog translates them)."""

from __future__ import annotations

import re

from core.plugin_api import plugin_gettext

_ = plugin_gettext("hilfsangebote")

NAMES = {
    "de": "Deutsch",
    "en": "Englisch",
    "tr": "Türkisch",
    "ar": "Arabisch",
    "ru": "Russisch",
    "uk": "Ukrainisch",
    "pl": "Polnisch",
    "ro": "Rumänisch",
    "bg": "Bulgarisch",
    "fa": "Persisch",
    "prs": "Dari",
    "ps": "Paschtu",
    "ku": "Kurdisch",
    "ti": "Tigrinya",
    "so": "Somali",
    "sq": "Albanisch",
    "sr": "Serbisch",
    "hr": "Kroatisch",
    "bs": "Bosnisch",
    "el": "Griechisch",
    "it": "Italienisch",
    "es": "Spanisch",
    "pt": "Portugiesisch",
    "fr": "Französisch",
    "vi": "Vietnamesisch",
    "zh": "Chinesisch",
    "gsg": "Deutsche Gebärdensprache",
}

SEPARATORS = re.compile(r"[,;/\s]+")


def split_codes(text: str) -> list[str]:
    """ "DE, en;tr" -> ["de", "en", "tr"] (lower case, without repeats, in the given order)."""
    codes: list[str] = []
    for part in SEPARATORS.split(text or ""):
        code = part.strip().lower()
        if code and code not in codes:
            codes.append(code)
    return codes


def name(code: str) -> str:
    """The language's name in the current UI language; an unknown code as it is, in capitals."""
    return _(NAMES[code]) if code in NAMES else code.upper()
