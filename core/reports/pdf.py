"""The report as an A4 PDF for the Sachbericht (core/printing): the totals table and a bar chart per figure."""

from __future__ import annotations

from datetime import date

from core.printing import Document, MUTED_COLOUR
from core.reports.service import Period, ReportFigure
from core.web.i18n import format_month, format_number, gettext as _

MONTHS_PER_TABLE = 12


def report_pdf(quartier_name: str, period: Period, period_text: str, figures: list[ReportFigure]) -> Document:
    title = _("Bericht") + ": " + quartier_name
    doc = Document(title, orientation="landscape", header_text=f"{title} · {period_text}")
    doc.add_page()
    doc.heading(title)
    doc.paragraph(_("Zeitraum") + ": " + period_text)
    doc.paragraph(_("Alle Zahlen sind anonym: Zählungen je Veranstaltung, ohne Namen. Sie bleiben erhalten, wenn "
                    "personenbezogene Daten gelöscht werden."), size=9, muted=True, gap=4)
    months = period.months
    for first in range(0, len(months), MONTHS_PER_TABLE):
        chunk = months[first:first + MONTHS_PER_TABLE]
        doc.data_table([_("Kennzahl"), _("Gesamt"), *[format_month(m) for m in chunk]],
                       [[f.label, format_number(f.total), *[format_number(f.months.get(m, 0)) for m in chunk]] for f in figures],
                       widths=(4, 1.4, *[1.2] * len(chunk)), size=8)
        doc.ln(4)
    for figure in figures:
        if figure.chart:
            _bar_chart(doc, figure, months)
    return doc


def _bar_chart(doc: Document, figure: ReportFigure, months: list[date]) -> None:
    """Bars per month with their values printed on top (the numbers are also in the table above)."""
    height, label_space = 45.0, 10.0
    if doc.get_y() + height + label_space + 14 > doc.h - doc.b_margin:
        doc.add_page()
    doc.paragraph(f"{figure.label}: {format_number(figure.total)}", size=11, bold=True)
    values = [figure.months.get(m, 0) for m in months]
    top = max(values, default=0) or 1
    width = doc.w - doc.l_margin - doc.r_margin
    slot = width / max(len(values), 1)
    base = doc.get_y() + height
    doc.set_draw_color(MUTED_COLOUR)
    doc.line(doc.l_margin, base, doc.l_margin + width, base)
    doc.set_fill_color(doc.colour)
    doc.set_font_size(7 if len(values) > 24 else 8)
    for i, (month, value) in enumerate(zip(months, values)):
        bar = height * value / top
        x = doc.l_margin + i * slot + slot * 0.15
        if bar:
            doc.rect(x, base - bar, slot * 0.7, bar, style="F")
        doc.set_xy(x - slot * 0.15, base - bar - 4.5)
        doc.cell(slot, 4, format_number(value), align="C")
        doc.set_xy(x - slot * 0.15, base + 1)
        doc.cell(slot, 4, format_month(month, with_year=False), align="C")
        if i == 0 or month.month == 1:
            doc.set_xy(x - slot * 0.15, base + 5)
            doc.cell(slot, 4, str(month.year), align="C")
    doc.set_xy(doc.l_margin, base + label_space + 2)
