"""components: the same components as OpenCV's 32-bit labelling, whichever label width was used."""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.scan.components import components


def _reference(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return n, labels, stats


def test_a_page_of_marks_labels_as_in_32_bits() -> None:
    rng = np.random.default_rng(3)
    mask = np.zeros((600, 400), np.uint8)
    for _ in range(300):
        x, y = int(rng.integers(0, 390)), int(rng.integers(0, 590))
        mask[y : y + int(rng.integers(1, 10)), x : x + int(rng.integers(1, 10))] = 255
    mask[100, :] = 255  # a rule joining many of them
    n, labels, stats = components(mask)
    m, want_labels, want_stats = _reference(mask)
    assert labels.dtype == np.uint16  # the fast path was taken
    assert n == m and np.array_equal(labels, want_labels) and np.array_equal(stats, want_stats)


def test_too_many_components_for_16_bits_are_labelled_in_32() -> None:
    mask = np.zeros((600, 600), np.uint8)
    mask[::2, ::2] = 255  # 90,000 lone pixels: more labels than 16 bits hold
    n, labels, stats = components(mask)
    assert n == 90_001 and labels.dtype == np.int32
    assert np.array_equal(stats, _reference(mask)[2])


def test_a_view_is_labelled_like_its_copy() -> None:
    mask = np.zeros((50, 80), np.uint8)
    mask[10:20, 5:60] = 255
    view = mask.T  # not contiguous
    assert components(view)[0] == _reference(np.ascontiguousarray(view))[0] == 2
