"""The one way to make a PDF: fpdf2 with the app's own fonts and the deployment's colour.

``Document`` is an ``fpdf.FPDF`` on A4 or A6 with the Noto fonts the web UI serves (Arabic as a
fallback font, shaped with HarfBuzz), a running header and footer with page numbers, a QR code and a
table helper. ``pdf_download`` sends it. See docs/plugins.md, "Printing".
"""

from __future__ import annotations

import atexit
import functools
import io
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Iterable, Literal, Sequence

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, XPos, YPos
from litestar import Response

from core.web.i18n import direction, gettext as _, language

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FAMILY, ARABIC = "Quartier", "QuartierArabic"
_FONT_FILES = {(FAMILY, ""): "noto-sans-regular", (FAMILY, "B"): "noto-sans-bold",
               (ARABIC, ""): "noto-sans-arabic-regular", (ARABIC, "B"): "noto-sans-arabic-bold"}
SIZES = {"A4": (210.0, 297.0), "A6": (105.0, 148.0)}
TEXT_COLOUR = "#1a1a1a"
MUTED_COLOUR = "#555555"
DEFAULT_COLOUR = "#0b5394"  # quartier.css --brand


@functools.cache
def _font_paths() -> dict[tuple[str, str], str]:
    """The served WOFF2 fonts as TTF files, converted once per process (fpdf2 reads TTF five times faster)."""
    from fontTools.ttLib import TTFont

    folder = Path(tempfile.mkdtemp(prefix="quartier-fonts-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    paths = {}
    for key, name in _FONT_FILES.items():
        font = TTFont(FONT_DIR / f"{name}.woff2")
        font.flavor = None
        font.save(folder / f"{name}.ttf")
        paths[key] = str(folder / f"{name}.ttf")
    return paths


def brand_colour() -> str:
    """The deployment's colour (setting ``brand_color``) as ``#rrggbb``."""
    from core.deployment import current

    try:
        return current().settings.brand_color
    except RuntimeError:  # no deployment (a script, a unit test)
        return DEFAULT_COLOUR


class Document(FPDF):
    """An A4 or A6 PDF in the app's fonts; ``running`` adds the header (``title``) and footer with page numbers.

    Write with fpdf2's own methods, or with ``heading``, ``paragraph``, ``qr_code`` and ``table``. The text
    direction follows the current language (Arabic right to left); ``start`` is the alignment it reads from.
    """

    def __init__(self, title: str, size: Literal["A4", "A6"] = "A4", orientation: Literal["portrait", "landscape"] = "portrait",
                 running: bool = True, header_text: str = "", footer_text: str = "", colour: str | None = None) -> None:
        super().__init__(orientation="L" if orientation == "landscape" else "P", unit="mm", format=SIZES[size])
        self.title_text, self.header_text, self.footer_text, self.running = title, header_text, footer_text, running
        self.colour = colour or brand_colour()
        self.rtl = direction(language()) == "rtl"
        self.start = "R" if self.rtl else "L"
        small = size == "A6"
        margin = 8.0 if small else 15.0
        self.set_margins(margin, margin, margin)
        self.set_auto_page_break(True, margin=margin + (8 if running else 0))
        for (family, style), path in _font_paths().items():
            self.add_font(family, style, path)
        self.set_fallback_fonts([ARABIC])
        self.set_text_shaping(True)
        self.set_title(title)
        self.set_lang(language())
        self.set_creator("Quartier")
        self.set_font(FAMILY, "", 10 if small else 11)
        self.set_text_color(TEXT_COLOUR)
        self.alias_nb_pages()

    # -- running header and footer (fpdf2 calls them on every page) -------------------------------------
    def header(self) -> None:
        if not self.running:
            return
        self.set_font(FAMILY, "B", 9)
        self.set_text_color(self.colour)
        self.cell(0, 5, self.header_text or self.title_text, align=self.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(self.colour)
        self.set_line_width(0.5)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(5)
        self.set_font(FAMILY, "", 11)
        self.set_text_color(TEXT_COLOUR)

    def footer(self) -> None:
        if not self.running:
            return
        self.set_y(-(self.b_margin - 2))
        self.set_font(FAMILY, "", 8)
        self.set_text_color(MUTED_COLOUR)
        page_text = _("Seite {page} von {pages}").format(page=self.page_no(), pages=self.str_alias_nb_pages)
        if self.footer_text:
            self.cell(0, 5, self.footer_text, align=self.start)
            self.set_x(self.l_margin)
        self.cell(0, 5, page_text, align="L" if self.rtl else "R")
        self.set_text_color(TEXT_COLOUR)

    # -- writing ------------------------------------------------------------------------------------------
    def heading(self, text: str, size: float = 20, colour: bool = True) -> None:
        """A bold heading across the page, in the deployment's colour."""
        self.set_font(FAMILY, "B", size)
        self.set_text_color(self.colour if colour else TEXT_COLOUR)
        self.multi_cell(0, size * 0.45, text, align=self.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(TEXT_COLOUR)
        self.ln(size * 0.15)

    def paragraph(self, text: str, size: float = 11, bold: bool = False, muted: bool = False, gap: float = 2) -> None:
        """Running text across the page, wrapped; ``gap`` mm after it."""
        if not text:
            return
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(MUTED_COLOUR if muted else TEXT_COLOUR)
        self.multi_cell(0, size * 0.5, text, align=self.start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(TEXT_COLOUR)
        self.ln(gap)

    def qr_code(self, data: str, x: float, y: float, size: float) -> str:
        """Draws the QR code of ``data`` (a URL) as a ``size`` mm square at (x, y); returns the encoded text."""
        import segno

        code = segno.make(data, error="m")
        out = io.BytesIO()
        code.save(out, kind="png", scale=10, border=2)
        out.seek(0)
        self.image(out, x=x, y=y, w=size, h=size)
        return data

    def data_table(self, headings: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[float] | None = None,
              size: float = 10, line_height: float | None = None) -> None:
        """A table with a heading row (repeated on every page) and thin lines; ``widths`` are proportions."""
        self.set_font(FAMILY, "", size)
        self.set_draw_color("#8a9096")
        self.set_line_width(0.2)
        head = FontFace(family=FAMILY, emphasis="BOLD", color="#ffffff", fill_color=self.colour)
        with self.table(col_widths=tuple(widths) if widths else None, headings_style=head, text_align=self.start,
                           line_height=line_height or size * 0.5, cell_fill_color="#f3f5f7",
                           cell_fill_mode=TableCellFillMode.ROWS, padding=1.5) as table:
            table.row(list(headings))
            for cells in rows:
                table.row([str(cell) for cell in cells])

    def pdf_bytes(self) -> bytes:
        return bytes(self.output())


def file_name(*parts: str) -> str:
    """``plakat-sommerfest-2027.pdf``: a plain ASCII name for the download."""
    text = "-".join(p for p in parts if p)
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode().lower()
    return (re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80] or "dokument") + ".pdf"


def pdf_download(document: Document, filename: str, inline: bool = False) -> Response[bytes]:
    """The document as a PDF response: a download, or ``inline`` to open in the browser."""
    disposition = "inline" if inline else "attachment"
    return Response(document.pdf_bytes(), media_type="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})
