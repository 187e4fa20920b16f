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


# a ≥ and a 3 as a 150-dpi grey scan prints them at 7–9 pt (em 14 px), pixel for pixel
_SMALL_GE = [
    [236, 216, 198, 214, 227, 233, 240, 245, 245, 243, 242],
    [235, 193, 134, 122, 136, 177, 216, 232, 230, 231, 243],
    [252, 236, 194, 182, 171, 136, 114, 135, 183, 222, 235],
    [241, 250, 241, 237, 204, 197, 170, 129, 106, 131, 190],
    [242, 237, 213, 212, 202, 168, 125, 100, 112, 161, 219],
    [250, 227, 175, 148, 121, 137, 163, 191, 217, 233, 239],
    [231, 198, 146, 147, 191, 204, 220, 233, 241, 242, 241],
    [240, 211, 181, 189, 194, 199, 200, 198, 198, 210, 229],
    [234, 193, 142, 113, 114, 120, 119, 114, 119, 153, 201],
    [243, 227, 204, 192, 202, 206, 206, 200, 199, 212, 233],
]
_SMALL_3 = [
    [238, 242, 243, 229, 217, 222, 232, 233, 236, 239],
    [243, 221, 185, 153, 134, 141, 164, 200, 228, 237],
    [239, 182, 130, 142, 165, 153, 124, 142, 203, 234],
    [237, 193, 169, 199, 228, 212, 151, 121, 184, 231],
    [231, 223, 224, 222, 229, 216, 158, 127, 189, 235],
    [238, 243, 235, 195, 161, 139, 122, 158, 214, 237],
    [245, 243, 230, 194, 152, 125, 114, 141, 197, 230],
    [238, 230, 234, 228, 204, 183, 150, 113, 167, 225],
    [228, 204, 212, 236, 240, 231, 187, 118, 160, 223],
    [222, 167, 151, 193, 226, 219, 169, 110, 162, 225],
    [231, 177, 135, 138, 140, 132, 129, 146, 197, 232],
    [243, 220, 194, 172, 153, 159, 179, 209, 229, 237],
]


def _small(pixels: list[list[int]]) -> np.ndarray:
    img = np.full((19, 18), 242, np.uint8)
    figure = np.array(pixels, np.uint8)
    img[4 : 4 + figure.shape[0], 3 : 3 + figure.shape[1]] = figure
    return img


def test_small_grey_ge_read_at_a_lighter_cut() -> None:
    """Its strokes thinner than a pixel: the first cut breaks the chevron, a lighter one keeps it."""
    shaped = read_operator(_small(_SMALL_GE), _reading("N", 18), 14)
    assert shaped is not None and shaped.text == "≥"


def test_small_grey_digit_is_no_chevron_at_a_lighter_cut() -> None:
    """A lighter cut reads barred figures only: a small 3 looks like > there."""
    assert read_operator(_small(_SMALL_3), _reading("3", 18), 14) is None


def test_bare_chevron_the_recogniser_reads_as_a_digit_stays_a_digit() -> None:
    """A small 3 passes the chevron test; with no bar to confirm it, the recogniser's sure 3 stands."""
    img = _canvas(40)
    _chevron(img, 4, right=True)
    assert read_operator(img, Reading("3", 0.99, (0.99,), (0.25,)), EM) is None
    shaped = read_operator(img, Reading("3", 0.6, (0.6,), (0.25,)), EM)
    assert shaped is not None and shaped.text == ">"


def test_bare_chevron_the_recogniser_reads_as_per_cent_stays_per_cent() -> None:
    """A blurred 150-dpi % in a unit column: its slash and rings run into a wedge."""
    img = _canvas(40)
    _chevron(img, 4, right=True)
    assert read_operator(img, Reading("%", 0.99, (0.99,), (0.25,)), EM) is None


def test_a_ge_whose_lower_arm_is_fused_to_its_bar_at_150_dpi() -> None:
    """Seed 60's dept-info-dash-2025-long (150 dpi, bitonal photocopy): ≥95 read 295. The lower
    arm, thickened where it meets the bar, reaches the chevron's middle rows within a quarter of
    its width; within a fifth the open side shows. Each of its rows holds one run of ink."""
    from pathlib import Path

    from PIL import Image

    from pipeline.scan.recognize import recognizer

    crop = np.array(
        Image.open(Path(__file__).parent / "images" / "geq-fused-to-its-bar-150dpi.png").convert("L")
    )
    reading = recognizer(1, 48, 16)([crop], 40)[0]
    assert reading.text == "295"
    shaped = read_operator(crop, reading, 20.0)
    assert shaped is not None and shaped.text == "≥95"


def test_an_eight_is_no_chevron_at_a_fifth_of_its_width() -> None:
    """Seed 60's info-lines-2023-flow: 80 read ≤0 when the narrower sides were looked at for every
    blob. Its loops' rows cross two strokes each: a chevron's rows hold one run."""
    from pathlib import Path

    from PIL import Image

    from pipeline.scan.recognize import recognizer

    crop = np.array(Image.open(Path(__file__).parent / "images" / "eighty-not-a-chevron.png").convert("L"))
    reading = recognizer(1, 48, 16)([crop], 40)[0]
    assert reading.text == "80"
    assert read_operator(crop, reading, 20.0) is None
