"""Ruling lines from synthetic page images: scanner streaks are no rules, the table's rules stay."""

from __future__ import annotations

import numpy as np

from pipeline.scan.rules import find_rules, mend_streaks

SCALE = 2.0  # px per point (144 dpi)
HEIGHT, WIDTH = 1000, 1400  # px
TOP, BOTTOM = 150, 550  # px: the table's frame
COLUMNS = (100, 300, 600, 900, 1300)  # px: its vertical rules
ROWS = (150, 230, 310, 390, 470, 550)  # px: its horizontal rules


def _page(rule: int = 2) -> np.ndarray:
    """A white page with a ruled table (black rules `rule` px wide)."""
    page = np.full((HEIGHT, WIDTH), 245, np.uint8)
    for x in COLUMNS:
        page[TOP : BOTTOM + rule, x : x + rule] = 20
    for y in ROWS:
        page[y : y + rule, COLUMNS[0] : COLUMNS[-1] + rule] = 20
    return page


def _glyph(page: np.ndarray, x: int, y: int, size: int = 22) -> None:
    """A character-like mark: three bars across and one down (strokes 2 px)."""
    for dy in (0, size // 2, size - 2):
        page[y + dy : y + dy + 2, x : x + size] = 25
    page[y : y + size, x + size // 3 : x + size // 3 + 2] = 25


def _text(page: np.ndarray, columns: tuple[int, ...]) -> None:
    """A line of six characters in each cell of these columns (left-aligned, padded)."""
    for left in columns:
        for top, bottom in zip(ROWS, ROWS[1:], strict=False):
            y = (top + bottom) // 2 - 11
            for n in range(6):
                _glyph(page, left + 12 + 28 * n, y)


def _streak(
    page: np.ndarray, x: float, slant: float, level: int, width: int, gaps: tuple[tuple[int, int], ...] = ()
) -> None:
    """A scanner streak down the page from `x` (px) to `x + slant`, drawn over what is there
    (`level` grey, `width` px), missing along `gaps` (y ranges: too light for a bitonal copy)."""
    for y in range(40, HEIGHT - 60):
        if any(a <= y < b for a, b in gaps):
            continue
        at = int(round(x + slant * y / HEIGHT))
        page[y, at : at + width] = np.minimum(page[y, at : at + width], level)


def _verticals(rules) -> list[tuple[float, float, float]]:
    return sorted((e.x0, e.top, e.bottom) for e in rules.edges if e.orientation == "v")


def _horizontals(rules) -> list[float]:
    return sorted(e.top for e in rules.edges if e.orientation == "h")


def _assert_table(rules, rule: int = 2) -> None:
    """Every rule of the table found, from one end of the table to the other, and no other."""
    verticals = _verticals(rules)
    assert len(verticals) == len(COLUMNS), verticals
    for (x, top, bottom), column in zip(verticals, COLUMNS, strict=True):
        assert abs(x * SCALE - (column + rule / 2)) <= 2, verticals
        assert abs(top * SCALE - TOP) <= 3 and abs(bottom * SCALE - BOTTOM - rule) <= 3, verticals
    horizontals = _horizontals(rules)
    assert len(horizontals) == len(ROWS), horizontals
    for y, row in zip(horizontals, ROWS, strict=True):
        assert abs(y * SCALE - (row + rule / 2)) <= 2, horizontals


def test_table_alone() -> None:
    page = _page()
    _text(page, COLUMNS[:-1])
    _assert_table(find_rules(page, SCALE))


def test_broken_slanted_bitonal_streak_through_a_column_is_no_rule() -> None:
    """A black streak, 2 px wide, broken wherever it was too light (gaps far longer than a rule's
    breaks), slanted 3 px over the page, through the text of a column: no vertical edge there."""
    page = _page()
    _text(page, COLUMNS[:-1])
    gaps = ((120, 200), (330, 380), (600, 680), (800, 830))
    _streak(page, 380, 3, 0, 2, gaps)
    rules = find_rules(page, SCALE)
    _assert_table(rules)
    assert rules.streaks[1][400:900, 375:390].any()  # handed on: text crossed by it is mended
    mended = mend_streaks(page.copy(), rules)
    assert mended[700:780, 375:390].min() > 200  # past the table: paper again


def test_light_streak_through_an_empty_column_is_no_rule() -> None:
    """A light grey streak through a column with no text in it (no text crossing gives it away):
    it runs on far past the table, so it is a streak all along."""
    page = _page()
    _text(page, COLUMNS[:2])
    _streak(page, 760, -2, 170, 1)
    _assert_table(find_rules(page, SCALE))


def test_streak_on_a_rule_keeps_the_rule() -> None:
    """A grey streak lying on a column rule: the rule stays, from the table's top to its bottom
    (not on past it with the streak), and the streak's stretches past the table are streak."""
    page = _page(rule=3)
    _text(page, COLUMNS[:-1])
    _streak(page, 600, 1, 170, 2)
    rules = find_rules(page, SCALE)
    _assert_table(rules, rule=3)
    assert rules.streaks[1][600:900, 598:606].any()
    assert not rules.streaks[1][TOP + 10 : BOTTOM - 10, 598:606].any()


def test_bitonal_streak_on_a_rule_keeps_the_rule() -> None:
    """The same in a bitonal scan (the streak as black as the rule): the rule is wider."""
    page = _page(rule=4)
    _text(page, COLUMNS[:-1])
    _streak(page, 901, 0, 0, 2, ((60, 100),))
    page = np.where(page < 128, 0, 255).astype(np.uint8)
    _assert_table(find_rules(page, SCALE), rule=4)


def test_horizontal_streak_across_a_table_is_no_rule() -> None:
    """A streak across the page between two row rules, through the cells' text."""
    page = _page()
    _text(page, COLUMNS[:-1])
    y = (ROWS[1] + ROWS[2]) // 2
    for x in range(30, WIDTH - 40):
        if not 640 <= x < 720:  # broken
            page[y + x * 2 // WIDTH, x] = min(page[y + x * 2 // WIDTH, x], 150)
    _assert_table(find_rules(page, SCALE))


def test_tables_open_at_the_sides_keep_their_rules() -> None:
    """Rules only across (a three-line table), or rows running on past the outer columns: a
    table's rules all end together, a streak's end is its own."""
    page = np.full((HEIGHT, WIDTH), 245, np.uint8)
    for y in (150, 190, 500):
        page[y : y + 2, 100:1300] = 20
    _text(page, COLUMNS[:-1])
    found = sorted(e.top * SCALE for e in find_rules(page, SCALE).edges)
    assert len(found) == 3 and all(abs(y - r) <= 1.5 for y, r in zip(found, (151, 191, 501), strict=True)), (
        found
    )
    page = _page()
    for y in ROWS:
        page[y : y + 2, 40:1360] = 20
    rules = find_rules(page, SCALE)
    assert len(_horizontals(rules)) == len(ROWS) and len(_verticals(rules)) == len(COLUMNS)
    assert all(e.x1 - e.x0 > 640 for e in rules.edges if e.orientation == "h")


def test_faded_stretches_of_a_bitonal_rule_are_bridged() -> None:
    """A poor copy's rules faded over stretches far longer than a break (up to 15 mm), lost whole
    to a bitonal threshold: inside a cell, across a junction, and at a rule's end by the frame.
    Each rule is found whole all the same; the text's bars lined up along a row are no rule."""
    page = _page()
    _text(page, COLUMNS[:-1])
    for y in ROWS[1:-1]:
        page[y : y + 2, 400:470] = 245  # inside a cell (35 pt)
        page[y : y + 2, 1230:1300] = 245  # its last stretch, up to the frame
    page[ROWS[2] : ROWS[2] + 2, 560:640] = 245  # across a column's rule
    page[260:340, COLUMNS[2] : COLUMNS[2] + 2] = 245  # down a column, across a row's rule
    page[TOP + 10 : TOP + 60, COLUMNS[3] : COLUMNS[3] + 2] = 245
    page = np.where(page < 128, 0, 255).astype(np.uint8)
    _assert_table(find_rules(page, SCALE))


def test_strokes_lined_up_down_lines_of_text_are_no_rules() -> None:
    """Lines of dense characters above the table, set on a grid (an info block: 单位信息, 项目名称 …):
    their strokes line up down the lines (the line gaps bridged) and their bars run together
    along each line; those lines cross each other, but each has the characters' other strokes
    beside it all along. No rule there; the table's rules stay."""
    page = _page()
    _text(page, COLUMNS[:-1])
    for line in range(4):
        y = 10 + 28 * line
        for n in range(12):
            x = 120 + 28 * n
            for d in range(0, 22, 5):
                page[y + d : y + d + 2, x : x + 22] = 25
                page[y : y + 22, x + d : x + d + 2] = 25
    _assert_table(find_rules(page, SCALE))


def test_a_rule_faded_across_a_wide_cell_is_bridged_by_what_is_left_of_it() -> None:
    """A row's rule faded across a whole wide cell (far longer than `rule_faded_pt`) but for a few
    short stubs of it: stepping on those, the stretches between are each short enough, and the rule
    is found whole (a two-row header's foot under a wide empty header cell)."""
    page = _page()
    _text(page, COLUMNS[:-1])
    y = ROWS[2]
    page[y : y + 2, COLUMNS[2] + 3 : COLUMNS[3] - 3] = 245
    for x in (670, 760, 840):
        page[y : y + 2, x : x + 10] = 20  # 5 pt stubs, shorter than a seed
    page = np.where(page < 128, 0, 255).astype(np.uint8)
    _assert_table(find_rules(page, SCALE))


def test_a_column_faded_from_a_junction_on_reaches_the_rule_its_stub_hangs_from() -> None:
    """A column's rule that starts at a row's rule (a merged cell above it), its first stretch
    faded but for a stub hanging from that row's rule: the column runs from that rule, not from
    the next one it would otherwise stop at."""
    page = _page()
    x = COLUMNS[2]
    page[TOP + 2 : ROWS[1], x : x + 2] = 245  # a merged cell above: the column starts at ROWS[1]
    page[ROWS[1] + 12 : ROWS[2], x : x + 2] = 245  # faded but for a 5 pt stub
    _text(page, COLUMNS[:-1])
    page = np.where(page < 128, 0, 255).astype(np.uint8)
    column = [
        (top, bottom) for at, top, bottom in _verticals(find_rules(page, SCALE)) if abs(at * SCALE - x) <= 3
    ]
    assert len(column) == 1 and abs(column[0][0] * SCALE - ROWS[1]) <= 3, column
    assert abs(column[0][1] * SCALE - BOTTOM) <= 4, column


def _label(page: np.ndarray, left: int, right: int, top: int, bottom: int, count: int) -> None:
    """`count` characters centred in the cell between these rules (px)."""
    x = (left + right) // 2 - 14 * count
    for n in range(count):
        _glyph(page, x + 28 * n, (top + bottom) // 2 - 11)


def _body(page: np.ndarray, first: int) -> None:
    """Three characters at the left of each cell in the rows from ROWS[first] down."""
    for top, bottom in zip(ROWS[first:], ROWS[first + 1 :], strict=False):
        for left in COLUMNS[:-1]:
            _label(page, left, left + 200, top, bottom, 3)


def test_a_column_lost_across_a_header_row_between_two_labels_is_found() -> None:
    """A column's rule faded whole across the header row (no stub left), a label centred on each
    side of it: the column runs up to the table's top. Under a merged cell with one label centred
    over both halves it stays where it starts."""
    for merged in (False, True):
        page = _page()
        x = COLUMNS[2]
        page[TOP + 2 : ROWS[1], x : x + 2] = 245
        for left, right in zip(COLUMNS, COLUMNS[1:], strict=False):
            if merged and left == x:
                continue  # the merged cell's label is drawn from its left column
            _label(page, left, COLUMNS[3] if merged and left == COLUMNS[1] else right, TOP, ROWS[1], 4)
        _body(page, 1)
        page = np.where(page < 128, 0, 255).astype(np.uint8)
        column = [(t, b) for at, t, b in _verticals(find_rules(page, SCALE)) if abs(at * SCALE - x) <= 3]
        assert len(column) == 1, column
        assert abs(column[0][0] * SCALE - (ROWS[1] if merged else TOP)) <= 3, (merged, column)


def test_streaks_ending_together_far_past_the_table_are_no_rules() -> None:
    """Streaks drawn on a page that was then scanned askew: deskewed, they end together, short of
    the image's edges (at the page's edges turned level), far past the table at both ends. Ending
    together is no table's side there; they are streaks, and the table's rules stay."""
    page = _page()
    _text(page, COLUMNS[:-1])
    for x in (180, 450, 760, 1100):
        _streak(page, x, 0, 170, 2)
    _assert_table(find_rules(page, SCALE))


def test_a_table_open_at_its_foot_keeps_rules_running_on_below_it() -> None:
    """No rule under the last row (the table goes on overleaf) and the columns run on far below
    the last row rule, all ending together: they still start at the table's top rule, so they
    are the table's rules, not streaks."""
    page = _page()
    _text(page, COLUMNS[:-1])
    page[BOTTOM : BOTTOM + 2, :] = 245
    for x in COLUMNS:
        page[TOP : BOTTOM + 350, x : x + 2] = 20
    verticals = _verticals(find_rules(page, SCALE))
    assert len(verticals) == len(COLUMNS), verticals
    assert all(abs(bottom * SCALE - (BOTTOM + 350)) <= 3 for _, _, bottom in verticals), verticals


def test_a_column_lost_across_a_header_row_but_for_a_stub_is_found() -> None:
    """The same column faded across the header row but for a stub of it hanging from the top
    rule (7 pt), a character's strokes standing just above the rule over it (the line above the
    table): the stub runs together with them, ink beside it, so it is no stub to step on; but it
    is on the rule's line, the rule's own ink, not a mark between the labels."""
    page = _page()
    x = COLUMNS[2]
    page[TOP + 16 : ROWS[1], x : x + 2] = 245
    page[TOP - 14 : TOP - 3, x : x + 2] = 25  # a character's down stroke right over the column …
    page[TOP - 14 : TOP - 3, x - 4 : x - 2] = 25  # … and its next stroke
    for left, right in zip(COLUMNS, COLUMNS[1:], strict=False):
        _label(page, left, right, TOP, ROWS[1], 4)
    _body(page, 1)
    page = np.where(page < 128, 0, 255).astype(np.uint8)
    column = [(t, b) for at, t, b in _verticals(find_rules(page, SCALE)) if abs(at * SCALE - x) <= 3]
    assert len(column) == 1 and abs(column[0][0] * SCALE - TOP) <= 3, column


def test_a_column_lost_across_a_two_row_header_is_found() -> None:
    """A two-row header: its first columns' cells span both rows (80 pt high, no rule between its
    rows there), and a column's rule between two of them faded whole down that height, a label
    centred each side: the column runs up to the table's top."""
    page = _page()
    x = COLUMNS[2]
    page[ROWS[1] : ROWS[1] + 2, COLUMNS[0] : COLUMNS[3]] = 245  # the header's cells span two rows here
    page[TOP + 2 : ROWS[2], x : x + 2] = 245
    for left, right in zip(COLUMNS[:3], COLUMNS[1:4], strict=False):
        _label(page, left, right, TOP, ROWS[2], 4)
    for left, right in zip(COLUMNS[3:], COLUMNS[4:], strict=False):
        _label(page, left, right, TOP, ROWS[1], 4)
        _label(page, left, right, ROWS[1], ROWS[2], 4)
    _body(page, 2)
    page = np.where(page < 128, 0, 255).astype(np.uint8)
    column = [(t, b) for at, t, b in _verticals(find_rules(page, SCALE)) if abs(at * SCALE - x) <= 3]
    assert len(column) == 1 and abs(column[0][0] * SCALE - TOP) <= 3, column


def test_two_lines_of_strokes_that_only_cross_each_other_are_no_rules() -> None:
    """A column of strokes down a goal's lines met a row of character tops, and each held the
    other up as a rule (seed 16's var-shuffled-empty-11pt, page 3: the column's rule cut 85 to 5
    in the text). A line stands by rules it meets: once the row (text all along it) falls, so
    does the column."""
    page = _page()
    page[240:300, 450:452] = 20  # the column of strokes, 30 pt
    page[270:272, 400:500] = 20  # the row of tops, 50 pt …
    for x in range(400, 500, 5):
        page[272:278, x : x + 2] = 20  # … with the characters' strokes hanging off it all along
    rules = find_rules(page, SCALE)
    _assert_table(rules)


def test_a_row_faded_across_a_wide_column_steps_on_its_stubs_to_the_frame() -> None:
    """A level column's row rule lost but for stubs at each side (a crop of seed 16's
    midterm-shared-portrait-2022, bitonal 150 dpi: 产出指标 and 效益指标 read as one cell). It ends
    at the column's rule, 51 pt from the frame: further than one faded stretch, but the stubs
    leave no stretch of paper that long; the rule runs on to the frame."""
    from pathlib import Path

    from PIL import Image

    crop = np.array(Image.open(Path(__file__).parent / "images" / "level-row-faded.png"))
    scale = 150 / 72
    row = [e for e in find_rules(crop, scale).edges if e.orientation == "h" and abs(e.top * scale - 278) <= 6]
    assert len(row) == 1 and row[0].x0 < 30, row


def test_a_header_rule_faded_across_broken_columns_is_joined_cell_by_cell() -> None:
    """A crop of seed 53's dept-info-2024, page 2 (bitonal G4, broken rules, streaks, pen): the
    header's foot is left in pieces under 一级指标 and 二级指标, 6 pt apart across the first column's
    rule (broken itself just above the line) and 56 pt from the rest of the line across the next
    column's rule. Each lost stretch lies within one cell: the line is one rule, and the header
    row stands apart from the body (without it, 一级指标 read over 成本指标 as one cell)."""
    from pathlib import Path

    from PIL import Image

    crop = np.array(Image.open(Path(__file__).parent / "images" / "header-row-faded.png"))
    scale = 200 / 72
    foot = [e for e in find_rules(crop, scale).edges if e.orientation == "h" and abs(e.top - 30) <= 2]
    assert len(foot) == 1 and foot[0].x0 < 25 and foot[0].x1 > 350, foot


def _dashed(page: np.ndarray, x: int, dash: int, gap: int) -> None:
    """A streak a bitonal copy broke into dashes `dash` px long, `gap` px apart, 1 px wide."""
    for y in range(40, HEIGHT - 60, dash + gap):
        page[y : y + dash, x] = np.minimum(page[y : y + dash, x], 0)


def test_streak_broken_into_dashes_through_a_column_is_mended_not_read() -> None:
    """Seed 18's rl-seed-2025-lasa: a streak left as dashes of 4–7 px (too short for any rule's
    seed) down a column of text read as 1!1!1. It is handed on as a streak over its whole span,
    text it crosses and all, and the table's rules stay as they were."""
    page = _page()
    _text(page, COLUMNS[:-1])
    _dashed(page, 380, 5, 4)
    rules = find_rules(page, SCALE)
    _assert_table(rules)
    assert np.count_nonzero(rules.streaks[1][60:900, 378:383].any(axis=1)) >= 800
    mended = mend_streaks(page.copy(), rules)
    assert mended[600:900, 375:390].min() > 200  # past the table: paper again


def test_a_dashed_line_inside_the_table_only_is_no_streak() -> None:
    """Dashes that stop at the table's frame are a broken rule's, or a cell's own: left alone."""
    page = _page()
    page[TOP + 4 : BOTTOM - 2 : 9, 450] = 0
    for y in range(TOP + 4, BOTTOM - 2, 9):
        page[y : y + 5, 450] = 0
    rules = find_rules(page, SCALE)
    assert not rules.streaks[1].any()


def test_a_column_rule_lost_whole_comes_back_from_the_rows_ending_on_it() -> None:
    """Seed 18's lasa page 7: a light streak laid over the rule between 二级 and 三级 took it
    away end to end; the rows' rules of the 三级 column still start where it ran."""
    page = _page()
    page[TOP : BOTTOM + 2, 600:602] = 245  # the third column's rule, gone
    for y in ROWS[1:-1]:
        page[y : y + 2, COLUMNS[0] : 600] = 245  # the rows' rules run only right of it …
    _text(page, (COLUMNS[0], COLUMNS[2]))  # 三级 names beside it, and 二级 names set right:
    for top, bottom in zip(ROWS[1:], ROWS[2:], strict=False):
        for n in range(3):
            _glyph(page, 500 + 28 * n, (top + bottom) // 2 - 11)
    rules = find_rules(page, SCALE)
    back = [(x, top, bottom) for x, top, bottom in _verticals(rules) if abs(x * SCALE - 601) <= 4]
    assert back and abs(back[0][1] * SCALE - TOP) <= 3 and abs(back[0][2] * SCALE - BOTTOM) <= 4, back


def test_a_column_rule_lost_below_a_t_comes_back_from_two_rows_ending_in_line_with_it() -> None:
    """Seed 74's rl-landscape-unit-above (200 dpi, 0.25-pt rules): the rule between the goal and
    一级指标 lost under a whole project, two rows' rules starting where it ran and the goal's
    text too far off it on the left to count: the goal cell stayed open, the goal unread on 9
    rows. In line with the rule above it, two ends say it went on."""
    page = _page()
    page[ROWS[2] + 2 : BOTTOM, 600:602] = 245  # lost from the third row's rule down …
    for y in ROWS[3:-1]:
        page[y : y + 2, COLUMNS[1] + 2 : 600] = 245  # … beside one tall cell on its left
    _text(page, (COLUMNS[0], COLUMNS[2], COLUMNS[3]))
    for n in range(6):  # the tall cell's text: one line, far left of the lost rule
        _glyph(page, 312 + 28 * n, ROWS[3] - 11)
    rules = find_rules(page, SCALE)
    back = [(x, top, bottom) for x, top, bottom in _verticals(rules) if abs(x * SCALE - 601) <= 4]
    assert any(
        abs(top * SCALE - ROWS[2]) <= 3 and abs(bottom * SCALE - BOTTOM) <= 4 for _, top, bottom in back
    ), back


def test_rows_faded_short_of_the_tables_lost_side_put_back_no_rule() -> None:
    """Seed 15's info-lines-2024-portrait, page 2: the frame's right rule lost, some rows' rules
    fading 20 pt short of it and ending together; nothing but paper beyond their ends."""
    page = _page()
    page[TOP : BOTTOM + 2, COLUMNS[-1] : COLUMNS[-1] + 2] = 245
    for y in ROWS[1:-1]:
        page[y : y + 2, 1260:1302] = 245
    _text(page, COLUMNS[:-1])
    rules = find_rules(page, SCALE)
    assert not [x for x, _, _ in _verticals(rules) if abs(x * SCALE - 1260) <= 6]


def test_a_tables_side_lost_whole_comes_back_where_its_rows_end_together() -> None:
    """Seed 48's dept-info-2023-portrait (150-dpi bitonal, broken rules): the frame's right rule
    gone from top to foot, every row's rule ending where it ran, the last column's text close
    inside it and paper outside: the side comes back, so the last column's cells close."""
    page = _page()
    page[TOP : BOTTOM + 2, COLUMNS[-1] : COLUMNS[-1] + 2] = 245
    _text(page, COLUMNS[:-1])
    for top, bottom in zip(ROWS[:3], ROWS[1:4], strict=False):  # text set right in three rows
        for n in range(3):
            _glyph(page, COLUMNS[-1] - 12 - 22 - 28 * n, (top + bottom) // 2 - 11)
    rules = find_rules(page, SCALE)
    side = [(x, top, bottom) for x, top, bottom in _verticals(rules) if abs(x * SCALE - COLUMNS[-1]) <= 4]
    assert side and abs(side[0][1] * SCALE - TOP) <= 3 and abs(side[0][2] * SCALE - BOTTOM) <= 4, side


def test_text_across_the_way_keeps_a_lost_rule_out() -> None:
    """Rows' rules ending together beside a cell whose text runs across where a rule would stand:
    a merged cell, no rule lost."""
    page = _page()
    page[TOP : BOTTOM + 2, 600:602] = 245
    for y in ROWS[1:-1]:
        page[y : y + 2, COLUMNS[0] : 600] = 245
    for top, bottom in zip(ROWS, ROWS[1:], strict=False):
        for n in range(8):
            _glyph(page, 540 + 28 * n, (top + bottom) // 2 - 11)
    rules = find_rules(page, SCALE)
    assert not [x for x, _, _ in _verticals(rules) if abs(x * SCALE - 601) <= 4]


def test_a_title_characters_stroke_in_line_with_a_column_rule_is_no_streak() -> None:
    """Seed 19's dept-guangdong-2022 (300 dpi): a stroke of the title's 门, split in two lines side
    by side, stands in line with a column's rule 40 pt above the table; the two ran past the
    frame like a streak and the column's rule went. Pieces with ink beside them all along are a
    character's, not a streak's."""
    page = _page()
    _text(page, COLUMNS[:-1])
    for x in (599, 603):  # the stroke's two halves, 2 px apart
        page[20:80, x : x + 2] = 20
    rules = find_rules(page, SCALE)
    assert not rules.streaks[1].any()
    assert any(abs(x * SCALE - 601) <= 2 and abs(top * SCALE - TOP) <= 3 for x, top, _ in _verticals(rules))


def test_a_header_column_faded_between_stubs_its_neighbour_lost_too_is_found() -> None:
    """Seed 23's writer-portrait-01 (bitonal, broken rules): 绩效度量单位 | 权重 read as one cell.
    The column's rule faded across the header but for a stub at the top and one just above the
    header's rule, which runs on with the body's rule past that row's rule; the next column's
    rule faded across the header too (80 pt high: too far to carry a loose end). Both run up to
    the table's top."""
    page = _page()
    x, y = COLUMNS[2], COLUMNS[3]
    page[ROWS[1] : ROWS[1] + 2, COLUMNS[0] : COLUMNS[-1] + 2] = 245  # a header two rows high
    page[TOP + 8 : ROWS[2] - 10, x : x + 2] = 245  # stubs left: 6 px under the top, 10 px over ROWS[2]
    page[TOP + 2 : ROWS[2] - 8, y : y + 2] = 245
    for left, right in zip(COLUMNS, COLUMNS[1:], strict=False):
        _label(page, left, right, TOP, ROWS[2], 4)
    _body(page, 2)
    page = np.where(page < 128, 0, 255).astype(np.uint8)
    verticals = _verticals(find_rules(page, SCALE))
    for column in (x, y):
        found = [(t, b) for at, t, b in verticals if abs(at * SCALE - column) <= 3]
        assert len(found) == 1 and abs(found[0][0] * SCALE - TOP) <= 3, (column, found)


def test_a_row_faded_across_two_cells_steps_on_across_the_second() -> None:
    """Seed 23's writer-portrait-01: the rule between two projects faded short of a column's rule
    and, past it, across the unit column but for stubs (the unit names of two projects read as
    one). Carried to the column's rule, it steps on across the next cell on its stubs."""
    page = _page()
    row, unit = ROWS[3], COLUMNS[0] + 100  # a unit column 50 pt wide
    page[TOP : BOTTOM + 2, unit : unit + 2] = 20
    page[row : row + 2, COLUMNS[0] + 14 : COLUMNS[0] + 50] = 245  # stubs 100–114 and 150–158 px
    page[row : row + 2, COLUMNS[0] + 58 : unit + 15] = 245  # faded on past the column's rule
    _text(page, COLUMNS[1:-1])
    page = np.where(page < 128, 0, 255).astype(np.uint8)
    found = [
        e for e in find_rules(page, SCALE).edges if e.orientation == "h" and abs(e.top * SCALE - row) <= 3
    ]
    assert len(found) == 1 and abs(found[0].x0 * SCALE - COLUMNS[0]) <= 3, found


def test_a_column_a_light_streak_replaced_end_to_end_comes_back_from_the_header() -> None:
    """Seed 24's rl-portrait-two-row-header: a light streak laid exactly along the 一级 | 二级
    column, lighter than the rule it replaced, the rows' rules crossing it (no ends to go by).
    A label centred each side of it in the header says a column's rule ran there; under a merged
    header cell (one label over both halves) it stays a streak."""
    for merged in (False, True):
        page = _page()
        x = COLUMNS[2]
        page[40 : HEIGHT - 60, x : x + 2] = 170  # the streak, the rule under it gone
        for left, right in zip(COLUMNS, COLUMNS[1:], strict=False):
            if merged and left == x:
                continue
            _label(page, left, COLUMNS[3] if merged and left == COLUMNS[1] else right, TOP, ROWS[1], 4)
        _body(page, 1)
        column = [(t, b) for at, t, b in _verticals(find_rules(page, SCALE)) if abs(at * SCALE - x) <= 3]
        if merged:
            assert column == [], column
        else:
            assert len(column) == 1 and abs(column[0][0] * SCALE - TOP) <= 3, column
            assert abs(column[0][1] * SCALE - BOTTOM) <= 3, column


def test_a_light_streak_down_a_merged_goal_cell_stays_a_streak() -> None:
    """Seed 24's var-shuffled-empty-11pt: a streak down a goal cell merged over every row, through
    the white after a line's comma, its text both sides of it and the header's label on one side.
    No rows' rules cross it under the header: no column's rule ran there."""
    page = _page()
    x = COLUMNS[1] + 232
    page[ROWS[2] : ROWS[-1], COLUMNS[1] + 2 : COLUMNS[2]] = 245  # the goal cell spans the body
    page[40 : HEIGHT - 60, x : x + 2] = 170
    for left, right in zip(COLUMNS, COLUMNS[1:], strict=False):
        _label(page, left, right, TOP, ROWS[1], 4)
    for n in range(10):  # the goal's line, white at the streak
        _glyph(page, COLUMNS[1] + 12 + 28 * n, ROWS[1] + 30)
    column = [(t, b) for at, t, b in _verticals(find_rules(page, SCALE)) if abs(at * SCALE - x) <= 3]
    assert column == [], column


def test_a_light_streak_through_a_cells_text_stays_a_streak() -> None:
    """Seed 20's grid-2023-coded-words: a streak through [5|64]西藏… in the unit column, a bit of
    text each side of it, each centred between it and the column's rules. The text touches the
    streak: a column's rule keeps paper on both sides."""
    page = _page()
    x = COLUMNS[1] + 20
    page[40 : HEIGHT - 60, x : x + 2] = 170
    for left, right in zip(COLUMNS, COLUMNS[1:], strict=False):
        _label(page, left, right, TOP, ROWS[1], 4)
    _glyph(page, COLUMNS[1] + 2, ROWS[1] + 30, size=16)
    for n in range(13):  # small characters: bars shorter than any rule's seed
        _glyph(page, x + 5 + 20 * n, ROWS[1] + 30, size=16)
    column = [(t, b) for at, t, b in _verticals(find_rules(page, SCALE)) if abs(at * SCALE - x) <= 3]
    assert column == [], column


def test_a_faded_stretch_between_two_pieces_a_pixel_apart_across_is_bridged() -> None:
    """Seed 25's midterm-odd-big-2025 (150 dpi, bitonal, 1° skew): a row's rule faded across 38 pt,
    its left piece a pixel lower than its right one. Taken in order of their place across, the
    right piece came first and looked only rightwards: the 中期目标 header fell out of every cell."""
    page = _page()
    row = ROWS[3]
    page[row : row + 2, COLUMNS[0] : COLUMNS[-1] + 2] = 245
    page[row + 1 : row + 3, COLUMNS[0] : 650] = 20  # the left piece, a pixel lower
    page[row : row + 2, 720 : COLUMNS[-1] + 2] = 20  # 35 pt on, the right piece
    page = np.where(page < 128, 0, 255).astype(np.uint8)
    edges = find_rules(page, SCALE).edges
    found = [
        (e.x0 * SCALE, e.x1 * SCALE) for e in edges if e.orientation == "h" and abs(e.top * SCALE - row) <= 3
    ]
    assert len(found) == 1 and found[0][0] <= COLUMNS[0] + 3 and found[0][1] >= COLUMNS[-1], found


def test_a_column_faded_from_over_halfway_down_a_header_row_reaches_the_top_on_what_is_left() -> None:
    """A column's rule in the header row left from the top rule down for 15 pt (too short for a
    rule, too long for a stub of the short runs), faded from there through the junction under
    the header, a copy's speck touching what is left (so it is not joined as a clean line): the
    column's rule below steps up on it to the top (seed 28's lasa, page 7: 三级指标 | 绩效指标性质
    read as one header cell, every row twice)."""
    page = _page()
    x = COLUMNS[2]
    page[TOP + 30 : ROWS[1] + 2, x : x + 2] = 245
    page[TOP + 12 : TOP + 15, x + 2 : x + 4] = 20
    _text(page, COLUMNS[:-1])
    page = np.where(page < 128, 0, 255).astype(np.uint8)
    column = [(t, b) for at, t, b in _verticals(find_rules(page, SCALE)) if abs(at * SCALE - x) <= 3]
    assert len(column) == 1 and abs(column[0][0] * SCALE - TOP) <= 3, column


def test_the_feet_of_a_line_of_characters_across_a_cell_are_no_rule() -> None:
    """Characters whose strokes all stand on a bar (皿, 血) in a line across a header cell, from
    its left rule to its right one: their bars run together over the gaps between characters
    into a line that meets both rules, strokes hanging off it all along. It is bridged over
    gaps along a sixth of it, as no rule is (seed 32's writer-portrait-01: 绩效度 over 量单位 cut
    apart, the column of units lost)."""
    page = _page()
    left, y = COLUMNS[2] + 2, ROWS[1] + 20
    for n in range(9):  # 13 pt wide, 4 pt apart: from one rule to the other
        x = left + 34 * n
        page[y + 20 : y + 22, x : x + 26] = 25  # the bar they stand on
        for dx in range(0, 26, 5):
            page[y : y + 20, x + dx : x + dx + 2] = 25
    page = np.where(page < 128, 0, 255).astype(np.uint8)
    rows = [r for r in _horizontals(find_rules(page, SCALE)) if ROWS[1] + 5 < r * SCALE < ROWS[2] - 5]
    assert rows == [], rows


def test_a_streak_beside_a_column_rule_ending_with_other_streaks_short_of_the_edge_is_no_rule() -> None:
    """Streaks drawn on a page scanned askew end where its edge was turned level, short of the
    image's edge, and a table filling the page leaves them less than `streak_far_pt` past it
    (seed 36's calc-symbol-2024-flow, page 2): two ended within the page's edge (12 pt) and were
    streaks; a third ended a hair further in, together with them, so its ends looked like a
    table's side. It ran a few points beside a column's rule, through the cells' text, and was
    taken for a rule, cutting 项目名称 in two. Where streaks are found, the page's edge is taken
    where they end: it is a streak too, and the table's rules stay."""
    page = np.full((HEIGHT, WIDTH), 245, np.uint8)
    rows = tuple(range(100, HEIGHT - 99, 80))  # the table 50 pt from the page's top and foot
    for x in COLUMNS:
        page[rows[0] : rows[-1] + 2, x : x + 2] = 20
    for y in rows:
        page[y : y + 2, COLUMNS[0] : COLUMNS[-1] + 2] = 20
    for left in COLUMNS[:-1]:
        for top, bottom in zip(rows, rows[1:], strict=False):
            for n in range(6):
                _glyph(page, left + 12 + 28 * n, (top + bottom) // 2 - 11)
    for x, short in ((COLUMNS[1] + 8, 26), (760, 23), (1100, 23)):  # px short of the top and foot
        page[short : HEIGHT - short, x : x + 2] = np.minimum(page[short : HEIGHT - short, x : x + 2], 170)
    verticals = _verticals(find_rules(page, SCALE))
    assert [round(x * SCALE) for x, _, _ in verticals] == [c + 1 for c in COLUMNS], verticals


def _stretch(rules, x: int, top: int, bottom: int) -> bool:
    """A vertical rule at `x` (px) runs along most of top..bottom (px)."""
    return any(
        abs(e.x0 * SCALE - x) <= 4 and e.top * SCALE <= top + 4 and e.bottom * SCALE >= bottom - 4
        for e in rules.edges
        if e.orientation == "v"
    )


def test_a_column_rule_lost_across_one_row_but_a_stub_comes_back() -> None:
    """A crop of seed 39's var-midterm-portrait-lookalike (bitonal G4, photocopy, broken rules): the
    copy lost the rule between the right-hand 二级 and 三级 header cells but for a stub under the
    header's top rule (read as I); the rule below met the header's foot in a T, the two labels
    read as one cell and the grid lost both columns (the midterm half's rows went)."""
    from pathlib import Path

    from PIL import Image

    crop = np.array(Image.open(Path(__file__).parent / "images" / "column-stub-header.png"))
    scale = 200 / 72
    rules = find_rules(crop, scale)
    header = [e for e in rules.edges if e.orientation == "v" and abs(e.x0 - 140.6) <= 2 and e.bottom < 40]
    assert len(header) == 1 and header[0].top <= 10 and header[0].bottom >= 33, header
    stub = slice(int(10 * scale), int(13 * scale)), slice(int(138 * scale), int(143 * scale))
    assert rules.vertical[stub].any() and not rules.ink[stub][rules.vertical[stub] == 0].any()  # rule, no I


def test_a_merged_cell_keeps_its_t_without_a_stub_or_with_a_characters_stroke() -> None:
    """The same stretch gone whole is a merged header cell (nothing says a rule ran there), and so
    is one where only a character touches the line."""
    page = _page()
    page[ROWS[0] + 2 : ROWS[1], 600:602] = 245
    _text(page, COLUMNS[:-1])
    assert not _stretch(find_rules(page, SCALE), 601, ROWS[0], ROWS[1])
    _glyph(page, 590, ROWS[0] + 4)  # a character standing across the line, under the top rule
    assert not _stretch(find_rules(page, SCALE), 601, ROWS[0], ROWS[1])


def _partial_streak_page(x: int) -> np.ndarray:
    """A bitonal page whose light streak at `x` kept dark from the page's top edge into the table
    (to its third row rule) and below that only as ticks where it crossed the row rules."""
    page = _page()
    _text(page, COLUMNS[:2])
    page[0 : ROWS[2], x] = 0
    for y in ROWS[2:]:
        page[y - 2 : y + 4, x] = 0  # the 2-px rule, two px of tick each side
    return np.where(page < 128, 0, 255).astype(np.uint8)


def test_a_streak_dark_from_the_edge_into_the_table_and_ticks_below_is_no_rule() -> None:
    """seed 44's form-content-2021 (bitonal G4, streaks): the streak's dark stretch ran from the
    page's top into the table and split 项目名称's value cell; its ticks below put back a
    'lost' column down the whole table."""
    rules = find_rules(_partial_streak_page(760), SCALE)
    _assert_table(rules)


def test_a_table_the_pages_edge_cut_keeps_its_columns() -> None:
    """Columns running from the page's top edge into the table, all of them, over less than half
    the page: a table cut off by the page's edge, not a streak each. (Over half the page they
    would be streaks: scanned whole pages do not cut tables so.)"""
    page = np.vstack([_page(), np.full((HEIGHT // 2, WIDTH), 245, np.uint8)])
    _text(page, COLUMNS[:-1])
    for x in COLUMNS:
        page[0:TOP, x : x + 2] = 20
    verticals = _verticals(find_rules(page, SCALE))
    assert len(verticals) == len(COLUMNS), verticals
    assert all(top * SCALE <= 3 for _, top, _ in verticals), verticals


def test_a_stroke_along_a_light_streak_stays_when_the_streak_is_mended() -> None:
    """A light streak running down a character's upright (seed 48's eval-long-portrait: 金 read
    without its upright, dropped): the upright is darker than the streak, so it stays, while the
    streak past the table becomes paper again."""
    page = _page()
    _text(page, COLUMNS[:-1])
    upright = COLUMNS[1] + 12 + 28 * 2 + 22 // 3  # the third character's upright in the second column
    _streak(page, upright, 0, 200, 2)
    rules = find_rules(page, SCALE)
    _assert_table(rules)
    assert rules.streaks[1][TOP:BOTTOM, upright : upright + 2].any()
    mended = mend_streaks(page.copy(), rules)
    y = (ROWS[0] + ROWS[1]) // 2 - 11  # the first row's line of characters
    assert mended[y : y + 22, upright : upright + 2].max() < 100  # the upright, whole
    assert mended[700:780, upright - 3 : upright + 5].min() > 235  # the streak past the table: paper


def test_a_row_of_strokes_through_a_merged_cells_name_does_not_carry_a_rule_into_it() -> None:
    """Seed 57's sys-landscape-cell-rects (150 dpi, photocopied, turned over): 社会效益指标 sits in
    a cell merged over two rows, its characters' middle strokes level with the rule between those
    rows in the next column. Run together they looked a stretch of that rule, bridged across the
    column's rule: the cell cut through its name, read 让云从血拍物. The rule stops at the column."""
    from pathlib import Path

    from PIL import Image

    crop = np.array(Image.open(Path(__file__).parent / "images" / "merged-level-cell-150dpi.png"))
    edges = find_rules(crop, 150 / 72).edges
    (column,) = [e for e in edges if e.orientation == "v" and 145 <= e.x0 <= 155]
    (row,) = [e for e in edges if e.orientation == "h" and abs(e.top - 108) <= 2]
    assert abs(row.x0 - column.x0) <= 2 and row.x1 > 260, row


def test_a_black_streak_turned_level_with_its_page_is_no_rule_where_it_falls_on_one_column() -> None:
    """Seed 56's midterm-shared-2023 (200-dpi bitonal, skewed 0.5°): a 1-px black streak, turned
    with the page, spreads grey over two pixel columns where it falls between them and stays black
    where it falls on one, inside the table and past it alike. Judged by its usual grey past the
    table, a stretch inside it where it fell on one column looked darker than itself and was kept
    as a column's rule (the table's last two rows parted); on a black-and-white page a streak is
    black, and a rule under it is told by its width."""
    page = _page()
    _text(page, COLUMNS[:2])
    page[page == 245] = 255  # a black-and-white scan: its paper white exactly
    for y in range(40, HEIGHT - 60):
        if ROWS[-2] < y < ROWS[-1] or 60 <= y < 120 or 700 <= y < 780:  # it falls on one pixel column
            page[y, 700] = 10
        else:  # elsewhere it falls between two
            page[y, 700:702] = np.minimum(page[y, 700:702], 125)
    _assert_table(find_rules(page, SCALE))


def test_a_light_streak_on_a_light_hairline_keeps_the_rule() -> None:
    """Seed 58's rl-portrait-two-row-header (200-dpi grey JPEG): a light streak lay along the
    hairline between 三级指标 and 指标性质, grey as the streak itself; inside the table the line was
    no darker, only twice as wide, and the column was lost on the whole page (every 三级 cell read
    with its operator). Wider along a stretch between two rules is a rule there too."""
    page = _page()
    page[TOP : BOTTOM + 2, 600:602] = 150  # that column's rule: a light hairline
    _text(page, (COLUMNS[0], COLUMNS[1], COLUMNS[3]))
    _streak(page, 598, 0, 185, 2)  # a light streak along its left side, the page's height
    rules = find_rules(page, SCALE)
    _assert_table(rules)
    assert rules.streaks[1][600:900, 596:604].any()  # past the table: a streak


def test_a_double_ruled_tables_rows_are_rules_though_each_has_its_twin_beside_it() -> None:
    """A crop of seed 65's sys-landscape-separate-borders, page 2 (300-dpi colour JPEG, skewed,
    shadow, streaks), its 指标值 column and those beside it: every cell has its own border, so
    each rule runs two points from its twin, and the twin's ink beside a rule read as text beside
    it. Every row and column rule needed two crossing lines without such ink, and the rows found
    none but the frame and a streak: the column's values read as one cell, 25＝3＝99.5＝…, and 21
    of the document's 38 rows were lost."""
    from pathlib import Path

    from PIL import Image

    crop = np.array(Image.open(Path(__file__).parent / "images" / "double-rules-separate-borders-300dpi.png"))
    scale = 300 / 72
    rules = find_rules(crop, scale)
    rows = sorted(
        round(e.top * scale)
        for e in rules.edges
        if e.orientation == "h" and e.x0 * scale <= 210 and e.x1 * scale >= 310
    )
    assert len(rows) >= 6 and all(b - a <= 10 for a, b in zip(rows[::2], rows[1::2], strict=True)), rows


def test_open_columns_are_not_carried_to_a_streak_below_the_table() -> None:
    """Seed 74's grid-2023-landscape (300-dpi grey, streaks): four columns open at the table's
    foot (no rule under them) were carried 34 pt down to a streak across the page, which streaks
    down the page crossed; the goal's column ended at the foot, so its cell never closed and the
    goal went unread on 32 rows."""
    page = _page()
    _text(page, COLUMNS[:-1])
    page[BOTTOM : BOTTOM + 2, COLUMNS[0] + 2 : COLUMNS[2]] = 245  # the foot open under two columns
    y = BOTTOM + 60
    page[y : y + 2, 20 : WIDTH - 20] = 0  # a streak across, 30 pt below …
    for x in (460, 1360):
        page[30:970, x : x + 2] = 0  # … crossed by two down the page
    rules = find_rules(page, SCALE)
    assert all(bottom * SCALE <= BOTTOM + 4 for _, _, bottom in _verticals(rules)), _verticals(rules)


def test_a_streaks_stretch_swollen_by_strokes_beside_it_is_still_the_streak() -> None:
    """Seed 74's info-lines-2023-flow, page 2 (150-dpi bitonal photocopy, five streaks): a streak
    down the 三级指标 column through 成 of every row; over the header and four rows its stretch
    and the strokes beside it made one line 6 px wide, its centre 2 px off the streak's, and that
    line was read as a column's rule (人均培训 | 成本)."""
    from pathlib import Path

    from PIL import Image

    page = np.array(Image.open(Path(__file__).parent / "images" / "streak-through-a-column-150dpi.png"))
    rules = find_rules(page, 150 / 72)
    assert not [e for e in rules.edges if e.orientation == "v" and 270 <= e.x0 <= 280 and 140 <= e.top <= 300]


def _two_bars(below: bool) -> tuple[np.ndarray, list]:
    """Two straight lines 6 px apart (3 pt at SCALE), clean paper between them and above; below
    the lower one, when `below`, a line of characters' strokes (every other column, 12 px deep)."""
    from pipeline.scan.rules import _Chain

    ink = np.zeros((120, 400), np.uint8)
    ink[40:42, 20:380] = 255
    ink[46:48, 20:380] = 255
    if below:
        ink[49:61, 20:380:2] = 255
    chains = [_Chain(20, 380, 40.5, 40, 42, (), (), ()), _Chain(20, 380, 46.5, 46, 48, (), (), ())]
    return ink, chains


def test_a_double_rules_lines_are_each_others_twin_with_paper_round_them() -> None:
    from pipeline.scan.rules import _twins
    from pipeline.scan.settings import DEFAULT

    ink, chains = _two_bars(below=False)
    twins = _twins(chains, ink, SCALE, DEFAULT, True)
    assert twins[id(chains[0])] == (chains[1],) and twins[id(chains[1])] == (chains[0],)


def test_two_rows_of_bars_atop_a_line_of_characters_are_no_twins() -> None:
    """Seed 63's info-lines-2024-portrait (200-dpi photocopy): the tops of a goal's characters
    and their second bars ran together into two lines 4.5 px apart with paper between; taken for
    a double rule, neither had text beside it any more, and the lower stood as a row's rule
    through the goal (预算编制科学合理 read 顶身编科学台量). The characters hang below the pair."""
    from pipeline.scan.rules import _twins
    from pipeline.scan.settings import DEFAULT

    ink, chains = _two_bars(below=True)
    assert _twins(chains, ink, SCALE, DEFAULT, True) == {}
