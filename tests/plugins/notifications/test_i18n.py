"""The notifications plugin's English catalog covers every German UI string of the plugin.

UI strings come from two places (as in tests/plugins/registration/test_i18n.py):

* ``_()`` / ``gettext`` / ``ngettext`` calls in the plugin's Python code (routes.py) and
  its HTML templates, found by pybabel with the repository's ``babel.cfg`` (input
  directory plugins/notifications);
* German labels of declarations, translated at render time by the core: the staff
  resources ``announcements``, ``notifications-log``, ``call-list`` and
  ``message-templates`` (labels, help texts, choice lists, actions and their confirm
  texts, the menu group "Benachrichtigungen").

The message texts in templates/notifications/messages/*.txt are not gettext strings:
each has a German (.de.txt) and an English (.en.txt) file, chosen by the recipient's
language (tests/plugins/notifications/test_messages.py).

To update the catalog after changing strings::

    .venv/bin/python -m tests.plugins.notifications.test_i18n /tmp/notifications.pot
    .venv/bin/pybabel update -i /tmp/notifications.pot -d plugins/notifications/locale --no-fuzzy-matching

then translate the new (empty) entries.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[3]
PLUGIN = ROOT / "plugins" / "notifications"
CATALOG = PLUGIN / "locale" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\([A-Za-z_][A-Za-z0-9_]*\)[#0 +-]?\d*(?:\.\d+)?[sdifr]")
PLUGINS = ["registration", "notifications"]

MsgId = str | tuple[str, str]


# -- what the plugin can show ----------------------------------------------------------
def extracted_messages() -> dict[MsgId, list[tuple[str, int]]]:
    """As ``pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 plugins/notifications`` finds them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp, "babel.cfg")
    found: dict[MsgId, list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(PLUGIN), method_map, options_map, keywords=KEYWORDS):
        if isinstance(message, (tuple, list)):
            message = (message[0], message[1]) if len(message) > 1 and message[1] else message[0]
        if message:
            found.setdefault(message, []).append((f"plugins/notifications/{filename}", lineno))
    return found


def resources() -> list:
    """Every staff resource the plugin declares (also those ``staff_resources`` offers only with optional extras)."""
    from core.plugin_api import Resource
    from plugins.notifications import plugin, resources as module

    declared = [value for value in vars(module).values() if isinstance(value, Resource)]
    offered = plugin.staff_resources(deployment=None)
    assert all(any(r is d for d in declared) for r in offered), "a resource of staff_resources is not in resources.py"
    return declared


def declared_messages() -> dict[str, list[str]]:
    """German strings the UI translates at render time: msgid -> where they are declared."""
    found: dict[str, list[str]] = {}

    def add(text: str | None, where: str) -> None:
        if text and text.strip():
            found.setdefault(text, []).append(where)

    for resource in resources():
        where = f"resource {resource.name}"
        add(resource.label, f"{where}: label")
        add(resource.label_plural, f"{where}: label_plural")
        add(resource.menu_group, f"{where}: menu_group")
        for f in resource.fields:
            add(f.label, f"{where}.{f.name}: label")
            add(f.help, f"{where}.{f.name}: help")
            for _value, label in f.choices or ():
                add(label, f"{where}.{f.name}: choice")
        for action in resource.actions:
            add(action.label, f"{where} action {action.name}: label")
            add(action.confirm, f"{where} action {action.name}: confirm")
    return found


def template_catalog() -> Catalog:
    catalog = Catalog(project="Quartier notifications plugin", fuzzy=False)
    for msgid, locations in extracted_messages().items():
        flags = ("python-format",) if isinstance(msgid, tuple) and "%(" in "".join(msgid) else ()
        catalog.add(msgid, locations=locations, flags=flags)
    for msgid, wheres in declared_messages().items():
        if msgid in catalog:
            catalog[msgid].auto_comments.extend(wheres)
        else:
            catalog.add(msgid, auto_comments=wheres)
    return catalog


def english() -> Catalog:
    with CATALOG.open("rb") as fp:
        return read_po(fp, locale="en")


def _translated(message: Message | None) -> bool:
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return all(s and s.strip() for s in strings)


# -- the catalog ---------------------------------------------------------------------------
def test_the_plugin_registers_its_catalog():
    from plugins.notifications import plugin

    assert plugin.register_locales() == [str(PLUGIN / "locale")]
    assert CATALOG.exists()


def test_the_collection_finds_all_kinds_of_strings():
    assert {"announcements", "notifications-log", "call-list", "message-templates"} <= {r.name for r in resources()}
    declared = declared_messages()
    for text in ("Mitteilungen", "Versandprotokoll", "Anrufliste", "Nachrichtentexte", "Benachrichtigungen",
                 "Empfänger (mit E-Mail)", "Anrede, Fußzeile mit Ihren Kontaktdaten und der Abbestell-Link werden ergänzt.",
                 "Angemeldete und Warteliste", "Mitteilung (Test)", "Wird gesendet", "Englisch", "Erledigt",
                 "Test an mich senden", "Jetzt senden", "Erneut senden", "Angerufen",
                 "Die Mitteilung jetzt an alle Empfänger senden? Das lässt sich nicht zurücknehmen."):
        assert text in declared, text
    extracted = extracted_messages()
    assert "Abbestellt." in extracted  # routes.py
    assert "Mitteilungen abbestellen" in extracted  # unsubscribe.html
    assert not any(path.endswith(".txt") for locations in extracted.values() for path, _line in locations)


def test_every_ui_string_has_an_english_translation():
    catalog = english()
    missing = []
    for message in template_catalog():
        if not message.id:
            continue
        entry = catalog.get(message.id)
        if isinstance(message.id, tuple) and entry is not None and entry.id != message.id:
            entry = None  # the plural form changed
        if not _translated(entry):
            where = [f"{path}:{line}" for path, line in message.locations] + list(message.auto_comments)
            missing.append(f"{message.id!r}  ({', '.join(where[:3])})")
    assert not missing, (
        f"{len(missing)} UI strings lack an English translation in {CATALOG.relative_to(ROOT)} "
        "(see this module's docstring for updating it):\n  " + "\n  ".join(missing)
    )


def test_no_stale_entries():
    wanted = {m.id for m in template_catalog() if m.id}
    stale = [m.id for m in english() if m.id and m.id not in wanted]
    assert not stale, f"entries no longer used by the plugin: {stale}"


def test_translations_keep_the_placeholders():
    wrong = []
    for message in english():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(set(PLACEHOLDER.findall(i)) for i in ids))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                wrong.append(f"{message.id!r} -> {string!r}")
    assert not wrong, "Translations with wrong placeholders:\n  " + "\n  ".join(wrong)


def test_shared_words_agree_with_the_core():
    """Where the core's catalog has the same German string it wins at runtime; the plugin's should not say otherwise."""
    with (ROOT / "core" / "locale" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        core = read_po(fp, locale="en")
    differ = []
    for message in english():
        if not message.id or isinstance(message.id, tuple):
            continue
        ours = core.get(message.id)
        if ours is not None and ours.string and ours.string != message.string:
            differ.append(f"{message.id!r}: core {ours.string!r}, plugin {message.string!r}")
    assert not differ, "Translations that differ from the core's:\n  " + "\n  ".join(differ)


# -- in the app -----------------------------------------------------------------------------
async def test_staff_screens_in_english(make_staff_client):
    from plugins.notifications.tables import Announcement
    from plugins.registration import service
    from plugins.registration.service import RegistrationInput
    from tests.core.web.pages import parse
    from tests.plugins.notifications.conftest import sections
    from tests.plugins.registration.helpers import event_with_form

    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(25)) as client:
        _q, event, _form = await event_with_form(double_opt_in=False)
        await service.register(event.id, RegistrationInput(name="Anna", email="anna@example.org", consent=True))
        await Announcement(event=event.id, quartier_id=event.quartier, subject="Raumwechsel", body="Großer Saal",
                           audience="all", created_by=client.user.id).save()
        listing = await client.get("/staff/r/announcements/?lang=en")
        assert listing.status_code == 200
        html = listing.text
        assert '<html lang="en"' in html
        page = parse(html)
        assert page.h1 == "Announcements"
        nav = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('class="staff-nav"', 1)[1].split("</nav>", 1)[0]))
        for text in ("Notifications", "Announcements", "Delivery log", "Call list", "Message texts"):
            assert text in nav, text
        for german in ("Benachrichtigungen", "Mitteilungen", "Versandprotokoll", "Anrufliste", "Nachrichtentexte"):
            assert german not in nav, german
        for text in ("Subject", "Event", "To", "Status", "Create Announcement", "Registered and waiting list", "Draft"):
            assert text in page.main_text, text
        for german in ("Mitteilung anlegen", "Betreff", "Angemeldete und Warteliste", "Entwurf"):
            assert german not in html, german

        form = await client.get("/staff/r/announcements/new")  # the language is remembered
        assert form.status_code == 200
        page = parse(form.text)
        assert page.h1 == "Create Announcement"
        for text in ("Registered", "Registered and waiting list", "Subject",
                     "A greeting, a footer with your contact details and the unsubscribe link are added."):
            assert text in page.main_text, text
        assert "Angemeldete und Warteliste" not in form.text

        log = parse((await client.get("/staff/r/notifications-log/")).text)
        assert log.h1 == "Delivery log"
        for text in ("Recipient", "Attempts", "anna@example.org", "Registration confirmation", "Pending"):
            assert text in log.main_text, text
        templates = parse((await client.get("/staff/r/message-templates/new")).text)
        assert templates.h1 == "Create Message text"
        assert "English" in templates.main_text and "Registration confirmation" in templates.main_text


async def test_unsubscribe_page_in_english(make_client):
    from tests.plugins.notifications.conftest import sections

    async with make_client(PLUGINS, sections=sections(25)) as client:
        page = await client.get("/benachrichtigungen/abbestellen/0.0?lang=en")
        assert page.status_code == 200
        assert "<h1>Unsubscribe from announcements</h1>" in page.text
        assert "Mitteilungen abbestellen" not in page.text


if __name__ == "__main__":
    # python -m tests.plugins.notifications.test_i18n OUT.pot: the full template for `pybabel update`
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.plugins.notifications.test_i18n OUT.pot")
    with open(sys.argv[1], "wb") as out:
        write_po(out, template_catalog(), sort_by_file=False)
    print(f"wrote {sys.argv[1]}", file=sys.stderr)
