"""Line crops that show the same ink: read once, the reading shared.

A table repeats its short values down a column (正向, 定性, %, 个, -, an operator, a level
name); on one page the same words in the same font give the same ink, so a crop whose trimmed
ink matches an earlier crop's almost pixel for pixel takes that crop's reading. The match is
strict (a few per cent of the ink may differ: scanner noise), so 95 and 96 stay apart.
"""

from __future__ import annotations

import numpy as np

from pipeline.scan.grey import percentile


def _trimmed(ink: np.ndarray) -> np.ndarray | None:
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows):
        return None
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _signatures(crop: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The crop's ink at grey 128, and cut halfway between its darkest and its paper (where a
    blurred stroke's grey counts). A short mark (no more than twice as wide as high) must match on both: at 128
    alone a light 150-dpi % or > passes for =. A longer line matches at 128 (the halfway cut
    runs a blurred = into one bar there, and its many other pixels tell lines apart)."""
    darkest, paper = int(crop.min()), int(percentile(crop, 90))
    dark, half = _trimmed(crop < 128), _trimmed(crop < max(darkest + 1, (darkest + paper) // 2))
    return None if dark is None or half is None else (dark, half)


def _alike(a: np.ndarray, b: np.ndarray, tolerance: float) -> bool:
    if abs(a.shape[0] - b.shape[0]) > 1 or abs(a.shape[1] - b.shape[1]) > 1:
        return False
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    a, b = a[:h, :w], b[:h, :w]
    union = np.count_nonzero(a | b)
    return bool(union) and np.count_nonzero(a ^ b) <= tolerance * union


def same_ink(crops: list[np.ndarray], tolerance: float = 0.04) -> list[int]:
    """For each crop, the index of the first crop showing the same ink (itself when none does)."""
    first: list[int] = []
    by_size: dict[tuple[int, int], list[tuple[int, tuple[np.ndarray, np.ndarray]]]] = {}
    for i, crop in enumerate(crops):
        sigs = _signatures(crop)
        if sigs is None:
            first.append(i)
            continue
        h, w = sigs[0].shape
        match = i
        for key in ((h, w), (h - 1, w), (h + 1, w), (h, w - 1), (h, w + 1)):
            for j, other in by_size.get(key, ()):
                if _alike(sigs[0], other[0], tolerance) and (
                    w > 2 * h or _alike(sigs[1], other[1], tolerance)
                ):
                    match = j
                    break
            if match != i:
                break
        if match == i:
            by_size.setdefault((h, w), []).append((i, sigs))
        first.append(match)
    return first
