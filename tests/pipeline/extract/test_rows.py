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


def _scanned_rows(operators: list[str], scanned: bool = True) -> list:
    """Rows of a page whose 三级/指标性质/指标值 cells hold these operators, read at 0.95."""
    from pipeline.extract.objects import Glyph
    from pipeline.extract.rows import page_rows

    keys, bounds = ["level3", "operator", "target"], [30.0, 120.0, 160.0, 220.0]
    columns = tuple(Column(k, None, a, b, k) for k, a, b in zip(keys, bounds, bounds[1:], strict=False))
    grid = Grid(columns, top=10.0, bottom=30.0, keys=frozenset(keys))
    cells = []
    for n, op in enumerate(operators):
        top = 30.0 + 20 * n
        for (a, b), text in zip(zip(bounds, bounds[1:], strict=False), [f"指标{n}", op, "95"], strict=True):
            conf = 0.95 if scanned else None
            cells.append(Cell(a, top, b, top + 20, [Glyph(text, a + 2, top + 4, b - 2, top + 16, 0, conf)]))
    return page_rows(cells, {id(c): k for k, c in enumerate(cells)}, 1, grid, scanned=scanned)


def test_a_scanned_operator_read_as_a_look_alike_is_the_operator_it_resembles_and_is_reported() -> None:
    rows = _scanned_rows(["N", "K", "≥'", "定性。", "≥", "2", "—", "M"])
    assert [r.text("operator") for r in rows] == ["≥", "≤", "≥", "定性", "≥", "≥", "=", "M"]
    confs = [r.ocr["operator"][0] for r in rows]
    assert confs == [0.5, 0.5, 0.95, 0.95, 0.95, 0.5, 0.5, 0.95]  # a guess stays under any threshold


def test_a_text_layer_operator_is_left_as_printed() -> None:
    rows = _scanned_rows(["N", "2"], scanned=False)
    assert [r.text("operator") for r in rows] == ["N", "2"]
