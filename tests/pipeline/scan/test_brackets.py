"""Square brackets put back from their shape where the model left them out ([022]拉萨市…)."""

from __future__ import annotations

import numpy as np

from pipeline.scan.brackets import bracket_shape, square_brackets
from pipeline.scan.recognize import Reading

EM = 18  # px: one line of text at 150 dpi


def _bracket(opening: bool) -> np.ndarray:
    """A 150-dpi bracket: a 2 px stroke 18 px tall, one-pixel arms at its ends."""
    mark = np.zeros((EM, 3), bool)
    stroke, arm = (slice(0, 2), 2) if opening else (slice(1, 3), 0)
    mark[:, stroke] = True
    mark[0, arm] = mark[-1, arm] = True
    return mark


def test_bracket_shapes() -> None:
    assert bracket_shape(_bracket(True)) == "["
    assert bracket_shape(_bracket(False)) == "]"


def test_a_bar_without_arms_or_with_a_middle_arm_is_no_bracket() -> None:
    bar = np.zeros((EM, 3), bool)
    bar[:, 1] = True
    assert bracket_shape(bar) is None  # a rule's remnant
    e = _bracket(True)
    e[EM // 2, 2] = True
    assert bracket_shape(e) is None  # E, not [


def _line(text: str, inner_ascii: bool = True) -> tuple[np.ndarray, Reading]:
    """'[', three digits read, ']' and one Chinese character read: the brackets unread."""
    img = np.full((EM + 8, 90), 240, np.uint8)
    img[4 : 4 + EM, 4:7][_bracket(True)] = 40
    centres = []
    for x in (11, 22, 33):  # digits: 7 px wide, 13 px tall, standing on the line
        img[9 : 4 + EM - 1, x : x + 7] = 40
        centres.append(x + 3.5)
    img[4 : 4 + EM, 43:46][_bracket(False)] = 40
    img[4 : 4 + EM, 52:70] = 40  # a Chinese character
    centres.append(61)
    width = img.shape[1]
    return img, Reading(text, 0.9, (0.9,) * 4, tuple(c / width for c in centres))


def test_brackets_round_a_code_are_put_back() -> None:
    img, reading = _line("022拉")
    assert square_brackets(img, reading, EM).text == "[022]拉"


def test_brackets_read_already_are_not_doubled() -> None:
    img, reading = _line("022拉")
    width = img.shape[1]
    read = Reading(
        "[022]拉", 0.9, (0.9,) * 6, (5 / width, *reading.steps[:3], 44.5 / width, reading.steps[3])
    )
    assert square_brackets(img, read, EM).text == "[022]拉"


def test_no_bracket_inside_chinese_text() -> None:
    """The shape between two Chinese characters is a character's part (理's 王), not a bracket."""
    img, reading = _line("处理办法")
    assert square_brackets(img, reading, EM).text == "处理办法"


def test_a_closing_bracket_on_a_later_line_closes_as_its_cell_opened() -> None:
    from pipeline.scan.brackets import closing_across_lines

    texts = [
        ("2024年拉萨市全民健身及基础设施配套建设项目（第三", 0.9),
        ("批)", 0.9),
        ("关于用氧工作的专项经费(2022年延续", 0.9),
        ("项目）", 0.9),
        ("（一）两个", 0.9),
        ("目标)", 0.9),
    ]
    closing_across_lines([[0, 1], [2, 3], [4, 5]], texts)
    assert [t for t, _ in texts][1::2] == ["批）", "项目)", "目标)"]  # the last: closed on its own line
