"""Connected components of a page-sized mask, labelled in 16 bits where they fit.

OpenCV labels a 200-dpi page (1654 × 2339) in about 22 ms with 32-bit labels and in about 7 ms
with 16-bit ones (measured on this project's scans, one thread): the 32-bit path is not the
block-based one. A page is labelled seven or eight times over (rules each way, specks, margins),
so this is about 0.1 CPU-s a page. A mask with 65,535 components or more (a photocopy's specks
over a whole page) overflows 16 bits; OpenCV says so and it is labelled again in 32 bits. The
labels and statistics are the same either way.
"""

from __future__ import annotations

import cv2
import numpy as np


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """(count with the background, labels, stats) of the 8-connected components of a uint8 mask,
    as `cv2.connectedComponentsWithStats` gives them."""
    mask = np.ascontiguousarray(mask)
    try:
        n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
            mask, 8, cv2.CV_16U, cv2.CCL_DEFAULT
        )
    except cv2.error:  # too many components for 16-bit labels
        n, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
            mask, 8, cv2.CV_32S, cv2.CCL_DEFAULT
        )
    return n, labels, stats
