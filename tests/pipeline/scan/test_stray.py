"""stray: a photocopy's specks and a pen's strokes read as lines of marks are no text."""

from __future__ import annotations

import numpy as np

from pipeline.scan.recognize import Reading
from pipeline.scan.stray import (
    doubtful_prime,
    edge_marks,
    far_bits,
    speck_dashes,
    speck_line,
    speck_points,
    stacked_specks,
    stops_alone,
    stroke_bits,
    stroke_line,
    tiny_character,
)


def test_a_line_of_speck_sized_marks_is_a_speck_line() -> None:
    crop = np.full((20, 30), 255, np.uint8)
    crop[8:12, 5:9] = 30
    crop[8:12, 20:24] = 30  # two specks read as one line: ".·"
    assert speck_line(crop, ".·", 4.5) and speck_line(crop, "+", 4.5) and speck_line(crop, "#", 4.5)
    assert not speck_line(crop, "-", 4.5)  # a dash value prints no larger at 150 dpi
    assert not speck_line(crop, "=", 4.5)  # the two bars of a small = are such marks
    assert speck_line(crop[:, :12], "o", 4.5) and speck_line(
        crop[:, :12], "0", 4.5
    )  # a letter that small is none
    assert not speck_line(crop, ".·", 3.5)  # larger than a speck
    crop[2:18, 12:14] = 30
    assert not speck_line(crop, ".·", 4.5)  # a mark in the line is larger than a speck


def test_specks_one_above_another_read_as_an_upright_mark_are_specks() -> None:
    """Seed 75's midterm-shared-portrait-2022 (150-dpi photocopy): two specks 3 px apart, one above
    the other, beside （2022年度） read I at 0.31; the subtitle gave no budget year."""
    crop = np.full((24, 14), 255, np.uint8)
    crop[6:9, 5:8] = 40
    crop[14:17, 6:9] = 40
    assert stacked_specks(crop, "I", 0.31, 5.1) and stacked_specks(crop, "1", 0.5, 5.1)
    assert not stacked_specks(crop, "I", 0.9, 5.1)  # read surely: left to the model
    assert not stacked_specks(crop, "I", 0.31, 2.5)  # marks larger than specks
    stroke = np.full((24, 14), 255, np.uint8)
    stroke[5:19, 6:8] = 40  # a printed 1, one stroke: even read doubtfully, it stays
    assert not stacked_specks(stroke, "1", 0.4, 5.1)
    assert not stacked_specks(crop, ":", 0.31, 5.1)  # no upright reading (speck_line's)


def test_a_prime_read_doubtfully_at_a_lines_end_is_dropped() -> None:
    """Seed 75's rl-portrait-two-row-header (200-dpi photocopy): weight cells cut two px past their
    0 read 10′, the prime at 0.33, and 21 weights were lost."""
    read = doubtful_prime(Reading("10′", 0.777, (1.0, 1.0, 0.33), (0.3, 0.67, 0.79), ()))
    assert read.text == "10" and read.probs == (1.0, 1.0) and read.steps == (0.3, 0.67) and read.conf == 1.0
    sure = Reading("10′", 0.9, (1.0, 1.0, 0.7), (0.3, 0.67, 0.79), ())
    assert doubtful_prime(sure) is sure  # read surely: as printed
    inside = Reading("1′0", 0.77, (1.0, 0.33, 1.0), (0.3, 0.5, 0.79), ())
    assert doubtful_prime(inside) is inside


def test_a_speck_sized_dash_beside_text_in_its_cell_is_dropped() -> None:
    """A dash alone in its cell is a value; one the size of a speck above a project's code is a speck."""
    boxes = [(10, 10, 14, 13), (10, 30, 120, 45), (200, 10, 204, 13), (300, 10, 330, 13)]
    texts = [("-", 0.2), ("54010019T000001718453-业务培训专项经费", 0.99), ("-", 0.9), ("-", 0.9)]
    speck_dashes([[0, 1], [2], [3]], boxes, texts, 0.3 * 15.0)
    assert [t for t, _ in texts] == ["", "54010019T000001718453-业务培训专项经费", "-", "-"]


def test_a_pen_stroke_read_as_slashes_is_no_text_a_printed_slash_is() -> None:
    em = 20.0
    assert stroke_line((0, 0, 60, 57), "</", 1.8 * em)  # a stroke across three lines
    assert stroke_line((0, 0, 60, 48), "/", 1.8 * em)
    assert not stroke_line((0, 0, 10, 20), "/", 1.8 * em)  # a slash one line high: printed
    assert not stroke_line((0, 0, 60, 57), "元/人", 1.8 * em)


def test_marks_no_cell_opens_or_ends_with_are_dropped_at_its_edges() -> None:
    texts = [("、保障对个人和家庭的补助顺利实施，", 0.9), ("确保资金使用安全有效。‘", 0.9),  # one cell: lines 0-1
             ("‘成本指标", 0.9), ("效益指标?", 0.9), ("公务员医疗补助‘", 0.9),
             ("‘专项’经费", 0.9), ("、", 0.9), ("资金、", 0.9)]  # fmt: skip
    edge_marks([[0, 1], [2], [3], [4], [5], [6], [7]], texts)
    assert [t for t, _ in texts] == [
        "保障对个人和家庭的补助顺利实施，", "确保资金使用安全有效。", "成本指标", "效益指标", "公务员医疗补助",
        "‘专项’经费",  # a quote closed in the cell is printed
        "、",  # a mark alone is speck_line's to judge
        "资金、",  # a cell may end with 、 (a list cut by a page break)
    ]  # fmt: skip


def test_a_pens_stroke_cut_into_lines_of_1_and_dash_is_dropped() -> None:
    goal = "根据藏财预字文件精神，本次申请预算资金五万元，用于信访联席会议专项经费。"
    texts = [(goal, 0.9), ("1", 0.9), ("1—", 0.9),  # a goal's cell: running text
             ("1", 0.9), ("1", 0.9), ("—", 0.9),  # a cell of stroke pieces alone, three lines
             ("1←", 0.9),  # a name's cell on the next page: an arrow no value prints
             ("1", 0.9), ("—", 0.9), ("数量指标", 0.9), ("1", 0.9)]  # fmt: skip
    stroke_bits([[0, 1, 2], [3, 4, 5], [6], [7], [8], [9, 10]], texts)
    assert [t for t, _ in texts] == [goal, "", "", "", "", "", "", "1", "—", "数量指标", "1"]


def test_a_squiggle_read_as_a_doubtful_letter_in_running_text_is_dropped() -> None:
    goal = "按期完成党建工作经费年度工作任务，资金使用规范，预算执行率达到95%以上。"
    texts = [(goal, 0.95), ("n", 0.33), ("km", 0.9), ("n", 0.33), ("个", 0.9)]
    stroke_bits([[0, 1, 2], [3, 4]], texts)
    assert [t for t, _ in texts] == [goal, "", "km", "n", "个"]  # sure letters, and short cells, stay
    # seed 56's dept-info-2024: a zigzag beside a unit's name read Minrninn at 0.27; a word read surely stays
    texts = [("[562065]日喀则市人民医院", 0.99), ("Minrninn", 0.27), ("KPI", 0.95)]
    stroke_bits([[0, 1], [2]], texts)
    assert [t for t, _ in texts] == ["[562065]日喀则市人民医院", "", "KPI"]


def test_curly_quotes_nothing_in_the_cell_pairs_are_specks() -> None:
    """Seed 36: a photocopy's speck read as “ before 数量指标 and as ” after 使用规范率; a quote
    the cell closes or opens is printed."""
    texts = [
        ("“数量指标", 0.9),
        ("使用规范率”", 0.9),
        ("“信、访、网、电”一体化", 0.9),
        ("用于“信、访", 0.9),
        ("网、电”平台", 0.9),
    ]
    edge_marks([[0], [1], [2], [3, 4]], texts)
    assert [t for t, _ in texts] == [
        "数量指标",
        "使用规范率",
        "“信、访、网、电”一体化",
        "用于“信、访",
        "网、电”平台",
    ]


def test_a_mark_read_from_ink_of_another_shape_is_no_text() -> None:
    from pipeline.scan.stray import misshapen_bits

    em = 19.0
    assert misshapen_bits((0, 0, 120, 20), "1", 0.9, em, 2.0)  # a zigzag across a goal's cell read as 1
    assert misshapen_bits((0, 0, 117, 43), "）", 0.36, em, 2.0)  # a stroke read doubtfully as a bracket
    assert not misshapen_bits((0, 0, 117, 43), "）", 0.9, em, 2.0)
    assert misshapen_bits((0, 0, 8, 5), "1", 0.9, em, 2.0)  # a speck read as 1
    assert misshapen_bits((0, 0, 48, 8), "1111", 0.75, em, 2.0)  # a flat stroke read as 1111
    assert misshapen_bits((0, 0, 48, 8), "i", 0.25, em, 2.0)  # … or doubtfully as i
    assert not misshapen_bits((0, 0, 5, 13), "1", 0.9, em, 2.0)  # a printed 1
    assert not misshapen_bits((0, 0, 30, 13), "1111", 0.9, em, 2.0)
    assert not misshapen_bits((0, 0, 10, 7), "1", 0.9, 16.0, 2.0)  # an = read as 1 (the operator mends it)
    assert not misshapen_bits((0, 0, 40, 3), "—", 0.9, em, 2.0)  # a printed dash
    assert not misshapen_bits((0, 0, 120, 20), "权重", 0.9, em, 2.0)  # a label set with its characters spread
    assert misshapen_bits(
        (0, 0, 42, 28), "M", 1.0, em, 2.0
    )  # a zigzag 2.2 em wide, 1.45 em tall, read surely
    assert not misshapen_bits((0, 0, 15, 14), "M", 1.0, em, 2.0)  # a printed capital
    assert not misshapen_bits((0, 0, 30, 14), "kg", 1.0, em, 2.0)
    assert misshapen_bits((0, 0, 144, 6), "—一一", 0.5, 25.0, 2.0)  # seed 56: a long stroke read as dashes
    assert not misshapen_bits((0, 0, 50, 3), "——", 0.9, 25.0, 2.0)  # a printed two-em dash


def test_a_point_no_text_prints_where_it_stands_is_a_speck() -> None:
    texts = [("西藏自治区.", 0.98), ("交通运输局", 1.0), ("本级", 1.0),  # one cell: a point at a line's end
             ("达到95%以上。.项目实施周期为2022年", 0.99), ("工会经费。", 0.9), ("。目标1：资金10.5万元", 0.9),
             ("元/人.天", 0.9), ("完善.", 0.9)]  # fmt: skip
    speck_points([[0, 1, 2], [3, 4, 5], [6], [7]], texts)
    assert [t for t, _ in texts] == [
        "西藏自治区", "交通运输局", "本级", "达到95%以上。项目实施周期为2022年", "工会经费。", "目标1：资金10.5万元",
        "元/人.天", "完善.",
    ]  # fmt: skip


def test_a_point_between_a_word_and_a_number_is_a_speck() -> None:
    """Seed 75's writer-landscape-01 (300-dpi photocopy): 2022年1月至.2022年.12月 in a goal, on 18
    rows; a decimal point follows a digit, and one in a short cell stays."""
    texts = [
        ("项目实施周期为2022年1月至.2022年.12月，由单位办公室负责", 0.9),
        ("约.5", 0.9),
        ("资金10.5万元", 0.9),
    ]
    speck_points([[0], [1], [2]], texts)
    assert [t for t, _ in texts] == [
        "项目实施周期为2022年1月至2022年12月，由单位办公室负责",
        "约.5",
        "资金10.5万元",
    ]


def test_quotes_and_dots_running_text_never_prints_there_are_specks() -> None:
    texts = [("年度内组织开展专题培训不少于17·次，切实提升‘干部", 0.9), ("职工业务能力，满意度达到95%以上..", 0.9),
             ("培训成本500元/人·天，“二期”工程", 0.9), ("完成‘项目’验收，数量1..2项...", 0.9)]  # fmt: skip
    speck_points([[0, 1], [2], [3]], texts)
    assert [t for t, _ in texts] == [
        "年度内组织开展专题培训不少于17次，切实提升干部", "职工业务能力，满意度达到95%以上。",
        "培训成本500元/人·天，“二期”工程", "完成‘项目’验收，数量1..2项...",
    ]  # fmt: skip


def test_a_double_quote_or_bracket_left_open_and_a_point_before_a_comma_are_specks() -> None:
    """Seed 52's photocopies: a speck read “ after a project's name (rl-landscape-grid), 「 after a
    goal's comma (grid-2023-coded-words) and . before one (writer-landscape-01). Quotes the cell
    closes stay, and so does a point after a digit."""
    texts = [("山南市学前教育资助中央财政衔接推进乡村振兴补助资金项目“", 0.9),
             ("保障重大传染病防控专项经费顺利实施，「提升服务水平", 0.9),
             ("年度计划开展相关工作60次以上.，参与人员达到282人", 0.9),
             ("上级部门下达的工作任务和本单位“三定”方案，「二期」工程", 0.9), ("完成第1.，项目验收工作", 0.9)]  # fmt: skip
    speck_points([[0], [1], [2], [3], [4]], texts)
    assert [t for t, _ in texts] == [
        "山南市学前教育资助中央财政衔接推进乡村振兴补助资金项目", "保障重大传染病防控专项经费顺利实施，提升服务水平",
        "年度计划开展相关工作60次以上，参与人员达到282人", "上级部门下达的工作任务和本单位“三定”方案，「二期」工程",
        "完成第1.，项目验收工作",
    ]  # fmt: skip


def test_a_stroke_read_as_a_letter_before_a_cells_text_is_dropped() -> None:
    texts = [("V按期完成信访联席会议工作经费", 0.9), ("I", 0.5), ("拉萨市发展和改革委员会本级", 0.99),
             ("7", 0.6), ("54010024R000002481694-", 0.99), ("信访经费", 0.99),
             ("1", 0.99), ("100", 0.99), ("X射线检查", 0.99)]  # fmt: skip
    edge_marks([[0], [1, 2], [3, 4, 5], [6, 7], [8]], texts)
    assert [t for t, _ in texts] == [
        "按期完成信访联席会议工作经费", "", "拉萨市发展和改革委员会本级", "", "54010024R000002481694-", "信访经费",
        "1", "100", "X射线检查",
    ]  # fmt: skip


def test_ticks_read_as_v_after_a_cells_text_are_dropped() -> None:
    """Seed 18's unit-code-2022-no-repeat (300 dpi, pen): 单位名称：拉萨市总工会本级VV; seed 16's
    rl-landscape-grid 本级> and info-lines-2025-odd 专项经费a; seed 23's sys-landscape-code-column
    提升率★/ (a core mark). A capital after a character may be printed (一标段B)."""
    texts = [("单位名称：拉萨市总工会本级VV", 0.93), ("5G网络V", 0.9), ("电压220V", 0.9),
             ("拉萨市总工会本级>", 0.9), ("公益性岗位专项经费a", 0.9), ("一标段B", 0.9), ("≥90", 0.9), ("拉萨市总工会本级H", 0.9),
             ("党建工作经费11丨", 0.9), ("二期工程1", 0.9), ("服务效率提升率★/", 0.9),
             ("党建经费/1111", 0.9), ("元/11", 0.9)]  # fmt: skip  # seed 53's lasa: a stroke read /1111
    edge_marks([[0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11], [12]], texts)
    assert [t for t, _ in texts] == [
        "单位名称：拉萨市总工会本级", "5G网络", "电压220V", "拉萨市总工会本级", "公益性岗位专项经费", "一标段B", "≥90",
        "拉萨市总工会本级", "党建工作经费", "二期工程1", "服务效率提升率★", "党建经费", "元/11",
    ]  # fmt: skip
    texts = [("鄂州市司", 0.9), ("法局本级", 0.9), (">", 0.8), (">", 0.9), ("≥", 0.9), ("90", 0.9)]
    edge_marks([[0, 1, 2], [3], [4, 5]], texts)  # seed 24's rl-portrait-two-row-header: a tick under a name
    assert [t for t, _ in texts] == ["鄂州市司", "法局本级", "", ">", "≥", "90"]


def test_a_full_stop_wrapped_onto_a_line_of_its_own_is_no_speck() -> None:
    """Seed 15's sys-portrait-filled-borders (300 dpi): …预算执行率达到95%以上 fills the goal
    cell's line, and its 。 stands alone at the start of the next, read as o."""
    boxes = [(757, 2918, 1310, 2948), (769, 2956, 1308, 2986), (759, 3015, 767, 3023)]
    texts = ["按期完成档案数字化专项经费年度工作任务", "，资金使用规范，预算执行率达到95%以上", "o"]
    assert stops_alone([[0, 1, 2]], boxes, texts, 30.0) == {2}
    # a speck elsewhere: under a short line, off the line's start, or not the cell's last line
    short = [boxes[0], (769, 2956, 1000, 2986), boxes[2]]
    assert stops_alone([[0, 1, 2]], short, texts, 30.0) == set()
    off = [boxes[0], boxes[1], (900, 3015, 908, 3023)]
    assert stops_alone([[0, 1, 2]], off, texts, 30.0) == set()
    assert stops_alone([[0, 2, 1]], [boxes[0], boxes[2], (757, 3050, 1300, 3080)], texts, 30.0) == set()
    # seed 16's info-lines-2025-odd: a level name fills its narrow cell, a speck under it is none
    named = [(100, 500, 160, 516), (101, 524, 105, 528)]
    assert stops_alone([[0, 1]], named, ["产出指标", "o"], 16.0) == set()


def test_a_point_between_a_number_and_a_word_in_running_text_is_a_speck() -> None:
    """Seed 15's grid-2023-portrait: 根据藏财预字【2023】57.号文件精神 (a photocopy's speck)."""
    texts = [("根据藏财预字【2023】57.号文件精神，本次申请预算资金3.2万元", 0.9), ("57.号", 0.9)]
    speck_points([[0], [1]], texts)
    assert [t for t, _ in texts] == ["根据藏财预字【2023】57号文件精神，本次申请预算资金3.2万元", "57.号"]


def test_a_speck_read_as_a_character_is_no_text() -> None:
    """Seed 20's grid-2023-landscape: a 4 × 8 px blob after a project's name read 本 (0.24)."""
    assert tiny_character((478, 476, 482, 484), "本", 25.0)
    assert not tiny_character((478, 470, 500, 492), "本", 25.0)  # a character's size
    assert not tiny_character((478, 476, 482, 484), "1", 25.0)  # a digit a third of a line: may print


def test_a_speck_read_as_a_digit_is_no_text() -> None:
    """Seed 70's ubo-2023, page 2: a 4 × 4 px speck under the 三级指标 header (300 dpi, lines 40 px)
    read 4; the header cell read 三级指标 4 and the column lost its meaning."""
    assert tiny_character((1790, 1458, 1794, 1462), "4", 40.0)
    assert tiny_character((1790, 1458, 1794, 1462), "a", 40.0)
    assert not tiny_character((1790, 1450, 1796, 1476), "1", 40.0)  # a small digit's height
    assert not tiny_character((1790, 1458, 1794, 1462), "%", 40.0)  # a mark: speck_line's to judge


def test_a_stroke_mark_far_below_a_merged_cells_name_is_dropped() -> None:
    """Seed 56's grid-2023-landscape (pen strokes): a stroke crossing the tall 产出指标 cell read as —
    four rows below its name, and one in the unit's cell as I; a line the name wraps to, a value's
    lone mark and marks near a name stay."""
    em = 25
    boxes = [(100, 700, 200, 725), (90, 1023, 120, 1030),  # 产出指标 … —
             (10, 64, 150, 89), (10, 97, 60, 122), (10, 984, 27, 1002),  # 拉萨市民政局 / 本级 … I
             (10, 64, 150, 89), (10, 97, 40, 122),  # a name wrapped: …专项资金 / 1
             (10, 64, 40, 89),  # a lone —
             (10, 64, 150, 89), (10, 114, 40, 139)]  # fmt: skip  # 数量指标 … 1 (1.0 em apart)
    texts = [("产出指标", 0.99), ("—", 0.95), ("拉萨市民政局", 0.99), ("本级", 0.99), ("I", 0.29),
             ("法律援助专项资", 0.99), ("金1", 0.9), ("—", 0.95), ("数量指标", 0.99), ("1", 0.9)]  # fmt: skip
    far_bits([[0, 1], [2, 3, 4], [5, 6], [7], [8, 9]], boxes, texts, 1.5 * em)
    assert [t for t, _ in texts] == ["产出指标", "", "拉萨市民政局", "本级", "", "法律援助专项资", "金1", "—",
                                     "数量指标", "1"]  # fmt: skip
