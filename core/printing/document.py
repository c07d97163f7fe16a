"""The PDF documents (imported at the first PDF, through ``core.printing``): fpdf2 with the app's fonts.

``Document`` is an ``fpdf.FPDF`` on A4 or A6 with the Noto fonts the web UI serves (Arabic as a
fallback font, shaped with HarfBuzz), a running header and footer with page numbers, a QR code and a
table helper. ``pdf_download`` sends it. See docs/plugins.md, "Printing".
"""

from __future__ import annotations

import atexit
import functools
import io
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Literal, Sequence

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode, XPos, YPos

from core.printing import MUTED_COLOUR
from core.web.i18n import direction, gettext as _, language

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FAMILY, ARABIC = "Quartier", "QuartierArabic"
_FONT_FILES = {(FAMILY, ""): "noto-sans-regular", (FAMILY, "B"): "noto-sans-bold",
               (ARABIC, ""): "noto-sans-arabic-regular", (ARABIC, "B"): "noto-sans-arabic-bold"}
SIZES = {"A4": (210.0, 297.0), "A6": (105.0, 148.0)}
TEXT_COLOUR = "#1a1a1a"
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

    def fitted(self, text: str, height: float, size: float, min_size: float, bold: bool = False,
               colour: str | None = None, width: float = 0) -> float:
        """``text`` in the largest size from ``size`` down to ``min_size`` (pt) that fits ``height`` mm, cut with
        "…" if even that does not; ``width`` 0 is up to the right margin. Returns the height used."""
        if not text or height <= 0:
            return 0.0
        self.set_font(FAMILY, "B" if bold else "", size)
        while True:
            line = self.font_size * 1.3  # font_size: the current size in mm
            lines = self.multi_cell(width, line, text, dry_run=True, output="LINES")
            if len(lines) * line <= height or self.font_size_pt <= min_size:
                break
            self.set_font_size(max(min_size, self.font_size_pt - 1))
        keep = max(1, int(height // line))
        if len(lines) > keep:
            text = " ".join(lines[:keep]).rstrip()
            while len(self.multi_cell(width, line, text + "…", dry_run=True, output="LINES")) > keep and " " in text:
                text = text.rsplit(" ", 1)[0]
            text += "…"
        self.set_text_color(colour or TEXT_COLOUR)
        x, top = self.get_x(), self.get_y()
        self.multi_cell(width, line, text, align=self.start, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_x(x)
        self.set_text_color(TEXT_COLOUR)
        return self.get_y() - top

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


ALERT_COLOUR = "#a61b1b"


def poster(title: str, url: str, call: str, *, size: Literal["A4", "A6"] = "A4", band: str = "", kicker: str = "",
           alert: str = "", facts: Sequence[str] = (), body: str = "", notes: Sequence[str] = ()) -> Document:
    """The one poster layout, A4 or A6 (half the sizes): ``band`` in the deployment's colour across the top, an
    ``alert`` in red, a ``kicker`` line, the ``title`` (shrunk to fit), ``facts`` (the first bold), ``body``
    (shrunk, then cut), small ``notes``, and at the bottom the QR code of ``url`` with ``call`` and the address."""
    k = 1.0 if size == "A4" else 0.5  # A6 is half of A4 in each direction
    doc = Document(title, size=size, running=False)
    doc.set_auto_page_break(False)
    doc.add_page()
    width, margin = doc.w, doc.l_margin
    if band:
        doc.set_fill_color(doc.colour)
        doc.rect(0, 0, width, 24 * k, style="F")
        doc.set_xy(margin, 7 * k)
        doc.fitted(band, 12 * k, 16 * k, 7, bold=True, colour="#ffffff")
    doc.set_xy(margin, (34 if band else 20) * k)
    if alert:
        doc.fitted(alert, 14 * k, 20 * k, 8, bold=True, colour=ALERT_COLOUR)
    if kicker:
        doc.fitted(kicker, 14 * k, 20 * k, 8, bold=True)
    doc.fitted(title, 70 * k, 40 * k, 14 * k, bold=True, colour=doc.colour)
    qr_size = 60 * k
    bottom = doc.h - doc.b_margin - qr_size - 6 * k  # the QR code's area starts here
    for number, fact in enumerate(facts):
        doc.ln((4 if number == 0 else 2) * k)
        doc.fitted(fact, 22 * k, (18 if number == 0 else 15) * k, 7, bold=number == 0)
    doc.ln(6 * k)
    reserve = sum(14 * k for note in notes if note)
    doc.fitted(body, bottom - doc.get_y() - reserve, 15 * k, 7)
    for note in notes:
        if note:
            doc.ln(2 * k)
            doc.fitted(note, min(12 * k, bottom - doc.get_y()), 13 * k, 6)
    # the QR code at the bottom, on the reading side, with the call and the address next to it
    top = doc.h - doc.b_margin - qr_size
    doc.qr_code(url, width - margin - qr_size if doc.rtl else margin, top, qr_size)
    text_x, text_width = (margin if doc.rtl else margin + qr_size + 6 * k), width - 2 * margin - qr_size - 6 * k
    doc.set_xy(text_x, top + 4 * k)
    doc.fitted(call, 20 * k, 14 * k, 7, bold=True, width=text_width)
    doc.set_x(text_x)
    doc.fitted(url, 16 * k, 10 * k, 6, colour=MUTED_COLOUR, width=text_width)
    return doc
