"""lines.bands: text-line bands of a cell's ink."""

from __future__ import annotations

import numpy as np

from pipeline.scan.lines import Segment, bands, segments, typical_height
from pipeline.scan.settings import DEFAULT


def _line(mask: np.ndarray, top: int, height: int, rng: np.random.Generator) -> None:
    """A line of 'characters': vertical and horizontal strokes in 20-px boxes."""
    for x in range(5, mask.shape[1] - 25, 22):
        mask[top : top + height, x + int(rng.integers(2, 16))] = 255
        mask[top + int(rng.integers(0, height)), x : x + 20] = 255
        mask[top + int(rng.integers(0, height)), x : x + 20] = 255


def test_two_lines_bridged_by_specks_are_two_bands() -> None:
    rng = np.random.default_rng(0)
    mask = np.zeros((70, 400), np.uint8)
    _line(mask, 5, 20, rng)
    _line(mask, 30, 20, rng)
    assert bands(mask, DEFAULT, 20.0) == [(5, 25), (30, 50)]
    mask[24:31, 100] = 255  # a speck's trail joins them: rows 25-29 hold one pixel each
    mask[26, 300] = 255
    assert bands(mask, DEFAULT, 20.0) == [(5, 25), (30, 50)]
    assert bands(mask, DEFAULT, None) == [(5, 50)]  # without a line height nothing is split


def test_a_tall_line_is_not_split_where_its_strokes_thin() -> None:
    """A title at 1.5 lines high: every row crosses strokes, none is white but for a bridge."""
    rng = np.random.default_rng(1)
    mask = np.zeros((60, 400), np.uint8)
    _line(mask, 10, 30, rng)
    assert bands(mask, DEFAULT, 20.0) == [(10, 40)]


def test_the_line_height_is_the_text_s_not_the_specks_() -> None:
    """Cells of a dense photocopy: one line of text each, and more speck bands (3 px) than text
    lines. Each band weighs its ink: the line is a text line high, not a speck."""
    rng = np.random.default_rng(2)
    mask = np.zeros((400, 400), np.uint8)
    boxes = []
    for top in range(0, 400, 80):
        _line(mask, top + 30, 20, rng)
        for y in (top + 4, top + 12, top + 20, top + 58, top + 66, top + 74):
            mask[y : y + 3, int(rng.integers(5, 390)) : None][:, :3] = 255
        boxes.append((0, top, 400, top + 80))
    assert typical_height(mask, boxes, DEFAULT) == 20


def test_two_lines_a_single_blank_row_apart_are_two_bands() -> None:
    """Seed 60's dept-info-dash-2025-long (150 dpi, bitonal photocopy): a goal's two lines, one
    pixel row of paper between them and specks in the rows beside it, read as one line 43 px
    high (保障门…达到[3, its second line lost). A band that tall parts at its one blank row."""
    from pathlib import Path

    from PIL import Image

    crop = np.array(
        Image.open(Path(__file__).parent / "images" / "two-lines-one-blank-row-150dpi.png").convert("L")
    )
    mask = np.where(crop < 150, 255, 0).astype(np.uint8)
    assert list(np.count_nonzero(mask[23:28], axis=1)) == [140, 2, 2, 1, 4]
    mask[24, 500:503] = mask[26, 900:903] = 255  # specks as the page's own mask holds them: one thin row left
    found = bands(mask, DEFAULT, 20.0)
    assert len(found) == 2
    (top1, bottom1), (top2, bottom2) = found
    assert bottom1 <= top2 and bottom1 - top1 <= 23 and bottom2 - top2 <= 23
    second = mask[top2:bottom2] > 0
    assert np.count_nonzero(second[:, :100]) > 0.9 * np.count_nonzero(second)  # 0%以上。 at the left


def test_a_title_and_its_subtitle_bridged_by_a_mark_in_the_margin_are_two_lines() -> None:
    """Seed 71's midterm-planned-2024: outside the tables a row's ink counts across the whole page,
    and a pen's stroke in the margin, as tall as the gap under the title, held the title and its
    `（2024年度）` in one band that no thin row could split; only the title was read, the year lost.
    Cut again on its own columns' rows, the text splits into its two lines."""
    rng = np.random.default_rng(2)
    mask = np.zeros((90, 900), np.uint8)
    title, subtitle = np.zeros((20, 400), np.uint8), np.zeros((20, 200), np.uint8)
    _line(title, 0, 20, rng)
    _line(subtitle, 0, 20, rng)
    mask[10:30, 400:800] = title
    mask[45:65, 500:700] = subtitle
    mask[5:70, 20:28] = 255  # the stroke in the margin, from above the title to below the subtitle
    assert len(segments(mask, DEFAULT, 20.0)) == 2  # the stroke, and both lines as one
    found = segments(mask, DEFAULT, 20.0, apart=True)
    text = sorted((s for s in found if s.x0 >= 400), key=lambda s: s.top)
    assert [(s.top, s.bottom) for s in text] == [(10, 30), (45, 65)]
    assert Segment(20, 5, 28, 70) in found
