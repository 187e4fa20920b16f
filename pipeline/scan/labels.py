"""Header labels either side of a line: where each stands centred in its half of a cell, the
line is a column's boundary (a merged cell's one label stands centred in the whole cell)."""

from __future__ import annotations

import cv2
import numpy as np


def centred(region: np.ndarray, offset: int, lo: int, hi: int, gap: int) -> bool:
    """The region's marks (rows: across; those at least `2 * gap` px one way, no specks) stand
    centred between `lo` and `hi` (px across, `offset` the region's first row): a label."""
    if not region.any():
        return False
    _, _, stats, _ = cv2.connectedComponentsWithStats(np.ascontiguousarray(region), connectivity=8)
    big = stats[1:][np.maximum(stats[1:, 2], stats[1:, 3]) >= 2 * gap]
    if not len(big):
        return False
    first, last = offset + int(big[:, 1].min()), offset + int((big[:, 1] + big[:, 3]).max())
    return abs((first + last) / 2 - (lo + hi) / 2) <= max(2 * gap, 0.1 * (hi - lo))
