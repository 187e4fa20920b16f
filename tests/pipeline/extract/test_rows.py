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


def _scanned_rows(operators: list[str], scanned: bool = True, names: list[str] | None = None) -> list:
    """Rows of a page whose 三级/指标性质/指标值 cells hold these operators (and names, each a
    glyph per character), read at 0.95."""
    from pipeline.extract.objects import Glyph
    from pipeline.extract.rows import page_rows

    keys, bounds = ["level3", "operator", "target"], [30.0, 120.0, 160.0, 220.0]
    columns = tuple(Column(k, None, a, b, k) for k, a, b in zip(keys, bounds, bounds[1:], strict=False))
    grid = Grid(columns, top=10.0, bottom=30.0, keys=frozenset(keys))
    cells = []
    for n, op in enumerate(operators):
        top = 30.0 + 20 * n
        name = names[n] if names else f"指标{n}"
        for (a, b), text in zip(zip(bounds, bounds[1:], strict=False), [name, op, "95"], strict=True):
            conf = 0.95 if scanned else None
            glyphs = [
                Glyph(ch, a + 2 + 9 * k, top + 4, a + 11 + 9 * k, top + 16, 0, conf)
                for k, ch in enumerate(text)
            ]
            cells.append(Cell(a, top, b, top + 20, glyphs))
    return page_rows(cells, {id(c): k for k, c in enumerate(cells)}, 1, grid, scanned=scanned)


def test_a_scanned_operator_read_as_a_look_alike_is_the_operator_it_resembles_and_is_reported() -> None:
    rows = _scanned_rows(["N", "K", "≥'", "定性。", "≥", "2", "—", "M"])
    assert [r.text("operator") for r in rows] == ["≥", "≤", "≥", "定性", "≥", "≥", "=", "M"]
    confs = [r.ocr["operator"][0] for r in rows]
    assert confs == [0.5, 0.5, 0.95, 0.95, 0.95, 0.5, 0.5, 0.95]  # a guess stays under any threshold


def test_a_text_layer_operator_is_left_as_printed() -> None:
    rows = _scanned_rows(["N", "2"], scanned=False)
    assert [r.text("operator") for r in rows] == ["N", "2"]


def test_a_scanned_indicators_name_loses_the_marks_read_after_it() -> None:
    """Seed 57: 党员先进性。, 系统正常运行率/ and 使用规范率： — a speck or a pen's tick read after a
    name that no name ends with; marks inside a name, and a text layer's names, stay as printed."""
    names = [
        "党员先进性。",
        "系统正常运行率/",
        "使用规范率：",
        "资金拨付率★/",
        "人均成本(元/人)",
        "产出·数量",
        "检查企业数量!",  # seed 53's var-department-then-projects
    ]
    rows = _scanned_rows(["≥"] * len(names), names=names)
    assert [r.text("level3") for r in rows] == [
        "党员先进性", "系统正常运行率", "使用规范率", "资金拨付率★", "人均成本(元/人)", "产出·数量", "检查企业数量",
    ]  # fmt: skip
    printed = _scanned_rows(["≥"], scanned=False, names=["党员先进性。"])
    assert [r.text("level3") for r in printed] == ["党员先进性。"]


def _goal_rows(goal_lines: list[str], scanned: bool = True) -> list:
    """Rows of a page with a 绩效目标 cell 200 pt wide holding these lines (9 pt a character,
    one glyph each) beside one 三级 name."""
    from pipeline.extract.objects import Glyph
    from pipeline.extract.rows import page_rows

    keys, bounds = ["goal", "level3"], [30.0, 230.0, 330.0]
    columns = tuple(Column(k, None, a, b, k) for k, a, b in zip(keys, bounds, bounds[1:], strict=False))
    grid = Grid(columns, top=10.0, bottom=30.0, keys=frozenset(keys))
    conf = 0.95 if scanned else None
    glyphs = [
        Glyph(ch, 32 + 9 * k, 34 + 14 * n, 41 + 9 * k, 46 + 14 * n, 0, conf)
        for n, line in enumerate(goal_lines)
        for k, ch in enumerate(line)
    ]
    cells = [
        Cell(30, 30, 230, 90, glyphs),
        Cell(230, 30, 330, 90, [Glyph("指标", 232, 34, 250, 46, 0, conf)]),
    ]
    return page_rows(cells, {id(c): k for k, c in enumerate(cells)}, 1, grid, scanned=scanned)


def test_a_whole_scanned_goal_read_ending_in_a_comma_ends_in_a_full_stop() -> None:
    """Seeds 52, 53 (200-dpi photocopies): …满意度达到90%以上， — a goal's last 。 read ，. Where
    the last line fills the cell the text may go on past a page break, and its comma stays; a
    text layer's goal stays as printed."""
    full = "按期完成学前教育资助项目年度工作任务，资金"  # 21 characters: the cell's whole width
    assert _goal_rows([full, "使用规范，满意度达到90%以上，"])[0].text("goal").endswith("以上。")
    assert _goal_rows([full, full])[0].text("goal").endswith("资金")
    assert _goal_rows([full, full[:-1] + "，"])[0].text("goal").endswith("，")  # fills its line: cut
    assert _goal_rows([full, "满意度达到90%以上，"], scanned=False)[0].text("goal").endswith("以上，")
    assert _goal_rows([full, "满意度达到85%以上c"])[0].text("goal").endswith("以上。")  # seed 57: 。 read c
    assert _goal_rows([full, "采购PC"])[0].text("goal").endswith("PC")
