"""continues: a headerless table on a later page goes on with the previous page's grid."""

from __future__ import annotations

from pipeline.extract.grid import Cell, Table
from pipeline.extract.grids import Column, Grid
from pipeline.extract.rows import continues

BOUNDS = [30.0, 90.0, 160.0, 300.0, 380.0, 440.0]
KEYS = ["level1", "level2", "level3", "target", "measure_unit"]


def _grid() -> Grid:
    columns = tuple(Column(k, None, a, b, k) for k, a, b in zip(KEYS, BOUNDS, BOUNDS[1:], strict=False))
    return Grid(columns, top=100.0, bottom=120.0, keys=frozenset(KEYS))


def _table(dx: float, bounds: list[float] = BOUNDS) -> Table:
    xs = [x + dx for x in bounds]
    return Table(
        [Cell(a, top, b, top + 20.0) for top in (50.0, 70.0) for a, b in zip(xs, xs[1:], strict=False)]
    )


def test_a_table_under_the_same_columns_continues_the_grid_as_it_stands() -> None:
    grid = _grid()
    assert continues(_table(1.5), grid) is grid


def test_a_scanned_page_lying_off_by_some_points_continues_the_grid_moved_with_it() -> None:
    moved = continues(_table(-17.3), _grid())
    assert moved is not None
    assert [round(c.x0, 1) for c in moved.columns] == [round(x - 17.3, 1) for x in BOUNDS[:-1]]


def test_other_columns_or_a_shift_beyond_an_inch_do_not_continue() -> None:
    assert continues(_table(0.0, [30.0, 70.0, 200.0, 260.0, 420.0, 500.0]), _grid()) is None
    assert continues(_table(90.0), _grid()) is None
