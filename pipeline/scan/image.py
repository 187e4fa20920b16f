"""A page as a greyscale image at the resolution it was scanned at, with a scan's limits.

The page is rendered by pdfium (so /Rotate, image masks and several strips of one scan come out
as the reader sees them) at the stored image's own resolution, clamped to a sane range; a
colour scan is rendered in colour once, to wipe red seals, then turned grey. A stored image too
large to decode safely is refused before pdfium touches it; a page too large to render at the
chosen resolution is rendered smaller.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline.errors import BadInputError
from pipeline.scan.settings import DEFAULT, ScanSettings


class ScanLimitError(BadInputError):
    """A page image beyond the reader's limits: decoding it would exhaust memory or time."""


class PageImage(NamedTuple):
    grey: np.ndarray  # uint8, H×W, the page as a reader sees it (/Rotate applied)
    scale: float  # pixels per point
    colour: bool  # the stored image was in colour (seals removed by colour)
    downscaled: bool  # rendered below the stored resolution to stay within max_side_px


class StoredImages(NamedTuple):
    dpi: float | None  # the finest resolution among the page's images, None without images
    colour: bool
    pixels: int  # the largest image's pixel count
    coverage: float  # share of the page's area the images cover (0..1, overlaps not removed)


def stored_images(page: pdfium.PdfPage) -> StoredImages:
    """What the page's image objects are: resolution, colour, size, without decoding them."""
    width, height = page.get_size()
    area = max(1.0, width * height)
    best_dpi: float | None = None
    colour = False
    pixels = 0
    covered = 0.0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
        try:
            px_w, px_h = obj.get_px_size()
            left, bottom, right, top = obj.get_bounds()
        except pdfium.PdfiumError:
            continue
        w_pt, h_pt = max(1e-3, right - left), max(1e-3, top - bottom)
        covered += min(w_pt * h_pt, area)
        pixels = max(pixels, px_w * px_h)
        if w_pt * h_pt < 0.05 * area:
            continue  # a logo, not the scan
        dpi = max(px_w / w_pt, px_h / h_pt) * 72.0
        best_dpi = dpi if best_dpi is None else max(best_dpi, dpi)
        try:
            meta = obj.get_metadata()
            if meta.colorspace not in (pdfium_c.FPDF_COLORSPACE_DEVICEGRAY,) and meta.bits_per_pixel >= 24:
                colour = True
        except pdfium.PdfiumError:
            pass
    return StoredImages(best_dpi, colour, pixels, min(1.0, covered / area))


def render_page(page: pdfium.PdfPage, settings: ScanSettings = DEFAULT) -> PageImage:
    """The page rendered grey at its scan's resolution (clamped), red seals wiped on colour scans."""
    info = stored_images(page)
    if info.pixels > settings.max_image_pixels:
        raise ScanLimitError(
            f"page image of {info.pixels / 1e6:.0f} Mpx exceeds the scan reader's limit of "
            f"{settings.max_image_pixels / 1e6:.0f} Mpx; not decoded"
        )
    dpi = info.dpi or settings.default_dpi
    dpi = min(settings.max_dpi, max(settings.min_dpi, dpi))
    width, height = page.get_size()
    if page.get_rotation() % 180:
        width, height = height, width
    scale = dpi / 72.0
    downscaled = False
    if max(width, height) * scale > settings.max_side_px:
        scale = settings.max_side_px / max(width, height)
        downscaled = True
    if info.colour:
        bitmap = page.render(scale=scale, may_draw_forms=False)
        bgr = bitmap.to_numpy()[:, :, :3]
        grey = wipe_seals(bgr, settings.seal_red_margin)
    else:
        bitmap = page.render(scale=scale, grayscale=True, may_draw_forms=False)
        grey = np.ascontiguousarray(bitmap.to_numpy().reshape(bitmap.height, bitmap.width))
    return PageImage(grey, scale, info.colour, downscaled)


def wipe_seals(bgr: np.ndarray, margin: int) -> np.ndarray:
    """Grey image of a BGR scan, red ink (seals, red stamps) seen through a red filter.

    Where a pixel is reddish its red channel stands for it: red ink is bright there (paper),
    black print under a seal (ink on ink: dark in every channel) stays black, and the seal's pale
    halo goes with it. Elsewhere the ordinary grey value. Red ink becomes the page's own paper
    (its median grey), not white: on a darkened copy a white ring would stand out against the
    paper around it, and the threshold would draw its edges as ink.
    """
    b, g, r = (bgr[:, :, i].astype(np.int16) for i in range(3))
    grey = cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2GRAY)
    red = (r - np.maximum(g, b)) > margin
    if red.any():
        grey = grey.copy()
        through = bgr[:, :, 2][red]
        paper = np.uint8(np.median(grey[::8, ::8]))
        grey[red] = np.where(through >= 150, paper, through)  # red ink is paper; ink under it stays
    return grey
