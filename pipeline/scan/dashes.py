"""Scanner streaks a bitonal copy broke into dashes.

A light-grey streak down the scanner glass survives a bitonal threshold only in short dashes, a
few px each: too short for any rule's seed, so `rules.py` never sees it as a line, and inside a
cell its dashes read as text (`1!1!1`). Such a streak is still plain to see as a column (or a
row) of thin ink all along the page: ink no wider than the streak across it, on most of the
rows of a span that covers half the page, running on past the tables' outer rules at both ends
(or to the page's edge) where a table's own broken rule stops. Its pixels are handed on with the
other streaks, to be mended before the cells are read.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.scan.settings import DEFAULT, ScanSettings


def dashed_streaks(
    ink: np.ndarray, ruled: np.ndarray, spans: np.ndarray, scale: float, horizontal: bool,
    settings: ScanSettings = DEFAULT,
) -> np.ndarray:  # fmt: skip
    """uint8 0/255: the pixels of the dashed streaks running this way (`horizontal`: across the
    page). `ruled`: the rules found (their pixels take no part); `spans`: the rules the other way
    (rows of lo, hi, at in px), for the tables' outer rules a streak runs past."""
    thin_px = max(2, int(round(settings.streak_dash_width_pt * scale)))
    # worked on the page as it lies (a transposed copy costs more than the work): `across` is
    # the kernel's shape across the streaks, the profile sums ink along them
    across = (lambda n: (1, n)) if not horizontal else (lambda n: (n, 1))
    free = cv2.subtract(ink, cv2.dilate(ruled, np.ones((3, 3), np.uint8)))
    extent = ink.shape[0 if not horizontal else 1]
    least = settings.streak_dash_share * settings.streak_span_share * extent
    if not _may_hold(free, thin_px, least, horizontal):
        return np.zeros_like(ink)  # most pages: no line of ink along the page at all
    wide = cv2.morphologyEx(free, cv2.MORPH_OPEN, np.ones(across(thin_px + 2), np.uint8))
    thin = cv2.subtract(free, wide)
    band = cv2.dilate(thin, np.ones(across(thin_px), np.uint8))  # a px of drift either way
    profile = cv2.reduce(band, 0 if not horizontal else 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() // 255
    plane = ink
    if horizontal:  # views: the streaks run down the plane's rows
        plane, thin, band = ink.T, thin.T, band.T
    out = np.zeros_like(plane)
    taken = np.zeros(len(profile) + 4 * thin_px, bool)  # near a line already looked at (offset 2·thin_px)
    for x in np.argsort(profile)[::-1] if profile.max(initial=0) >= least else ():
        if profile[x] < least:
            break
        if taken[x + 2 * thin_px]:
            continue
        taken[x : x + 4 * thin_px + 1] = True
        span = _longest_span(band[:, x] > 0, int(round(settings.streak_dash_gap_pt * scale)))
        if span is None:
            continue
        lo, hi = span
        inked = np.count_nonzero(band[lo:hi, x])
        if hi - lo < settings.streak_span_share * extent or inked < settings.streak_dash_share * (hi - lo):
            continue
        if not _runs_past_tables(x, lo, hi, spans, extent, scale, settings):
            continue
        out |= _drawn(thin, x, lo, hi, thin_px)
    return out if not horizontal else np.ascontiguousarray(out.T)


def _may_hold(free: np.ndarray, thin_px: int, least: float, horizontal: bool) -> bool:
    """Whether any band `thin_px` wide along the page holds `least` px of ink at all: the dashes
    are a share of that ink, so where none does there is no dashed streak to look for."""
    profile = cv2.reduce(free, 0 if not horizontal else 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() / 255.0
    window = np.convolve(profile, np.ones(thin_px), mode="same")
    return bool(window.max(initial=0) >= least)


def _drawn(thin: np.ndarray, x: int, lo: int, hi: int, reach: int) -> np.ndarray:
    """The streak's own pixels on every row of its span, dashes and gaps alike: the straight line
    through its thin ink near column `x` (a deskew may slant it), as wide as its dashes. A text
    stroke it crosses is mended from beside it; other strokes near it are left alone."""
    a = max(0, x - reach)
    ys, xs = np.nonzero(thin[lo:hi, a : x + reach + 1])
    mask = np.zeros_like(thin)
    if len(ys) < 2:
        return mask
    fit = np.polyfit(ys, xs, 1)
    near = np.abs(xs - np.polyval(fit, ys)) <= 1.5
    if np.count_nonzero(near) >= 2:
        fit = np.polyfit(ys[near], xs[near], 1)
    width = max(1, int(round(np.count_nonzero(near) / max(1, len(np.unique(ys[near]))))))
    rows = np.arange(hi - lo)
    first = np.rint(np.polyval(fit, rows) - (width - 1) / 2).astype(int) + a
    for d in range(width):
        cols = np.clip(first + d, 0, thin.shape[1] - 1)
        mask[rows + lo, cols] = 255
    return mask


def _longest_span(rows: np.ndarray, gap: int) -> tuple[int, int] | None:
    """The longest stretch of rows whose inked rows lie at most `gap` apart."""
    at = np.flatnonzero(rows)
    if not len(at):
        return None
    breaks = np.flatnonzero(np.diff(at) > gap)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(at) - 1]))
    k = int(np.argmax(at[ends] - at[starts]))
    return int(at[starts[k]]), int(at[ends[k]]) + 1


def _runs_past_tables(
    x: int, lo: int, hi: int, spans: np.ndarray, extent: int, scale: float, settings: ScanSettings
) -> bool:
    """The dashed line crosses a table and runs `streak_margin_pt` past the table's outermost rules
    where it lies (those across its path, crossed or not) at each end, or reaches the page's edge
    there: a table's broken rule stops at its outer rules, a column of characters' strokes lined
    up down a tall cell at the cell's, a row of character bars at the table's side."""
    reach = settings.rule_meet_pt * scale
    margin = settings.streak_margin_pt * scale
    crossed = spans[(spans[:, 0] - reach <= x) & (x <= spans[:, 1] + reach)] if len(spans) else spans
    if np.count_nonzero((crossed[:, 2] >= lo) & (crossed[:, 2] <= hi)) < 2:
        return False  # it crosses no table: a column of characters' strokes down a tall cell may not either
    first, last = float(crossed[:, 2].min()), float(crossed[:, 2].max())
    edge = margin / 2
    return (first - lo >= margin or lo <= edge) and (hi - last >= margin or hi >= extent - edge)
