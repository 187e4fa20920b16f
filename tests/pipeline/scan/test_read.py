"""read_scanned_page on image-only copies of digital fixture pages: the same cells, the same text."""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from pipeline.scan import ScanLimitError, ScanSettings, read_scanned_page
from tests.pipeline.scan.pages import (
    cell_texts,
    compare,
    digital_objects,
    huge_image_pdf,
    image_pdf,
    page_image,
    scan_bytes,
)

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden"
GRID = str(GOLDEN / "layout-disclosure-grid")
PAGES = [
    (f"{GRID}/grid-2022-odd-cells.pdf", 0),
    (f"{GRID}/grid-2023-portrait.pdf", 0),
    (str(GOLDEN / "layout-unit-before-operator" / "ubo-2023.pdf"), 0),
    # 14 columns, few rows: its vertical rules outnumber its horizontal ones, yet it stands upright
    (str(GOLDEN / "layout-unit-code" / "unit-code-2022-no-repeat.pdf"), 0),
    # 一级/二级 names set at 90° in narrow cells
    (str(GOLDEN / "calc-format" / "calcfmt-rotate90-levels.pdf"), 2),
]
AGREEMENT = 0.99


@cache
def _image(path: str, index: int) -> Image.Image:
    return page_image(path, index)


@pytest.mark.parametrize(("path", "index"), PAGES, ids=lambda v: str(v).rsplit("/", 1)[-1])
def test_scanned_copy_reads_like_the_digital_page(path: str, index: int) -> None:
    scanned = scan_bytes(image_pdf(_image(path, index)))
    result = compare(digital_objects(path, index), scanned.objects)
    assert result.matched == result.cells, "every digital cell has a scanned cell with the same box"
    assert result.same_text >= AGREEMENT * result.cells, result.wrong
    assert scanned.rotation == 0 and scanned.skew == 0.0
    assert all(g.conf is not None and 0.0 <= g.conf <= 1.0 for g in scanned.objects.glyphs)
    print(f"{path}: {result.same_text}/{result.cells} cells, {scanned.seconds:.2f} CPU-s")


@pytest.mark.parametrize(
    ("name", "turn"),
    [("on its side", lambda im: im.rotate(90, expand=True)),  # counter-clockwise: turned back clockwise ("upside down", lambda im: im.rotate(180)),
     ("skewed 3°", lambda im: im.rotate(3, fillcolor=255, resample=Image.BILINEAR))],
)  # fmt: skip
def test_turned_and_skewed_copies_read_the_same(name: str, turn) -> None:
    path, index = PAGES[0]
    scanned = scan_bytes(image_pdf(turn(_image(path, index))))
    result = compare(digital_objects(path, index), scanned.objects)
    assert result.matched == result.cells
    assert result.same_text >= AGREEMENT * result.cells, result.wrong
    expected = {"on its side": 90, "upside down": 180, "skewed 3°": 0}[name]
    assert scanned.rotation == expected
    if name == "skewed 3°":
        assert scanned.skew == pytest.approx(3.0, abs=0.1)


def test_a_last_page_of_few_rows_on_its_side_is_turned_although_its_rules_say_upright() -> None:
    """Seed 37's writer-landscape-long-project, page 3: five rows under twelve columns, scanned on
    its side, shows more horizontal rules than vertical ones, so the counts said upright; no line
    of the usual shape read that way (its text runs up the page). Then the other way is read too."""
    path = str(GOLDEN / "office-writer" / "writer-landscape-long-project.pdf")
    scanned = scan_bytes(image_pdf(_image(path, 2).rotate(-90, expand=True)))
    result = compare(digital_objects(path, 2), scanned.objects)
    assert scanned.rotation == 270
    assert result.matched == result.cells and result.same_text >= AGREEMENT * result.cells, result.wrong


def test_blank_page_gives_nothing() -> None:
    scanned = scan_bytes(image_pdf(Image.new("L", (1654, 2339), 255)))
    assert scanned.objects.glyphs == [] and scanned.objects.edges == []
    assert scanned.min_conf is None


def test_huge_image_is_refused_fast() -> None:
    data = huge_image_pdf(20_000, 20_000)
    started = time.perf_counter()
    with pytest.raises(ScanLimitError, match="Mpx"):
        scan_bytes(data)
    assert time.perf_counter() - started < 2.0


def test_large_page_is_rendered_smaller_with_a_note() -> None:
    data = huge_image_pdf(6_000, 8_000)  # 48 Mpx: within the limit, above max_side_px at its dpi
    pdf = pdfium.PdfDocument(data)
    try:
        started = time.process_time()
        scanned = read_scanned_page(pdf[0], ScanSettings(max_side_px=1200, max_dpi=1000))
    finally:
        pdf.close()
    assert scanned.dpi <= 1200 / 842 * 72 + 0.01
    assert any("size limit" in note for note in scanned.notes)
    assert time.process_time() - started < 5.0


def _colour_with_seal_and_streak(image: Image.Image) -> Image.Image:
    """A colour scan of the page: a red seal stamped over cells (ink on ink: multiplied), a grey
    scanner streak down it."""
    from PIL import ImageChops, ImageDraw

    colour = image.convert("RGB")
    seal = Image.new("RGB", colour.size, (255, 255, 255))
    draw = ImageDraw.Draw(seal)
    w, h = colour.size
    cx, cy, r = int(w * 0.35), int(h * 0.45), 150
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(220, 30, 30), width=9)
    draw.regular_polygon((cx, cy, 45), 5, fill=(220, 30, 30))
    colour = ImageChops.multiply(colour, seal)
    draw = ImageDraw.Draw(colour)
    draw.line((int(w * 0.67), 0, int(w * 0.67), h), fill=(120, 120, 120), width=3)  # between two rules
    return colour


def test_red_seal_and_scanner_streak_are_not_read() -> None:
    path, index = PAGES[0]
    scanned = scan_bytes(image_pdf(_colour_with_seal_and_streak(_image(path, index))))
    result = compare(digital_objects(path, index), scanned.objects)
    assert result.matched == result.cells, result.wrong
    assert result.same_text >= AGREEMENT * result.cells, result.wrong


def _specked(image: Image.Image, count: int, size: int, seed: int) -> Image.Image:
    """`image` with `count` dark square specks of `size` px on clean paper, at least 20 px (1.3
    lines at 150 dpi) from any ink: each a line of its own."""
    import numpy as np

    grey = np.array(image.convert("L"))
    rng = np.random.default_rng(seed)
    h, w = grey.shape
    placed = 0
    while placed < count:
        y, x = int(rng.integers(20, h - 20)), int(rng.integers(20, w - 20))
        if grey[y - 20 : y + 20 + size, x - 20 : x + 20 + size].min() > 200:
            grey[y : y + size, x : x + size] = 40
            placed += 1
    return Image.fromarray(grey)


def test_photocopy_specks_alone_in_cells_are_not_read() -> None:
    """4 × 4 px specks at 150 dpi: larger than specks.py's limit, read on their own as + . ' …
    The cells read as on the same page without them."""
    path, index = PAGES[1]
    image = page_image(path, index, dpi=150)
    clean = dict(cell_texts(scan_bytes(image_pdf(image, dpi=150)).objects))
    specked = scan_bytes(image_pdf(_specked(image, count=150, size=4, seed=1), dpi=150))
    changed = [(text, got) for box, got in cell_texts(specked.objects) if (text := clean.get(box)) != got]
    assert not changed


def test_a_tall_band_is_one_read_across_and_three_lines_wide() -> None:
    """The way up is judged with bands unsplit; the chosen layout is remade split only when it
    holds a band that the split would cut (two lines bridged), so nothing is read twice otherwise."""
    import numpy as np

    from pipeline.scan import _has_tall_bands, _Layout

    def layout(boxes: list[tuple[int, int, int, int]], turns: list[int]) -> _Layout:
        n = len(boxes)
        return _Layout(np.zeros((1, 1)), None, [], [np.zeros((1, 1))] * n, boxes, 20.0, turns, [], [])  # type: ignore[arg-type]

    assert _has_tall_bands(layout([(0, 0, 300, 45)], [0]), 1.6)  # two lines bridged
    assert not _has_tall_bands(layout([(0, 0, 300, 25)], [0]), 1.6)  # one line
    assert not _has_tall_bands(layout([(0, 0, 40, 60)], [0]), 1.6)  # characters stacked in a narrow cell
    assert not _has_tall_bands(layout([(0, 0, 300, 45)], [1]), 1.6)  # set at 90°, read turned


def test_a_probe_that_reads_as_nothing_does_not_count_for_the_way_up() -> None:
    """Five probe lines read surely and one, a pen's stroke picked for its shape, reads as nothing:
    the page reads well this way up (it was judged poorly read, another quarter turn tried, and the
    columns of a page on its side, read as three-character lines, won)."""
    import numpy as np

    from pipeline.scan import DEFAULT, _Layout, _read_probes
    from pipeline.scan.recognize import Reading

    crops = [np.zeros((20, 100), np.uint8) for _ in range(6)]
    layout = _Layout(np.zeros((1, 1)), None, [], crops, [(0, 0, 100, 20)] * 6, 20.0, [0] * 6, [], [])  # type: ignore[arg-type]

    def rec(lines: list[np.ndarray], height: int) -> list[Reading]:
        sure = Reading("预算执行偏差率", 0.99, (0.99,) * 7, ())
        return [sure] * (len(lines) - 1) + [Reading("", 0.0, (), ())]

    score, flip, known = _read_probes(rec, layout, DEFAULT)
    assert score >= DEFAULT.flip_check_below and not flip and len(known) == 6
    # two probes only, one of them empty (a page on its side offers few lines of the usual
    # shape): one sure line is not enough to call the page well read this way up
    two = _Layout(np.zeros((1, 1)), None, [], crops[:2], [(0, 0, 100, 20)] * 2, 20.0, [0] * 2, [], [])  # type: ignore[arg-type]
    assert _read_probes(rec, two, DEFAULT)[0] < DEFAULT.flip_check_below


def test_one_sure_probe_line_alone_does_not_settle_the_way_up() -> None:
    """A page on its side under streaks offered one line of the usual shape, read at 0.999: the
    page was taken as upright and read sideways (seed 13's unit-code-2025-odd, page 1). Under half
    the probes wanted, a score counts in proportion, so the other quarter turn is read too."""
    import numpy as np

    from pipeline.scan import DEFAULT, _Layout, _read_probes
    from pipeline.scan.recognize import Reading

    def layout(n: int) -> _Layout:
        crops = [np.zeros((20, 100), np.uint8) for _ in range(n)]
        return _Layout(np.zeros((1, 1)), None, [], crops, [(0, 0, 100, 20)] * n, 20.0, [0] * n, [], [])  # type: ignore[arg-type]

    def rec(lines: list[np.ndarray], height: int) -> list[Reading]:
        return [Reading("预算执行偏差率", 0.999, (0.999,) * 7, ())] * len(lines)

    wanted = DEFAULT.flip_probe_lines
    assert _read_probes(rec, layout(1), DEFAULT)[0] < DEFAULT.flip_check_below
    assert _read_probes(rec, layout(wanted // 2), DEFAULT)[0] >= DEFAULT.flip_check_below
    assert _read_probes(rec, layout(wanted), DEFAULT)[0] >= DEFAULT.flip_check_below


def test_probes_reading_a_few_characters_each_do_not_settle_the_way_up() -> None:
    """A page on its side whose rules were nearly as many each way (seed 36's calc-symbol-2024-flow,
    page 2): lines across its columns of text read 算目财, 据用实 at 0.99, the page was taken as
    upright and read sideways. Probes that read no phrases count for less, so the other quarter
    turn is read too; probes of phrases still settle it."""
    import numpy as np

    from pipeline.scan import DEFAULT, _Layout, _read_probes
    from pipeline.scan.recognize import Reading

    crops = [np.zeros((20, 100), np.uint8) for _ in range(6)]
    layout = _Layout(np.zeros((1, 1)), None, [], crops, [(0, 0, 100, 20)] * 6, 20.0, [0] * 6, [], [])  # type: ignore[arg-type]

    def reads(text: str):  # noqa: ANN202
        return lambda lines, height: [Reading(text, 0.99, (0.99,) * len(text), ())] * len(lines)

    assert _read_probes(reads("算目财"), layout, DEFAULT)[0] < DEFAULT.flip_check_below
    assert _read_probes(reads("服务对象"), layout, DEFAULT)[0] >= DEFAULT.flip_check_below


def test_rows_of_specks_are_no_probe_lines_and_marks_alone_read_as_nothing() -> None:
    """A title page under a photocopy's specks (seed 14's grid-2023-landscape, page 1): rows of
    specks were cut as lines of the usual shape, read as ·.· either way up, and a quarter turn won
    on noise; the page's 2023年度 was lost with it. Rows of specks are not picked, a longer line
    is, and marks alone count as nothing read."""
    import numpy as np

    from pipeline.scan import DEFAULT, _Layout, _probes, _read_probes
    from pipeline.scan.recognize import Reading

    specks = np.full((20, 100), 255, np.uint8)
    specks[8:10, 10:12] = specks[9:11, 60:62] = 0
    text = np.full((20, 100), 255, np.uint8)
    text[4:16, ::3] = 0  # strokes on a third of the line
    title = np.full((20, 300), 255, np.uint8)
    title[4:16, ::3] = 0  # 15 times as long as high: beyond the usual shape
    crops = [specks, specks, text, title]
    layout = _Layout(np.zeros((1, 1)), None, [], crops, [(0, 0, 100, 20)] * 4, 20.0, [0] * 4, [], [])  # type: ignore[arg-type]
    assert _probes(layout, 6) == [2, 3]

    def rec(lines: list[np.ndarray], height: int) -> list[Reading]:
        return [Reading("·.·", 0.9, (0.9,) * 3, ())] * len(lines)

    assert _read_probes(rec, layout, DEFAULT)[0] == 0.0


def test_slivers_of_a_rule_beside_it_down_a_cell_are_no_lines() -> None:
    """A bitonal copy left the fringe of a cell's left rule in pieces, one per text line's height,
    and one read as i after the unit (seed 16's var-shuffled-empty-11pt, page 2). Three or more
    slivers down one side go; a lone one there may be a printed 1, and text stays."""
    from pipeline.scan import _off_the_rules
    from pipeline.scan.lines import Segment

    text = [Segment(10, 5, 120, 28), Segment(10, 33, 90, 56)]
    slivers = [Segment(1, y, 4, y + 15) for y in (70, 95, 120)]
    assert _off_the_rules(text + slivers, 200, 5, 23.0) == text
    assert _off_the_rules(text + slivers[:1], 200, 5, 23.0) == text + slivers[:1]
    right = [Segment(197, y, 199, y + 15) for y in (70, 95, 120)]
    assert _off_the_rules(text + right, 200, 5, 23.0) == text
