"""Recognition errors a closed vocabulary corrects."""

from __future__ import annotations

import pytest

from pipeline.scan.vocabulary import confused_across_lines, correct, level_names_across_lines


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("95.", "95"),
        ("≥90%.", "≥90%"),
        ("%.", "%"),
        ("产出指标.", "产出指标"),
        ("效益指标。", "效益指标"),
        ("..", ""),
        ("根据文件精神。", "根据文件精神。"),  # running text keeps its full stop
        ("10.5", "10.5"),
        ("元/人.", "元/人."),
    ],
)
def test_a_speck_after_a_value_or_a_level_name_is_no_full_stop(read: str, expected: str) -> None:
    assert correct(read, 0.9)[0] == expected


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        (".产出指标", "产出指标"),
        ("·经济效益指标", "经济效益指标"),
        (".%", "%"),
        ("。目标1：", "。目标1："),  # a wrapped line may open with a full stop
        (".95", ".95"),
        ("\\", ""),
        ("<//\\", ""),
        ("///", ""),
        ("<", "<"),
        ("/", "/"),
        ("//", "//"),
        # specks inside a code and after a sentence's stop; a unit code's lost bracket
        ("53000020T00·0005909587-离退休人员费用", "53000020T000005909587-离退休人员费用"),
        ("10·5", "10·5"),  # too short for a code: left as read
        ("成本指标·", "成本指标"),
        ("元/人·天", "元/人·天"),
        ("预算执行率达到95%以上。-", "预算执行率达到95%以上。"),
        ("确保资金使用安全有效。，", "确保资金使用安全有效。"),
        ("预算执行率达到95%以上。<//", "预算执行率达到95%以上。"),
        ("达到95%以上-", "达到95%以上-"),
        ("[657拉萨市机关事务管理局本级", "[657]拉萨市机关事务管理局本级"),
        ("[657]拉萨市", "[657]拉萨市"),
        ("单位信息：[022拉萨市信访局本级", "单位信息：[022]拉萨市信访局本级"),  # after a label
        ("附件[1说明", "附件[1说明"),  # one digit, not after a label: as read
        ("[A]拉萨市", "[A]拉萨市"),
        # a typed code's misread digits
        ("54010019R00000C968581-业务经费", "54010019R000000968581-业务经费"),
        ("54010023TC0000:2441775-商品和服务支出", "54010023T000002441775-商品和服务支出"),
        ("//42070024T000000705309-党建经费", "42070024T000000705309-党建经费"),
        ("754010024R000002481694-信访经费", "54010024R000002481694-信访经费"),  # a stroke read as 7 before it
        # words a copy's grain turned into no word
        ("预算编制科学合埋,减少结余资金", "预算编制科学合理,减少结余资金"),
        ("232097-西藏自治区应急管埋局本级", "232097-西藏自治区应急管理局本级"),
        ("服务对象满点度指杯", "服务对象满意度指标"),
        ("拉护市财政局本级", "拉萨市财政局本级"),  # seeds 44, 48, 49: 萨 read 护 at 150 dpi, bitonal
        ("机关事业单位养老保险激费", "机关事业单位养老保险缴费"),
        ("地方志编篆工作经费", "地方志编纂工作经费"),
        ("拉萨市职业支术学校", "拉萨市职业技术学校"),
        ("上访案件处箐率", "上访案件处置率"),
        ("车辆购箐数", "车辆购置数"),
        (
            "项自名称:54060023Y000000277519-学前教育资助项目",
            "项目名称:54060023Y000000277519-学前教育资助项目",
        ),
        ("驻村群众清意度", "驻村群众满意度"),  # seed 57: 目 read 自 at 150 dpi, 满 read 清 bitonal
        ("此项自2023年起实施", "此项自2023年起实施"),  # 项自 alone may be printed
        ("预期自标", "预期目标"),  # seed 56's var-evaluation-portrait-7pt
        ("年度自标", "年度目标"),  # seed 54's midterm-shared-portrait-2022
        ("档案完好率(2**%)", "档案完好率(≥**%)"),  # seeds 54, 55: a ≥ before a template's blank
        ("达到(2**)", "达到(≥**)"),
        ("完成率(20%)", "完成率(20%)"),
        (".★★★受益单位满意度", "★★★受益单位满意度"),  # seed 56: a speck before a core mark
        ("埋设管道", "埋设管道"),
        (
            "754010024R00000248169-信访经费",
            "754010024R00000248169-信访经费",
        ),  # 12 digits after the letter: as read
        ("54010019RX0000968581-业务经费", "54010019RX0000968581-业务经费"),  # X: no digit it could be
        ("11010122877396-工资", "11010122877396-工资"),
        ("53000024T00Q009", "53000024T000009"),  # a code's first line, wrapped before its dash
        ("53000024TABCDEF", "53000024TABCDEF"),
        # a value alone never opens with 、 : or ， (a speck); a wrapped sentence may
        ("、200", "200"),
        (":100", "100"),
        ("：≥95%", "≥95%"),
        ("，以上", "，以上"),
        ("：目标1", "：目标1"),
        ("、成本指标", "成本指标"),
        ("、提升服务水平", "、提升服务水平"),
    ],
)
def test_specks_pen_strokes_and_a_lost_code_bracket_are_corrected(read: str, expected: str) -> None:
    """Specks opening a line, inside a code or after a stop; a pen's stroke; a unit code's lost ]."""
    assert correct(read, 0.9)[0] == expected


@pytest.mark.parametrize(
    ("read", "probs", "expected"),
    [
        ("权量", (1.0, 0.58), "权重"),  # a photocopy's darkened 重
        ("权置", (1.0, 0.83), "权重"),
        ("权量", (1.0, 0.95), "权量"),  # read surely: left as read
        ("权量", (0.7, 0.58), "权量"),  # two characters doubted
        ("年度目标。", (1.0, 1.0, 1.0, 1.0, 0.85), "年度目标。"),  # a speck, not 年度目标值
        ("单价", (1.0, 0.97), "单价"),
    ],
)
def test_a_header_label_one_doubted_character_away_is_that_label(
    read: str, probs: tuple[float, ...], expected: str
) -> None:
    assert correct(read, 0.9, probs)[0] == expected


@pytest.mark.parametrize(
    ("read", "point", "expected"),
    [
        ("232097.西藏", 0.6, "232097-西藏"),  # a unit code's dash read as a point
        ("672048.网上信访补", 0.55, "672048-网上信访补"),  # a project code's, wrapped
        ("232097.西藏", 0.95, "232097.西藏"),  # read surely: as printed
        ("12.西藏", 0.6, "12.西藏"),  # numbering (1.产出), not a code
        ("资金.西藏", 0.6, "资金.西藏"),
    ],
)
def test_a_doubted_point_after_a_code_is_its_dash(read: str, point: float, expected: str) -> None:
    probs = tuple(point if ch == "." else 1.0 for ch in read)
    assert correct(read, 0.9, probs)[0] == expected


def test_a_level_name_wrapped_over_lines_is_corrected_where_doubted() -> None:
    """经济成本拍 / 标: one doubted character from 经济成本指标 over the cell's two lines; a cell of
    one line, or a character read surely, stays as read."""
    texts = [
        ("经济成本拍", 0.8),
        ("标", 0.99),
        ("经济成本拍", 0.8),
        ("标", 0.99),
        ("服务对象满进", 0.9),
        ("度指标", 0.9),
    ]
    probs = [(0.99, 0.9, 0.95, 0.98, 0.75), (0.99,), (0.99, 0.9, 0.95, 0.98, 0.95), (0.99,), None, (1.0,) * 3]
    level_names_across_lines([[0, 1], [2, 3], [4, 5]], texts, probs, 0.8)
    assert [t for t, _ in texts] == ["经济成本指", "标", "经济成本拍", "标", "服务对象满进", "度指标"]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["社会益指标"], ["社会效益指标"]),  # the recogniser skipped 效
        (["服务对象满意", "指标"], ["服务对象满意度", "指标"]),  # … 度, at a line's end
        (["服务对象", "意度指标"], ["服务对象满", "意度指标"]),  # between lines: to the earlier one
        (["出指标"], ["出指标"]),  # a lost first character may be printed so: as printed
        (["成本指"], ["成本指"]),
        (["量指标"], ["量指标"]),  # 数量 or 质量
        (["满意度指标"], ["满意度指标"]),
    ],
)
def test_a_level_name_with_a_character_skipped_inside_it_is_that_name(
    lines: list[str], expected: list[str]
) -> None:
    texts = [(t, 0.95) for t in lines]
    level_names_across_lines([list(range(len(lines)))], texts, [None] * len(lines), 0.8)
    assert [t for t, _ in texts] == expected


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("驻村第--书记办实事经费", "驻村第一书记办实事经费"),
        ("第-书记", "第-书记"),
        ("2024--2025", "2024--2025"),
    ],
)
def test_one_read_as_hyphens_between_characters_is_one(read: str, expected: str) -> None:
    assert correct(read, 0.9)[0] == expected


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("本次申请预算资金46;8万元", "本次申请预算资金46.8万元"),  # seed 18's ubo-2023
        ("成本控制在1;000万元以内", "成本控制在1,000万元以内"),
        ("提介退休T部幸福感", "提升退休干部幸福感"),
        ("目标1;年度", "目标1;年度"),  # no number after it: as read
    ],
)
def test_a_semicolon_inside_a_number_and_confused_words(read: str, expected: str) -> None:
    assert correct(read, 0.9)[0] == expected


def test_a_confused_word_wrapped_over_two_lines_is_mended() -> None:
    """Seed 15's var-many-projects-flat: 232097-西藏自治区应急管 | 埋局本级."""
    texts = [("232097-西藏自治区应急管", 0.9), ("埋局本级", 0.9), ("填埋场运行", 0.9)]
    confused_across_lines([[0, 1], [2]], texts)
    assert [t for t, _ in texts] == ["232097-西藏自治区应急管", "理局本级", "填埋场运行"]


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("确保资金使用安全有效。T Y", "确保资金使用安全有效。"),
        ("有效。PM", "有效。PM"),
        ("目标。PM2.5", "目标。PM2.5"),
    ],
)
def test_a_strokes_bits_read_as_letters_after_a_sentence_are_dropped(read: str, expected: str) -> None:
    """Seed 15's sys-landscape-cell-rects (pen): 有效。T Y; a word of letters stays."""
    assert correct(read, 0.9)[0] == expected


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("资金使用合规率达到1C0%，", "资金使用合规率达到100%，"),  # seed 19's calc-symbol-2025-big
        ("本次申请预算资金12C万元，", "本次申请预算资金120万元，"),  # seed 31's sys-landscape-cell-rects
        ("达到9C%以上", "达到90%以上"),
        ("3C-40岁", "3C-40岁"),
        ("2024年度老|旧小区改造", "2024年度老旧小区改造"),  # seed 19's form-scored-2024
        ("根据拉政办发【20:21】64号文件", "根据拉政办发【2021】64号文件"),  # seed 19's grid-2022-odd-cells
        ("会议时间20:21", "会议时间20:21"),
        (
            "根据拉政办发【2022124号文件精神",
            "根据拉政办发【2022】24号文件精神",
        ),  # seed 45's rl-landscape-rotate90
        ("财预〔2015188号", "财预〔2015〕88号"),
        (
            "根据拉财行【2018]14号文件精神",
            "根据拉财行【2018】14号文件精神",
        ),  # seed 56's var-many-projects-flat
        ("根据拉政办发【2022】124号文件", "根据拉政办发【2022】124号文件"),
        ("共2022124号", "共2022124号"),
        ("本次申请预算资金1.000万元，用于", "本次申请预算资金1,000万元，用于"),  # seed 54 (150 dpi)
        ("资金10.5万元", "资金10.5万元"),
        ("达到1.0005", "达到1.0005"),
        ("0.350万元", "0.350万元"),
    ],
)
def test_a_scans_bits_inside_numbers_and_words(read: str, expected: str) -> None:
    assert correct(read, 0.9)[0] == expected
