"""Toner specks: small marks that stand clear of every character.

A photocopy scatters dots over the page (one every few square millimetres). Where one falls in a
cell but off the text, the recogniser reads it as `.` or `·` and a line's box grows to take it
in. A speck is told from real punctuation by where it stands: a full stop, a decimal point or a
middle dot sits within a fraction of an em of the character before it, a speck mostly does not.
So a mark no larger than `size_em` of a line each way is a speck when no larger ink lies within
`reach_em` of a line around it. A dash (1.4 times as wide as high) is never one. Nor is a mark
that is shaped like punctuation and stands on a line of text (larger ink on its rows within
`along_em`): a comma or the tail of a semicolon (taller than wide), or one of a colon's two dots
(another small mark just above or below it) — a wrapped line may open with one, half an em from
the next character.
"""

from __future__ import annotations

import cv2
import numpy as np


def specks(
    text: np.ndarray, line_height: float, size_em: float = 0.25, reach_em: float = 0.35, along_em: float = 0.8
) -> np.ndarray:
    """uint8 0/255 mask of the specks in `text` (0/255 ink that is not a rule)."""
    out = np.zeros_like(text)
    if line_height <= 0:
        return out
    n, labels, stats, _ = cv2.connectedComponentsWithStats(text, connectivity=8)
    if n <= 1:
        return out
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    size = size_em * line_height
    small = (w <= size) & (h <= size) & ~((w >= 1.4 * h) & (w >= 0.2 * line_height))
    small[0] = False
    if not small[1:].any():
        return out
    big = np.where(small[labels], 0, text).astype(np.uint8)
    r = max(1, int(round(reach_em * line_height)))
    near = cv2.dilate(big, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * r + 1, 2 * r + 1)))
    lone = small & ~(np.bincount(labels[near > 0], minlength=n) > 0)
    if not lone.any():
        return out
    a = max(1, int(round(along_em * line_height)))
    beside = cv2.dilate(big, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * a + 1, 1)))
    on_line = np.bincount(labels[beside > 0], minlength=n) > 0
    pair = int(round(0.45 * line_height))
    sx, sy, sw, sh = x[small], y[small], w[small], h[small]
    for i in np.flatnonzero(lone & on_line):
        if h[i] >= 1.4 * w[i]:
            lone[i] = False  # a comma, a semicolon's tail
            continue
        over = (sx < x[i] + w[i]) & (x[i] < sx + sw)
        below, above = sy - (y[i] + h[i]), y[i] - (sy + sh)
        if np.any(over & (((below >= 0) & (below <= pair)) | ((above >= 0) & (above <= pair)))):
            lone[i] = False  # a colon's dot
    out[lone[labels]] = 255
    return out
