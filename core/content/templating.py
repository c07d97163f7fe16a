"""Showing content texts in templates: the ``lang`` of a German fallback and the notice about it."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from core.content.service import LocalText, LocalTexts
from core.web.i18n import SOURCE_LANGUAGE, gettext as _, language, language_name


def lang_attr(text: Any) -> Markup:
    """`` lang="de"`` for an element holding a German fallback text (screen readers switch voice), else nothing."""
    if isinstance(text, LocalText) and text.fallback:
        return Markup(' lang="{}"').format(SOURCE_LANGUAGE)
    return Markup("")


def fallback_notice(*texts: LocalTexts | LocalText) -> Markup:
    """A notice in the reader's language where one of ``texts`` is German because it has no version in theirs."""
    if not any(t.fallback for t in texts if t):
        return Markup("")
    return Markup('<p class="fallback-notice">{}</p>').format(_("Dieser Text liegt nur auf Deutsch vor."))


def install(env: Any) -> None:
    env.filters["lang_attr"] = lang_attr
    env.globals["fallback_notice"] = fallback_notice
    env.globals["language_name"] = lambda lang: language_name(lang, language())  # in the page's language
