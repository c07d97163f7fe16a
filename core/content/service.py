"""Versions of content texts per language, and the reader's view of them.

One model for every content text of the core and the plugins: a row of
``content_translations`` per (owner table, row id, field, language). German is
the source and lives in the owner's own column; a version remembers a digest of
the German text it was written from, so a later change of the German text marks
it "veraltet". A public page asks once per page (``localize``) for all rows it shows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core.content.tables import ContentTranslation
from core.db import transaction
from core.db.rows import any_of
from core.web import i18n

# the longest text one version may hold (a field's own max_length is stricter where it has one)
MAX_VERSION_LENGTH = 20_000


def translation_languages() -> list[str]:
    """The languages staff may write versions in: every offered language (setting ``languages``) but German."""
    from core.deployment import current

    return [lang for lang in current().settings.languages if lang != i18n.SOURCE_LANGUAGE]


def source_digest(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class LocalText:
    """A text as one reader sees it: ``fallback`` when it is German because their language has no version."""

    text: str
    lang: str
    fallback: bool = False

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


class LocalTexts(dict[str, LocalText]):
    """The fields of one row for one reader; ``texts.title`` or ``texts["title"]``."""

    def __getattr__(self, name: str) -> LocalText:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def fallback(self) -> bool:
        """Whether some field is shown in German because the reader's language has no version of it."""
        for text in self.values():  # a loop, not any(): once per card of a list
            if text.fallback:
                return True
        return False


def _value(row: Any, field: str) -> str:
    value = row.get(field) if isinstance(row, Mapping) else getattr(row, field, "")
    return value or ""


def _row_id(row: Any) -> int:
    return row["id"] if isinstance(row, Mapping) else row.id


async def localize(owner: str, rows: Sequence[Any], fields: Sequence[str], lang: str | None = None) -> dict[int, LocalTexts]:
    """The ``fields`` of ``rows`` (objects or dicts with ``id``) in ``lang`` (default: the reader's language).

    One query for all rows, none in German. A field without a current version in ``lang`` (none, or one made
    from an older German text) keeps its German text with ``fallback=True``; an empty German field stays empty
    without a notice.
    """
    return (await localize_many({owner: (rows, fields)}, lang))[owner]


async def localize_many(wanted: Mapping[str, tuple[Sequence[Any], Sequence[str]]],
                        lang: str | None = None) -> dict[str, dict[int, LocalTexts]]:
    """``localize`` for the rows of several owners at once (``{owner: (rows, fields)}``), in one query."""
    lang = lang or i18n.language()
    found: dict[tuple[str, int, str], tuple[str, str]] = {}
    if lang != i18n.SOURCE_LANGUAGE:
        clause = None
        for owner, (rows, _fields) in wanted.items():
            if rows:
                part = (ContentTranslation.owner == owner) & any_of(ContentTranslation.row_id, {_row_id(r) for r in rows})
                clause = part if clause is None else clause | part
        if clause is not None:
            query = ContentTranslation.select(ContentTranslation.owner, ContentTranslation.row_id, ContentTranslation.field,
                                              ContentTranslation.text, ContentTranslation.source_hash).where(
                (ContentTranslation.lang == lang) & clause)
            found = {(r["owner"], r["row_id"], r["field"]): (r["text"], r["source_hash"]) for r in await query}
    result: dict[str, dict[int, LocalTexts]] = {}
    source = i18n.SOURCE_LANGUAGE
    for owner, (rows, fields) in wanted.items():
        by_row = result.setdefault(owner, {})
        for row in rows:
            # the German texts (a list shows hundreds: one type check per row, not per field)
            if isinstance(row, Mapping):
                row_id, german = row["id"], [row.get(field) or "" for field in fields]
            else:
                row_id, german = row.id, [getattr(row, field, "") or "" for field in fields]
            if lang == source or not found:
                by_row[row_id] = LocalTexts(zip(fields, [LocalText(text, source, bool(text) and lang != source)
                                                         for text in german]))
                continue
            texts = by_row[row_id] = LocalTexts()
            for field, text in zip(fields, german):
                version, made_from = found.get((owner, row_id, field), ("", ""))
                if version and made_from != source_digest(text):  # the German text changed since: not shown
                    version = ""
                texts[field] = LocalText(version, lang) if version else LocalText(text, source, bool(text))
    return result



@dataclass(frozen=True, slots=True)
class Version:
    """A stored version as staff see it."""

    text: str
    updated_at: datetime
    stale: bool  # written from a German text that has changed since ("veraltet")


async def versions(owner: str, row: Any, fields: Iterable[str]) -> dict[str, dict[str, Version]]:
    """``{field: {lang: Version}}`` of one row, with the stale mark against its current German texts."""
    fields = list(fields)
    rows = await ContentTranslation.select().where(
        (ContentTranslation.owner == owner) & (ContentTranslation.row_id == _row_id(row))
        & ContentTranslation.field.is_in(fields or [""]))
    found: dict[str, dict[str, Version]] = {f: {} for f in fields}
    for r in rows:
        stale = r["source_hash"] != source_digest(_value(row, r["field"]))
        found[r["field"]][r["lang"]] = Version(r["text"], r["updated_at"], stale)
    return found


async def save_versions(owner: str, row: Any, lang: str, texts: Mapping[str, str],
                        confirmed: Iterable[str] = ()) -> dict[str, str]:
    """Store the versions of ``row``'s fields in ``lang`` (an empty text removes one); returns what changed.

    Each version records the German text it was written from. An unchanged stale version stays stale
    unless its field is in ``confirmed`` (the editor checked it against the new German text).
    Raises ValueError for a language not offered.
    """
    if lang not in translation_languages():
        raise ValueError(i18n.gettext("Diese Sprache wird nicht angeboten."))
    row_id = _row_id(row)
    stored = await versions(owner, row, texts)
    changed: dict[str, str] = {}
    confirmed = set(confirmed)
    now = datetime.now(timezone.utc)
    async with transaction():
        for field, text in texts.items():
            text, old = text.strip(), stored[field].get(lang)
            if (old is None and not text) or (old is not None and old.text == text
                                              and (not old.stale or field not in confirmed)):
                continue
            await ContentTranslation.delete().where(
                (ContentTranslation.owner == owner) & (ContentTranslation.row_id == row_id)
                & (ContentTranslation.field == field) & (ContentTranslation.lang == lang))
            if text:
                await ContentTranslation.insert(ContentTranslation(
                    owner=owner, row_id=row_id, field=field, lang=lang, text=text,
                    source_hash=source_digest(_value(row, field)), updated_at=now)).on_conflict(
                    # two staff saving at once: the later one wins, no error
                    target=(ContentTranslation.owner, ContentTranslation.row_id, ContentTranslation.lang, ContentTranslation.field),
                    action="DO UPDATE",
                    values=[ContentTranslation.text, ContentTranslation.source_hash, ContentTranslation.updated_at])
            changed[field] = text
    return changed


async def copy_versions(owner: str, from_id: int, to_id: int) -> None:
    """Give row ``to_id`` the versions of row ``from_id`` (a copy with the same German texts)."""
    rows = await ContentTranslation.select().where((ContentTranslation.owner == owner) & (ContentTranslation.row_id == from_id))
    for r in rows:
        await ContentTranslation.insert(ContentTranslation(
            owner=owner, row_id=to_id, field=r["field"], lang=r["lang"], text=r["text"], source_hash=r["source_hash"]))


async def delete_orphans() -> None:
    """Remove the versions whose row is gone (deleted along with its Quartier, exhibition or event).

    SQLite hands out the id of a deleted last row again: a new row must not inherit old versions.
    """
    from core.deployment import current

    tables = {table._meta.tablename for app in current().apps for table in app.table_classes}
    owners = [row["owner"] for row in await ContentTranslation.select(ContentTranslation.owner).distinct()]
    for owner in owners:
        if owner in tables:  # a table name of the deployment, never user input
            await ContentTranslation.raw(
                f'DELETE FROM content_translations WHERE owner = {{}} AND row_id NOT IN (SELECT id FROM "{owner}")', owner)


async def delete_versions(owner: str, row_ids: Iterable[int]) -> None:
    """Remove every version of the rows (call it where the rows are deleted)."""
    ids = list(row_ids)
    if ids:
        await ContentTranslation.delete().where((ContentTranslation.owner == owner) & any_of(ContentTranslation.row_id, ids))
