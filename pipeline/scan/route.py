"""Which pages must be read from their image.

A page is read from its image when it has no usable text layer:
- no characters at all, and an image covering a good part of the page (a scan); a page of
  nothing but vector paths and no text has nothing to recognise and stays with the digital reader;
- a scan whose characters nobody sees: set in invisible render mode (3; a scanner's OCR layer,
  whose quality is unknown: the seed document's dropped every operator and read % as 9), or
  drawn before the scan that then covers them.
Everything else, images or not, is read from its text layer. The test costs one pass over the
page's objects (no rendering, no decoding).
"""

from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline.extract.objects import PageObjects
from pipeline.scan.image import stored_images

SCAN_COVERAGE = 0.3  # images covering at least this share of a textless page make it a scan
COVERED = 0.5  # a page this much covered by images, its text unseen, is a scan with a hidden layer
INVISIBLE = 3  # PDF text render mode: neither filled nor stroked
HIDDEN_SHARE = 0.5  # at least this share of the text objects unseen: the layer is not what shows


def needs_image(page: pdfium.PdfPage, objs: PageObjects) -> bool:
    """True when the page should be read from its image rather than its text layer."""
    images = stored_images(page)
    if not objs.glyphs:
        return images.coverage >= SCAN_COVERAGE
    if images.coverage < COVERED:
        return False
    return _hidden_text_share(page) >= HIDDEN_SHARE


def _hidden_text_share(page: pdfium.PdfPage) -> float:
    """Share of the page's text objects that are invisible or lie under a later page-sized image."""
    width, height = page.get_size()
    area = max(1.0, width * height)
    texts: list[tuple[int, bool]] = []  # (position in drawing order, invisible)
    covers: list[int] = []  # positions of page-sized images
    raw = page.raw
    for i in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = pdfium_c.FPDFPage_GetObject(raw, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            texts.append((i, pdfium_c.FPDFTextObj_GetTextRenderMode(obj) == INVISIBLE))
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE and _area(obj) >= COVERED * area:
            covers.append(i)
    if not texts:
        return 0.0
    last_cover = max(covers, default=-1)
    hidden = sum(1 for i, invisible in texts if invisible or i < last_cover)
    return hidden / len(texts)


def _area(obj: object) -> float:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return 0.0
    return max(0.0, right.value - left.value) * max(0.0, top.value - bottom.value)
