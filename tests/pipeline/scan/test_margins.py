"""Marks outside the tables that are no text go before lines are cut (pipeline/scan/margins.py)."""

from __future__ import annotations

import numpy as np

from pipeline.scan.lines import segments
from pipeline.scan.margins import without_giants
from pipeline.scan.settings import DEFAULT

EM = 20  # px: a line of text


def _page() -> np.ndarray:
    ink = np.zeros((400, 600), np.uint8)
    for x in range(100, 400, 24):  # a title: characters one em high
        ink[40:60, x : x + 18] = 255
    for x in range(100, 300, 24):  # a line below it
        ink[100:120, x : x + 18] = 255
    return ink


def test_a_shadow_edge_down_the_page_goes_and_the_lines_beside_it_stay() -> None:
    ink = _page()
    ink[0:400, 30:60] = 255  # a binding shadow's edge running the page's height
    kept = without_giants(ink, EM)
    assert not kept[:, 30:60].any()
    assert (kept[:, 100:] == ink[:, 100:]).all()
    lines = segments(kept, DEFAULT, EM, split=True)
    assert len(lines) >= 2 and all(s.bottom - s.top <= 2 * EM for s in lines)


def test_characters_and_small_marks_are_kept() -> None:
    ink = _page()
    assert (without_giants(ink, EM) == ink).all()
    assert without_giants(ink, 0.0) is ink
