"""Page-break stitching on hand-made rows: each continuation style a producer uses."""

from __future__ import annotations

import pytest

from pipeline.extract.rows import CellRef, GridRow
from pipeline.extract.stitch import stitch

P1 = "54000021R000000005055-工资性支出"
P2 = "54000021R000000005088-其他社会保险缴费"


def row(page: int, n: int, level3: str, merged: dict[str, tuple[str, int, bool, bool]]) -> GridRow:
    """merged: key -> (text, cell number, at_top, at_bottom)."""
    cells = {k: CellRef(t, (page, i), top, bottom) for k, (t, i, top, bottom) in merged.items()}
    cells["level3"] = CellRef(level3, (page, 100 + n), False, False)
    return GridRow(page, cells)


def split_project(second_project_text: str, second_goal_text: str) -> list[GridRow]:
    """P1 runs from page 1 onto page 2; page 2 shows it in the given style, then P2 starts."""
    m1 = {
        "project": (P1, 1, True, True),
        "goal": ("保障工资及时、", 2, True, True),
        "level1": ("产出指标", 3, True, True),
    }
    m2 = {
        "project": (second_project_text, 1, True, False),
        "goal": (second_goal_text, 2, True, False),
        "level1": ("", 3, True, False),
    }
    m3 = {
        "project": (P2, 4, False, True),
        "goal": ("新目标", 5, False, True),
        "level1": ("产出指标", 6, False, True),
    }
    return [
        row(1, 0, "a", m1),
        row(1, 1, "b", m1),
        row(2, 0, "c", m2),
        row(2, 1, "d", m3),
    ]


@pytest.mark.parametrize(
    ("project_text", "goal_text"),
    [("", ""), (P1, "保障工资及时、"), ("", "足额发放。")],
    ids=["blank", "repeat", "rest"],
)
def test_project_continues_over_a_page_break(project_text: str, goal_text: str) -> None:
    projects = stitch(split_project(project_text, goal_text))
    assert [p.project for p in projects] == [P1, P2]
    first = projects[0]
    assert [r.cells["level3"] for r in first.rows] == ["a", "b", "c"]
    expected_goal = "保障工资及时、足额发放。" if goal_text == "足额发放。" else "保障工资及时、"
    assert first.goal == expected_goal
    assert {r.cells["goal"] for r in first.rows} == {expected_goal}
    assert {r.cells["level1"] for r in first.rows} == {"产出指标"}


def test_cut_project_name_is_joined_on_every_row() -> None:
    m1 = {"project": ("54000021R000000005088-其他社会保", 1, True, True)}
    m2 = {"project": ("险缴费", 1, True, False)}
    projects = stitch([row(1, 0, "a", m1), row(2, 0, "b", m2)])
    assert len(projects) == 1
    assert projects[0].project == P2
    assert [r.cells["project"] for r in projects[0].rows] == [P2, P2]


def test_cut_code_without_dash_is_joined() -> None:
    m1 = {"project": ("54000021R0000000", 1, True, True)}
    m2 = {"project": ("05088-其他社会保险缴费", 1, True, False)}
    projects = stitch([row(1, 0, "a", m1), row(2, 0, "b", m2)])
    assert [p.project for p in projects] == [P2]


def test_new_project_at_the_top_of_a_page_is_not_appended() -> None:
    m1 = {"project": (P1, 1, True, True), "goal": ("目标一", 2, True, True)}
    m2 = {"project": (P2, 1, True, False), "goal": ("目标二", 2, True, False)}
    projects = stitch([row(1, 0, "a", m1), row(2, 0, "b", m2)])
    assert [(p.project, p.goal) for p in projects] == [(P1, "目标一"), (P2, "目标二")]


def test_level_name_cut_in_two_is_joined_but_a_new_level_is_not() -> None:
    base = {"project": (P1, 1, True, True)}
    rows = [
        row(1, 0, "a", {**base, "level2": ("服务对象满意", 2, False, True)}),
        row(2, 0, "b", {"project": ("", 1, True, False), "level2": ("度指标", 2, True, False)}),
    ]
    assert stitch(rows)[0].rows[0].cells["level2"] == "服务对象满意度指标"
    rows = [
        row(1, 0, "a", {**base, "level2": ("数量指标", 2, False, True)}),
        row(2, 0, "b", {"project": ("", 1, True, False), "level2": ("质量指标", 2, True, False)}),
    ]
    assert [r.cells["level2"] for r in stitch(rows)[0].rows] == ["数量指标", "质量指标"]


def test_blank_project_cell_in_mid_page_starts_a_block() -> None:
    rows = [
        row(1, 0, "a", {"project": (P1, 1, True, False)}),
        row(1, 1, "b", {"project": ("", 2, False, False)}),
    ]
    assert [p.project for p in stitch(rows)] == [P1, ""]


def test_cut_off_repeat_then_whole_text_keeps_the_whole_text() -> None:
    m1 = {"project": (P1, 1, True, True), "goal": ("保障工资及时、足额", 2, True, True)}
    m2 = {"project": (P1, 1, True, False), "goal": ("保障工资及时、足额发放。", 2, True, False)}
    projects = stitch([row(1, 0, "a", m1), row(2, 0, "b", m2)])
    assert [(p.project, p.goal) for p in projects] == [(P1, "保障工资及时、足额发放。")]


def test_one_line_code_piece_continues_its_project() -> None:
    m1 = {"project": (P1, 1, True, True)}
    m2 = {"project": ("54000021R000000005055-", 1, True, False)}
    assert [p.project for p in stitch([row(1, 0, "a", m1), row(2, 0, "b", m2)])] == [P1]


def test_blank_project_under_a_whole_group_printed_afresh_is_a_new_project() -> None:
    """reportlab moves a whole merged group to the next page: unit, a new goal and a 一级 printed afresh."""
    unit = "拉萨市信访局本级"
    m1 = {"unit_name": (unit, 1, True, True), "project": (P1, 2, True, True), "goal": ("保障工资。", 3, True, True),
          "level1": ("产出指标", 4, True, True)}  # fmt: skip
    m2 = {"unit_name": (unit, 1, True, False), "project": ("", 2, True, False), "goal": ("另一目标。", 3, True, False),
          "level1": ("产出指标", 4, True, False)}  # fmt: skip
    assert [p.project for p in stitch([row(1, 0, "a", m1), row(2, 0, "b", m2)])] == [P1, ""]
    m2_blank_unit = {**m2, "unit_name": ("", 1, True, False)}
    assert [p.project for p in stitch([row(1, 0, "a", m1), row(2, 0, "b", m2_blank_unit)])] == [P1]


@pytest.mark.parametrize("goal_text", ["", "足额发放。", "保障工资。"], ids=["blank", "rest", "repeat"])
def test_a_project_keeps_its_name_when_the_next_page_leaves_it_blank_under_its_unit(goal_text: str) -> None:
    """The issue's page-break fault: the unit printed again, 项目名称 blank, the goal going on, 一级 blank."""
    unit = "拉萨市信访局本级"
    m1 = {"unit_name": (unit, 1, True, True), "project": (P1, 2, True, True), "goal": ("保障工资。", 3, True, True),
          "level1": ("产出指标", 4, True, True)}  # fmt: skip
    m2 = {"unit_name": (unit, 1, True, False), "project": ("", 2, True, False), "goal": (goal_text, 3, True, False),
          "level1": ("", 4, True, False)}  # fmt: skip
    projects = stitch([row(1, 0, "a", m1), row(2, 0, "b", m2)])
    assert [(p.project, [r.cells["level3"] for r in p.rows]) for p in projects] == [(P1, ["a", "b"])]
    assert projects[0].goal == ("保障工资。" + goal_text if goal_text == "足额发放。" else "保障工资。")


def test_a_coded_project_after_a_code_less_one_at_a_page_top_is_new() -> None:
    m1 = {"project": ("业务培训专项经费【延续】", 1, True, True)}
    m2 = {"project": (P2, 1, True, False)}
    assert [p.project for p in stitch([row(1, 0, "a", m1), row(2, 0, "b", m2)])] == [
        "业务培训专项经费【延续】",
        P2,
    ]


def test_a_fragment_row_of_merged_text_only_continues_and_is_not_a_row() -> None:
    m1 = {"project": (P1, 1, True, True), "goal": ("保障工资", 2, True, True)}
    m2 = {"project": ("", 1, True, False), "goal": ("及时发放。", 2, True, False)}
    rows = [row(1, 0, "a", m1), row(2, 0, "", m2)]
    projects = stitch(rows)
    assert [(p.goal, [r.cells["level3"] for r in p.rows]) for p in projects] == [
        ("保障工资及时发放。", ["a"])
    ]


def test_a_level_name_set_at_90_degrees_cut_by_a_page_break_is_joined_in_reading_order() -> None:
    base = {"project": (P1, 1, True, True)}
    rows = [
        row(1, 0, "a", {**base, "level1": ("指标", 2, False, True)}),
        row(2, 0, "b", {"project": ("", 1, True, False), "level1": ("效益", 2, True, False)}),
    ]
    assert [r.cells["level1"] for r in stitch(rows)[0].rows] == ["效益指标", "效益指标"]


def test_marks_alone_opening_the_next_page_are_no_rest_of_the_text() -> None:
    """A pen's stroke across a goal's cell continued on the next page, read as — (seed 14's
    writer-landscape-long-project): the goal keeps its text; a rest with words is appended."""
    for rest, goal in (
        ("—", "保障工资及时、"),
        ("）·", "保障工资及时、"),
        ("足额发放。", "保障工资及时、足额发放。"),
    ):
        projects = stitch(split_project("", rest))
        assert [p.project for p in projects] == [P1, P2]
        assert projects[0].goal == goal
    # a closing bracket is the rest of a name the page break cut before it
    rows = split_project("", "")
    rows[0].cells["goal"] = rows[1].cells["goal"] = CellRef("保障（二期", (1, 2), True, True)
    rows[2].cells["goal"] = CellRef("）", (2, 2), True, False)
    assert stitch(rows)[0].goal == "保障（二期）"
