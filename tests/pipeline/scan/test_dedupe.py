"""Line crops of the same ink read once; marks that only look alike at one cut read apart."""

from __future__ import annotations

import numpy as np

from pipeline.scan.dedupe import same_ink


def _paper(h: int = 16, w: int = 16) -> np.ndarray:
    return np.full((h, w), 240, np.uint8)


def _equals() -> np.ndarray:
    crop = _paper()
    crop[6:8, 4:12] = 60
    crop[10:12, 4:12] = 60
    return crop


def test_the_same_mark_twice_is_read_once() -> None:
    noisy = _equals()
    noisy[7, 11] = 200  # scanner noise: one pixel
    assert same_ink([_equals(), noisy, _paper()]) == [0, 0, 2]


def test_a_light_mark_whose_darkest_pixels_match_another_is_read_on_its_own() -> None:
    """A blurred 150-dpi %: at grey 128 only two short strokes, the ink of an =; its grey rings
    and slash (under the halfway cut) tell it apart."""
    percent = _equals()
    grey = 140  # darker than the halfway cut (150 here), lighter than 128
    percent[2:6, 3:6] = grey  # upper ring
    percent[12:15, 10:13] = grey  # lower ring
    for k in range(12):
        percent[14 - k, 2 + k] = grey  # the slash
    percent[6:8, 4:12] = 60
    percent[10:12, 4:12] = 60
    assert same_ink([_equals(), percent]) == [0, 1]


def test_a_long_line_matches_on_its_dark_ink() -> None:
    """A line of several characters: its many pixels tell lines apart at grey 128, where the
    halfway cut would run a blurred = into one bar and lose a reading it can share."""
    line = _paper(16, 60)
    for x in range(4, 56, 10):
        line[4:12, x : x + 6] = 60
    lighter = line.copy()
    lighter[8, 3] = 140  # a blurred edge the halfway cut counts
    assert same_ink([line, lighter]) == [0, 0]
