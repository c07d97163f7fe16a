"""Reading a PDF back in tests: its pages' text and size, and the QR codes on them (pypdf and zxing-cpp, test extras)."""

from __future__ import annotations

import io
from dataclasses import dataclass

MM_PER_POINT = 25.4 / 72


@dataclass
class PdfPage:
    text: str
    width_mm: float
    height_mm: float
    qr_codes: list[str]


def read_pdf(data: bytes) -> list[PdfPage]:
    """The pages of ``data``; fails the test when it is not a PDF."""
    import pypdf
    import zxingcpp

    assert data.startswith(b"%PDF-"), data[:40]
    pages = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        codes = [result.text for image in page.images for result in zxingcpp.read_barcodes(image.image)
                 if result.format == zxingcpp.BarcodeFormat.QRCode]
        box = page.mediabox
        pages.append(PdfPage(page.extract_text(), round(float(box.width) * MM_PER_POINT), round(float(box.height) * MM_PER_POINT), codes))
    return pages


def flat(text: str) -> str:
    """Text without line breaks, for asserting on wrapped words."""
    return " ".join(text.split())
