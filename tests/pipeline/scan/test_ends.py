"""ends: a table rule's loose end is carried on to the rule it points at, across clean paper only."""

from __future__ import annotations

import numpy as np

from pipeline.extract.objects import Edge
from pipeline.scan.ends import carried_ends, closed_corners, trimmed_overhangs
from pipeline.scan.settings import DEFAULT


def frame() -> list[Edge]:
    """A table of two columns and two rows (1 px = 1 pt), its middle column's rule faded at the foot."""
    return [
        Edge("h", 0, 10, 200, 10), Edge("h", 0, 100, 200, 100), Edge("h", 0, 200, 200, 200),
        Edge("v", 0, 10, 0, 200), Edge("v", 200, 10, 200, 200),
        Edge("v", 100, 10, 100, 170),
    ]  # fmt: skip


def middle(edges: list[Edge]) -> Edge:
    return next(e for e in edges if e.orientation == "v" and e.x0 == 100)


def test_a_column_rule_faded_before_the_tables_foot_reaches_it() -> None:
    ink = np.zeros((300, 300), np.uint8)
    assert middle(carried_ends(frame(), ink, 1.0, DEFAULT)).bottom == 200


def test_text_across_the_way_keeps_the_end_where_it_is() -> None:
    ink = np.zeros((300, 300), np.uint8)
    ink[175:195, 90:111] = 255  # a line of text runs across where the rule would be: no column there
    assert middle(carried_ends(frame(), ink, 1.0, DEFAULT)).bottom == 170


def test_an_end_is_not_carried_across_to_another_table_or_too_far() -> None:
    ink = np.zeros((400, 300), np.uint8)
    edges = [Edge("h", 0, 10, 200, 10), Edge("h", 0, 100, 200, 100), Edge("v", 0, 10, 0, 170),
             Edge("v", 200, 10, 200, 170), Edge("v", 100, 10, 100, 170),
             Edge("h", 0, 200, 200, 200), Edge("h", 0, 260, 200, 260), Edge("v", 0, 200, 0, 260),
             Edge("v", 200, 200, 200, 260)]  # fmt: skip  # a table open at its foot, another below
    assert sorted(carried_ends(edges, ink, 1.0, DEFAULT)) == sorted(edges)
    far = [*frame()[:5], Edge("v", 100, 10, 100, 140)]  # 60 pt short of the foot: more than a fade
    assert middle(carried_ends(far, ink, 1.0, DEFAULT)).bottom == 140


def test_a_rule_faded_over_more_than_a_reach_joins_the_rest_of_its_line() -> None:
    """A project column's rule lost over 58 pt of a merged cell (seed 16's var-shuffled-empty-11pt,
    page 3): no rule the other way lies near, but the rest of the line does, its end loose too."""
    ink = np.zeros((300, 300), np.uint8)
    edges = [Edge("h", 0, 10, 200, 10), Edge("h", 0, 200, 200, 200), Edge("v", 0, 10, 0, 200),
             Edge("v", 200, 10, 200, 200), Edge("v", 100, 10, 100, 60), Edge("v", 100, 120, 100, 200)]  # fmt: skip
    pieces = [e for e in carried_ends(edges, ink, 1.0, DEFAULT) if e.orientation == "v" and e.x0 == 100]
    assert sorted((e.top, e.bottom) for e in pieces) == [(10, 120), (60, 200)]
    # a piece that ends at a rule the other way (a merged cell's edge) is not joined across
    edges.append(Edge("h", 100, 120, 200, 120))
    pieces = [e for e in carried_ends(edges, ink, 1.0, DEFAULT) if e.orientation == "v" and e.x0 == 100]
    assert sorted((e.top, e.bottom) for e in pieces) == [(10, 60), (120, 200)]


def test_a_cells_text_set_close_beside_the_way_does_not_stop_it() -> None:
    """Seed 39's writer-portrait-01: a unit's name set 2 pt beside the row's rule that faded across
    its column; text on one side only is no text across the way, and the rule is carried on."""
    ink = np.zeros((300, 300), np.uint8)
    ink[175:195, 102:115] = 255  # a cell's text, 2 pt right of where the rule ran
    assert middle(carried_ends(frame(), ink, 1.0, DEFAULT)).bottom == 200


def test_a_rule_lost_over_a_whole_cell_reaches_the_crossing_rule_its_line_goes_on_from() -> None:
    """Seed 53's dept-info-2024: a header's top rule lost over 92 pt, from its loose end to the
    column's rule where the rest of the line goes on (a column's rule between them lost across
    the row too). Past a reach, but the line is one: carried there. Not to a rule that only
    ends on the line from below (a T: a merged cell's edge)."""
    ink = np.zeros((300, 400), np.uint8)
    edges = [Edge("h", 0, 10, 300, 10), Edge("h", 0, 200, 300, 200), Edge("v", 0, 10, 0, 200),
             Edge("v", 300, 10, 300, 200), Edge("v", 100, 60, 100, 200),
             Edge("h", 0, 50, 30, 50), Edge("h", 150, 50, 300, 50), Edge("v", 150, 10, 150, 200)]  # fmt: skip
    row = [e for e in carried_ends(edges, ink, 1.0, DEFAULT) if e.orientation == "h" and e.top == 50]
    assert sorted((e.x0, e.x1) for e in row) == [(0, 150), (150, 300)]
    # a T: the column's rule ends on the line, which goes on past it
    edges[-2:] = [Edge("h", 140, 50, 300, 50), Edge("v", 150, 50, 150, 200)]
    row = [e for e in carried_ends(edges, ink, 1.0, DEFAULT) if e.orientation == "h" and e.top == 50]
    assert sorted((e.x0, e.x1) for e in row) == [(0, 30), (140, 300)]


def test_a_corner_inside_a_table_is_closed_by_the_line_with_the_shorter_way_on() -> None:
    """Seed 53's rl-seed-2025-lasa: a column's rule under a scanner streak lost from a row's rule
    up to the next (58 pt, past a faded stretch's reach), so that row's rule starts at it in a
    corner. Inside a table every meeting is a T or a cross: the column's rule goes on up (50 pt to
    the next rule), not the row's rule left across the cell beside it (100 pt)."""
    ink = np.zeros((300, 400), np.uint8)
    edges = [Edge("h", 0, 10, 300, 10), Edge("h", 0, 200, 300, 200), Edge("v", 0, 10, 0, 200),
             Edge("v", 300, 10, 300, 200), Edge("v", 100, 60, 100, 200), Edge("h", 100, 60, 300, 60)]  # fmt: skip
    out = carried_ends(edges, ink, 1.0, DEFAULT)
    assert middle(out).top == 10
    assert [(e.x0, e.x1) for e in out if e.orientation == "h" and e.top == 60] == [(100, 300)]


def test_a_row_rule_ending_at_a_carried_column_rule_stays_a_t() -> None:
    """Seed 52's midterm-shared-2023: a row's rule ends at a column's rule (a T: the merged cell
    beyond holds one label across two rows) whose own foot was carried on. The carried rule is
    still its table's: the row's rule is not carried across the merged cell to where its line
    goes on."""
    ink = np.zeros((300, 400), np.uint8)
    edges = [Edge("h", 0, 10, 300, 10), Edge("h", 0, 200, 300, 200), Edge("v", 0, 10, 0, 200),
             Edge("v", 300, 10, 300, 200), Edge("v", 100, 10, 100, 170), Edge("v", 200, 10, 200, 200),
             Edge("h", 0, 60, 100, 60), Edge("h", 200, 60, 300, 60)]  # fmt: skip
    out = carried_ends(edges, ink, 1.0, DEFAULT)
    assert middle(out).bottom == 200
    assert sorted((e.x0, e.x1) for e in out if e.orientation == "h" and e.top == 60) == [(0, 100), (200, 300)]


def cornerless() -> list[Edge]:
    """A two-row header over a body (1 px = 1 pt): the frame's top-right corner lost from both its
    rules, the top rule ending 9 pt short of the right rule, which begins at the header's foot."""
    return [
        Edge("h", 0, 10, 191, 10), Edge("h", 0, 33, 200, 33), Edge("h", 0, 200, 200, 200),
        Edge("v", 0, 10, 0, 200), Edge("v", 100, 10, 100, 200), Edge("v", 200, 33, 200, 200),
    ]  # fmt: skip


def test_a_frames_corner_lost_from_both_its_rules_is_put_back() -> None:
    """Seed 61's sys-portrait-filled-borders (300 dpi, broken rules): neither end points at the
    other rule, so carried_ends leaves both; the header cell 分值 was never closed."""
    ink = np.zeros((300, 300), np.uint8)
    assert sorted(carried_ends(cornerless(), ink, 1.0, DEFAULT)) == sorted(cornerless())
    closed = closed_corners(cornerless(), ink, 1.0, DEFAULT)
    assert Edge("h", 0, 10, 200, 10) in closed and Edge("v", 200, 10, 200, 200) in closed
    assert len(closed) == len(cornerless())


def test_a_corner_inside_the_table_or_across_text_stays_open() -> None:
    ink = np.zeros((300, 300), np.uint8)
    wider = [  # a column more: the corner at x 200 lies inside the table's top rule
        Edge("h", 0, 10, 191, 10), Edge("h", 205, 10, 250, 10), Edge("h", 0, 33, 250, 33),
        Edge("h", 0, 200, 250, 200), Edge("v", 0, 10, 0, 200), Edge("v", 100, 10, 100, 200),
        Edge("v", 200, 33, 200, 200), Edge("v", 250, 10, 250, 200),
    ]  # fmt: skip
    assert sorted(closed_corners(wider, ink, 1.0, DEFAULT)) == sorted(wider)  # not the frame's corner
    ink[12:30, 195:206] = 255  # text across the right rule's way: a cell's text, no rule there
    assert sorted(closed_corners(cornerless(), ink, 1.0, DEFAULT)) == sorted(cornerless())


def test_a_column_rule_run_up_through_a_line_of_text_is_cut_back_to_the_tables_top() -> None:
    """Seed 63's info-lines-2024-portrait: a line of text just above the table, a column's rule
    chained up through it on the strokes in line with it (1 px = 1 pt)."""
    table = [
        Edge("h", 0, 30, 200, 30), Edge("h", 0, 100, 200, 100), Edge("h", 0, 200, 200, 200),
        Edge("v", 0, 30, 0, 200), Edge("v", 200, 30, 200, 200),
    ]  # fmt: skip
    edges = [*table, Edge("v", 100, 16, 100, 200)]
    ink = np.zeros((300, 300), np.uint8)
    assert trimmed_overhangs(edges, ink, 1.0, DEFAULT) == (edges, [])  # clean paper: left as it is
    ink[18:28, 20:180] = 255  # a line of text across it
    trimmed, cut = trimmed_overhangs(edges, ink, 1.0, DEFAULT)
    assert Edge("v", 100, 30, 100, 200) in trimmed and cut == [(100, 16, 30)]
    far = [*table, Edge("v", 100, 2, 100, 200)]  # 28 pt above: more than a line's overhang
    ink[4:28, 20:180] = 255
    assert trimmed_overhangs(far, ink, 1.0, DEFAULT)[1] == []
