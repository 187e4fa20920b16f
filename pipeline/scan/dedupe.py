"""Line crops that show the same ink: read once, the reading shared.

A table repeats its short values down a column (正向, 定性, %, 个, -, an operator, a level
name); on one page the same words in the same font give the same ink, so a crop whose trimmed
ink matches an earlier crop's almost pixel for pixel takes that crop's reading. The match is
strict (a few per cent of the ink may differ: scanner noise), so 95 and 96 stay apart.
"""

from __future__ import annotations

import numpy as np


def _signature(crop: np.ndarray) -> np.ndarray | None:
    ink = crop < 128
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows):
        return None
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def same_ink(crops: list[np.ndarray], tolerance: float = 0.04) -> list[int]:
    """For each crop, the index of the first crop showing the same ink (itself when none does)."""
    first: list[int] = []
    by_size: dict[tuple[int, int], list[tuple[int, np.ndarray]]] = {}
    for i, crop in enumerate(crops):
        sig = _signature(crop)
        if sig is None:
            first.append(i)
            continue
        h, w = sig.shape
        match = i
        for key in ((h, w), (h - 1, w), (h + 1, w), (h, w - 1), (h, w + 1)):
            for j, other in by_size.get(key, ()):
                oh, ow = min(h, other.shape[0]), min(w, other.shape[1])
                a, b = sig[:oh, :ow], other[:oh, :ow]
                union = np.count_nonzero(a | b)
                if union and np.count_nonzero(a ^ b) <= tolerance * union:
                    match = j
                    break
            if match != i:
                break
        if match == i:
            by_size.setdefault((h, w), []).append((i, sig))
        first.append(match)
    return first
