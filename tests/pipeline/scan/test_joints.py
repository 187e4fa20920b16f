"""Rules a bitonal scan lost, found again from the ticks they left on the rules they crossed."""

from __future__ import annotations

import numpy as np

from pipeline.scan.rules import find_rules

SCALE = 200 / 72  # px per point (a 200-dpi scan)
COLUMNS = (100, 400, 650, 900, 1150, 1400)  # px: the vertical rules (1 px wide)
ROWS = (150, 210, 270, 330, 390)  # px: the row rules
LOST = 270  # px: the row rule the threshold took, but for its ticks


def _page(ticks: tuple[int, ...] = COLUMNS, lost: int = LOST, through: bool = False) -> np.ndarray:
    """A bitonal page with a ruled table whose rule at `lost` is gone but for a tick of 2 px each
    side by 4 rows where it crossed the verticals at `ticks` (on the frame's inner side only: the
    rule ended there, unless it ran `through` it, as a streak does); one line of text per row."""
    page = np.full((600, 1600), 255, np.uint8)
    for x in COLUMNS:
        page[ROWS[0] : ROWS[-1] + 1, x] = 0
    for y in ROWS:
        if y != lost:
            page[y, COLUMNS[0] : COLUMNS[-1] + 1] = 0
    for x in ticks:
        inner = not through and x in (COLUMNS[0], COLUMNS[-1])
        left, right = (x, x + 3) if inner and x == COLUMNS[0] else (x - 2, x + 1) if inner else (x - 2, x + 3)
        page[lost - 2 : lost + 2, left:right] = 0
    for top, bottom in zip(ROWS, ROWS[1:], strict=False):
        for left in COLUMNS[:-1]:
            for n in range(4):  # characters: a box of strokes each
                x, y = left + 15 + 30 * n, (top + bottom) // 2 - 10
                page[y : y + 20 : 9, x : x + 20] = 0
                page[y : y + 20, x + 9] = 0
    return page


def _rows(page: np.ndarray) -> dict[float, list[tuple[float, float]]]:
    """Row rules found: px down the page → their spans across (px)."""
    out: dict[float, list[tuple[float, float]]] = {}
    for e in find_rules(page, SCALE).edges:
        if e.orientation == "h":
            out.setdefault(round(e.top * SCALE), []).append((e.x0 * SCALE, e.x1 * SCALE))
    return out


def test_a_rule_lost_but_for_its_ticks_is_put_back_across_the_table() -> None:
    rows = _rows(_page())
    lost = [spans for y, spans in rows.items() if abs(y - LOST) <= 2]
    assert lost, sorted(rows)
    covered = sorted(lost[0])
    assert abs(covered[0][0] - COLUMNS[0]) <= 3 and abs(covered[-1][1] - COLUMNS[-1]) <= 3, covered
    assert len(rows) == len(ROWS)


def test_ticks_on_two_rules_only_are_no_rule() -> None:
    """A pixel or two of a rough rule's edge lines up by chance on a couple of rules: no rule."""
    rows = _rows(_page(ticks=COLUMNS[2:4]))
    assert not [y for y in rows if abs(y - LOST) <= 2], sorted(rows)


def test_ticks_level_with_a_line_of_text_are_no_rule() -> None:
    """Bumps on every rule at the height of the cells' text: a rule there would cross it."""
    rows = _rows(_page(ticks=COLUMNS, lost=240))
    assert not [y for y in rows if abs(y - 240) <= 2], sorted(rows)


def test_ticks_facing_each_other_across_a_character_are_a_streaks() -> None:
    """A light streak adds up with every rule it crosses and leaves ticks like a lost rule's, but
    it runs straight through the characters of a cell where a table's rule never would: no rule
    anywhere along it (seed 31's 指标名称 column split in two by one)."""
    page = _page()
    left = COLUMNS[4]
    x, y = left + 40, LOST - 9  # a character (the page's box of strokes) standing across the line
    page[y : y + 20 : 9, x : x + 20] = 0
    page[y : y + 20, x + 9] = 0
    rows = _rows(page)
    assert not [y for y in rows if abs(y - LOST) <= 2], sorted(rows)


def test_ticks_running_on_past_the_frame_are_a_streaks() -> None:
    """A light streak's ticks stick out beyond the table's frame too, where a lost rule ended in a
    T (seed 45's form-special-2024, bitonal at 300 dpi, turned: 指标内容 cut in two from its
    sixth row down): no rule."""
    rows = _rows(_page(through=True))
    assert not [y for y in rows if abs(y - LOST) <= 2], sorted(rows)


def test_the_steps_of_rules_turned_level_are_no_ticks() -> None:
    """A bitonal scan's slanted rules keep their staircase steps once the page is turned level:
    a bump each side every few points, at the same places on rules spaced alike. Lined up down
    the rows they look like ticks of lost columns all across the table (seed 34's
    form-standard-2023, skewed 3.5°: 26 columns put back in 三级指标); a rule bearing them all
    along bears none."""
    page = _page(ticks=())
    for y in ROWS:
        if y == LOST:
            page[y, COLUMNS[0] : COLUMNS[-1] + 1] = 0
        for x in range(COLUMNS[0] + 7, COLUMNS[-1] - 3, 11):
            page[y - 2 : y, x : x + 2] = 0  # a step above the rule …
            page[y + 1 : y + 3, x : x + 2] = 0  # … and one below it
    columns = [e for e in find_rules(page, SCALE).edges if e.orientation == "v"]
    assert len(columns) == len(COLUMNS), sorted(round(e.x0 * SCALE) for e in columns)


def test_a_dot_where_another_lost_rule_crossed_does_not_stop_the_rule_coming_back() -> None:
    """Seed 54's rl-landscape-unit-above (300-dpi bitonal): a column's rule and a row's rule lost
    together leave one dot where they crossed, on the row's way; the row's rule comes back across it
    (a character's strokes on the way are more than one dot)."""
    page = _page()
    page[LOST - 1 : LOST + 2, 523:529] = 0  # the crossing's dot, mid-cell: 6 px along, 3 across
    rows: dict[float, list[tuple[float, float]]] = {}
    scale = 300 / 72  # the page read as a 300-dpi scan: the dot within a tick's reach
    for e in find_rules(page, scale).edges:
        if e.orientation == "h":
            rows.setdefault(round(e.top * scale), []).append((e.x0 * scale, e.x1 * scale))
    lost = [spans for y, spans in rows.items() if abs(y - LOST) <= 2]
    assert lost, sorted(rows)
    covered = sorted(lost[0])
    assert abs(covered[0][0] - COLUMNS[0]) <= 3 and abs(covered[-1][1] - COLUMNS[-1]) <= 3, covered


def test_ticks_on_a_rule_greyer_than_they_are_count() -> None:
    """The same scan, smoothed: a column's rule prints grey, lighter than the dark pixels ticks are
    looked for in, with the lost row's tick black beside it. The row comes back from that rule too."""
    page = _page()
    page[ROWS[0] : ROWS[-1] + 1, COLUMNS[1]] = 150  # the column's rule grey; its tick stays black
    page[LOST - 2 : LOST + 2, COLUMNS[1] - 2 : COLUMNS[1] + 3] = 0
    rows = _rows(page)
    lost = [spans for y, spans in rows.items() if abs(y - LOST) <= 2]
    assert lost, sorted(rows)
    covered = sorted(lost[0])
    assert abs(covered[0][0] - COLUMNS[0]) <= 3 and abs(covered[-1][1] - COLUMNS[-1]) <= 3, covered
