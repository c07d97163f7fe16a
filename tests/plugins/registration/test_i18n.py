"""The registration plugin's catalogs (one per language folder) cover every German UI string of the plugin.

UI strings come from three places (as in tests/core/web/test_i18n.py):

* ``_()`` / ``gettext`` / ``ngettext`` calls in the plugin's Python code and templates,
  found by pybabel with the repository's ``babel.cfg`` (input directory plugins/registration);
* German labels of declarations, translated at render time by the core: the staff
  resources ``registration-forms`` and ``registrations`` (labels, help texts, choice
  lists, actions and their confirm texts) and the menu link of ``menu_links``;
* German service messages that routes and templates pass through ``_()`` at runtime:
  ``REFUSALS``, the messages of ``RegistrationStateError`` and the field messages of
  ``validate`` (shown with ``_(errors[name])`` in registration/block.html).

To update the catalog after changing strings::

    .venv/bin/python -m tests.plugins.registration.test_i18n /tmp/registration.pot
    .venv/bin/pybabel update -i /tmp/registration.pot -d plugins/registration/locale --no-fuzzy-matching

then translate the new (empty) entries.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core.testing.catalog import (
    Declared, MsgId, build_catalog, catalog_languages, check_catalog, extract_messages,
)
from core.testing.fixtures import post_form
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form

ROOT = Path(__file__).resolve().parents[3]
PLUGIN = ROOT / "plugins" / "registration"
LOCALE = PLUGIN / "locale"


# -- what the plugin can show ----------------------------------------------------------
def extracted_messages() -> dict[MsgId, list[tuple[str, int]]]:
    """As ``pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 plugins/registration`` finds them."""
    return extract_messages(PLUGIN, ROOT)


def _service_tree() -> ast.Module:
    return ast.parse((PLUGIN / "service.py").read_text(encoding="utf-8"), "service.py")


def state_error_messages() -> list[str]:
    """Constant messages of ``raise RegistrationStateError("…")`` in service.py."""
    found = []
    for node in ast.walk(_service_tree()):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "RegistrationStateError" and node.args:
            if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append(node.args[0].value)
    return found


def validation_messages() -> tuple[list[str], list[int]]:
    """Messages ``validate`` puts into ``errors[...]``: constants, and the line numbers of f-strings (untranslatable)."""
    function = next(n for n in ast.walk(_service_tree()) if isinstance(n, ast.FunctionDef) and n.name == "validate")
    constants, formatted = [], []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript) and getattr(t.value, "id", None) == "errors" for t in node.targets):
            todo = [node.value]
            while todo:
                value = todo.pop()
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    constants.append(value.value)
                elif isinstance(value, ast.JoinedStr):  # the constant parts of an f-string are no messages
                    formatted.append(value.lineno)
                else:
                    todo.extend(ast.iter_child_nodes(value))
    return constants, formatted


def declared_messages() -> dict[str, list[str]]:
    """German strings the UI translates at render time: msgid -> where they are declared."""
    from plugins.registration import plugin
    from plugins.registration.messages import AUDIENCES, MESSAGE_TYPES
    from plugins.registration.resources import FORMS, REGISTRATIONS
    from plugins.registration.service import REFUSALS

    found = Declared()
    for resource in (FORMS, REGISTRATIONS):
        found.add_resource(resource)
    for link in plugin.menu_links(deployment=None, staff=None):
        found.add(link.label, "menu_links (plugin.py): label")
        found.add(link.group, "menu_links (plugin.py): group")
    for message_type in MESSAGE_TYPES:
        found.add(message_type.label, f"messages.MESSAGE_TYPES[{message_type.key!r}]: label")
    for audience in AUDIENCES:
        found.add(audience.label, f"messages.AUDIENCES[{audience.key!r}]: label")
    for reason, text in REFUSALS.items():
        found.add(text, f"service.REFUSALS[{reason!r}]")
    for text in state_error_messages():
        found.add(text, "service.py: RegistrationStateError")
    for text in validation_messages()[0]:
        found.add(text, "service.validate: field message")
    return found


def template_catalog() -> Catalog:
    return build_catalog("Quartier registration plugin", extracted_messages(), declared_messages())



# -- the catalog ---------------------------------------------------------------------------
def test_the_collection_finds_all_kinds_of_strings():
    declared = declared_messages()
    for text in ("Anmeldeeinstellung", "Anmeldungen", "Telefonische Anmeldung", "Einwilligung am Telefon erteilt",
                 "Warteliste", "Vor Ort", "Nachrücken lassen", "Personendaten löschen",
                 "Die Anmeldung stornieren? Der Platz geht an die nächste Person auf der Warteliste.",
                 "Die Veranstaltung ist ausgebucht, und es gibt keine Warteliste.",
                 "Diese Anmeldung ist nicht mehr gültig.", "Bitte geben Sie Ihren Namen an.",
                 "Begleitpersonen sind bei dieser Veranstaltung nicht vorgesehen.", "Anmeldebestätigung",
                 "Angemeldete und Warteliste"):
        assert text in declared, text
    extracted = extracted_messages()
    assert ("Noch %(num)d Platz frei.", "Noch %(num)d Plätze frei.") in extracted
    assert "Anmeldungen: {title}" in extracted and "Personen eingecheckt" in extracted










@pytest.mark.parametrize("lang", catalog_languages(LOCALE))
def test_the_catalog_of_every_language_is_complete(lang):
    """Every UI string translated (not fuzzy), no stale entries, placeholders kept, all plural forms: per language folder."""
    problems = check_catalog(template_catalog(), LOCALE, lang)
    assert not problems, f"{len(problems)} problems (see this module's docstring for updating the catalog):\n  " + "\n  ".join(problems)


def test_every_field_message_can_be_translated():
    _constants, formatted = validation_messages()
    assert not formatted, f"f-string messages in validate (service.py lines {formatted})"


# -- in the app -----------------------------------------------------------------------------
async def test_the_registration_block_in_english(make_client):
    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form(capacity=5, max_companions=1)
        page = await client.get(f"/nordstadt/veranstaltungen/{event.id}-treff?lang=en")
        assert page.status_code == 200
        html = page.text
        assert '<html lang="en"' in html
        assert re.search(r"<h2>\s*Registration\s*</h2>", html), "block title"
        assert 'aria-label="Registration"' in html
        for text in ("5 places left.", "I agree.", "Register now", "Companions", "(required)"):
            assert text in html, text
        for german in ("Jetzt anmelden", "Noch 5 Plätze frei.", "Ich stimme zu.", "Begleitpersonen"):
            assert german not in html, german

        # messages of the service, passed through _() at runtime
        from tests.core.web.pages import parse

        response = await post_form(client, f"/nordstadt/veranstaltungen/{event.id}/anmeldung", {"name": "", "email": "falsch"})
        assert response.status_code == 400
        errors = parse(response.text)
        assert errors.text_of("reg-name-error") == "Please enter your name."
        assert errors.text_of("reg-email-error") == "Please enter a valid email address."
        assert errors.text_of("reg-consent-error") == "Please agree to the processing of your details."
        assert "Please check the highlighted fields." in errors.text_of("registration-errors")

        ok = await post_form(client, f"/nordstadt/veranstaltungen/{event.id}/anmeldung",
                             {"name": "Erika Muster", "email": "erika@example.org", "consent": "on"})
        assert ok.status_code == 201
        assert "Please confirm your email address" in ok.text


async def test_staff_screens_in_english(make_staff_client):
    from core.testing.fixtures import ensure_quartiere
    from plugins.registration import service
    from plugins.registration.service import RegistrationInput
    from tests.core.factories import make_event
    from tests.core.web.pages import parse

    async with make_staff_client(quartiere=["nordstadt"], plugins=["registration"]) as client:
        (quartier,) = await ensure_quartiere(["nordstadt"])
        event = await make_event(quartier, "treff")
        await service.ensure_form(event.id, capacity=5)
        await service.register(event.id, RegistrationInput(name="Erika", phone="05371 1", consent=True), channel="phone")
        dashboard = await client.get("/staff/?lang=en")
        assert f"Registrations: {event.title}" in dashboard.text and "Places taken" in dashboard.text
        assert "Places registered in the last three weeks" in dashboard.text
        assert ">Registration by phone</a>" in dashboard.text
        form = parse((await client.get("/staff/r/registrations/new")).text)
        assert form.h1 == "Create Registration"
        assert "Consent given on the phone" in form.main_text and "Companions" in form.main_text
        checkin = parse((await client.get(f"/staff/anmeldungen/{event.id}/checkin")).text)
        (count,) = checkin.all("p", class_="checkin-count")
        assert count.text == "0 of 1 people checked in"
        assert "Check in: Erika" in checkin.main_text
        header = (await client.get(f"/staff/anmeldungen/{event.id}/export.csv")).content.decode("utf-8-sig").splitlines()
        assert header[0] == "Name;Email;Phone;Status;Waiting list position;Places;Channel;Checked in;Registered on"
        assert header[1].split(";")[3:7] == ["Registered", "", "1", "Phone"]


async def test_refusal_in_english(make_client):
    from core.events import service as events

    async with make_client(["registration"], sections=NO_RATE_LIMIT) as client:
        _q, event, _form = await event_with_form()
        await client.get("/nordstadt/?lang=en")
        token = client.cookies.get("csrftoken")
        await events.cancel_event(event.id)
        response = await client.post(f"/nordstadt/veranstaltungen/{event.id}/anmeldung",
                                     data={"_csrf_token": token, "name": "Erika", "email": "e@example.org", "consent": "on"})
        assert response.status_code == 409
        assert "Registration for this event is closed." in response.text


if __name__ == "__main__":
    # python -m tests.plugins.registration.test_i18n OUT.pot: the full template for `pybabel update`
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.plugins.registration.test_i18n OUT.pot")
    with open(sys.argv[1], "wb") as out:
        write_po(out, template_catalog(), sort_by_file=False)
    print(f"wrote {sys.argv[1]}", file=sys.stderr)
