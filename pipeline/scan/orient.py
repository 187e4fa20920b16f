"""Which way up the page lies, and how far it is skewed.

Skew: the angle (within ±max_skew) along which the ink's row profile is sharpest — ruling lines
and text lines both pile up into narrow peaks when the page is level. The profile is taken by
shearing the ink's coordinates rather than rotating the image: a coarse search on a small copy,
then a fine one on a larger copy around the best coarse angle.

Quarter turns: a table has more rows than columns, so once level its horizontal rules outnumber
its vertical ones; when the vertical ones clearly dominate, the page lies on its side. Upside
down is told by the recogniser itself: a few text lines read as they are and turned half round,
and the way that reads with more confidence wins (see `flip_score`).
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.scan.grey import percentile
from pipeline.scan.settings import DEFAULT, ScanSettings


def _ink_points(grey: np.ndarray, longest: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Coordinates of dark pixels in a copy of `grey` scaled to `longest` px, and that scale."""
    h, w = grey.shape
    factor = min(1.0, longest / max(h, w))
    small = cv2.resize(grey, (max(1, int(w * factor)), max(1, int(h * factor))), interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    ys, xs = np.nonzero(ink)
    return xs.astype(np.float32), ys.astype(np.float32), factor


def _sharpness(xs: np.ndarray, ys: np.ndarray, angle: float, offset: float) -> float:
    rows = np.round(ys - xs * np.float32(np.tan(np.radians(angle))) + offset).astype(np.int64)
    counts = np.bincount(rows)
    return float(np.dot(counts, counts))


def _search(xs: np.ndarray, ys: np.ndarray, angles: np.ndarray, width: float) -> float:
    offset = width * np.tan(np.radians(float(np.abs(angles).max()))) + 2
    scores = [_sharpness(xs, ys, float(a), offset) for a in angles]
    return float(angles[int(np.argmax(scores))])


def estimate_skew(grey: np.ndarray, settings: ScanSettings = DEFAULT) -> float:
    """Degrees the page's content is turned (positive: lines rise to the right? see `deskew`)."""
    xs, ys, factor = _ink_points(grey, settings.skew_work_px)
    if len(xs) < 50:
        return 0.0
    width = grey.shape[1] * factor
    coarse = np.arange(-settings.max_skew, settings.max_skew + 1e-9, settings.skew_step)
    best = _search(xs, ys, coarse, width)
    xs, ys, factor = _ink_points(grey, 2 * settings.skew_work_px)
    width = grey.shape[1] * factor
    fine = np.arange(best - settings.skew_step, best + settings.skew_step + 1e-9, settings.skew_fine_step)
    return _search(xs, ys, fine, width)


def deskew(grey: np.ndarray, angle: float) -> np.ndarray:
    """The image turned so that lines found at `angle` (estimate_skew) lie level; paper fills the
    corners, as grey as the page's own (a photocopy's grey paper beside white corners would be
    darker than its neighbourhood all along the seam: a line along the page's edge, read as a
    table's frame round the title, seed 55's form-two-rows-2022)."""
    h, w = grey.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    paper = int(percentile(grey, 90))
    return cv2.warpAffine(grey, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=paper)


def turn(grey: np.ndarray, degrees: int) -> np.ndarray:
    """The image turned clockwise by a quarter-turn multiple."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return grey if degrees % 360 == 0 else np.ascontiguousarray(cv2.rotate(grey, codes[degrees % 360]))


def lies_on_side(h_count: int, v_count: int) -> bool:
    """Vertical rules clearly outnumber horizontal ones: the table's rows run up the page."""
    return v_count >= 3 and v_count > 1.3 * h_count


def flip_score(upright: list[float], flipped: list[float]) -> float:
    """How much better the lines read turned half round (> 0: the page is upside down)."""
    if not upright:
        return 0.0
    return float(np.mean(flipped) - np.mean(upright))
