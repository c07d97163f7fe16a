"""Helpers for files staff download: CSV and spreadsheets."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from litestar import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (``=HYPERLINK(...)``) gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_download(header: list[str], rows: Iterable[list[Any]], filename: str) -> Response[bytes]:
    """A semicolon CSV as a download, with a BOM so spreadsheet programs read it as UTF-8.

    Cells are written as given: pass them through ``spreadsheet_safe`` first.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
