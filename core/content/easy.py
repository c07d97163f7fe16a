"""Leichte Sprache: hints for staff writing a version (warnings, never a refusal)."""

from __future__ import annotations

import re

from core.web.i18n import gettext as _

# Netzwerk Leichte Sprache: short sentences (one statement each), short words; compounds divided by the Mediopunkt
MAX_WORDS = 15
MAX_LETTERS = 20
MEDIOPUNKT = "·"

_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:[·-][^\W\d_]+)*|\d+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def hints(text: str) -> list[str]:
    """Sentences over ``MAX_WORDS`` words and words over ``MAX_LETTERS`` letters (undivided parts), as German sentences."""
    found: list[str] = []
    for sentence in sentences(text):
        words = _WORD.findall(sentence)
        if len(words) > MAX_WORDS:
            found.append(_("Ein Satz hat {n} Wörter: „{start} …“. Teilen Sie ihn in kurze Sätze.").format(
                n=len(words), start=" ".join(words[:5])))
    long_words = dict.fromkeys(w for w in _WORD.findall(text)
                               if any(len(part) > MAX_LETTERS for part in re.split(r"[·-]", w)))
    for word in long_words:
        found.append(_("Das Wort „{word}“ ist lang. Teilen Sie es mit dem Medio·punkt, zum Beispiel „Nachbarschafts·treffen“.").format(
            word=word))
    return found
