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


def test_a_stroke_read_after_a_label_leaves_it_a_label() -> None:
    """Seed 44's form-content-2021, page 2 (a bitonal copy with broken rules): the frame's broken
    corner beside 年度绩效目标 read as an L after it, and the project lost its goal."""
    goal = "根据市委办【2017】85号文件精神，本次申请预算资金5万元。"
    pairs = _pairs([_cell("年度绩效目标L", 36), _cell(goal, 140)])
    assert best_fields(pairs)["goal"] == goal
    assert best_fields(_pairs([_cell("L", 36), _cell(goal, 140)])).get("goal") is None


def test_a_label_that_lost_half_of_its_brackets_is_still_its_label() -> None:
    """Seed 53's dept-info-dash-2025-long (a bitonal photocopy): 年度(总体)绩效目标 read without its
    ) and 部门(单位)职责 likewise; the goal was lost from all 26 rows."""
    goal = "保障部门正常运转和人员工资按时足额发放，全面完成2025年度重点工作任务。"
    pairs = _pairs([_cell("*部门(单位职责", 36), _cell("贯彻执行国家和上级关于食品药品监管工作的方针政策。", 140, 80),
                    _cell("年度(总体绩效目标", 36, 120), _cell(goal, 140, 120)])  # fmt: skip
    assert best_fields(pairs)["goal"] == goal


def test_two_rows_of_pairs_a_lost_rule_joined_are_read_apart() -> None:
    """Seed 45's calc-symbol-2023, page 2 (bitonal, broken rules): 实施单位 over 年度绩效目标 in
    one cell, the unit over the goal (wrapped over two lines) beside it; the project lost its goal."""
    unit, goal = "阿里地区市场监督管理局本级", ("提高预算编制质量,严格执行预算,", "保障单位日常运转。")

    def line(text: str, x0: float, top: float) -> list[Glyph]:
        return [Glyph(ch, x0 + 10 * k, top, x0 + 10 * k + 9, top + 9) for k, ch in enumerate(text)]

    labels = Cell(36, 100, 130, 140, line("实施单位", 40, 104) + line("年度绩效目标", 40, 124))
    values = Cell(
        130, 100, 600, 140, line(unit, 134, 104) + line(goal[0], 134, 119) + line(goal[1], 134, 130)
    )
    fields = best_fields(_pairs([labels, values]))
    assert fields["goal"] == "".join(goal)
    assert fields["unit_name"] == unit
