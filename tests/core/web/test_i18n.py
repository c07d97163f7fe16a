"""The catalogs (one per language folder) cover every German UI string of the core, and the language switch works.

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
import os
import re
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core.testing.catalog import Declared, MsgId, build_catalog, catalog_languages, check_catalog, extract_messages
from tests.core.factories import make_quartier

ROOT = Path(__file__).resolve().parents[3]
CORE = ROOT / "core"
LOCALE = CORE / "locale"


# -- what the UI can show ---------------------------------------------------------
def extracted_messages() -> dict[MsgId, list[tuple[str, int]]]:
    """msgid (singular, or (singular, plural) for ngettext) -> locations, as ``pybabel extract -F babel.cfg core`` finds them."""
    return extract_messages(CORE, ROOT)


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

    found = Declared()
    for cls, name in ((Resource, "menu_group"), (MenuLink, "group")):
        found.add(next(f.default for f in dataclass_fields(cls) if f.name == name), f"default {cls.__name__}.{name}")
    for resource in _resources():
        found.add_resource(resource)
    for text in _menu_labels():
        found.add(text, "staff menu (core/web/rendering.py)")
    for text in _error_page_texts():
        found.add(text, "error page (core/app.py)")
    for text in LEGAL_PAGES.values():
        found.add(text, "legal page heading (core/web/public_routes.py)")
    return found


def template_catalog() -> Catalog:
    """A POT with every UI string: extracted ones plus the declared labels."""
    from core import __version__

    return build_catalog("Quartier", extracted_messages(), declared_messages(), version=__version__)


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


@pytest.mark.parametrize("lang", catalog_languages(LOCALE))
def test_the_catalog_of_every_language_is_complete(lang):
    """Every UI string translated (not fuzzy), no stale entries, placeholders kept, all plural forms: per language folder."""
    # stale=False: the role choices of staff-users depend on the loaded plugins
    problems = check_catalog(template_catalog(), LOCALE, lang, fallback_to_core=False, stale=False)
    assert not problems, f"{len(problems)} problems (see this module's docstring for updating the catalog):\n  " + "\n  ".join(problems)


def test_every_catalog_is_of_a_known_language_and_the_machine_written_ones_say_so():
    from core.web.i18n import LANGUAGES

    assert {"en", "tr", "ar"} <= set(catalog_languages(LOCALE)) <= set(LANGUAGES)
    for lang in ("tr", "ar"):
        header = (LOCALE / lang / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8").split("msgid", 1)[0]
        assert "not yet reviewed by a native speaker" in header, lang


def test_a_missing_or_fuzzy_translation_is_named_with_file_language_and_text(tmp_path):
    wanted = Catalog()
    for msgid in ("Speichern", "Abbrechen", "Löschen", ("%(num)d Eintrag", "%(num)d Einträge")):
        wanted.add(msgid)
    catalog = Catalog(locale="ar")
    catalog.add("Speichern", "حفظ")
    catalog.add("Abbrechen", "إلغاء", flags=("fuzzy",))
    catalog.add(("%(num)d Eintrag", "%(num)d Einträge"), ("", "إدخال واحد", "", "", "", "%(num)d إدخال"))
    catalog.add("Weg damit", "احذف")
    po = tmp_path / "ar" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as out:
        write_po(out, catalog)
    assert catalog_languages(tmp_path) == ["ar"]
    problems = check_catalog(wanted, tmp_path, "ar", fallback_to_core=False)
    where = f"{os.path.relpath(po)} [ar]"
    assert f"{where}: no translation for fuzzy 'Abbrechen'  ()" in problems
    assert f"{where}: no translation for 'Löschen'  ()" in problems
    assert f"{where}: stale entry 'Weg damit'" in problems
    assert any(p.startswith(f"{where}: ('%(num)d Eintrag', '%(num)d Einträge'): 2 of 6 forms") for p in problems), problems
    assert not any("'Speichern'" in p for p in problems)


def test_the_app_translates_with_the_catalog():
    from core.web import i18n

    i18n.load_catalogs({i18n.CORE_DOMAIN: [CORE / "locale"]})
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


# -- one domain per plugin --------------------------------------------------------------
def _write_catalog(folder: Path, translations: dict[MsgId, str | tuple[str, str]]) -> Path:
    catalog = Catalog(locale="en")
    for msgid, string in translations.items():
        catalog.add(msgid, string)
    po = folder / "en" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as out:
        write_po(out, catalog)
    return folder


def _domains(tmp_path: Path) -> dict[str, list[Path]]:
    """The core says "Address" for "Adresse"; plugin a says "URL"; plugin b has only its own text."""
    return {
        "core": [_write_catalog(tmp_path / "core", {"Adresse": "Address", "Speichern": "Save"})],
        "a": [_write_catalog(tmp_path / "a", {"Adresse": "URL", "Nur bei A": "Only at A",
                                              ("%(num)d Ding", "%(num)d Dinge"): ("%(num)d thing", "%(num)d things")})],
        "b": [_write_catalog(tmp_path / "b", {"Nur bei B": "Only at B"})],
        "c": [tmp_path / "no-catalog"],
    }


def test_a_plugin_text_comes_from_its_own_catalog_then_the_core_never_another_plugin(tmp_path):
    from core.web import i18n

    i18n.load_catalogs(_domains(tmp_path))
    try:
        i18n.set_language("en")
        assert i18n.dgettext("a", "Adresse") == "URL"  # its own word wins in its own domain
        assert i18n.dgettext("b", "Adresse") == "Address" and i18n.dgettext("c", "Adresse") == "Address"  # the core's
        assert i18n.gettext("Adresse") == "Address"  # core texts from the core's catalog only
        assert i18n.dgettext("b", "Nur bei A") == "Nur bei A"  # not from a: stays German
        assert i18n.gettext("Nur bei B") == "Nur bei B"
        translate = i18n.plugin_gettext("a")
        assert translate("Nur bei A") == "Only at A" and translate("Speichern") == "Save"
        assert translate.ngettext("%(num)d Ding", "%(num)d Dinge", 2) % {"num": 2} == "2 things"
        assert i18n.plugin_gettext("b").ngettext("%(num)d Ding", "%(num)d Dinge", 1) == "%(num)d Ding"
        assert i18n.plugin_gettext("not-loaded")("Adresse") == "Address"
        i18n.set_language("de")
        assert translate("Adresse") == "Adresse"
    finally:
        i18n.set_language(i18n.SOURCE_LANGUAGE)
        i18n.load_catalogs({i18n.CORE_DOMAIN: [CORE / "locale"]})


def test_a_template_translates_in_the_domain_of_the_folder_it_is_written_in(tmp_path):
    """``_()`` in ``a/...`` uses plugin a's catalog; the core layout it extends keeps the core's texts."""
    from jinja2 import DictLoader, Environment

    from core.web import i18n, template_i18n

    env = Environment(loader=DictLoader({
        "core/base.html": '<b>{{ _("Adresse") }}</b>{% block content %}{% endblock %}',
        "a/page.html": '{% extends "core/base.html" %}{% block content %}{{ _("Adresse") }}|{{ gettext("Nur bei A") }}|'
                       '{{ ngettext("%(num)d Ding", "%(num)d Dinge", 3) }}|{{ _("Nur bei B") }}|{{ _("Speichern") }}|'
                       '{{ _("[{who}]").format(who="<i>") }}{% endblock %}',
        "core/label.html": "{{ dgettext(plugin, label) }}",
    }), autoescape=True, extensions=["jinja2.ext.i18n", template_i18n.PluginDomains])
    template_i18n.install(env, {"a": "a", "b": "b"})
    i18n.load_catalogs(_domains(tmp_path))
    try:
        i18n.set_language("en")
        assert env.get_template("a/page.html").render() == "<b>Address</b>URL|Only at A|3 things|Nur bei B|Save|[&lt;i&gt;]"
        assert env.get_template("core/label.html").render(plugin="a", label="Adresse") == "URL"
        assert env.get_template("core/label.html").render(plugin="b", label="Adresse") == "Address"
    finally:
        i18n.set_language(i18n.SOURCE_LANGUAGE)
        i18n.load_catalogs({i18n.CORE_DOMAIN: [CORE / "locale"]})


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
