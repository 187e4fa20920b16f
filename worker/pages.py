"""Pages read from their images elsewhere than where their document is assembled.

A scanned document's pages are read one per task (Celery's `jixiao.scan_page` on the `ocr`
queue, or a job of the in-process pool), then the document runs with them
(`pipeline.run.process(..., scanned=…)`). What a page task returns is a
`pipeline.extract.objects.PageObjects` — floats, strings and ints in named tuples — so it
travels as nested lists (`encode` / `decode`, exact: JSON keeps every float), never as an
image or PDF bytes.

`pages_to_scan` is `pipeline.extract.pages_to_scan` behind a cheap first test: a PDF without
any image object (nor a form that may hold one) has no page to read from its image, so a
digital document costs one pass over its pages' object types (≈0.3 ms a page) instead of
reading every page's glyphs twice (≈3 ms a page).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pypdfium2.raw as pdfium_c

from pipeline.extract import pages_to_scan as extract_pages_to_scan
from pipeline.extract.objects import Edge, Glyph, PageObjects
from pipeline.extract.pdf import open_pdf

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
    """The 1-based pages to read from their images (`pipeline.extract.pages_to_scan`), asked only
    of a PDF that has an image at all; raises what `open_pdf` raises for an unreadable file."""
    return extract_pages_to_scan(data) if _any_image(data) else []


def _any_image(data: bytes) -> bool:
    pdf = open_pdf(data)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                raw = page.raw
                kinds = (
                    pdfium_c.FPDFPageObj_GetType(pdfium_c.FPDFPage_GetObject(raw, i))
                    for i in range(pdfium_c.FPDFPage_CountObjects(raw))
                )
                if any(kind in _MAY_HOLD_IMAGE for kind in kinds):
                    return True
            finally:
                page.close()
        return False
    finally:
        pdf.close()


_MAY_HOLD_IMAGE = (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM)  # a form may nest one
