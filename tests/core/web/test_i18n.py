"""The English catalog covers every German UI string of the core, and the language switch works.

UI strings come from two places:

* ``_()`` / ``gettext`` / ``ngettext`` calls in Python code and templates, found by
  pybabel with ``babel.cfg``;
* German labels that are plain strings in declarations and translated at render
  time (``_(f.label)``, ``_(group)``, ``i18n.gettext(title)``): staff resources
  (labels, help texts, actions, choice lists), the staff menu in
  ``core/web/rendering.py``, the error pages in ``core/app.py`` and the legal
  page headings in ``core/web/public_routes.py``. ``declared_messages`` gathers those.

To update the catalog after changing strings, write a template with both kinds
and merge it into the catalog, then translate the new (empty or fuzzy) entries::

    .venv/bin/python -m tests.core.web.test_i18n /tmp/messages.pot
    .venv/bin/pybabel update -i /tmp/messages.pot -d core/locale --no-fuzzy-matching

(A plain ``pybabel extract`` template lacks the declared labels; ``pybabel update``
with it would mark their translations obsolete.)
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from tests.core.factories import make_quartier

ROOT = Path(__file__).resolve().parents[3]
CORE = ROOT / "core"
CATALOG = CORE / "locale" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "gettext": None, "ngettext": (1, 2)}

# str.format fields ({name}, {n}) and %-style mapping keys (%(num)d)
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\([A-Za-z_][A-Za-z0-9_]*\)[#0 +-]?\d*(?:\.\d+)?[sdifr]")

MsgId = str | tuple[str, str]


# -- what the UI can show ---------------------------------------------------------
def extracted_messages() -> dict[MsgId, list[tuple[str, int]]]:
    """msgid (singular, or (singular, plural) for ngettext) -> locations, as ``pybabel extract -F babel.cfg core`` finds them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp, "babel.cfg")
    found: dict[MsgId, list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(CORE), method_map, options_map, keywords=KEYWORDS):
        if isinstance(message, (tuple, list)):
            message = (message[0], message[1]) if len(message) > 1 and message[1] else message[0]
        if message:
            found.setdefault(message, []).append((f"core/{filename}", lineno))
    return found


def _resources() -> list:
    """Every ``Resource`` declared at module level in ``core/<package>/resources.py`` (events, venues, ...)."""
    import importlib

    from core.web.resources import Resource

    found = []
    for path in sorted(CORE.glob("*/resources.py")):
        module = importlib.import_module(f"core.{path.parent.name}.resources")
        found += [value for value in vars(module).values() if isinstance(value, Resource) and all(value is not r for r in found)]
    return found


def _parse(relative: str) -> ast.Module:
    return ast.parse((ROOT / relative).read_text(encoding="utf-8"), relative)


def _menu_labels() -> list[str]:
    """``label`` and ``group`` of every ``MenuLink(...)`` the core builds in rendering.py."""
    strings = []
    for node in ast.walk(_parse("core/web/rendering.py")):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "MenuLink":
            args = list(node.args[:1]) + node.args[2:3]  # MenuLink(label, url, group, roles)
            args += [kw.value for kw in node.keywords if kw.arg in ("label", "group")]
            strings += [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return strings


def _error_page_texts() -> list[str]:
    """The (title, message) pairs of ``error_page`` in core/app.py (translated with ``i18n.gettext`` at render time)."""
    tree = _parse("core/app.py")
    function = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "error_page")
    strings = []
    for node in ast.walk(function):
        if isinstance(node, ast.Tuple) and len(node.elts) == 2 and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            strings += [e.value for e in node.elts]  # type: ignore[attr-defined]
    return strings


def declared_messages() -> dict[str, list[str]]:
    """German strings the UI translates at render time: msgid -> where they are declared."""
    from dataclasses import fields as dataclass_fields

    from core.web.public_routes import LEGAL_PAGES
    from core.web.resources import Resource
    from core.web.ui import MenuLink

    found: dict[str, list[str]] = {}

    def add(text: str | None, where: str) -> None:
        if text and text.strip():
            found.setdefault(text, []).append(where)

    for cls, name in ((Resource, "menu_group"), (MenuLink, "group")):
        add(next(f.default for f in dataclass_fields(cls) if f.name == name), f"default {cls.__name__}.{name}")
    for resource in _resources():
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
    for text in _menu_labels():
        add(text, "staff menu (core/web/rendering.py)")
    for text in _error_page_texts():
        add(text, "error page (core/app.py)")
    for text in LEGAL_PAGES.values():
        add(text, "legal page heading (core/web/public_routes.py)")
    return found


def template_catalog() -> Catalog:
    """A POT with every UI string: extracted ones plus the declared labels."""
    from core import __version__

    catalog = Catalog(project="Quartier", version=__version__, fuzzy=False)
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


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _translated(message: Message | None) -> bool:
    """Fuzzy entries do not count: ``write_mo`` (and so the app) leaves them out."""
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return all(s and s.strip() for s in strings)


# -- the catalog --------------------------------------------------------------------
def test_the_declarations_yield_their_labels():
    assert {r.name for r in _resources()} >= {"events", "venues", "organisations", "quartiere", "staff-users"}
    declared = declared_messages()
    for text in ("Veranstaltung", "Träger und Partner", "Entwurf", "Quartiersmanagement", "Absagen",
                 "Übersicht", "Protokoll", "Passwort ändern", "Start", "Konto", "System", "Verwaltung",
                 "Seite nicht gefunden", "Formular abgelaufen", "Impressum"):
        assert text in declared, text
    extracted = extracted_messages()
    assert ("%(num)d Eintrag", "%(num)d Einträge") in extracted
    assert "Willkommen, {name}." in extracted


def test_every_ui_string_has_an_english_translation():
    catalog = english()
    wanted = template_catalog()
    missing = []
    for message in wanted:
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


def test_translations_keep_the_placeholders():
    wrong = []
    for message in english():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(_placeholders(i) for i in ids))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if _placeholders(string) != wanted:
                wrong.append(f"{message.id!r} -> {string!r}: wants {sorted(wanted)}, has {sorted(_placeholders(string))}")
    assert not wrong, "Translations with wrong placeholders:\n  " + "\n  ".join(wrong)


def test_plural_entries_have_both_english_forms():
    catalog = english()
    assert catalog.num_plurals == 2
    plurals = [m for m in catalog if isinstance(m.id, tuple)]
    assert plurals
    for message in plurals:
        assert len(message.string) == 2 and all(message.string), message.id


def test_the_app_translates_with_the_catalog():
    from core.web import i18n

    i18n.load_catalogs([CORE / "locale"])
    try:
        i18n.set_language("en")
        assert i18n.gettext("Veranstaltungen") == "Events"
        assert i18n.ngettext("%(num)d Eintrag", "%(num)d Einträge", 1) % {"num": 1} == "1 entry"
        assert i18n.ngettext("%(num)d Eintrag", "%(num)d Einträge", 3) % {"num": 3} == "3 entries"
        assert i18n.gettext("Willkommen, {name}.").format(name="Ulrike") == "Welcome, Ulrike."
        i18n.set_language("de")
        assert i18n.gettext("Veranstaltungen") == "Veranstaltungen"
    finally:
        i18n.set_language(i18n.SOURCE_LANGUAGE)


# -- the language switch ------------------------------------------------------------
def _html_lang(html: str) -> str | None:
    match = re.search(r'<html[^>]*\blang="([^"]+)"', html)
    return match.group(1) if match else None


def _has_heading(html: str, text: str) -> bool:
    return re.search(rf"<h[1-6][^>]*>\s*{re.escape(text)}\s*</h[1-6]>", html) is not None


async def test_language_switch_is_remembered_in_a_cookie(make_client):
    async with make_client() as client:
        await make_quartier("nordstadt")

        response = await client.get("/nordstadt/?lang=en")
        assert response.status_code == 200
        assert _html_lang(response.text) == "en"
        assert _has_heading(response.text, "Events")
        assert _has_heading(response.text, "Contact")
        assert "There are no events planned at the moment." in response.text
        assert "Veranstaltungen" not in response.text
        assert client.cookies.get("lang") == "en"

        # no parameter: the cookie keeps English
        response = await client.get("/nordstadt/")
        assert response.status_code == 200
        assert _html_lang(response.text) == "en"
        assert _has_heading(response.text, "Events")

        response = await client.get("/nordstadt/?lang=de")
        assert response.status_code == 200
        assert _html_lang(response.text) == "de"
        assert _has_heading(response.text, "Veranstaltungen")
        assert not _has_heading(response.text, "Events")
        assert client.cookies.get("lang") == "de"

        response = await client.get("/nordstadt/")
        assert _html_lang(response.text) == "de"
        assert _has_heading(response.text, "Kontakt")


async def test_error_pages_are_translated(make_client):
    async with make_client() as client:
        response = await client.get("/gibt-es-nicht/?lang=en")
        assert response.status_code == 404
        assert _html_lang(response.text) == "en"
        assert _has_heading(response.text, "Page not found")
        assert "This page does not exist (any more)." in response.text


if __name__ == "__main__":
    # python -m tests.core.web.test_i18n OUT.pot: the full template for `pybabel update`
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.core.web.test_i18n OUT.pot")
    with open(sys.argv[1], "wb") as out:
        write_po(out, template_catalog(), sort_by_file=False)
    print(f"wrote {sys.argv[1]}", file=sys.stderr)
