"""Showing content texts in templates: the ``lang`` of a German fallback and the notice about it."""

from __future__ import annotations

from typing import Any, Mapping

from markupsafe import Markup

from core.content.service import LocalText, LocalTexts
from core.web.i18n import EASY_LANGUAGE, SOURCE_LANGUAGE, gettext as _, html_lang, language, language_name


_GERMAN_ATTRS = Markup(' lang="{}" dir="ltr"').format(SOURCE_LANGUAGE)
_AUTO_ATTRS = Markup(' dir="auto"')


def lang_attr(text: Any) -> Markup:
    """The attributes of an element holding a content text: `` lang="de" dir="ltr"`` for a German fallback
    (screen readers switch voice; left to right inside an Arabic page), else `` dir="auto"`` (names, numbers)."""
    if isinstance(text, LocalText) and text.fallback:
        return _GERMAN_ATTRS
    return _AUTO_ATTRS


def _fell_back(text: Any) -> bool:
    if isinstance(text, (LocalText, LocalTexts)):
        return text.fallback
    if isinstance(text, Mapping):  # {row id: LocalTexts} as ``localize`` returns it
        return any(_fell_back(t) for t in text.values())
    return False


def fallback_notice(*texts: LocalTexts | LocalText | Mapping[int, LocalTexts]) -> Markup:
    """A notice in the reader's language where one of ``texts`` is German because it has no version in theirs."""
    if not any(_fell_back(t) for t in texts):
        return Markup("")
    return Markup('<p class="fallback-notice">{}</p>').format(_("Dieser Text liegt nur auf Deutsch vor."))


def install(env: Any) -> None:
    env.filters["lang_attr"] = lang_attr
    env.globals["fallback_notice"] = fallback_notice
    env.globals["language_name"] = lambda lang: language_name(lang, language())  # in the page's language
    env.globals["html_lang"] = html_lang
    env.globals["easy_language"] = EASY_LANGUAGE
