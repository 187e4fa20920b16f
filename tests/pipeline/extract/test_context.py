"""Info blocks beside the grids: label | value pairs (pipeline/extract/context.py)."""

from __future__ import annotations

from pipeline.extract.context import _pairs, best_fields
from pipeline.extract.grid import Cell
from pipeline.extract.objects import Glyph
from pipeline.extract.vocabulary import run_in_label


def _cell(text: str, x0: float, top: float = 100.0) -> Cell:
    glyphs = [Glyph(ch, x0 + 10 * k, top + 2, x0 + 10 * k + 9, top + 11) for k, ch in enumerate(text)]
    return Cell(x0, top, x0 + 10 * len(text) + 4, top + 14, glyphs)


def test_a_value_running_on_into_another_label_is_split_there() -> None:
    """Seed 20's form-scored-2024 (a scan whose rules between the cells were lost): 主管部门 |
    拉萨市生态环境局实施单位拉萨市生态环境局本级 in one cell; the unit is 实施单位's value."""
    cells = [_cell("主管部门", 36), _cell("拉萨市生态环境局实施单位拉萨市生态环境局本级", 100)]
    pairs = _pairs(cells)
    assert pairs == [("主管部门", "拉萨市生态环境局"), ("实施单位", "拉萨市生态环境局本级")]
    assert best_fields(pairs)["unit_name"] == "拉萨市生态环境局本级"


def test_a_label_alone_at_either_end_of_a_value_is_no_run_in() -> None:
    assert run_in_label("实施单位拉萨市生态环境局") is None  # at its start: the label's own cell
    assert run_in_label("拉萨市生态环境局实施单位") is None  # nothing after it
    assert run_in_label("拉萨市生态环境局本级") is None
