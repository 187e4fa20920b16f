"""Image-only copies of digital fixture pages, and the cell texts both ways, for the scan tests."""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image

from pipeline.extract.grid import fill_cells, find_tables
from pipeline.extract.objects import PageObjects, read_page
from pipeline.scan import ScannedPage, read_scanned_page
from pipeline.scan.settings import DEFAULT, ScanSettings
from tests.fixtures.bombs import build_pdf, stream


def page_image(path: str, index: int, dpi: float = 200.0) -> Image.Image:
    pdf = pdfium.PdfDocument(path)
    try:
        return pdf[index].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        pdf.close()


def image_pdf(image: Image.Image, dpi: float = 200.0) -> bytes:
    """`image` as a one-page PDF with no text layer."""
    buf = io.BytesIO()
    image.save(buf, "PDF", resolution=dpi)
    return buf.getvalue()


def scan_bytes(data: bytes, settings: ScanSettings = DEFAULT) -> ScannedPage:
    pdf = pdfium.PdfDocument(data)
    try:
        return read_scanned_page(pdf[0], settings)
    finally:
        pdf.close()


def digital_objects(path: str, index: int) -> PageObjects:
    pdf = pdfium.PdfDocument(path)
    try:
        return read_page(pdf[index])
    finally:
        pdf.close()


@dataclass
class Comparison:
    cells: int  # cells on the digital page
    matched: int  # scanned cells with the same box (within 3 pt)
    same_text: int  # of those, the same text
    wrong: list[tuple[str, str]]  # (digital, scanned) where they differ


def cell_texts(objs: PageObjects, snap: float = 2.5) -> list[tuple[tuple[float, float, float, float], str]]:
    tables = find_tables(objs.edges, snap)
    fill_cells(tables, objs.glyphs)
    return [((c.x0, c.top, c.x1, c.bottom), c.text) for t in tables for c in t.cells]


def compare(digital: PageObjects, scanned: PageObjects, tolerance: float = 3.0) -> Comparison:
    want = cell_texts(digital)
    got = cell_texts(scanned, 3.0)
    matched = same = 0
    wrong = []
    for box, text in want:
        hit = next(
            (t for b, t in got if all(abs(p - q) <= tolerance for p, q in zip(b, box, strict=True))), None
        )
        if hit is None:
            wrong.append((text, "<no cell>"))
            continue
        matched += 1
        if hit.replace(" ", "") == text.replace(" ", ""):
            same += 1
        else:
            wrong.append((text, hit))
    return Comparison(len(want), matched, same, wrong)


def huge_image_pdf(width_px: int, height_px: int) -> bytes:
    """A one-page PDF whose only content is a bitonal image of the given size (zeros, Flate).

    Compressed row block by row block, so that the test itself never holds the image.
    """
    packer = zlib.compressobj(9)
    row = bytes((width_px + 7) // 8)
    chunks = [packer.compress(row * min(512, height_px - start)) for start in range(0, height_px, 512)]
    chunks.append(packer.flush())
    image = b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray " % (
        width_px,
        height_px,
    )
    image += b"/BitsPerComponent 1 /Decode [1 0] /Filter /FlateDecode "
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
            stream(b"".join(chunks), image),
            stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
        ]
    )
