"""Reading offers from a CSV file (as exported by a spreadsheet program): columns, rows, checks.

The file is UTF-8 (with or without BOM), separated by semicolons or commas, and has a header row with
German (or the field's English) column names. Every row is checked on its own; bad rows are reported with
their line number and reason, good rows are imported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from quartier_hilfsangebote import service
from quartier_hilfsangebote.service import InvalidOffer, OfferData, Problem

# Column names people use, after ``_key`` (lower case, without spaces, hyphens and underscores).
HEADERS = {
    "name": "name", "bezeichnung": "name", "angebot": "name",
    "träger": "provider", "traeger": "provider", "anbieter": "provider", "provider": "provider",
    "kategorie": "category", "thema": "category", "category": "category",
    "beschreibung": "description", "description": "description",
    "straße": "street", "strasse": "street", "str.": "street", "adresse": "street", "street": "street",
    "plz": "postal_code", "postleitzahl": "postal_code", "postalcode": "postal_code",
    "ort": "city", "stadt": "city", "city": "city",
    "öffnungszeiten": "opening_hours", "oeffnungszeiten": "opening_hours", "sprechzeiten": "opening_hours",
    "openinghours": "opening_hours",
    "telefon": "phone", "tel.": "phone", "tel": "phone", "phone": "phone",
    "email": "email", "mail": "email", "emailadresse": "email",
    "internet": "website", "internetseite": "website", "internetadresse": "website", "webseite": "website", "website": "website", "homepage": "website",
    "sprachen": "languages", "sprache": "languages", "languages": "languages",
    "barrierefrei": "accessible", "barrierefreiheit": "accessible", "accessible": "accessible",
    "aktiv": "active", "active": "active",
}

# English reasons for the command line, by problem code; {column} is the file's column name.
REASONS = {
    "required": "{column} is missing",
    "too_long": "{column} is longer than {limit} characters",
    "unknown_category": "{column} '{value}' is not a category (one of: {categories})",
    "invalid_email": "{column} '{value}' is not an e-mail address",
    "invalid_url": "{column} '{value}' is not a web address (http:// or https://)",
    "invalid_postal_code": "{column} '{value}' is not a five-digit postcode",
    "invalid_languages": "{column} '{value}' are not ISO 639 language codes such as 'de, en, tr'",
    "invalid_bool": "{column} '{value}' is neither 'ja' nor 'nein'",
    "invalid": "{column} '{value}' is not valid",
}


class FileProblem(Exception):
    """The file as a whole cannot be read (encoding, no header, no name column)."""


@dataclass
class Row:
    line: int  # where the record starts in the file, 1-based (the header is line 1)
    offer: OfferData | None = None
    reasons: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    rows: list[Row]
    ignored_columns: list[str]


def _key(header: str) -> str:
    return "".join(header.strip().lower().replace("-", "").replace("_", "").split())


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # removes a BOM if there is one
    except UnicodeDecodeError as exc:
        raise FileProblem(f"the file is not UTF-8 (byte {exc.start + 1}); save it as 'CSV UTF-8'") from None


def delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max((";", ",", "\t"), key=header.count)


def _records(reader: "csv._reader") -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) of each record; a quoted cell may span lines."""
    start = reader.line_num + 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def reason(problem: Problem, column: str, categories: Sequence[str]) -> str:
    return REASONS[problem.code].format(column=column, value=problem.value, limit=problem.limit,
                                        categories=", ".join(categories))


def parse(data: bytes, categories: Sequence[str]) -> Parsed:
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        raise FileProblem("the file is empty") from None
    columns: dict[int, str] = {}  # cell index -> field name
    names: dict[str, str] = {}  # field name -> column name as in the file
    ignored: list[str] = []
    for index, title in enumerate(header):
        target = HEADERS.get(_key(title))
        if target is None or target in names:
            if title.strip():
                ignored.append(title.strip())
            continue
        columns[index] = target
        names[target] = title.strip()
    for required in ("name", "category"):
        if required not in names:
            wanted = {"name": "Name", "category": "Kategorie"}[required]
            raise FileProblem(f"the header row (line 1) has no column '{wanted}'")
    rows: list[Row] = []
    for line, cells in _records(reader):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines
        values = {target: cells[index] if index < len(cells) else "" for index, target in columns.items()}
        row = Row(line=line)
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            row.reasons.append(f"{len(cells)} cells but {len(header)} columns (a separator in an unquoted cell?)")
        else:
            try:
                row.offer = service.check(values, categories)
            except InvalidOffer as exc:
                row.reasons = [reason(p, names[name], categories) for name, p in exc.problems.items()]
        rows.append(row)
    return Parsed(rows=rows, ignored_columns=ignored)
