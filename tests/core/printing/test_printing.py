"""core.printing: A4/A6 pages in the app's fonts, running header and footer, QR codes, tables, several scripts."""

from __future__ import annotations

from core.printing import Document, file_name, pdf_download
from core.testing.pdf import flat, read_pdf
from core.web.i18n import in_language


def test_a4_document_with_header_footer_table_and_qr():
    doc = Document("Programm Mai", header_text="Quartier Nord")
    doc.add_page()
    doc.heading("Sommerfest im Hof")
    doc.paragraph("Größe, Straße – Привет, Україна! Türkçe ğış.")
    encoded = doc.qr_code("https://example.org/nord/veranstaltungen/7-fest", x=20, y=120, size=40)
    doc.set_y(170)
    doc.data_table(["Name", "Unterschrift"], [[f"Person {n:03d}", ""] for n in range(80)], widths=(2, 1))
    pages = read_pdf(doc.pdf_bytes())
    assert encoded == "https://example.org/nord/veranstaltungen/7-fest"
    assert len(pages) >= 2 and (pages[0].width_mm, pages[0].height_mm) == (210, 297)
    first = flat(pages[0].text)
    assert "Sommerfest im Hof" in first and "Привет, Україна" in first and "Türkçe ğış" in first and "Straße" in first
    assert "Quartier Nord" in first and f"Seite 1 von {len(pages)}" in first
    assert pages[0].qr_codes == [encoded]
    # the table's heading row comes again on the next page, and every row is there once
    assert "Name" in pages[1].text and "Unterschrift" in pages[1].text
    assert sum(flat(p.text).count("Person 0") for p in pages) == 80


def test_a6_landscape_and_arabic_text_is_shaped():
    with in_language("ar"):
        doc = Document("مقهى الحي", size="A6", orientation="landscape", running=False)
        doc.add_page()
        doc.heading("مقهى الحي")
        doc.paragraph("Treff-PUNKT 53, 14:00")
        assert doc.start == "R"
        pages = read_pdf(doc.pdf_bytes())
    assert (pages[0].width_mm, pages[0].height_mm) == (148, 105)
    # Latin in the main font, Arabic in the fallback font (shaped, read back word by word in visual order)
    assert "Treff-PUNKT 53, 14:00" in pages[0].text
    assert "مقهى" in pages[0].text and "الحي" in pages[0].text
    assert set(doc.fonts) == {"quartier", "quartierB", "quartierarabic", "quartierarabicB"}


def test_download_name_and_response():
    assert file_name("Plakat", "Café am Hof: Größe!") == "plakat-cafe-am-hof-grosse.pdf"
    assert file_name("", "مقهى") == "dokument.pdf"
    doc = Document("x")
    doc.add_page()
    response = pdf_download(doc, "x.pdf")
    assert response.media_type == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="x.pdf"'
