"""find_cells: ruling edges → cells, including tables left open on a side."""

from __future__ import annotations

from pipeline.extract.cells import find_cells
from pipeline.extract.objects import Edge


def _grid(xs: list[float], ys: list[float], open_side: str = "") -> list[Edge]:
    """The rules of a table with columns at `xs` and rows at `ys`, one side's frame left out."""
    left, right, top, bottom = xs[0], xs[-1], ys[0], ys[-1]
    edges = [Edge("h", left, y, right, y) for y in ys if not (open_side == "top" and y == top)]
    edges = [e for e in edges if not (open_side == "bottom" and e.top == bottom)]
    edges += [
        Edge("v", x, top, x, bottom)
        for x in xs
        if not (open_side == "right" and x == right) and not (open_side == "left" and x == left)
    ]
    return edges


def _cells(edges: list[Edge]) -> list[tuple[float, ...]]:
    [table] = find_cells(edges)
    return sorted(tuple(round(v, 1) for v in c) for c in table)


XS = [30.0, 100.0, 250.0, 400.0]
YS = [90.0, 110.0, 130.0, 150.0]


def test_a_closed_table_has_every_cell() -> None:
    assert len(_cells(_grid(XS, YS))) == 9


def test_a_table_without_its_right_frame_closes_where_its_row_rules_end() -> None:
    """A scan that lost the right-hand frame (or a producer that never drew it): the last column stays."""
    assert _cells(_grid(XS, YS, "right")) == _cells(_grid(XS, YS))


def test_a_table_without_its_left_frame_closes_too() -> None:
    assert _cells(_grid(XS, YS, "left")) == _cells(_grid(XS, YS))


def test_a_table_open_at_the_foot_closes_where_its_column_rules_end() -> None:
    assert _cells(_grid(XS, YS, "bottom")) == _cells(_grid(XS, YS))


def test_one_row_rule_running_past_the_others_adds_no_column() -> None:
    """Two rules must end together to mark an edge: one overshooting line is not a frame."""
    edges = _grid(XS, YS)
    edges[1] = Edge("h", XS[0], YS[1], 480.0, YS[1])
    assert len(_cells(edges)) == 9


def test_a_spur_of_text_strokes_against_a_rule_does_not_cut_its_cell() -> None:
    """A dark copy runs a line's strokes (`23年12月`) into a short line touching one rule only."""
    edges = _grid(XS, YS) + [Edge("h", XS[1], 118.0, XS[1] + 100.0, 118.0)]
    assert _cells(edges) == _cells(_grid(XS, YS))


def test_a_rule_broken_in_two_pieces_still_divides_its_rows() -> None:
    """Each piece of a poor copy's broken rule touches one rule, but the pieces are collinear."""
    xs = XS[:3]
    edges = [e for e in _grid(xs, YS) if not (e.orientation == "h" and e.top == YS[1])]
    edges += [Edge("h", xs[0], YS[1], 90.0, YS[1]), Edge("h", 110.0, YS[1], xs[2], YS[1])]
    assert _cells(edges) == _cells(_grid(xs, YS))
