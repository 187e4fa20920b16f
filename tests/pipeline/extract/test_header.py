"""Header cells → column keys, on hand-made grids."""

from __future__ import annotations

from pipeline.extract.grid import Cell, Table
from pipeline.extract.objects import Glyph
from pipeline.extract.rows import read_header


def cell(x0: float, top: float, x1: float, bottom: float, text: str) -> Cell:
    """A cell whose text is laid out on one line from its left edge."""
    glyphs = [Glyph(ch, x0 + 1 + 8 * i, top + 1, x0 + 9 + 8 * i, top + 9) for i, ch in enumerate(text)]
    return Cell(x0, top, x1, bottom, glyphs)


def test_flat_header_maps_every_column() -> None:
    labels = ["单位名称", "项目名称", "绩效目标", "一级指标", "二级指标", "三级指标", "绩效指标性质",
              "绩效指标值", "本年绩效指标值", "绩效度量单位", "权重", "本年权重"]  # fmt: skip
    table = Table(
        [cell(100 * i, 0, 100 * (i + 1), 20, t) for i, t in enumerate(labels)] + [cell(0, 20, 100, 40, "")]
    )
    columns, bottom = read_header(table, 3) or ({}, 0)
    assert list(columns) == ["unit_name", "project", "goal", "level1", "level2", "level3", "operator",
                             "target", "target_this_year", "measure_unit", "weight", "weight_this_year"]  # fmt: skip
    assert bottom == 20


def test_values_and_weights_under_a_spanning_this_year_header() -> None:
    """全年 | 本年 groups over 绩效指标值 | 权重 pairs: the 本年 pair is the this-year columns."""
    cells = [
        cell(0, 0, 100, 40, "三级指标"),
        cell(100, 0, 200, 40, "二级指标"),
        cell(200, 0, 400, 20, "全年"),
        cell(400, 0, 600, 20, "本年"),
        cell(200, 20, 300, 40, "绩效指标值"),
        cell(300, 20, 400, 40, "权重"),
        cell(400, 20, 500, 40, "绩效指标值"),
        cell(500, 20, 600, 40, "权重"),
        cell(0, 40, 100, 60, "人员覆盖率"),
    ]
    columns, _ = read_header(Table(cells), 3) or ({}, 0)
    assert columns["target"] == (200, 300) and columns["weight"] == (300, 400)
    assert columns["target_this_year"] == (400, 500) and columns["weight_this_year"] == (500, 600)


def test_a_money_table_is_not_a_performance_header() -> None:
    cells = [
        cell(0, 0, 100, 20, "科目编码"),
        cell(100, 0, 200, 20, "科目名称"),
        cell(200, 0, 300, 20, "合计"),
    ]
    assert read_header(Table(cells), 3) is None
