"""Ink, ruling lines and the text left between them, from a page image.

The page is binarised against its neighbourhood (adaptive: a photocopy's grey paper and a
binding shadow stay paper). Rules are what survives a morphological opening with a long thin
kernel: text strokes are too short, curves (seals, signatures, ticks) too bent. Before that a
shorter opening keeps only rule-like runs, whose gaps a closing then bridges, so a broken line
of a poor copy comes out whole without gluing a line of text into a bar. A straight line that
runs from one edge of the page to the other is a scanner streak, not a rule.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from pipeline.extract.objects import Edge
from pipeline.scan.settings import DEFAULT, ScanSettings


class Rules(NamedTuple):
    ink: np.ndarray  # uint8 0/255: every dark mark
    horizontal: np.ndarray  # uint8 0/255: the horizontal rules' pixels
    vertical: np.ndarray  # uint8 0/255: the vertical rules' pixels
    edges: list[Edge]  # in points
    h_count: int  # rules found each way (a table has more rows than columns: orientation)
    v_count: int
    streaks: tuple[np.ndarray, np.ndarray]  # uint8 0/255: scanner streaks across, and down the page


def binarize(grey: np.ndarray, scale: float, settings: ScanSettings) -> np.ndarray:
    """255 where the page is inked, 0 on paper."""
    block = max(3, int(settings.binarize_block_pt * scale) | 1)
    return cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, settings.binarize_offset
    )


def _px(pt: float, scale: float) -> int:
    return max(1, int(round(pt * scale)))


def _line_mask(ink: np.ndarray, scale: float, settings: ScanSettings, horizontal: bool) -> np.ndarray:
    seed, gap, length = (
        _px(settings.rule_seed_length_pt, scale),
        _px(settings.rule_gap_pt, scale),
        _px(settings.rule_min_length_pt, scale),
    )
    shape = (lambda n: (n, 1)) if horizontal else (lambda n: (1, n))
    kernel = lambda n: cv2.getStructuringElement(cv2.MORPH_RECT, shape(n))  # noqa: E731
    mask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel(seed))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel(gap + 1))
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel(length))


def _connectors(
    ink: np.ndarray, across: np.ndarray, scale: float, settings: ScanSettings, horizontal: bool
) -> np.ndarray:
    """Rules too short for the long kernel that run from one perpendicular rule to another.

    A row 14 pt high has vertical rules 14 pt long, as short as a large character's stroke;
    a stroke, though, never reaches a rule at both of its ends.
    """
    length = _px(settings.rule_short_length_pt, scale)
    shape = (length, 1) if horizontal else (1, length)
    mask = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, shape))
    out = np.zeros_like(mask)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    reach = max(2, _px(1.0, scale))
    thick = settings.rule_max_thickness_pt * scale
    height, width = ink.shape
    for x, y, w, h, area in stats[1:]:
        along = w if horizontal else h
        if area / max(1, along) > thick:
            continue
        if horizontal:
            ends = (
                across[y : y + h, max(0, x - reach) : x + reach],
                across[y : y + h, x + w - reach : min(width, x + w + reach)],
            )
        else:
            ends = (
                across[max(0, y - reach) : y + reach, x : x + w],
                across[y + h - reach : min(height, y + h + reach), x : x + w],
            )
        if all(e.any() for e in ends):
            out[y : y + h, x : x + w] = mask[y : y + h, x : x + w]
    return out


def find_rules(grey: np.ndarray, scale: float, settings: ScanSettings = DEFAULT) -> Rules:
    ink = binarize(grey, scale, settings)
    height, width = ink.shape
    h_mask = _line_mask(ink, scale, settings, horizontal=True)
    v_mask = _line_mask(ink, scale, settings, horizontal=False)
    short_v = _connectors(ink, h_mask, scale, settings, horizontal=False)
    short_h = _connectors(ink, v_mask, scale, settings, horizontal=True)
    v_mask = cv2.bitwise_or(v_mask, short_v)
    h_mask = cv2.bitwise_or(h_mask, short_h)
    thick = settings.rule_max_thickness_pt * scale
    margin = settings.streak_margin_pt * scale
    edges: list[Edge] = []
    counts = []
    streaks = (np.zeros_like(ink), np.zeros_like(ink))
    for mask, horizontal in ((h_mask, True), (v_mask, False)):
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        found = 0
        for x, y, w, h, area in stats[1:]:
            along, across = (w, h) if horizontal else (h, w)
            mean_thickness = area / max(1, along)
            if mean_thickness > thick:
                continue  # a filled band (a dark header, a shadow), not a line
            lo, hi, extent = (x, x + w, width) if horizontal else (y, y + h, height)
            if lo <= margin / 4 and hi >= extent - margin / 4:
                box = (slice(y, y + h), slice(x, x + w))
                streaks[0 if horizontal else 1][box] |= mask[box]
                mask[box] = 0
                continue  # edge to edge: a scanner streak
            found += 1
            if horizontal:
                mid = (y + h / 2) / scale
                edges.append(Edge("h", x / scale, mid, (x + w) / scale, mid))
            else:
                mid = (x + w / 2) / scale
                edges.append(Edge("v", mid, y / scale, mid, (y + h) / scale))
        counts.append(found)
    return Rules(ink, h_mask, v_mask, edges, counts[0], counts[1], streaks)


def mend_streaks(grey: np.ndarray, rules: Rules) -> np.ndarray:
    """`grey` with each streak's pixels taken from beside the streak (the lighter side): text
    strokes crossing it stay whole, the streak itself goes. Changes `grey` in place."""
    for streak, axis in zip(rules.streaks, (0, 1), strict=True):
        if not streak.any():
            continue
        wide = cv2.dilate(streak, np.ones((3, 1) if axis == 0 else (1, 3), np.uint8)) > 0
        reach = 5  # px: past a streak's width and the dilation
        before = np.roll(grey, reach, axis=axis)
        after = np.roll(grey, -reach, axis=axis)
        grey[wide] = np.maximum(before[wide], after[wide])
    return grey


def text_ink(rules: Rules, settings: ScanSettings) -> tuple[np.ndarray, np.ndarray]:
    """The ink that is not a rule nor a streak, and the rules widened by the clearance (to paint white in crops)."""
    lines = cv2.bitwise_or(rules.horizontal, rules.vertical)
    r = settings.rule_clearance_px
    if r > 0:
        lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * r + 1, 2 * r + 1)))
    text = cv2.bitwise_and(rules.ink, cv2.bitwise_not(lines))
    for streak in rules.streaks:
        if streak.any():
            text = cv2.bitwise_and(text, cv2.bitwise_not(cv2.dilate(streak, np.ones((3, 3), np.uint8))))
    return text, lines
