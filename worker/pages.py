"""Pages read from their images elsewhere than where their document is assembled.

A scanned document's pages are read one per task (Celery's `jixiao.scan_page` on the `ocr`
queue, or a job of the in-process pool), then the document runs with them
(`pipeline.run.process(..., scanned=…)`). What a page task returns is a
`pipeline.extract.objects.PageObjects` — floats, strings and ints in named tuples — so it
travels as nested lists (`encode` / `decode`, exact: JSON keeps every float), never as an
image or PDF bytes.

`pages_to_scan` answers as `pipeline.extract.pages_to_scan` does, cheaper: a page without any
image object (nor a form that may hold one) is never read from its image, so a digital page
costs one pass over its object types (≈0.3 ms) instead of its glyphs read twice (≈3 ms), and
`needs_image` is asked only where the images cover enough of the page, as the extractor asks
it (so a PDF bomb of nested forms meets the same limits it meets when parsed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pypdfium2.raw as pdfium_c

from pipeline.extract.objects import Edge, Glyph, PageObjects, read_page
from pipeline.extract.pdf import open_pdf

# pipeline.scan is imported only where a page may be a scan, as the extractor does: it loads
# OpenCV and onnxruntime, whose address space would count against every parsing process's
# cap (JIXIAO_MAX_PARSE_MB) if loaded before it. Its routing thresholds, as the extractor uses them:
SCAN_COVER = 0.3  # pipeline.scan.route.SCAN_COVERAGE: a textless page under less image is no scan
TEXT_UNDER_SCAN = 0.5  # pipeline.scan.route.COVERED: text is doubted only under an image this large

Encoded = list[Any]  # PageObjects' fields in order, glyphs and edges as lists of their fields
_ROWS = {"glyphs": Glyph, "edges": Edge}  # the fields that hold lists of named tuples


def encode(objects: PageObjects) -> Encoded:
    """PageObjects → nested lists of plain values (JSON as it is), whatever fields it grows."""
    return [
        [list(row) for row in value] if name in _ROWS else value
        for name, value in zip(PageObjects._fields, objects, strict=True)
    ]


def decode(value: Sequence[Any]) -> PageObjects:
    """The inverse of `encode` (also of its JSON round trip)."""
    fields = [
        [_ROWS[name](*row) for row in item] if name in _ROWS else item
        for name, item in zip(PageObjects._fields, value, strict=False)
    ]
    return PageObjects(*fields)


def decode_pages(pages: Mapping[int | str, Sequence[Any]]) -> dict[int, PageObjects]:
    """{page number: encoded} (JSON object keys are strings) → {page number: PageObjects}."""
    return {int(number): decode(value) for number, value in pages.items()}


def pages_to_scan(data: bytes) -> list[int]:
    """The 1-based pages to read from their images: `pipeline.scan.needs_image`, asked as the
    extractor asks it (`pipeline.extract._page_objects`: only of a page whose images cover
    enough of it to be a scan), and only of pages that hold an image or a form at all.
    Raises what `open_pdf` raises for a file that is not a readable PDF."""
    pdf = open_pdf(data)
    try:
        out = []
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                if not _has_image(page.raw):
                    continue  # the common case, a digital page: no glyphs read twice
                objs = read_page(page)
                if objs.image_cover < (TEXT_UNDER_SCAN if objs.glyphs else SCAN_COVER):
                    continue
                from pipeline.scan import needs_image

                if needs_image(page, objs):
                    out.append(index + 1)
            finally:
                page.close()
        return out
    finally:
        pdf.close()


def _has_image(raw: Any) -> bool:
    return any(
        pdfium_c.FPDFPageObj_GetType(pdfium_c.FPDFPage_GetObject(raw, i)) in _MAY_HOLD_IMAGE
        for i in range(pdfium_c.FPDFPage_CountObjects(raw))
    )


_MAY_HOLD_IMAGE = (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM)  # a form may nest one
