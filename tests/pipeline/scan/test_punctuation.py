"""Punctuation read by its shape and place: middle dots, hyphens the model left out."""

from __future__ import annotations

import numpy as np

from pipeline.scan.punctuation import (
    colons,
    commas_under_specks,
    fix_widths,
    full_stops_at_ends,
    left_end_mark,
    middle_dots,
    next_goal_separators,
    number_marks,
    one_style_per_cell,
    speck_ends,
)
from pipeline.scan.recognize import Reading

EM = 16  # px: one line of text at 150 dpi


def _line() -> tuple[np.ndarray, Reading]:
    """Two characters an em wide and 0.6 em apart, read as '94' … '住' with nothing between."""
    img = np.full((EM + 8, 60), 240, np.uint8)
    img[4:20, 4:20] = 60
    img[4:20, 30:46] = 60
    return img, Reading("4住", 0.9, (0.9, 0.9), (12 / 60, 38 / 60))


def test_round_mark_between_characters_is_a_middle_dot() -> None:
    img, _ = _line()
    img[11:13, 24:26] = 80
    reading = Reading("人天", 0.9, (0.9, 0.9), (12 / 60, 38 / 60))
    assert middle_dots(img, reading, EM).text == "人·天"


def test_long_grey_mark_is_the_hyphen_left_out() -> None:
    """Its ends print light at 150 dpi: the usual cut sees a 2 px dot, its whole ink is a bar."""
    img, reading = _line()
    img[11:13, 23:28] = 175
    img[11:13, 24:26] = 135
    assert middle_dots(img, reading, EM).text == "4-住"


def test_no_dot_beside_a_dash_the_model_read() -> None:
    """A 150-dpi hyphen breaks; its loose piece stands beside the '-' the model read."""
    img, reading = _line()
    img[11:13, 24:26] = 80
    reading = Reading("4-住", 0.9, (0.9, 0.9, 0.9), (12 / 60, 21 / 60, 38 / 60))
    assert middle_dots(img, reading, EM).text == "4-住"


def test_dot_in_running_text_is_a_speck() -> None:
    img, _ = _line()
    img[11:13, 24:26] = 80
    reading = Reading(
        "根据文件精神本次申请预算", 0.9, (0.9,) * 12, (12 / 60, *(38 / 60 + k / 600 for k in range(11)))
    )
    assert "·" not in middle_dots(img, reading, EM).text


def test_a_foot_below_the_dot_does_not_hide_it() -> None:
    """人's right foot reaches under the dot of 人·天, near its columns but far below it."""
    img, _ = _line()
    img[11:13, 24:26] = 80
    img[18:20, 20:23] = 60  # the foot: 1 px from the dot's columns, 5 px below it
    reading = Reading("人天", 0.9, (0.9, 0.9), (12 / 60, 38 / 60))
    assert middle_dots(img, reading, EM).text == "人·天"


def _colon_line(lower: list[list[int]]) -> tuple[np.ndarray, Reading]:
    """内？目 on a 150-dpi grey scan: an upper dot of 2×2 px, and the lower mark given."""
    img = np.full((EM + 8, 60), 240, np.uint8)
    img[4:20, 4:20] = 90
    img[4:20, 30:46] = 90
    img[9:11, 24:26] = 120
    mark = np.array(lower, np.uint8)
    img[16 : 16 + mark.shape[0], 24 : 24 + mark.shape[1]] = mark
    return img, Reading("内：目", 0.9, (0.9, 0.9, 0.9), (12 / 60, 25 / 60, 38 / 60))


def test_semicolon_told_by_its_comma_s_weight_on_grey() -> None:
    """Its comma's tail prints too light for the cut at 150: the two marks look alike in height,
    but the lower one holds half as much ink again."""
    img, reading = _colon_line([[100, 110], [90, 100], [150, 170], [170, 190]])
    assert colons(img, reading).text == "内；目"


def test_colon_s_two_grey_dots_alike() -> None:
    """Read ； but its two dots weigh the same: a colon."""
    img, reading = _colon_line([[120, 120], [120, 120]])
    reading = Reading("内；目", 0.9, (0.9, 0.9, 0.9), (12 / 60, 25 / 60, 38 / 60))
    assert colons(img, reading).text == "内：目"


def _spaced_line(white: tuple[int, int]) -> tuple[np.ndarray, Reading]:
    """Six characters 13 px wide, 3 px apart (a loosely spaced 150-dpi line, em 16), a comma after
    the third with `white` px before and after it."""
    img = np.full((EM + 8, 140), 240, np.uint8)
    x, xs = 4, []
    for k in range(6):
        img[4:20, x : x + 13] = 60
        xs.append(x + 6)
        x += 16
        if k == 2:
            comma = x - 3 + white[0]
            img[16:21, comma : comma + 2] = 60
            xs.append(comma + 1)
            x = comma + 2 + white[1]
    reading = Reading("提高质，严格执", 0.9, (0.9,) * 7, tuple(c / 140 for c in xs))
    return img, reading


def test_half_width_comma_in_a_loose_line() -> None:
    """White 0.56 em about the comma (over the old 0.45), but little beyond the line's 3 px spacing:
    a half-width comma, as printed."""
    img, reading = _spaced_line((5, 4))
    assert fix_widths(img, reading, EM).text == "提高质,严格执"


def test_full_width_comma_in_a_loose_line() -> None:
    img, reading = _spaced_line((5, 10))
    assert fix_widths(img, reading, EM).text == "提高质，严格执"


def test_full_width_comma_in_a_line_run_together() -> None:
    """A blurred photocopy runs a line's characters into a few blocks: the gaps left are wide ones,
    no measure of its spacing. A comma there is judged by its white alone (0.875 em: ，)."""
    img = np.full((EM + 8, 260), 240, np.uint8)
    for a, b in ((4, 60), (69, 120), (136, 190), (199, 250)):
        img[4:20, a:b] = 60
    img[16:21, 126:128] = 60
    text = "保障部门正常运转发放，全面完成年度工作任务"
    steps = tuple((4 + 12 * k) / 260 for k in range(len(text)))
    steps = steps[:10] + (127 / 260,) + steps[11:]
    reading = Reading(text, 0.9, (0.9,) * len(text), steps)
    assert fix_widths(img, reading, EM).text == text


def test_a_slash_set_tight_between_characters_is_half_width() -> None:
    """元/人 prints a half-width slash; the model reads the full-width ／ it saw more often."""
    img = np.full((EM + 8, 60), 240, np.uint8)
    img[4:20, 4:20] = 60  # 元
    for k in range(12):  # a slash 4 px wide, 2 px from either neighbour
        img[6 + k, 25 - k // 4] = 60
    img[4:20, 28:44] = 60  # 人
    reading = Reading("元／人", 0.9, (0.9,) * 3, (12 / 60, 23.5 / 60, 36 / 60))
    assert fix_widths(img, reading, EM).text == "元/人"


def _quoted_line(white: int) -> tuple[np.ndarray, Reading]:
    """及"七一 at 150 dpi: characters 13 px wide, 3 px apart, a quote mark's two ticks with `white`
    px on either side, read as the curly “ the model saw more often."""
    img = np.full((EM + 8, 120), 240, np.uint8)
    img[4:20, 4:17] = 60  # 及
    img[5:9, 17 + white : 18 + white] = 60
    img[5:9, 20 + white : 21 + white] = 60
    x = 21 + 2 * white
    img[4:20, x : x + 13] = 60  # 七
    img[4:20, x + 16 : x + 29] = 60  # 一
    reading = Reading(
        "及“七一", 0.9, (0.9,) * 4, (10 / 120, (19 + white) / 120, (x + 6) / 120, (x + 22) / 120)
    )
    return img, reading


def test_curly_quote_set_tight_is_a_straight_one() -> None:
    """The model reads a straight " as “: set as close as the line's other characters, it is half-width."""
    img, reading = _quoted_line(3)
    assert fix_widths(img, reading, EM).text == '及"七一'


def test_curly_quote_in_its_em_box_stays() -> None:
    img, reading = _quoted_line(9)
    assert fix_widths(img, reading, EM).text == "及“七一"


def test_mark_at_the_line_s_end_follows_the_others() -> None:
    """A comma ending the line has white on one side only: the line's half-width comma shows how it was printed."""
    img, reading = _spaced_line((4, 4))
    img[16:21, 103:105] = 60  # a comma after the last character (its ink ends at 100)
    text, steps = reading.text + "，", (*reading.steps, 104 / 140)
    reading = Reading(text, 0.9, (0.9,) * len(text), steps)
    assert fix_widths(img, reading, EM).text == "提高质,严格执,"


def test_bitonal_semicolon_told_by_its_heavier_comma() -> None:
    """A 150-dpi bitonal scan (its ink pure black, grey only at the edges): the comma under the dot
    is a row taller and twice its ink, where a colon's dots weigh alike."""
    img = np.full((EM + 8, 60), 250, np.uint8)
    img[4:20, 4:20] = 0
    img[4:20, 30:46] = 0
    mark = np.array(
        [
            [250, 170, 210, 250],
            [170, 40, 160, 250],
            [160, 40, 160, 250],
            [250, 160, 210, 250],
            [250] * 4,
            [250] * 4,
            [250] * 4,
            [250] * 4,
            [170, 130, 130, 210],
            [80, 0, 0, 160],
            [160, 40, 80, 200],
            [250, 160, 200, 250],
        ],
        np.uint8,
    )
    img[8:20, 23:27] = mark
    reading = Reading("内：目", 0.9, (0.9, 0.9, 0.9), (12 / 60, 25 / 60, 38 / 60))
    assert colons(img, reading).text == "内；目"
    img[16:20, 23:27] = mark[:4]  # the colon's lower dot like its upper one
    assert colons(img, reading._replace(text="内；目")).text == "内：目"


def test_dot_between_chinese_characters_is_a_comma() -> None:
    """At 150 dpi a comma loses its tail: 政策.保障 is 政策,保障 (its width then measured); a short
    line keeps the dot of a unit (元/人.每天) unless it ends a sentence (a wrapped line's tail),
    digits their decimal point."""
    img = np.full((EM + 8, 40), 240, np.uint8)
    for text in ("严格执行相关政策.保障工资及时", "理.减少结余资金。"):
        reading = Reading(text, 0.9, (0.9,) * len(text), tuple(k / len(text) for k in range(len(text))))
        assert fix_widths(img, reading, EM).text == text.replace(".", "，")
    for short in ("元/人.每天", "资金10.5万元以内及其他支出"):
        reading = Reading(short, 0.9, (0.9,) * len(short), tuple(k / len(short) for k in range(len(short))))
        assert fix_widths(img, reading, EM).text == short


def test_faint_semicolon_read_beside_its_ink() -> None:
    """A faint 150-dpi JPEG: the dot prints grey 150–160 (lost to the cut at 150), and the model
    puts the mark's centre 3 px before its ink. Its parts, cut halfway to the paper, show a comma."""
    img = np.full((EM + 9, 60), 230, np.uint8)
    img[4:20, 4:20] = 90
    img[4:20, 32:46] = 90
    img[10:12, 25:27] = 152  # the dot
    img[16:20, 25:27] = np.array([[150, 150], [115, 120], [135, 140], [160, 165]], np.uint8)  # the comma
    reading = Reading("内：目", 0.9, (0.9, 0.9, 0.9), (12 / 60, 23 / 60, 38 / 60))
    assert colons(img, reading).text == "内；目"


def test_a_speck_after_the_line_is_no_middle_dot() -> None:
    """A photocopy's 1-px speck after 有效保障, read as ·: dropped; a dot alone in its line too."""
    img, _ = _line()
    img[11:12, 54:55] = 90
    reading = Reading("人天·", 0.9, (0.9,) * 3, (12 / 60, 38 / 60, 54.5 / 60))
    assert middle_dots(img, reading, EM).text == "人天"
    assert middle_dots(img[:, 50:], Reading("·", 0.9, (0.9,), (0.5,)), EM).text == ""


def test_a_dot_the_wrap_left_at_the_line_s_end_stays() -> None:
    """元/人· with 天 on the next line: a printed dot, 3 px each way at 150 dpi."""
    img, _ = _line()
    img[10:13, 52:55] = 60
    reading = Reading("人天·", 0.9, (0.9,) * 3, (12 / 60, 38 / 60, 53.5 / 60))
    assert middle_dots(img, reading, EM).text == "人天·"


def _swallowed_comma_line(comma_rows: tuple[int, int]) -> tuple[np.ndarray, Reading]:
    """等) then a small mark, then ten characters 13 px wide, 3 px apart, read without the mark."""
    img = np.full((EM + 8, 220), 240, np.uint8)
    img[4:20, 4:17] = 60  # 等
    img[6:19, 21:23] = 60  # )
    img[comma_rows[0] : comma_rows[1], 26:28] = 60  # the mark, 3 px from either neighbour
    xs = [10, 22]
    for x in range(31, 31 + 16 * 11, 16):
        img[4:20, x : x + 13] = 60
        xs.append(x + 6)
    text = "等）全市信访业务培训1次计"
    return img, Reading(text, 0.9, (0.9,) * len(text), tuple(c / 220 for c in xs[: len(text)]))


def test_comma_swallowed_into_the_bracket_before_it() -> None:
    """等),全市 read 等）全市: the comma's own ink, low in the line, where nothing was read."""
    img, reading = _swallowed_comma_line((16, 21))
    assert fix_widths(img, reading, EM).text.startswith("等),全市")


def test_a_mark_high_in_the_line_is_no_lost_comma() -> None:
    img, reading = _swallowed_comma_line((8, 11))
    assert "," not in fix_widths(img, reading, EM).text


def _number(mark_foot: int) -> tuple[np.ndarray, Reading]:
    """1?000 at 200 dpi: digits 8 px wide standing on row 22, a 2 px mark between the 1 and the 0
    whose ink ends on row `mark_foot`; read 1.000."""
    img = np.full((30, 70), 240, np.uint8)
    xs = [4, 20, 32, 44]
    for x in xs:
        img[8:23, x : x + 8] = 60
    img[20 : mark_foot + 1, 14:16] = 150  # the mark: its tail prints light
    centres = [xs[0] + 4, 15, xs[1] + 4, xs[2] + 4, xs[3] + 4]
    return img, Reading("1.000", 0.9, (0.9,) * 5, tuple(c / 70 for c in centres))


def test_a_mark_between_digits_whose_tail_drops_below_them_is_a_comma() -> None:
    img, reading = _number(25)
    assert number_marks(img, reading, 22).text == "1,000"


def test_a_mark_between_digits_on_their_foot_is_a_decimal_point() -> None:
    img, reading = _number(22)
    assert number_marks(img, reading, 22).text == "1.000"
    assert number_marks(img, reading._replace(text="1,000"), 22).text == "1,000"  # a comma stays


def _number_150(mark: tuple[int, int]) -> tuple[np.ndarray, Reading]:
    """1?000万 at 150 dpi (em 19), as seed 36's ubo-2022-portrait-words prints it: a 1 standing on
    row 19, the zeros overshooting it by a pixel and running on into 万, lower; a mark 2 px wide
    on rows `mark` (first, last); read 1.000万."""
    img = np.full((27, 60), 240, np.uint8)
    img[7:20, 4:10] = 40  # 1
    img[mark[0] : mark[1] + 1, 12:14] = 60
    img[7:21, 16:34] = 40  # 000, touching 万
    img[4:24, 34:52] = 40  # 万
    centres = [7, 13, 18, 24, 30, 43]
    return img, Reading("1.000万", 0.9, (0.9,) * 6, tuple(c / 60 for c in centres))


def test_a_150_dpi_comma_a_pixel_below_the_one_and_taller_than_a_point() -> None:
    """The tail shows one pixel below the 1's flat foot (a 0 overshoots as much) and the comma is
    a fifth of the line tall; a point, a square dot on the foot, stays a point."""
    assert number_marks(*_number_150((17, 20)), 19).text == "1,000万"
    assert number_marks(*_number_150((18, 19)), 19).text == "1.000万"
    img, reading = _number_150((17, 20))  # the same comma's shape before two digits: a decimal point
    two = reading._replace(
        text="1.00万", probs=reading.probs[:5], steps=reading.steps[:4] + reading.steps[5:]
    )
    assert number_marks(img, two, 19).text == "1.00万"


def _cell(*lines: str) -> list[tuple[str, float]]:
    return [(line, 0.9) for line in lines]


def test_a_cell_of_running_text_keeps_to_one_width_of_clause_marks() -> None:
    texts = _cell("根据文件精神，本次申请", "预算资金1,000万元,用于", "工作经费；目标1：年度")
    one_style_per_cell([[0, 1, 2]], texts, 2.0, 3)
    # 3 full-width against 1 half-width: that one was misjudged; the comma in 1,000 is a number's
    assert [t for t, _ in texts] == [
        "根据文件精神，本次申请",
        "预算资金1,000万元，用于",
        "工作经费；目标1：年度",
    ]
    narrow = _cell("加强党建工作;目标1:年度", "计划开展工作,参与人员：达到")
    one_style_per_cell([[0, 1]], narrow, 2.0, 3)
    assert [t for t, _ in narrow] == ["加强党建工作;目标1:年度", "计划开展工作,参与人员:达到"]


def test_a_cell_whose_marks_are_few_or_evenly_mixed_is_left_as_read() -> None:
    few = _cell("目标1：年度", "开展工作,参与")
    even = _cell("目标1：年度，开展", "工作,参与人员;达到")
    for texts in (few, even):
        before = list(texts)
        one_style_per_cell([[0, 1]], texts, 2.0, 3)
        assert texts == before
    apart = _cell("目标1：年度，开展", "工作,参与")  # 2 against 1, but the lines are two cells
    one_style_per_cell([[0], [1]], apart, 2.0, 3)
    assert [t for t, _ in apart] == ["目标1：年度，开展", "工作,参与"]


def test_a_colon_read_before_the_next_numbered_goal_is_its_semicolon() -> None:
    texts = _cell(
        "成本控制在5万元以内：目标2：效益上，长效管理机制逐步完善：",
        "目标3：服务对象满意度达到90%",
        "加强党建工作:目标2:年度",
    )
    texts += _cell("年度目标：目标1：年度计划开展相关工作")  # a label before the first goal: as printed
    next_goal_separators([[0, 1], [2], [3]], texts)
    assert (
        [t for t, _ in texts]
        == [
            "成本控制在5万元以内；目标2：效益上，长效管理机制逐步完善；",  # the colon ends the line, 目标3 opens the next
            "目标3：服务对象满意度达到90%",
            "加强党建工作;目标2:年度",  # its width kept
            "年度目标：目标1：年度计划开展相关工作",
        ]
    )


def test_a_first_goals_full_stop_and_the_word_goal_read_wrong_are_mended() -> None:
    texts = _cell(
        "用于信访联席会议经费，目标1：年度计划",
        "用于档案数字化经费：",
        "目标1：年度计划；目际2：效益上；目杯3：满意",
    )
    # a label's colon stays; 目 + one character + a number and a colon is 目标 whatever was read
    texts += _cell("绩效内容：目标1：年度", "目光1：")
    next_goal_separators([[0], [1, 2], [3], [4]], texts)
    assert [t for t, _ in texts] == [
        "用于信访联席会议经费。目标1：年度计划",
        "用于档案数字化经费。",
        "目标1：年度计划；目标2：效益上；目标3：满意",
        "绩效内容：目标1：年度",
        "目标1：",
    ]


def test_a_150_dpi_copys_colons_and_semicolons_swapped_around_the_goals_are_mended() -> None:
    """Seed 15's grid-2024-ascii-triple (150 dpi, bitonal): ： and ； read for one another all
    through a goal, 标 as 杯, and its last full stop as a colon."""
    texts = _cell(
        "用于文化经费：目杯1；年度计划开展相关工作", "以内；目杯2；效益上；目标3；服务对象满意度达到85%以上："
    )
    texts += _cell("年度目标：")  # a label alone: no numbered goal, its colon stays
    next_goal_separators([[0, 1], [2]], texts)
    assert [t for t, _ in texts] == [
        "用于文化经费。目标1：年度计划开展相关工作",
        "以内；目标2：效益上；目标3：服务对象满意度达到85%以上。",
        "年度目标：",
    ]


def test_a_hyphen_set_close_to_a_code_is_read_between_it_and_the_name() -> None:
    """A 150-dpi line of seed 7's dept-info-dash-2025-long: 233014-拉萨市机关事务管理局本级 read without
    its hyphen (a bar 4 px long beside the 4)."""
    from pathlib import Path

    from PIL import Image

    from pipeline.scan.punctuation import glued_hyphens
    from pipeline.scan.recognize import recognizer

    crop = np.array(Image.open(Path(__file__).parent / "images" / "hyphen-beside-code.png").convert("L"))
    reading = recognizer(1, 48, 16)([crop], 40)[0]
    assert reading.text == "233014拉萨市机关事务管理局本级"
    mended = glued_hyphens(crop, reading, 19.0)
    assert mended.text == "233014-拉萨市机关事务管理局本级"
    assert len(mended.probs) == len(mended.steps) == len(mended.text)
    blank = crop.copy()
    blank[14:17, 66:76] = 255  # no bar there: nothing added
    assert glued_hyphens(blank, reading, 19.0).text == reading.text


def test_a_hyphen_three_pixels_long_at_150_dpi_is_put_back() -> None:
    """Seed 24's midterm-shared-portrait-2022 (150 dpi, colour JPEG): 534-北京市… read without its
    hyphen in every seed, a bar 3 px long at grey 150 just past the 4, under a fifth of an em."""
    from pathlib import Path

    from PIL import Image

    from pipeline.scan.punctuation import glued_hyphens
    from pipeline.scan.recognize import recognizer

    crop = np.array(Image.open(Path(__file__).parent / "images" / "hyphen-short-150dpi.png").convert("L"))
    reading = recognizer(1, 48, 16)([crop], 40)[0]
    assert reading.text == "534北京市东城区水利局"
    assert glued_hyphens(crop, reading, 17.0).text == "534-北京市东城区水利局"
    blank = crop.copy()
    blank[10:16, 30:38] = np.maximum(blank[10:16, 30:38], 230)  # no bar there: nothing added
    assert glued_hyphens(blank, reading, 17.0).text == reading.text
    rows = np.flatnonzero((crop[:, 33:36] < 150).any(axis=1))
    joined = crop.copy()
    joined[rows, 33:48] = 0  # a bar running on into 北: a stroke of the character (41号: 号's bar)
    assert glued_hyphens(joined, reading, 17.0).text == reading.text


def test_a_hyphen_before_a_character_read_a_little_early_is_put_back() -> None:
    """Seed 48's dept-info-dash-2025-long (150-dpi grey JPEG, photocopy): 233014-拉萨市… read
    without its hyphen, 拉's centre placed a few pixels early, so the columns looked at between
    the 4 and 拉 hold the bar, paper, then 拉's first strokes. Without the bar nothing is added."""
    from pipeline.scan.punctuation import glued_hyphens

    crop, reading = _read_crop("hyphen-before-la-150dpi.png")
    assert reading.text == "233014拉萨市机关事务管理局本级"
    assert glued_hyphens(crop, reading, 20.0).text == "233014-拉萨市机关事务管理局本级"
    blank = crop.copy()
    blank[14:18, 66:74] = np.maximum(blank[14:18, 66:74], 230)  # the bar gone: nothing added
    assert glued_hyphens(blank, reading, 20.0).text == reading.text
    # seed 48's dept-info-2024: the 4's crossbar stands out 3 px past its upright before 年
    title, read = _read_crop("year-before-nian.png")
    assert glued_hyphens(title, read, 19.0).text == read.text == "2024年部门整体支出绩效目标表"


def test_a_hyphen_apart_from_the_code_before_a_character_read_early_is_put_back() -> None:
    """Seed 70's midterm-shared-portrait-2022 (200-dpi grey JPEG, streaks): 534-北京市… read with its
    hyphen at 0.49 at 40 px, then without it at 48 px (the recheck), on all 18 rows. The hyphen is
    a 4-px bar with paper either side, 0.18 em: shorter than a crossbar's test asks (0.25 em), but
    a mark of its own, no 4's crossbar. Without the bar nothing is added."""
    from pathlib import Path

    from PIL import Image

    from pipeline.scan.punctuation import glued_hyphens
    from pipeline.scan.recognize import recognizer

    crop = np.array(Image.open(Path(__file__).parent / "images" / "hyphen-apart-before-bei-200dpi.png"))
    reading = recognizer(1, 48, 16)([crop], 48)[0]
    assert reading.text == "534北京市东城区水利局本级"
    assert glued_hyphens(crop, reading, 22.0).text == "534-北京市东城区水利局本级"
    blank = crop.copy()
    blank[:, 43:47] = np.maximum(blank[:, 43:47], 230)  # the bar gone: nothing added
    assert glued_hyphens(blank, reading, 22.0).text == reading.text


def test_a_hyphen_past_a_digits_swollen_edge_is_put_back() -> None:
    """Seed 75's form-special-2024 (150-dpi bitonal, broken rules, streaks): 108-鄂州市… read without
    its hyphen on 8 rows. The 8's edge, swollen by the copy, reaches into the columns looked at
    past it, so they held more than a bar; the bar stands clear of them a little further on."""
    from pipeline.scan.punctuation import glued_hyphens

    crop, reading = _read_crop("hyphen-past-a-swollen-8-150dpi.png")
    assert reading.text == "108鄂州市住房和城乡建设局本级"
    assert glued_hyphens(crop, reading, 19.0).text == "108-鄂州市住房和城乡建设局本级"
    blank = crop.copy()
    blank[13:16, 36:40] = 255  # the bar gone: nothing added
    assert glued_hyphens(blank, reading, 19.0).text == reading.text


def test_a_hyphen_with_paper_after_it_before_a_stroke_level_with_it_is_put_back() -> None:
    """Seed 60's dept-info-dash-2025-long (150 dpi, bitonal photocopy): 233014-拉萨市… read without
    its hyphen. The bar stands clear of 拉, but the columns looked at end where 拉's first stroke
    begins, level with the bar: that is not the bar running on into the character."""
    from pipeline.scan.punctuation import glued_hyphens

    crop, reading = _read_crop("hyphen-then-paper-then-la-150dpi.png")
    assert reading.text == "233014拉萨市机关事务管理局本级"
    assert glued_hyphens(crop, reading, 20.0).text == "233014-拉萨市机关事务管理局本级"
    joined = crop.copy()
    joined[14:16, 71:80] = 0  # the bar running on into 拉: a stroke of the character
    assert glued_hyphens(joined, reading, 20.0).text == reading.text


def _read_crop(name: str) -> tuple[np.ndarray, Reading]:
    """A line crop kept from a scan (images/), and the model's reading of it at 40 px."""
    from pathlib import Path

    from PIL import Image

    from pipeline.scan.recognize import recognizer

    crop = np.array(Image.open(Path(__file__).parent / "images" / name).convert("L"))
    return crop, recognizer(1, 48, 16)([crop], 40)[0]


def _line_with_end_mark(mark: tuple[int, int, int, int] | None) -> tuple[np.ndarray, Reading]:
    """Twelve characters 22 px wide at a 25 px pitch (em 25), then `mark` (x0, top, x1, bottom)."""
    crop = np.full((34, 340), 255, np.uint8)
    for k in range(12):
        crop[5:28, 5 + 25 * k : 27 + 25 * k] = 0
    if mark is not None:
        x0, top, x1, bottom = mark
        crop[top:bottom, x0:x1] = 0
    text = "服务对象满意度都达到以上"
    steps = tuple((16 + 25 * k) / 340 for k in range(12))
    return crop, Reading(text, 0.99, (0.99,) * 12, steps)


def test_a_full_stop_the_model_left_out_at_a_cells_end_is_put_back() -> None:
    """Seed 15's writer-landscape-01 (200 dpi, bitonal): …达到85%以上。 read without its 。, a
    ring broken into two pieces a few px wide at the foot of the line."""
    crop, reading = _line_with_end_mark(None)
    crop[22:27, 310:312] = 0
    crop[22:27, 313:316] = 0
    assert left_end_mark(crop, reading, 25.0)
    texts = [("目标3：年度计划开展相关工作48次以上", 0.99), (reading.text, 0.99), ("下一格", 0.99)]
    full_stops_at_ends([[0, 1], [2]], texts, {1})
    assert texts[1][0] == reading.text + "。" and texts[2][0] == "下一格"
    name = [(reading.text, 0.99)]  # a name's cell (under 20 characters): a speck after it is no stop
    full_stops_at_ends([[0]], name, {0})
    assert name[0][0] == reading.text


def test_no_full_stop_where_the_end_mark_stands_high_or_close_or_is_big() -> None:
    for mark in ((310, 6, 315, 11), (300, 22, 304, 27), (310, 12, 330, 27)):
        crop, reading = _line_with_end_mark(mark)
        assert not left_end_mark(crop, reading, 25.0), mark
    crop, reading = _line_with_end_mark(None)
    assert not left_end_mark(crop, reading, 25.0)
    texts = [("第一行", 0.99), ("第二行", 0.99)]  # a mark after a line that is not the cell's last
    full_stops_at_ends([[0, 1]], texts, {0})
    assert [t for t, _ in texts] == ["第一行", "第二行"]


def test_a_speck_read_as_a_point_after_a_name_is_dropped() -> None:
    """Seed 20's rl-landscape-rotate90 (photocopied, bitonal): 履职能力. and 本年绩效指. | 标值 (a
    header no longer understood). A 2-px speck after the last character goes; a printed 。 (a
    ring a quarter em across) stays, and so does a point after a digit (a value's business)."""
    img, _ = _line()
    img[16:18, 52:54] = 0
    speck = Reading("人天.", 0.9, (0.9,) * 3, (12 / 60, 38 / 60, 53 / 60))
    assert speck_ends(img, speck, EM).text == "人天"
    assert speck_ends(img, speck._replace(text="人天。"), EM).text == "人天"
    assert speck_ends(img, speck._replace(text="人4."), EM).text == "人4."
    img[14:19, 51:56] = 0
    img[16:17, 53:54] = 240
    assert speck_ends(img, speck._replace(text="人天。"), EM).text == "人天。"
    img[14:19, 51:56] = 170  # a 200-dpi 。 anti-aliased grey, a black speck above it
    img[16:17, 53:54] = 240
    img[6:8, 55:57] = 0
    assert speck_ends(img, speck._replace(text="人天。"), EM).text == "人天。"


def test_a_speck_read_as_a_point_before_a_value_is_dropped() -> None:
    """Seed 20's rl-landscape-rotate90: a weight of 8 read .8 (a speck before the digit); a mark a
    printed point's size stays (the value's parser judges it)."""
    img = np.full((EM + 8, 30), 240, np.uint8)
    img[4:20, 10:18] = 60  # the digit, half an em wide
    img[18:20, 2:4] = 0
    reading = Reading(".8", 0.9, (0.9, 0.9), (3 / 30, 14 / 30))
    assert speck_ends(img, reading, EM).text == "8"
    assert speck_ends(img, reading._replace(text="·8"), EM).text == "8"  # seed 28's lasa: ·90
    img[16:20, 1:5] = 0
    assert speck_ends(img, reading, EM).text == ".8"


def _semicolon_line(dot: tuple[int, int, int, int] | None) -> tuple[np.ndarray, Reading]:
    """任务；预算 as seed 36's dept-info-dash-2025-long prints it (300 dpi, em 40): four characters,
    a comma 5 px wide in the line's lower half between the second and the third, and above it
    `dot` (top, bottom, x0, x1): a semicolon's dot or a photocopy's speck."""
    crop = np.full((52, 240), 255, np.uint8)
    for x in (5, 50, 145, 190):
        crop[6:46, x : x + 40] = 0
    crop[36:46, 113:118] = 0  # the comma
    if dot is not None:
        top, bottom, x0, x1 = dot
        crop[top:bottom, x0:x1] = 0
    steps = tuple(x / 240 for x in (25, 70, 115, 165, 210))
    return crop, Reading("任务；预算", 0.9, (0.99, 0.99, 0.83, 0.99, 0.99), steps)


def test_a_comma_under_a_speck_is_a_comma() -> None:
    """A photocopy's speck over a comma made it a semicolon (任务，预算 read 任务；预算), as did a comma
    alone; a semicolon's dot, about two thirds of its comma, keeps it."""
    assert commas_under_specks(*_semicolon_line((25, 27, 114, 117))).text == "任务，预算"
    assert commas_under_specks(*_semicolon_line(None)).text == "任务，预算"
    assert commas_under_specks(*_semicolon_line((22, 28, 113, 118))).text == "任务；预算"


def test_running_text_read_ending_in_a_colon_ends_in_a_full_stop() -> None:
    """Seed 48's dept-info-2023-portrait (150 dpi, bitonal): the goal's last 。 read ：, and the
    scoring rules' 扣完为止。 too; a label's colon, or a short line's, stays as read."""
    texts = _cell("保障部门正常运转，全面完成年度重点工作任务，", "服务对象满意度达到90%以上：")
    texts += _cell("每低于目标值1个百分点扣0.5分，扣完为止：", "部门(单位)职责：", "如有，请说明：")
    next_goal_separators([[0, 1], [2], [3], [4]], texts)
    assert [t for t, _ in texts] == [
        "保障部门正常运转，全面完成年度重点工作任务，",
        "服务对象满意度达到90%以上。",
        "每低于目标值1个百分点扣0.5分，扣完为止。",
        "部门(单位)职责：",
        "如有，请说明：",
    ]


def test_a_hyphen_set_close_between_a_code_and_a_character_is_put_back() -> None:
    """Seed 57's midterm-shared-portrait-2022 (200 dpi, colour, turned over): 534-北京市… read
    without its hyphen, a bar a quarter em long between the 4 and 北, too close to the 4 for the
    columns a third of an em past it."""
    from pathlib import Path

    from PIL import Image

    from pipeline.scan.punctuation import glued_hyphens
    from pipeline.scan.recognize import recognizer

    crop = np.array(Image.open(Path(__file__).parent / "images" / "hyphen-close-200dpi.png").convert("L"))
    reading = recognizer(1, 48, 16)([crop], 48)[0]  # read again at 48 px (a doubtful character)
    assert reading.text.startswith("534北京市")
    assert glued_hyphens(crop, reading, 22.0).text.startswith("534-北京市")


def test_a_speck_beside_a_bracket_is_not_the_ink_its_white_is_measured_to() -> None:
    """Seed 60's ubo-2023 (200-dpi grey photocopy, deskewed 4°): 经费（2023年延续项目） read with
    half-width brackets, a speck 2 px square standing 4 px before the （ where 费's white begins.
    A run of ink that small, that no character read is nearest to, is left out of the measure."""
    crop, _ = _read_crop("bracket-after-a-speck-200dpi.png")
    from pipeline.scan.recognize import recognizer

    reading = recognizer(1, 48, 16)([crop], 48)[0]
    assert reading.text.endswith("经费（2023年延续项目)")
    assert fix_widths(crop, reading, 27.0).text.endswith("经费（2023年延续项目）")
    clean = crop.copy()
    clean[30:36, 873:880] = 255  # the speck gone: the same
    assert fix_widths(clean, reading, 27.0).text.endswith("经费（2023年延续项目）")


def test_a_thin_strokes_pieces_are_no_specks() -> None:
    """Seed 58's var-evaluation-portrait-7pt (150-dpi grey JPEG): 0.5元/人's slash prints as pixels
    a column apart; leaving the piece no character is nearest to out of its measure read ／. Only a
    bracket's white is measured past specks, and a speck stands apart (two pixels of white or more
    each side)."""
    crop, reading = _read_crop("slash-in-pieces-150dpi.png")
    assert reading.text == "0.5元/人"
    assert fix_widths(crop, reading, 15.0).text == "0.5元/人"
