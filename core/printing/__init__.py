"""The one way to make a PDF: fpdf2 with the app's own fonts and the deployment's colour.

``Document`` makes an ``fpdf.FPDF`` on A4 or A6 with the Noto fonts the web UI serves (Arabic as a
fallback font, shaped with HarfBuzz), a running header and footer with page numbers, a QR code and a
table helper (``core/printing/document.py``). ``pdf_download`` sends it. See docs/plugins.md, "Printing".
fpdf2 and fontTools are imported with the first PDF, not when the app starts: they cost about 0.2 s and
30 MB per process, and most processes never print.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from litestar import Response

if TYPE_CHECKING:
    from core.printing import document

MUTED_COLOUR = "#555555"


def Document(*args: Any, **kwargs: Any) -> document.Document:  # noqa: N802 - made like a class
    """A new PDF document; the arguments of ``core.printing.document.Document``."""
    from core.printing.document import Document as _Document

    return _Document(*args, **kwargs)


def poster(*args: Any, **kwargs: Any) -> document.Document:
    """The one poster layout; the arguments of ``core.printing.document.poster``."""
    from core.printing.document import poster as _poster

    return _poster(*args, **kwargs)


def file_name(*parts: str) -> str:
    """``plakat-sommerfest-2027.pdf``: a plain ASCII name for the download."""
    text = "-".join(p for p in parts if p)
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode().lower()
    return (re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80] or "dokument") + ".pdf"


def pdf_download(document: document.Document, filename: str, inline: bool = False) -> Response[bytes]:
    """The document as a PDF response: a download, or ``inline`` to open in the browser."""
    disposition = "inline" if inline else "attachment"
    return Response(document.pdf_bytes(), media_type="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})
