"""Marks outside the tables that are no text: a binding shadow's edge, the dark wedge a skewed
scan turns in at the corners, a long pen stroke.

Lines outside the tables are cut by projection (lines.py); one mark as tall as a paragraph joins
every line beside it into one block that reads as nothing, and the title above is lost with it.
No character is taller than `most_em` lines nor one mark wider than ten times that, so such marks
go before the lines are cut.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.scan.components import components


def without_giants(ink: np.ndarray, line_height: float, most_em: float = 3.0) -> np.ndarray:
    """`ink` (uint8 0/255) less every connected mark taller than `most_em` line heights or wider than
    ten times that. A copy; `ink` is left alone. Nothing changes without a line height."""
    if line_height <= 0:
        return ink
    n, labels, stats = components(ink)
    tall = stats[:, cv2.CC_STAT_HEIGHT] > most_em * line_height
    wide = stats[:, cv2.CC_STAT_WIDTH] > 10 * most_em * line_height
    giant = tall | wide
    giant[0] = False
    if not giant.any():
        return ink
    out = ink.copy()
    out[giant[labels]] = 0
    return out
