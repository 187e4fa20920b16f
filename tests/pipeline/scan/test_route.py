"""needs_image: which pages are read from their image."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from pipeline.extract.objects import read_page
from pipeline.scan import needs_image
from tests.pipeline.scan.pages import image_pdf
from tests.pipeline.scan.test_read import PAGES


def _needs(data: bytes | str) -> bool:
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        return needs_image(page, read_page(page))
    finally:
        pdf.close()


def _sandwich(render_mode: int, text_first: bool = False) -> bytes:
    """A scan with a text layer over (or under) it, as scanners' OCR writes them."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    image = ImageReader(Image.new("L", (827, 1170), 235))

    def text() -> None:
        t = c.beginText(72, 700)
        t.setTextRenderMode(render_mode)
        t.setFont("Helvetica", 12)
        t.textLine("Budget 2025 performance targets")
        c.drawText(t)

    if text_first:
        text()
    c.drawImage(image, 0, 0, 595, 842)
    if not text_first:
        text()
    c.showPage()
    c.save()
    return buf.getvalue()


def test_digital_page_keeps_its_text_layer() -> None:
    assert not _needs(PAGES[0][0])


def test_image_only_page_is_read_from_its_image() -> None:
    assert _needs(image_pdf(Image.new("L", (400, 560), 255)))


def test_scanner_ocr_layer_is_not_trusted() -> None:
    assert _needs(_sandwich(render_mode=3))
    assert _needs(_sandwich(render_mode=0, text_first=True))  # drawn, then covered by the scan
    assert not _needs(_sandwich(render_mode=0))  # visible text over a background image


def test_page_without_text_or_image_stays_digital() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595, 842))
    c.line(72, 72, 500, 72)
    c.showPage()
    c.save()
    assert not _needs(buf.getvalue())
