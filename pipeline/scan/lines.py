"""Text lines inside a box of the page image, found by projection.

Inside a cell the rows holding ink form bands (a text line each); a band's columns holding ink
give its extent, split where a gap wider than `segment_gap_em` line heights opens (two fields on
one line above a table: `预算年度：2025      单位：万元`). Bands split by a glyph's own white
(二, 三, a line of ＝) are joined again when together they are no taller than a line.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from pipeline.scan.settings import ScanSettings


class Segment(NamedTuple):
    """A run of text on one line, in pixels of the page image (x1, bottom exclusive)."""

    x0: int
    top: int
    x1: int
    bottom: int


def _runs(profile: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """[start, end) runs of non-zero entries, runs separated by at most max_gap zeros joined."""
    on = np.flatnonzero(profile)
    if not len(on):
        return []
    breaks = np.flatnonzero(np.diff(on) > max_gap + 1)
    starts = np.concatenate(([on[0]], on[breaks + 1]))
    ends = np.concatenate((on[breaks], [on[-1]])) + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def bands(
    mask: np.ndarray, settings: ScanSettings, line_height: float | None = None
) -> list[tuple[int, int]]:
    """Text-line bands [top, bottom) of a box's ink (rows), fragments of one line joined."""
    rows = np.count_nonzero(mask, axis=1)
    found = _joined(_runs(rows, settings.line_gap_px), line_height)
    if line_height:
        found = [part for band in found for part in _split_tall(mask, rows, band, line_height, settings)]
    return [(t, b) for t, b in found if int(rows[t:b].sum()) >= settings.min_ink_px**2]


def _joined(found: list[tuple[int, int]], line_height: float | None) -> list[tuple[int, int]]:
    """Bands split by a glyph's own white joined again: together no taller than a line."""
    if not line_height or len(found) < 2:
        return found
    joined = [found[0]]
    for top, bottom in found[1:]:
        ptop, pbottom = joined[-1]
        if top - pbottom <= 0.45 * line_height and bottom - ptop <= 1.15 * line_height:
            joined[-1] = (ptop, bottom)
        else:
            joined.append((top, bottom))
    return joined


def _split_tall(
    mask: np.ndarray, rows: np.ndarray, band: tuple[int, int], line_height: float, settings: ScanSettings
) -> list[tuple[int, int]]:
    """A band taller than `tall_band_em` lines split where its rows hold next to no ink: two lines
    that a photocopy's specks (or a pen's stroke) bridge between them. A row through a line of
    text crosses the strokes of most of its characters; one under `thin_row_share` of the band's
    usual row ink is white but for the bridge. Lines of text only, three lines high wide or more:
    in a narrow cell the band may be characters set at 90°, read turned (`_columns`)."""
    top, bottom = band
    if bottom - top <= settings.tall_band_em * line_height:
        return [band]
    cols = np.flatnonzero(mask[top:bottom].any(axis=0))
    if not len(cols) or cols[-1] - cols[0] < 3 * line_height:
        return [band]
    part = rows[top:bottom]
    floor = max(settings.min_ink_px - 1, settings.thin_row_share * float(np.median(part[part > 0])))
    pieces = _joined(_runs(np.where(part > floor, part, 0), 0), line_height)
    if len(pieces) < 2:
        return [band]
    return [(top + a, top + b) for a, b in pieces]


def segments(
    mask: np.ndarray, settings: ScanSettings, line_height: float | None = None, split: bool = True,
    apart: bool = False,
) -> list[Segment]:  # fmt: skip
    """The text segments of a box (mask cropped to it), in the box's pixels, top to bottom.
    `apart`: a segment taller than `tall_band_em` lines is cut again on its own columns' rows (the
    page outside the tables, where a row's ink is counted across the whole page: a pen's stroke
    in the margin bridged a title and its `（2024年度）` below it, seed 71's midterm-planned-2024,
    and the year was lost with the subtitle)."""
    out: list[Segment] = []
    for top, bottom in bands(mask, settings, line_height):
        cols = np.count_nonzero(mask[top:bottom], axis=0)
        gap = int(settings.segment_gap_em * (bottom - top)) if split else mask.shape[1]
        for x0, x1 in _runs(cols, max(1, gap)):
            part = mask[top:bottom, x0:x1]
            rows = np.flatnonzero(np.count_nonzero(part, axis=1))
            if not len(rows) or np.count_nonzero(part) < settings.min_ink_px**2:
                continue
            tall = bool(line_height) and bottom - top > settings.tall_band_em * (line_height or 0)
            if apart and tall and part.shape != mask.shape:  # cut again on its own rows: fewer
                inner = segments(part, settings, line_height, split, apart)
                if len(inner) > 1:
                    out += [Segment(s.x0 + x0, s.top + top, s.x1 + x0, s.bottom + top) for s in inner]
                    continue
            out.append(Segment(x0, top + int(rows[0]), x1, top + int(rows[-1]) + 1))
    return out


def typical_height(mask: np.ndarray, boxes: list[tuple[int, int, int, int]], settings: ScanSettings) -> float:
    """The height of a line of body text (px): the median of the text bands in these boxes,
    each band weighing as much as the ink in it. Counted band by band, a photocopy's specks
    (a band of a few pixels each, dozens to a cell) would make the line a speck's height; a line
    of 二 or of dots weighs little too."""
    heights, weights = [], []
    for x0, top, x1, bottom in boxes:
        cell = mask[top:bottom, x0:x1]
        for t, b in bands(cell, settings):
            heights.append(b - t)
            weights.append(np.count_nonzero(cell[t:b]))
    if not heights:
        return 0.0
    order = np.argsort(heights, kind="stable")
    cumulative = np.cumsum(np.asarray(weights, float)[order])
    middle = int(np.searchsorted(cumulative, cumulative[-1] / 2))
    return float(np.asarray(heights)[order][middle])
