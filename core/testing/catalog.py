"""Checking the catalogs of every language against the German UI strings of the core or of a plugin (for tests).

A test module collects the strings (``extract_messages`` for ``_()`` calls, a ``Declared`` for labels
the UI translates at render time), builds the template with ``build_catalog`` and, parametrised over
``catalog_languages(locale_dir)`` (every language folder present), asserts that ``missing_translations``,
``stale_entries``, ``wrong_placeholders`` and ``wrong_plural_forms`` find nothing; ``catalog_file`` names
the file in the failure.

A plugin's catalog is its own translation domain: what it lacks comes from the core's catalog, never
from another plugin's. So a plugin checks ``missing_translations(wanted, ours, core=core_catalog())``:
a core text it uses needs no entry of its own (it may still have one, to say it differently).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Callable

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from core.web.i18n import CORE_LOCALE, PARTIAL_CATALOGS

KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "gettext": None, "ngettext": (1, 2)}
# str.format fields ({name}, {n}) and %-style mapping keys (%(num)d)
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\([A-Za-z_][A-Za-z0-9_]*\)[#0 +-]?\d*(?:\.\d+)?[sdifr]")

MsgId = str | tuple[str, str]


def extract_messages(folder: Path, root: Path) -> dict[MsgId, list[tuple[str, int]]]:
    """msgid (singular, or (singular, plural) for ngettext) -> locations, as
    ``pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 <folder>`` run in ``root`` finds them."""
    with (root / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp, "babel.cfg")
    prefix = folder.relative_to(root).as_posix()
    found: dict[MsgId, list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(folder), method_map, options_map, keywords=KEYWORDS):
        if isinstance(message, (tuple, list)):
            message = (message[0], message[1]) if len(message) > 1 and message[1] else message[0]
        if message:
            found.setdefault(message, []).append((f"{prefix}/{filename}", lineno))
    return found


class Declared(dict[str, list[str]]):
    """German strings the UI translates at render time: msgid -> where they are declared."""

    def add(self, text: str | None, where: str) -> None:
        if text and text.strip():
            self.setdefault(text, []).append(where)

    def add_resource(self, resource: Any, links_row: Any = None) -> None:
        """Labels, help texts, choices and actions of a staff ``Resource`` (and its links for ``links_row``)."""
        where = f"resource {resource.name}"
        self.add(resource.label, f"{where}: label")
        self.add(resource.label_plural, f"{where}: label_plural")
        self.add(resource.menu_group, f"{where}: menu_group")
        self.add(resource.saved_message, f"{where}: saved_message")
        for f in resource.fields:
            self.add(f.label, f"{where}.{f.name}: label")
            self.add(f.help, f"{where}.{f.name}: help")
            self.add(f.empty_label, f"{where}.{f.name}: empty_label")
            for _value, label in f.choices or ():
                self.add(label, f"{where}.{f.name}: choice")
        for action in resource.actions:
            self.add(action.label, f"{where} action {action.name}: label")
            self.add(action.confirm, f"{where} action {action.name}: confirm")
        links: Callable[[Any], Any] | None = resource.links
        for label, _url in (links(links_row) if links and links_row is not None else ()):
            self.add(label, f"{where}: link")


def build_catalog(project: str, extracted: dict[MsgId, list[tuple[str, int]]], declared: dict[str, list[str]],
                  version: str | None = None) -> Catalog:
    """A template (POT) with every UI string: the extracted ones plus the declared labels."""
    catalog = Catalog(project=project, version=version, fuzzy=False)
    for msgid, locations in extracted.items():
        flags = ("python-format",) if isinstance(msgid, tuple) and "%(" in "".join(msgid) else ()
        catalog.add(msgid, locations=locations, flags=flags)
    for msgid, wheres in declared.items():
        if msgid in catalog:
            catalog[msgid].auto_comments.extend(wheres)
        else:
            catalog.add(msgid, auto_comments=wheres)
    return catalog




def catalog_languages(locale_dir: Path) -> list[str]:
    """Every language with a complete ``<lang>/LC_MESSAGES/messages.po`` below ``locale_dir``, sorted
    (Leichte Sprache's catalog is partial by design)."""
    return sorted(po.parents[1].name for po in Path(locale_dir).glob("*/LC_MESSAGES/messages.po")
                  if po.parents[1].name not in PARTIAL_CATALOGS)


def catalog_file(locale_dir: Path, lang: str) -> Path:
    return Path(locale_dir) / lang / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path, locale: str = "en") -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=locale)


def core_catalog(locale: str = "en") -> Catalog:
    """The core's catalog, where a plugin's texts fall back to."""
    return read_catalog(CORE_LOCALE / locale / "LC_MESSAGES" / "messages.po", locale)


def wrong_plural_forms(catalog: Catalog) -> list[str]:
    """A ``Plural-Forms`` header with another count than gettext's for the language (Babel's table: ar 6,
    ru/uk 3, tr 2), and plural entries without a non-empty string for every form."""
    forms = get_plural(str(catalog.locale)).num_plurals
    wrong = [] if catalog.num_plurals == forms else [f"Plural-Forms says nplurals={catalog.num_plurals}, the language has {forms}"]
    for message in catalog:
        if isinstance(message.id, tuple) and message.string and (
                len(message.string) != catalog.num_plurals or not all(s and s.strip() for s in message.string)):
            wrong.append(f"{message.id!r}: {len([s for s in message.string if s])} of {catalog.num_plurals} forms")
    return wrong


def translated(message: Message | None) -> bool:
    """Fuzzy entries do not count: ``write_mo`` (and so the app) leaves them out."""
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return all(s and s.strip() for s in strings)


def _translates(catalog: Catalog, msgid: MsgId) -> bool:
    entry = catalog.get(msgid)
    if isinstance(msgid, tuple) and entry is not None and entry.id != msgid:
        return False  # the plural form changed
    return translated(entry)


def missing_translations(wanted: Catalog, catalog: Catalog, core: Catalog | None = None) -> list[str]:
    """The strings of ``wanted`` without a translation in ``catalog`` (nor in ``core``, the core's catalog
    a plugin's texts fall back to), each with where it comes from."""
    missing = []
    for message in wanted:
        if not message.id:
            continue
        if not (_translates(catalog, message.id) or (core is not None and _translates(core, message.id))):
            where = [f"{path}:{line}" for path, line in message.locations] + list(message.auto_comments)
            entry = catalog.get(message.id)
            fuzzy = "fuzzy " if entry is not None and entry.fuzzy else ""
            missing.append(f"{fuzzy}{message.id!r}  ({', '.join(where[:3])})")
    return missing


def stale_entries(wanted: Catalog, catalog: Catalog) -> list[MsgId]:
    """Entries of ``catalog`` that ``wanted`` no longer has."""
    ids = {m.id for m in wanted if m.id}
    return [m.id for m in catalog if m.id and m.id not in ids]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def wrong_placeholders(catalog: Catalog) -> list[str]:
    """Translations whose ``{name}`` / ``%(name)d`` placeholders differ from their msgid's."""
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(placeholders(i) for i in ids))
        if isinstance(message.string, tuple):
            # a plural form may leave the number out ("مكان واحد"), as gettext allows, but not add one; all together use each
            forms = [placeholders(string) for string in message.string]
            if any(not found <= wanted for found in forms) or set().union(*forms) != wanted:
                wrong.append(f"{message.id!r} -> {message.string!r}: wants {sorted(wanted)}, has {[sorted(f) for f in forms]}")
            continue
        if placeholders(message.string) != wanted:
            wrong.append(f"{message.id!r} -> {message.string!r}: wants {sorted(wanted)}, has {sorted(placeholders(message.string))}")
    return wrong


def check_catalog(wanted: Catalog, locale_dir: Path, lang: str, fallback_to_core: bool = True, stale: bool = True) -> list[str]:
    """What is wrong with ``lang``'s catalog below ``locale_dir``, one line each naming the file, the language and
    the msgid: missing or fuzzy translations (a plugin's may come from the core's catalog of the same language),
    stale entries, changed placeholders, wrong plural forms."""
    path = catalog_file(locale_dir, lang)
    catalog = read_catalog(path, lang)
    core = core_catalog(lang) if fallback_to_core and catalog_file(CORE_LOCALE, lang).exists() else None
    where = f"{os.path.relpath(path)} [{lang}]"
    problems = [f"{where}: no translation for {m}" for m in missing_translations(wanted, catalog, core)]
    problems += [f"{where}: stale entry {m!r}" for m in stale_entries(wanted, catalog)] if stale else []
    problems += [f"{where}: placeholders {m}" for m in wrong_placeholders(catalog)]
    problems += [f"{where}: {m}" for m in wrong_plural_forms(catalog)]
    return problems
