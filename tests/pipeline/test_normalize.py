"""Example tests for the normalize stage: Extraction → Document."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.model import Extraction, RawProject, RawRow
from pipeline.normalize import normalize, normalize_row
from pipeline.normalize.cells import is_operator_kind, parse_operator, parse_weight, parse_year, split_core
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
        row(
            operator="≥",
            target="≥ 95％",
            target_this_year="１０． ５",
            measure_unit="％",
            level3="满意度（％）",
        )
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
        ("54250020Y000000194158福利费", "54250020Y000000194158", "福利费"),  # a scan lost the dash
        ("54040019068016597049妇女儿童维权工作经费", "54040019068016597049", "妇女儿童维权工作经费"),
        ("11010123T0000067974382024年度经费", "11010123T000006797438", "2024年度经费"),  # a whole code
        ("42070022T000005672048.网上补助", "42070022T000005672048", "网上补助"),  # its dash read .
        ("11010122T000001022065:河湖长制项目", "11010122T000001022065", "河湖长制项目"),  # … read :
        ("G318国道养护经费", None, "G318国道养护经费"),  # a short run glued to the name is the name's
        ("20250101专项工作经费", None, "20250101专项工作经费"),
        ("工资性支出", None, "工资性支出"),
        ("/42070023T000006146437-党建工作经费", "42070023T000006146437", "党建工作经费"),  # a pen's stroke
        ("·54010022T000000779741-工资", "54010022T000000779741", "工资"),  # a speck
        ("-54010019T000001718453-业务培训专项经费", "54010019T000001718453", "业务培训专项经费"),
        ("/工资性支出", None, "/工资性支出"),  # no code after the mark: as printed
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
        ("★★★培训人数", True, "培训人数"),
        ("培训人数★★", True, "培训人数"),
        ("★培训人数★", True, "培训人数"),
        ("★ ★\n★培训人数", True, "培训人数"),
        ("☆☆培训人数", True, "培训人数"),
        ("☆", True, ""),
        ("★＊培训人数", True, "培训人数"),
        ("培训人数（★）", False, "培训人数（★）"),  # a star inside the name is not a marker
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
        ("大於等於", "≥"), ("不低於", "≥"), ("不超過", "≤"), ("等於", "="), ("高於", ">"), ("低於", "<"),
        ("", None), ("   ", None), ("正向", None), ("反向", None), ("定量", None), ("т т", None),
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
        # printed block scores and annotations go when a known name remains
        ("成本指标(0-20)分", "成本指标"),
        ("产出指标\n(40-50)分", "产出指标"),
        ("产出指标（40－50）分", "产出指标"),
        ("产出指标50分", "产出指标"),
        ("数量指标(必填硬性指标)", "数量指标"),
        ("质量指标(选填)", "质量指标"),
        ("质量指标（选填）（10分）", "质量指标"),
        ("满意度指标【10分】", "满意度指标"),
        ("效果指标(30分)", "效益指标"),
        ("产出(50分)", "产出指标"),
        ("成本指标(10分", "成本指标"),  # a scan's lost `)` ending a short line
        ("产出指(40-50)分", "产出指标"),  # a scan's 标 left out: the suffix's last character
        ("效益指", "效益指标"),
        ("其他指(10分)", "其他指(10分)"),  # unknown all the same: as printed
        ("满意度指标（10分", "满意度指标"),
        # numbering before a known name goes too
        ("一、产出指标", "产出指标"),
        ("（二）效益指标", "效益指标"),
        ("1.数量指标", "数量指标"),
        ("3、满意度", "满意度指标"),
        # an unknown name keeps its annotations and numbering: as printed
        ("其他指标(10分)", "其他指标(10分)"),
        ("一、其他指标", "一、其他指标"),
        ("(50分)", "(50分)"),
        ("其他指标(自定", "其他指标(自定"),
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


# --------------------------------------------------------------------------- operator, target and unit

# (指标性质 cell or None for no column, 绩效指标值, 度量单位 cell or None) → (operator, target, measure_unit)
VALUE_CASES = [
    # the operator glued to the value is split off when no column holds one
    (None, "≥95%", None, ("≥", "95", "%")),
    (None, ">=21933人", None, ("≥", "21933", "人")),
    (None, "=8个", None, ("=", "8", "个")),
    (None, "≤620万/月", None, ("≤", "620", "万/月")),
    (None, "<=5300元/户", None, ("≤", "5300", "元/户")),
    (None, "大于90%", None, (">", "90", "%")),
    (None, "不低于95%", None, ("≥", "95", "%")),
    (None, "＞＝90", None, ("≥", "90", None)),
    (None, "═8个", None, ("=", "8", "个")),  # box drawing: NFKC leaves it, the map does not
    (None, "﹦8个", None, ("=", "8", "个")),
    (None, "≧ 9 5 ％", None, ("≥", "95", "％")),  # spaces go; the unit as printed
    (None, "不超过5万元", None, ("≤", "5", "万元")),
    (None, "低于1%", None, ("<", "1", "%")),
    ("", "≥95%", "", ("≥", "95", "%")),
    ("定量", "≥95%", "", ("≥", "95", "%")),
    ("正向", "≤5天", "-", ("≤", "5", "天")),
    ("反向", "<3次", "—", ("<", "3", "次")),
    ("定量", "95", "%", (None, "95", "%")),  # a kind, not an operator
    ("正向", "100", None, (None, "100", None)),
    # a column holding an operator keeps the value whole, as printed
    ("≥", "≥95%", "%", ("≥", "≥95%", "%")),
    ("≥", "≥95%", None, ("≥", "≥95%", None)),
    ("＝", "≤90", "%", ("=", "≤90", "%")),  # contradiction left for V5
    ("大于等于", "95%", None, ("≥", "95", "%")),
    # an operator word followed by words is not split
    (None, "高于全省平均水平", None, (None, "高于全省平均水平", None)),
    (None, "≥**%", None, (None, "≥**%", None)),  # a placeholder stays for V7
    (None, "≥", None, (None, "≥", None)),
    # a unit column holding a unit keeps the value as printed
    (None, "95%", "%", (None, "95%", "%")),
    ("=", "8个", "个", ("=", "8个", "个")),
    # no unit (no column, empty, `-`, `—`, `/`): number + unit splits
    ("=", "95%", None, ("=", "95", "%")),
    ("=", "8个", "", ("=", "8", "个")),
    ("≤", "620万元", "-", ("≤", "620", "万元")),
    ("≤", "5300元/户", "/", ("≤", "5300", "元/户")),
    ("=", "3,309,840.00元", "—", ("=", "3,309,840.00", "元")),
    ("≤", "620万/月", "－", ("≤", "620", "万/月")),
    ("=", "800元/人·月", "／", ("=", "800", "元/人·月")),
    ("≤", "20元/人*月", "——", ("≤", "20", "元/人*月")),
    ("≤", "30元/人.每天", None, ("≤", "30", "元/人.每天")),
    ("≥", "500人次", None, ("≥", "500", "人次")),
    ("=", "1.5万亩", None, ("=", "1.5", "万亩")),
    ("≥", "20公顷", None, ("≥", "20", "公顷")),
    ("=", "350㎡", None, ("=", "350", "㎡")),
    ("=", "350m²", None, ("=", "350", "m²")),
    ("≤", "2.6亿元", None, ("≤", "2.6", "亿元")),
    ("≤", "250万", None, ("≤", "250", "万")),
    ("≥", "3个百分点", None, ("≥", "3", "个百分点")),
    ("≤", "5个工作日", None, ("≤", "5", "个工作日")),
    ("≤", "30天", None, ("≤", "30", "天")),
    ("≤", "6个月", None, ("≤", "6", "个月")),
    ("≥", "3年", None, ("≥", "3", "年")),
    ("≥", "10kWh", None, ("≥", "10", "kWh")),
    ("=", "９５％", None, ("=", "９５", "％")),  # full-width digits stay as printed
    ("=", "１０．５万元", None, ("=", "１０．５", "万元")),
    ("≤", "28.8萬元", None, ("≤", "28.8", "萬元")),  # traditional characters stay traditional
    ("≥", "3個", None, ("≥", "3", "個")),
    (None, "不低於95%", None, ("≥", "95", "%")),
    ("=", "95%以內", None, ("=", "95%以內", None)),
    ("=", "10. 5万元", None, ("=", "10.5", "万元")),
    # not a plain number + unit: whole, no unit
    ("=", "95%以上", None, ("=", "95%以上", None)),
    ("=", "±3%以内", None, ("=", "±3%以内", None)),
    ("定性", "2025年12月底前", None, ("定性", "2025年12月底前", None)),
    ("=", "2025年12月底前", None, ("=", "2025年12月底前", None)),
    ("=", "12月底到位", None, ("=", "12月底到位", None)),
    ("定性", "有效提升", None, ("定性", "有效提升", None)),
    ("=", "100%（1.0）", None, ("=", "100%（1.0）", None)),
    ("=", "14-24℃", None, ("=", "14-24℃", None)),
    ("=", "1-2次", None, ("=", "1-2次", None)),
    (None, "超13万元/年", None, (None, "超13万元/年", None)),
    ("=", "90%-95%", None, ("=", "90%-95%", None)),
    ("=", "100人以上", None, ("=", "100人以上", None)),
    ("≤", "3天以内", None, ("≤", "3天以内", None)),
    ("=", "5个左右", None, ("=", "5个左右", None)),
    ("≤", "30分钟内", None, ("≤", "30分钟内", None)),
    ("=", "100余人", None, ("=", "100余人", None)),
    ("=", "16台（套）", None, ("=", "16", "台（套）")),  # an alternative in brackets
    ("≥", "500人(次)", None, ("≥", "500", "人(次)")),
    ("=", "5台（1套）", None, ("=", "5台（1套）", None)),
    ("=", "5台（含安装）", None, ("=", "5台（含安装）", None)),
    ("=", "100人完成培训", None, ("=", "100人完成培训", None)),
    ("=", "5G", None, ("=", "5G", None)),  # case matters: G is not grams
    ("=", "95", None, ("=", "95", None)),  # a bare number has no unit
    # dates are not quantities
    ("=", "2024年", None, ("=", "2024年", None)),
    ("=", "2025年度", None, ("=", "2025年度", None)),
    ("=", "12月", None, ("=", "12月", None)),
    ("≤", "30日", None, ("≤", "30日", None)),
    # 定性: the value is text, nothing is split off
    ("定性", "100%", None, ("定性", "100%", None)),
    ("定性", "≥95%", None, ("定性", "≥95%", None)),
]


@pytest.mark.parametrize(("op_cell", "value", "unit_cell", "expected"), VALUE_CASES)
def test_operator_target_and_unit(
    op_cell: str | None, value: str, unit_cell: str | None, expected: tuple[str | None, ...]
) -> None:
    cells = {"level3": "指标", "target": value}
    if op_cell is not None:
        cells["operator"] = op_cell
    if unit_cell is not None:
        cells["measure_unit"] = unit_cell
    r = normalize_row(RawRow(page=1, cells=cells))
    assert (r.operator, r.target, r.measure_unit) == expected
    assert r.raw == cells  # validation reads the printed cells


@pytest.mark.parametrize(
    ("target", "this_year", "unit_cell", "expected"),
    [
        ("≥95%", "≥90%", None, ("≥", "95", "90", "%")),
        ("95%", "90％", None, (None, "95", "90", "%")),  # the same unit, the first as printed
        ("", "≥90%", None, ("≥", None, "90", "%")),  # only the 本年 column filled
        ("≥95%", "90%", None, ("≥", "95", "90", "%")),
        ("≥90", "≤95", None, (None, "≥90", "≤95", None)),  # two operators: nothing split
        ("95%", "8个", None, (None, "95%", "8个", None)),  # two units: no shared unit
        ("95%", "95", None, (None, "95%", "95", None)),  # a bare number is not given a unit
        ("95%", "95%以上", None, (None, "95%", "95%以上", None)),
        ("95%", "90%", "%", (None, "95%", "90%", "%")),
    ],
)
def test_this_year_shares_the_row_unit(
    target: str, this_year: str, unit_cell: str | None, expected: tuple[str | None, ...]
) -> None:
    cells = {"target": target, "target_this_year": this_year}
    if unit_cell is not None:
        cells["measure_unit"] = unit_cell
    r = normalize_row(RawRow(page=1, cells=cells))
    assert (r.operator, r.target, r.target_this_year, r.measure_unit) == expected


def test_actual_stays_as_printed() -> None:
    r = normalize_row(row(operator="", target="≥95%", actual="≥ 96%", measure_unit=""))
    assert (r.operator, r.target, r.measure_unit, r.actual) == ("≥", "95", "%", "≥96%")


@pytest.mark.parametrize(
    ("printed", "unit"),
    [
        ("", None),
        ("-", None),
        ("—", None),
        ("/", None),
        ("－", None),
        ("——", None),
        ("％", "％"),
        ("台（\n套）", "台（套）"),
    ],
)
def test_blank_unit_cells(printed: str, unit: str | None) -> None:
    assert normalize_row(row(target="达标", measure_unit=printed)).measure_unit == unit


@pytest.mark.parametrize("kind", ["定量", "正向", "反向", "定量指标", " 正 向 "])
def test_a_kind_is_not_an_operator(kind: str) -> None:
    assert parse_operator(kind) is None
    assert is_operator_kind(kind)
    assert not is_operator_kind("定性") and not is_operator_kind("Lacra")


@pytest.mark.parametrize(
    "printed", ["820001-某某局", "[015001]某某局", "【015001】某某局", "813－某某局", "[066]某某局"]
)
def test_unit_names_keep_a_printed_unit_code(printed: str) -> None:
    """CONTRACT "Text as printed" rewrites nothing else: a code printed before 单位名称 is part of it."""
    assert normalize(extraction(unit_name=printed)).unit_name == printed
    coded = RawProject(unit_name=printed + "本级", project="x", goal="", rows=())
    blank = RawProject(unit_name="", project="y", goal="", rows=())
    doc = normalize(extraction(projects=(coded, blank)))
    assert doc.unit_name == printed + "本级"  # from the first project: no header
    assert [p.unit_name for p in doc.projects] == [printed + "本级", None]
    assert normalize(extraction(unit_name="820001—拉萨市\n信访局")).unit_name == "820001—拉萨市信访局"


def _doc(*projects: RawProject) -> Extraction:
    return Extraction(pages=1, table_pages=(1,), layout="ruled", projects=projects)


def _scanned(project: str, confidence: float | None = 0.9) -> RawProject:
    cells = {"level1": "产出指标", "level2": "数量指标", "level3": "人数", "target": "5"}
    return RawProject("某局", project, "", (RawRow(page=1, cells=cells, confidence=confidence),))


def test_a_scanned_codes_type_letter_read_as_a_digit_comes_back_from_its_siblings() -> None:
    """Seed 18's lasa: 54010021T… read 540100211…; the document's other 54010021 codes carry T.
    Seed 24's lasa read every 54010021 code so: its division's codes of other years carry T."""
    doc = normalize(_doc(
        _scanned("54010021T000000010174-培训经费"),
        _scanned("540100211000000010187-会议经费"),
        _scanned("540100241000001394820-机动经费"),  # no typed sibling of its year: the division's
        _scanned("530000211000000010111-其他"),  # no typed sibling of its division: 1 is T's
    ))  # fmt: skip
    assert [p.code for p in doc.projects] == [
        "54010021T000000010174", "54010021T000000010187", "54010024T000001394820", "53000021T000000010111",
    ]  # fmt: skip
    mixed = normalize(_doc(  # seed 44's grid-2024-ascii-triple: the division's years carry R and
        _scanned("54010022T000000010174-甲"), _scanned("54010023R000000010175-乙"),  # T; a 1 is T's
        _scanned("540100211000000010187-丙"), _scanned("540100238000000010188-丁"),  # an 8, R's
    ))  # fmt: skip
    assert [p.code for p in mixed.projects][2:] == ["54010021T000000010187", "54010023R000000010188"]
    other = normalize(_doc(  # seed 44's midterm-shared-2023: its kin carry X, which no 1 is
        _scanned("54060023X000001463763-甲"), _scanned("540600201000000823736-乙"),
    ))  # fmt: skip
    assert other.projects[1].code == "54060020T000000823736"


def test_a_scanned_codes_digit_read_as_a_letter_comes_back() -> None:
    """Seed 24's grid-2023-coded-words: 54D00022T… and …196B412 from a 150-dpi scan; printed,
    and where the shape is no typed code's, the code stays as it is."""
    doc = normalize(_doc(_scanned("54D00022T000001452157-甲"), _scanned("54000019T00000196B412-乙"),
                         _scanned("54010C21T000000235022-丙")))  # fmt: skip  # seed 48: a streak's C
    assert [p.code for p in doc.projects] == [
        "54000022T000001452157", "54000019T000001968412", "54010021T000000235022",
    ]  # fmt: skip
    printed = normalize(_doc(_scanned("54D00022T000001452157-甲", None)))
    assert printed.projects[0].code == "54D00022T000001452157"
    other = normalize(_doc(_scanned("G318BD-国道养护")))
    assert other.projects[0].code == "G318BD"
    column = RawProject("某局", "工资", "", _scanned("x").rows, code="/54050023T000000416085")
    assert normalize(_doc(column)).projects[0].code == "54050023T000000416085"  # seed 23: a pen's /


def test_a_speck_inside_a_scanned_code_is_no_part_of_it() -> None:
    """Seed 28's rl-seed-2025-lasa 5400.0021R…- and seed 25's info-lines-2022 540:1002…- from
    scans, and seed 48's …T0000C/1513444-: the code whole. Printed, or short (2025.12-工作), the text stays as it is."""
    doc = normalize(_doc(_scanned("5400.0021R000000005092-城镇职工"), _scanned("540:10020504176826083-重大"),
                         _scanned("2025.12-工作"), _scanned("54010023T0000C/1513444-机关养老")))  # fmt: skip
    assert [(p.code, p.name) for p in doc.projects] == [
        ("54000021R000000005092", "城镇职工"), ("54010020504176826083", "重大"), (None, "2025.12-工作"),
        ("54010023T000001513444", "机关养老"),  # seed 48's calc-symbol-2025-big: a streak through a 0
    ]  # fmt: skip
    printed = normalize(_doc(_scanned("5400.0021R000000005092-城镇职工", None)))
    assert printed.projects[0].code is None


def test_a_cross_in_a_scanned_typed_codes_digit_is_a_crossed_one() -> None:
    """Seed 54's ubo-2022-portrait-words: a streak across a code's 1 read ±, the code then none and
    the whole text the project's name. In a typed code's digit place it is the 1; one more than
    the code's length holds is a speck."""
    doc = normalize(
        _doc(_scanned("540100±8T000002064277-公务员医疗补助"), _scanned("5401001+8T000002064277-工资"))
    )
    assert [(p.code, p.name) for p in doc.projects] == [
        ("54010018T000002064277", "公务员医疗补助"), ("54010018T000002064277", "工资"),
    ]  # fmt: skip


def test_a_printed_code_of_digits_stays_as_printed() -> None:
    """A text layer's code is what was printed, whatever its siblings carry; so is a scanned
    one when the digit is none a letter is taken for; and in a document that numbers codes with digits alone (a ninth digit no letter is
    taken for), a code of no typed sibling's division stays as read."""
    doc = normalize(_doc(
        _scanned("54010021T000000010174-培训经费", None),
        _scanned("540100211000000010187-会议经费", None),
    ))  # fmt: skip
    assert doc.projects[1].code == "540100211000000010187"
    doc = normalize(_doc(_scanned("54010021T000000010174-甲"), _scanned("540100213000000010189-戊")))
    assert doc.projects[1].code == "540100213000000010189"
    numbered = normalize(_doc(
        _scanned("54010021T000000010174-甲"), _scanned("540100213000000010189-戊"),
        _scanned("530000211000000010111-其他"),
    ))  # fmt: skip
    assert numbered.projects[2].code == "530000211000000010111"


def test_a_speck_after_a_scanned_project_name_is_no_part_of_it() -> None:
    """Seed 15's var-long-goal-cut: 54…-工资性支出。 read from the scan, and seed 19's
    sys-landscape-separate-borders a dash before the name; printed, the name stays as it is."""
    scanned = normalize(_doc(_scanned("54010021T000000010174--工资性支出。")))
    printed = normalize(_doc(_scanned("54010021T000000010174-工资性支出。", None)))
    assert scanned.projects[0].name == "工资性支出" and printed.projects[0].name == "工资性支出。"


def test_a_colon_or_a_dash_after_a_scanned_unit_name_is_no_part_of_it() -> None:
    """Seed 48's calc-symbol-2025-big (150-dpi grey, streaks): 拉萨市财政局本级： read from the
    scan; printed, the name stays as it is."""
    raw = _scanned("54010023T000001513444-机关养老")
    scanned = normalize(_doc(replace(raw, unit_name="拉萨市财政局本级：")))
    stroked = normalize(_doc(replace(raw, unit_name="233014-拉萨市机关事务管理局本级-")))  # seed 50: a pen's
    assert stroked.unit_name == "233014-拉萨市机关事务管理局本级"
    printed = normalize(_doc(replace(_scanned("54010023T000001513444-机关养老", None), unit_name="某局：")))
    assert (scanned.unit_name, scanned.projects[0].unit_name) == ("拉萨市财政局本级", "拉萨市财政局本级")
    assert printed.projects[0].unit_name == "某局："


def test_a_scanned_project_name_ending_in_a_day_for_an_item_ends_in_item() -> None:
    """Seeds 48–50: 业务培训项日, 信访联席会议项日 read from scans (目 read 日); 各项日常 inside a
    name, or a printed name, stays as it is."""
    names = ["业务培训项日", "各项日常运转经费"]
    scanned = normalize(_doc(*(_scanned(f"54010021T00000001017{k}-{n}") for k, n in enumerate(names))))
    assert [p.name for p in scanned.projects] == ["业务培训项目", "各项日常运转经费"]
    printed = normalize(_doc(_scanned("54010021T000000010170-业务培训项日", None)))
    assert printed.projects[0].name == "业务培训项日"


def test_a_pen_stroke_read_before_a_scanned_typed_code_is_no_part_of_it() -> None:
    """Seed 45's sys-landscape-cell-rects (150 dpi, pen strokes): √V54010023T…商品和服务支出 from
    the scan; printed, the text stays as it is."""
    scanned = normalize(_doc(_scanned("√V54010023T000002441775商品和服务支出")))
    assert (scanned.projects[0].code, scanned.projects[0].name) == ("54010023T000002441775", "商品和服务支出")
    printed = normalize(_doc(_scanned("√V54010023T000002441775商品和服务支出", None)))
    assert printed.projects[0].code != "54010023T000002441775"


def test_a_pen_stroke_read_after_a_scanned_project_name_is_no_part_of_it() -> None:
    """Seed 46's grid-2023-landscape (150-dpi grey, photocopy): 党建工作经费B; over seeds 20, 24,
    36, 37, 39 and 44–47 a scanned name ended so (B, -, N, I, s) on 99 rows. A name that ends in
    Latin letters after other Latin text, or printed, stays as it is."""
    names = ["党建工作经费B", "工资性支出-", "培训资金N", "国道G318养护", "国道G318"]
    scanned = normalize(_doc(*(_scanned(f"54010021T00000001017{k}-{n}") for k, n in enumerate(names))))
    assert [p.name for p in scanned.projects] == [
        "党建工作经费",
        "工资性支出",
        "培训资金",
        "国道G318养护",
        "国道G318",
    ]
    printed = normalize(_doc(_scanned("54010021T000000010174-党建工作经费B", None)))
    assert printed.projects[0].name == "党建工作经费B"
