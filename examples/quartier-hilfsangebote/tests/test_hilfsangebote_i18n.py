"""The English catalog covers every German text the plugin shows, and nothing else.

The texts come from ``_()`` / ``gettext`` / ``ngettext`` in the code and templates (found with Babel, as
``pybabel extract`` would) and from declarations the core or the plugin translates when it renders them:
the staff resource (labels, help texts, menu group), the form messages, the default categories, the
language names and the block title. Texts the core's catalog translates already are not repeated here.

After changing texts: add the new ones to quartier_hilfsangebote/locale/en/LC_MESSAGES/messages.po
(this test names them).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

import quartier_hilfsangebote
from quartier_hilfsangebote import blocks, callbacks, languages, service, settings
from quartier_hilfsangebote.resources import CALLBACKS, OFFERS

PACKAGE = Path(quartier_hilfsangebote.__file__).parent
CATALOG = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true", "silent": "false"}}
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "gettext": None, "ngettext": (1, 2)}


def read(path) -> dict[str | tuple[str, str], str | tuple[str, ...]]:
    with path.open("rb") as fp:
        catalog = read_po(fp, locale="en")
    return {m.id: m.string for m in catalog if m.id}


def extracted() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(PACKAGE), METHODS, OPTIONS, keywords=KEYWORDS):
        if isinstance(message, (tuple, list)):
            message = (message[0], message[1]) if len(message) > 1 and message[1] else message[0]
        if message:
            found.add(message)
    return found


def declared() -> set[str]:
    texts = {OFFERS.label, OFFERS.label_plural, OFFERS.menu_group, blocks.BLOCK_TITLE,
             settings.HilfsangeboteSettings().page_title}
    for resource in (OFFERS, CALLBACKS):
        texts.update({resource.label, resource.label_plural, *(a.label for a in resource.actions)})
        texts.update(t for f in resource.fields for t in (f.label, f.help) if t)
    texts.update(callbacks.MESSAGES.values())
    texts.add(callbacks.CONFIRMATION.label)  # shown to staff editing the message texts
    texts.update(service.MESSAGES.values())
    texts.update(service.LABELS.values())
    texts.update(settings.CATEGORIES)
    texts.update(languages.NAMES.values())
    return texts


def core_catalog() -> dict:
    return read(importlib.resources.files("core") / "locale" / "en" / "LC_MESSAGES" / "messages.po")


def test_every_text_has_an_english_translation():
    ours, core = read(CATALOG), core_catalog()
    wanted = extracted() | declared()
    missing = sorted(str(m) for m in wanted if not (ours.get(m) or core.get(m)))
    assert missing == [], "not in the English catalog:\n" + "\n".join(missing)
    for msgid, translation in ours.items():
        assert all(translation if isinstance(translation, tuple) else [translation]), f"empty translation of {msgid!r}"


def test_the_catalog_holds_only_our_own_texts():
    ours, core = read(CATALOG), core_catalog()
    assert sorted(str(m) for m in ours if m in core) == [], "the core translates these already (and its translation wins)"
    unused = sorted(str(m) for m in set(ours) - extracted() - declared())
    assert unused == [], "in the catalog but not used"


def test_placeholders_survive_translation():
    import re

    placeholder = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)d")
    for msgid, translation in read(CATALOG).items():
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
        strings = translation if isinstance(translation, tuple) else (translation,)
        for text in strings:
            assert set(placeholder.findall(text)) == set(placeholder.findall(ids[0])), msgid
