"""The notifications plugin's catalogs (one per language folder) cover every German UI string of the plugin.

UI strings come from two places (as in tests/plugins/registration/test_i18n.py):

* ``_()`` / ``gettext`` / ``ngettext`` calls in the plugin's Python code (routes.py) and
  its HTML templates, found by pybabel with the repository's ``babel.cfg`` (input
  directory plugins/notifications);
* German labels of declarations, translated at render time by the core: the staff
  resources ``announcements``, ``notifications-log``, ``call-list`` and
  ``message-templates`` (labels, help texts, choice lists, actions and their confirm
  texts, the menu group "Benachrichtigungen").

The message texts in templates/notifications/messages/*.txt (and those other plugins declare) are not gettext strings:
each has a file per language (.de.txt, .en.txt, .tr.txt, ...), chosen by the recipient's
language (tests/plugins/registration/test_message_languages.py).

To update the catalog after changing strings::

    .venv/bin/python -m tests.plugins.notifications.test_i18n /tmp/notifications.pot
    .venv/bin/pybabel update -i /tmp/notifications.pot -d plugins/notifications/locale --no-fuzzy-matching

then translate the new (empty) entries.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core.testing.catalog import (
    Declared, MsgId, build_catalog, catalog_languages, check_catalog, extract_messages,
)

ROOT = Path(__file__).resolve().parents[3]
PLUGIN = ROOT / "plugins" / "notifications"
LOCALE = PLUGIN / "locale"
PLUGINS = ["registration", "notifications"]


# -- what the plugin can show ----------------------------------------------------------
def extracted_messages() -> dict[MsgId, list[tuple[str, int]]]:
    """As ``pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 plugins/notifications`` finds them."""
    return extract_messages(PLUGIN, ROOT)


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
    from types import SimpleNamespace

    import core.deployment

    found = Declared()
    default_text = SimpleNamespace(kind="announcement", language="de", quartier=None)  # a deployment-wide text has links
    # Without a deployment: the kinds other plugins declare are their texts, not this plugin's (WithDeclared).
    current, core.deployment._current = core.deployment._current, None
    try:
        for resource in resources():
            found.add_resource(resource, default_text)
    finally:
        core.deployment._current = current
    return found


def template_catalog() -> Catalog:
    return build_catalog("Quartier notifications plugin", extracted_messages(), declared_messages())



# -- the catalog ---------------------------------------------------------------------------
def test_the_plugin_registers_its_catalog():
    from plugins.notifications import plugin

    assert plugin.register_locales() == [str(PLUGIN / "locale")]
    assert {"en", "tr", "ar"} <= set(catalog_languages(LOCALE))


def test_the_collection_finds_all_kinds_of_strings():
    assert {"announcements", "notifications-log", "call-list", "message-templates"} <= {r.name for r in resources()}
    declared = declared_messages()
    for text in ("Mitteilungen", "Versandprotokoll", "Anrufliste", "Nachrichtentexte", "Benachrichtigungen",
                 "Empfänger (mit E-Mail)", "Anrede, Fußzeile mit Ihren Kontaktdaten und der Abbestell-Link werden ergänzt.",
                 "Mitteilung (Test)", "Wird gesendet", "Erledigt",
                 "Test an mich senden", "Jetzt senden", "Erneut senden", "Angerufen",
                 "Die Mitteilung jetzt an alle Empfänger senden? Das lässt sich nicht zurücknehmen."):
        assert text in declared, text
    extracted = extracted_messages()
    assert "Abbestellt." in extracted  # routes.py
    assert "Mitteilungen abbestellen" in extracted  # unsubscribe.html
    assert not any(path.endswith(".txt") for locations in extracted.values() for path, _line in locations)








@pytest.mark.parametrize("lang", catalog_languages(LOCALE))
def test_the_catalog_of_every_language_is_complete(lang):
    """Every UI string translated (not fuzzy), no stale entries, placeholders kept, all plural forms: per language folder."""
    problems = check_catalog(template_catalog(), LOCALE, lang)
    assert not problems, f"{len(problems)} problems (see this module's docstring for updating the catalog):\n  " + "\n  ".join(problems)


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
                           audience="registration.all", created_by=client.user.id).save()
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
