"""Operators and dashes read by shape, from figures drawn the way fonts draw them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pipeline.scan.operators import read_operator
from pipeline.scan.punctuation import colons, fix_widths
from pipeline.scan.recognize import Reading

EM = 28  # px: one line of text


def _canvas(width: int) -> np.ndarray:
    return np.full((EM + 8, width), 255, np.uint8)


def _chevron(img: np.ndarray, x: int, right: bool, bar: bool = False) -> int:
    top, bottom, w = 7, 7 + 14, 13
    tip, tail = (x + w, x) if right else (x, x + w)
    cv2.line(img, (tail, top), (tip, (top + bottom) // 2), 0, 2)
    cv2.line(img, (tip, (top + bottom) // 2), (tail, bottom), 0, 2)
    if bar:
        cv2.line(img, (x, bottom + 5), (x + w, bottom + 5), 0, 2)
    return x + w


def _equals(img: np.ndarray, x: int) -> int:
    cv2.line(img, (x, 12), (x + 12, 12), 0, 2)
    cv2.line(img, (x, 19), (x + 12, 19), 0, 2)
    return x + 12


def _digit(img: np.ndarray, x: int, text: str) -> int:
    cv2.putText(img, text, (x, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    return x + 14 * len(text)


def _reading(text: str, width: int) -> Reading:
    n = len(text)
    return Reading(text, 0.5, tuple(0.5 for _ in text), tuple((i + 0.5) / n for i in range(n)))


@pytest.mark.parametrize(
    ("draw", "expected"),
    [
        (lambda im: _chevron(im, 4, right=True, bar=True), "≥"),
        (lambda im: _chevron(im, 4, right=False, bar=True), "≤"),
        (lambda im: _chevron(im, 4, right=True), ">"),
        (lambda im: _equals(im, _chevron(im, 4, right=False) + 3), "<="),
        (lambda im: _equals(im, 4), "="),
        (lambda im: cv2.line(im, (6, 16), (14, 16), 0, 2) is None or 14, "-"),
    ],
)
def test_figures_read_by_shape(draw, expected: str) -> None:
    img = _canvas(40)
    draw(img)
    shaped = read_operator(img, _reading("M", 40), EM)
    assert shaped is not None and shaped.text == expected
    assert shaped.conf <= 0.95


def test_operator_before_a_value_replaces_what_stood_over_it() -> None:
    img = _canvas(90)
    end = _chevron(img, 4, right=True, bar=True)
    _digit(img, end + 4, "95")
    reading = Reading("M95", 0.8, (0.3, 0.99, 0.99), (0.08, 0.35, 0.5))
    shaped = read_operator(img, reading, EM)
    assert shaped is not None and shaped.text == "≥95"


@pytest.mark.parametrize("digits", ["1", "2", "4", "7", "10"])
def test_digits_are_not_operators(digits: str) -> None:
    img = _canvas(60)
    _digit(img, 4, digits)
    assert read_operator(img, _reading(digits, 60), EM) is None


def test_full_width_comma_told_by_its_white() -> None:
    img = _canvas(120)
    for x in (4, 48):  # the comma alone in an em box: white beyond it
        cv2.rectangle(img, (x, 8), (x + 20, 28), 0, -1)
    cv2.rectangle(img, (27, 24), (29, 30), 0, -1)
    reading = Reading("a,b", 0.9, (0.9, 0.9, 0.9), (14 / 120, 28 / 120, 50 / 120))
    assert fix_widths(img, reading, EM).text == "a，b"
    tight = _canvas(120)
    for x in (4, 32):
        cv2.rectangle(tight, (x, 8), (x + 20, 28), 0, -1)
    cv2.rectangle(tight, (27, 24), (28, 30), 0, -1)
    reading = Reading("a，b", 0.9, (0.9, 0.9, 0.9), (14 / 120, 27 / 120, 42 / 120))
    assert fix_widths(tight, reading, EM).text == "a,b"


@pytest.mark.parametrize(
    ("lower", "read", "expected"),
    [(4, "内：目", "内；目"), (2, "内；目", "内：目"), (4, "a:b", "a;b"), (3, "内：目", "内：目")],
)
def test_colon_and_semicolon_told_by_the_lower_mark(lower: int, read: str, expected: str) -> None:
    """Two dots alike: a colon. A lower mark twice the dot's height: a semicolon's comma. Between: as read."""
    img = _canvas(120)
    for x in (4, 60):
        cv2.rectangle(img, (x, 8), (x + 18, 28), 0, -1)
    cv2.rectangle(img, (40, 14), (41, 15), 0, -1)  # the upper dot: 2 px high
    cv2.rectangle(img, (40, 28 - lower + 1), (41, 28), 0, -1)
    reading = Reading(read, 0.9, (0.9, 0.9, 0.9), (13 / 120, 40 / 120, 70 / 120))
    assert colons(img, reading).text == expected


def test_equals_at_150_dpi_bars_a_pixel_apart() -> None:
    """A small = scanned grey at 150 dpi: its bars 8 and 7 px long (the scan's rounding), still =."""
    em = 16
    img = np.full((15, 18), 240, np.uint8)
    img[4:6, 5:13] = 140
    img[7:9, 5:12] = 150
    shaped = read_operator(img, _reading("", 18), em)
    assert shaped is not None and shaped.text == "="
