"""Example tests for the normalize stage: Extraction → Document."""

from __future__ import annotations

import pytest

from pipeline.model import Extraction, RawProject, RawRow
from pipeline.normalize import normalize, normalize_row
from pipeline.normalize.cells import parse_operator, parse_weight, parse_year, split_core
from pipeline.normalize.levels import canonical_level
from pipeline.normalize.project import split_project
from pipeline.normalize.text import clean_cell, clean_line, compact
from pipeline.settings import NormalizeSettings


def row(page: int = 1, **cells: str) -> RawRow:
    return RawRow(page=page, cells=cells)


def test_kangxi_radicals_are_unified_and_the_matching_copy_is_folded() -> None:
    assert clean_cell("⽬标完成率") == "目标完成率"
    assert clean_line("⾦额（⼀期）") == "金额（一期）"  # Kangxi radicals → the unified ideograph
    assert clean_cell("\uf900") == "\u8c48"  # a CJK compatibility ideograph → the unified one
    assert compact("１０．５") == "10.5"  # the folded copy things are matched and parsed in
    assert clean_cell("≥") == "≥"  # no compatibility mapping: kept
    assert split_core("★人员覆盖率") == ("人员覆盖率", True)


def test_text_stays_as_printed() -> None:
    """CONTRACT "Text as printed": full-width punctuation and traditional characters are kept."""
    assert clean_cell("台（套）") == "台（套）"
    assert clean_cell("台（\n套）") == "台（套）"
    assert clean_cell("元／人·月") == "元／人·月"
    assert clean_line("保障工资；\n确保稳定：足额，及时") == "保障工资；确保稳定：足额，及时"
    assert clean_line("經費保障，穩定運行") == "經費保障，穩定運行"  # traditional stays traditional
    assert clean_line("採購\u200bＬＥＤ　燈具") == "採購ＬＥＤ燈具"  # invisible and spaces go
    assert clean_line("Ｗｉｎｄｏｗｓ １０") == "Ｗｉｎｄｏｗｓ １０"  # full-width Latin words keep one space
    assert clean_cell("kg\u3000m") == "kg m"  # an ideographic space is a space, not Chinese text
    r = normalize_row(
        row(target="≥ 95％", target_this_year="１０． ５", measure_unit="％", level3="满意度（％）")
    )
    assert (r.target, r.target_this_year, r.measure_unit, r.level3) == (
        "≥95％",
        "１０．５",
        "％",
        "满意度（％）",
    )


def test_wrapped_cjk_cells_lose_all_whitespace() -> None:
    assert clean_cell("社会公众\n满意 度") == "社会公众满意度"
    assert clean_cell("  kg  m ") == "kg m"  # Latin-only cell keeps single spaces


def test_values_lose_all_spaces_but_stay_text() -> None:
    r = normalize_row(row(target="10. 5", target_this_year="2025年1月\n28日前兑现"))
    assert r.target == "10.5"
    assert r.target_this_year == "2025年1月28日前兑现"


def test_goal_and_name_are_one_line() -> None:
    assert (
        clean_line("严格执行相关政策，保障工\n资及时、足额发放") == "严格执行相关政策，保障工资及时、足额发放"
    )
    assert clean_line("采购 LED lamp 和\nWindows 10 授权") == "采购LED lamp和Windows 10授权"
    assert clean_line("付款期限202\n5年") == "付款期限2025年"


@pytest.mark.parametrize(
    ("printed", "code", "name"),
    [
        ("54000021R000000005055-工资性支出", "54000021R000000005055", "工资性支出"),
        ("54000021R000000005055－工资性\n支出", "54000021R000000005055", "工资性支出"),
        ("54000021R00000\n0005055 — 工资性支出", "54000021R000000005055", "工资性支出"),
        (
            "54010024T000001425738 三大节日离退休干部慰问经费",
            "54010024T000001425738",
            "三大节日离退休干部慰问经费",
        ),
        ("５４０１００２４Ｔ００１-机动经费", "54010024T001", "机动经费"),
        ("５４０１００２４Ｔ００１－机动经费（第一批）", "54010024T001", "机动经费（第一批）"),
        (
            "54000021R000000005055-关于驻村第一书记办实事工作的专项经费（2025年\n延续项目）",
            "54000021R000000005055",
            "关于驻村第一书记办实事工作的专项经费（2025年延续项目）",
        ),
        ("⼯资性支出（本级）", None, "工资性支出（本级）"),
        ("54000021R000000005055-拉萨-信访", "54000021R000000005055", "拉萨-信访"),
        ("LED-灯具采购", None, "LED-灯具采购"),  # too short, no digit
        ("ABCDEFG-灯具采购", None, "ABCDEFG-灯具采购"),  # no digit
        ("2025年工作经费", None, "2025年工作经费"),  # no separator after the run
        ("工资性支出", None, "工资性支出"),
    ],
)
def test_split_project(printed: str, code: str | None, name: str) -> None:
    assert split_project(printed) == (code, name)


def test_min_code_length_is_a_setting() -> None:
    assert split_project("A1234-x", min_code_length=4) == ("A1234", "x")
    assert split_project("A1234-x") == (None, "A1234-x")


@pytest.mark.parametrize(
    ("printed", "core", "name"),
    [
        ("★人员覆盖率", True, "人员覆盖率"),
        ("人员覆盖率★", True, "人员覆盖率"),
        ("☆人员覆盖率", True, "人员覆盖率"),
        ("*农村低保标准", True, "农村低保标准"),
        ("＊农村低保标准", True, "农村低保标准"),
        ("人员覆盖率", False, "人员覆盖率"),
        ("**", False, "**"),  # a template placeholder, left for V7
    ],
)
def test_core_marker(printed: str, core: bool, name: str) -> None:
    assert split_core(printed) == (name, core)


@pytest.mark.parametrize(
    ("printed", "op"),
    [
        ("=", "="), ("＝", "="), ("═", "="), ("﹦", "="), ("等于", "="), ("不小于", "≥"), ("不大于", "≤"),
        (">=", "≥"), ("≥", "≥"), ("≧", "≥"), ("⩾", "≥"), ("＞＝", "≥"), ("大于等于", "≥"), ("不低于", "≥"),
        ("不少于", "≥"),
        ("<=", "≤"), ("≤", "≤"), ("≦", "≤"), ("⩽", "≤"), ("＜＝", "≤"), ("小于等于", "≤"), ("不高于", "≤"),
        ("不超过", "≤"), ("不多于", "≤"),
        (">", ">"), ("＞", ">"), ("大于", ">"), ("高于", ">"),
        ("<", "<"), ("＜", "<"), ("小于", "<"), ("低于", "<"),
        ("定性", "定性"), (" 定\n性 ", "定性"),
        ("", None), ("   ", None), ("正向", None), ("т т", None),
    ],
)  # fmt: skip
def test_operator_map(printed: str, op: str | None) -> None:
    assert parse_operator(printed) == op


def test_unknown_operator_keeps_raw_text() -> None:
    r = normalize_row(row(operator="Lacra", level3="x"))
    assert r.operator is None
    assert r.raw["operator"] == "Lacra"


@pytest.mark.parametrize(
    ("printed", "weight"),
    [
        ("20", 20.0),
        ("20%", 20.0),
        ("22.5", 22.5),
        ("２０", 20.0),
        ("1 0", 10.0),
        ("", None),
        ("一十", None),
        ("_", None),
    ],
)
def test_weight(printed: str, weight: float | None) -> None:
    assert parse_weight(printed) == weight


@pytest.mark.parametrize(
    ("printed", "level"),
    [
        ("效果指标", "效益指标"),
        ("进度指标", "时效指标"),
        ("环境效益指标", "生态效益指标"),
        ("社会公众或服务对象满意度指标", "服务对象满意度指标"),
        ("产出", "产出指标"),
        ("效果", "效益指标"),
        ("产\n出\n指\n标", "产出指标"),
        ("产出指标(50分)", "产出指标"),
        ("产出指标（50分）", "产出指标"),
        ("效益指标（３０．５）", "效益指标"),
        ("⽣态效益指标", "生态效益指标"),
        ("其他指标（自定）", "其他指标（自定）"),  # unknown: as printed
        ("自定义指标", "自定义指标"),
    ],
)
def test_level_names(printed: str, level: str) -> None:
    assert canonical_level(printed) == level


@pytest.mark.parametrize(
    ("printed", "year"),
    [("2025", 2025), ("2025年", 2025), ("预算年度：２０２５年度", 2025), (None, None), ("", None)],
)
def test_budget_year(printed: str | None, year: int | None) -> None:
    assert parse_year(printed) == year


def extraction(**kw: object) -> Extraction:
    rows = (
        row(
            1,
            level1="产出指标",
            level2="数量指标",
            level3="人员覆盖率★",
            operator="＝",
            target="100",
            target_this_year="100",
            measure_unit="％",
            weight="20",
            weight_this_year="20",
        ),
        row(
            2, level1="效益指标", level2="社会效益指标", level3="社会稳\n定性", operator="定性", target="稳定"
        ),
    )
    project = RawProject(
        unit_name="拉萨市信访局\n本级",
        project="54000021R000000005055-工资性\n支出",
        goal="严格执行相关政策，\n保障工资及时",
        rows=rows,
    )
    defaults: dict[str, object] = dict(
        pages=2, table_pages=(1, 2), layout="ruled", budget_year="2025年", projects=(project,)
    )
    defaults.update(kw)
    return Extraction(**defaults)  # type: ignore[arg-type]


def test_normalize_document() -> None:
    doc = normalize(extraction(amount_unit=" 万元 "))
    assert (doc.unit_name, doc.budget_year, doc.amount_unit, doc.pages, doc.layout) == (
        "拉萨市信访局本级",
        2025,
        "万元",
        2,
        "ruled",
    )
    (p,) = doc.projects
    assert (p.code, p.name, p.goal, p.unit_name) == (
        "54000021R000000005055",
        "工资性支出",
        "严格执行相关政策，保障工资及时",
        "拉萨市信访局本级",
    )
    first, second = p.indicators
    assert (first.level3, first.core, first.operator, first.measure_unit, first.weight, first.page) == (
        "人员覆盖率",
        True,
        "=",  # the operator is canonical
        "％",  # the unit is text: as printed
        20.0,
        1,
    )
    assert (second.level3, second.core, second.operator, second.target, second.target_this_year) == (
        "社会稳定性",
        False,
        "定性",
        "稳定",
        None,
    )
    assert second.weight is None and second.page == 2
    assert first.raw["level3"] == "人员覆盖率★"
    assert doc.indicator_count == 2


def test_header_unit_name_wins_and_fills_projects() -> None:
    ex = extraction(unit_name="拉萨市 信访局")
    doc = normalize(ex)
    assert doc.unit_name == "拉萨市信访局"
    assert doc.projects[0].unit_name == "拉萨市信访局本级"  # the project's own cell is kept
    blank = RawProject(unit_name="", project="x", goal="", rows=())
    doc = normalize(extraction(unit_name="拉萨市信访局", projects=(blank,)))
    assert doc.projects[0].unit_name == "拉萨市信访局"
    assert doc.projects[0].goal is None


def test_missing_columns_become_none() -> None:
    r = normalize_row(row(3, level3="会议次数"))
    assert (r.level1, r.level2, r.operator, r.target, r.measure_unit, r.weight, r.weight_this_year) == (
        None,
    ) * 7
    assert r.page == 3


def test_settings_are_used() -> None:
    ex = extraction(projects=(RawProject(unit_name="u", project="AB123-项目", goal="", rows=()),))
    assert normalize(ex).projects[0].code is None
    assert normalize(ex, NormalizeSettings(min_code_length=4)).projects[0].code == "AB123"
