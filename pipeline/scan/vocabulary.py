"""Recognition errors corrected where a closed vocabulary leaves one reading only.

- A dash: the model reads a printed `—` as the ideograph 一; alone in a line (an empty value)
  or between digits (2023—2025) it is the dash.
- Numbers: O/o read inside a number, or right after an operator, are 0; l/I are 1.
- A project code (`[0-9A-Z]{6,}-` at a line's start): O → 0 and I → 1 inside it.
- Stops after a number or a level name (95. 产出指标。) or alone: a speck read as . or 。, dropped;
  so is a point or middle dot opening a line before a Chinese character or % (.产出指标, .%):
  a wrapped line may open with 。, never with .; a line of a value alone never opens with 、 : or ，
  (、200, :100).
- Specks inside or after text: a middle dot inside a code (53000020T00·0005909587: no decimal
  point there) and marks after a sentence's stop (以上。-, 以上。，, a pen's 以上。<//) are dropped.
- A code's dash read as a point the recogniser doubted, before the name (232097.西藏).
- A code of digits, a type letter and digits (54010019R000000968581-…): letters after the type
  letter are misread digits (C, O → 0), marks in or before it specks.
- A unit code opened by `[` and followed straight by a Chinese character lost its `]` ([657拉萨市),
  at a line's start or after a label's colon (单位信息：[022拉萨市).
- Pen strokes: a line of slashes and chevrons with a backslash in it, or three or more of them
  (<//\\), is a stroke crossing the cell, not text.
- Level names (一级/二级指标, pipeline.normalize.levels): a line one character away from exactly
  one known name (same length) is that name, when that character is one the recogniser doubted;
  a cell that reads as exactly one known name less a character inside it is that name.
- Header labels (pipeline.extract.vocabulary: 权重, 指标值 …) likewise, under a stricter doubt
  (`header_doubt`), the line's other characters read surely, one ideograph for another (a
  photocopy's darkened 重 reads 量 or 置: 权量 is no word, and no other label is one character
  from it).
- Words a copy's grain turns into no word (合埋, 满总度, 指杯) are read back as the word.
The confidence is never raised: a corrected line keeps the recogniser's own.
"""

from __future__ import annotations

import re
from functools import cache

from pipeline.extract.vocabulary import HEADER_WORDS
from pipeline.normalize.levels import KNOWN_NAMES, SYNONYMS

_DIGIT_LIKE = {"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1", "C": "0"}
_IN_NUMBER = re.compile(
    r"(?<=[0-9.,])[Oo〇lI|]+|[Oo〇lI|]+(?=[0-9.,%])|(?<=[≥≤<>=＝])[Oo〇lI|]+|(?<=\d)C(?=[\d万元%])"
)
_CODE = re.compile(r"^[0-9A-Z]{6,}(?=-)")
# a semicolon inside a number is its point or, three digits on, its thousands' comma (46;8 万元)
_SEMICOLON_IN_NUMBER = re.compile(r"(?<=\d)[;；](?=\d)")
THREE_DIGITS = re.compile(r"\d{3}(?!\d)")  # what follows a thousands comma
_DASH_BETWEEN_DIGITS = re.compile(r"(?<=\d)一(?=\d)")
_STROKE_IN_WORD = re.compile(
    r"(?<=[\u3400-\u9fff])[|丨](?=[\u3400-\u9fff])"
)  # 老|旧: a pen's or a rule's bit
_COLON_IN_YEAR = re.compile(r"(?<=【\d{2}):(?=\d{2}】)")  # 【20:21】: a speck between a year's digits
# 【2022124号: a document number's closing bracket read as 1 (its stroke, its arms too light)
_YEAR_CLOSE = re.compile(r"([【〔])((?:19|20)\d\d)[1lI|丨\]](\d{1,4}号)")  # 】 read 1 or ]
_CLOSING = {"【": "】", "〔": "〕"}
_GE_BEFORE_STARS = re.compile(r"(?<=[(（])2(?=\*+%?[)）])")  # (≥**%) read (2**%): a ≥ before a blank
# 1.000万元: a thousands comma read as a point (150 dpi); no amount prints three zeros after a point
_POINT_FOR_COMMA = re.compile(r"(?<![\d.,])(\d{1,3})\.(?=000(?![\d.,]))")
_ONE_AS_HYPHENS = re.compile(r"(?<=[\u3400-\u9fff])-{2,}(?=[\u3400-\u9fff])")  # 第--书记: 一 read as hyphens
_TRAILING_STOPS = re.compile(r"[.。．·]+$")
_VALUE = re.compile(r"[≥≤<>=＝]?\d+(?:[.,]\d+)*%?|%")
_LEADING_SPECK = re.compile(r"^[.．·]+(?=[\u3400-\u9fff%★☆])")
_MARK_BEFORE_VALUE = re.compile(r"^[、:：,，;；]+(?=[≥≤<>=]?\d[\d.,]*%?$)")  # 、200 :100: a speck
STROKE = frozenset("\\/|<>")  # what a pen's stroke across a cell is read as
_DOT_IN_CODE = re.compile(r"(?<=[0-9A-Z]{4})·(?=[0-9A-Z]{4})")
_OPEN_UNIT_CODE = re.compile(r"(?:^|(?<=[:：]))\[(\d{2,})(?=[\u3400-\u9fff])")  # after a label too
# specks or a pen's stroke after a sentence, or a stroke's bits read as letters apart (有效。T Y)
_AFTER_STOP = re.compile(r"(?<=[。；！？])(?:[-·.,，\\/<>|]+|\s*[A-Za-z](?:\s+[A-Za-z]){0,2}\s*)$")
_TYPED_CODE = re.compile(r"^[/\\|.·]*(\d{6,}[A-Z])([0-9A-Z:：·.,]{6,})(?=-|$)")  # $: wrapped before its dash
# a 22nd character before a code of 8 digits, a type letter and 12 digits: a pen's stroke read as 7 or 1
_STROKE_BEFORE_CODE = re.compile(r"^[17Il|](?=\d{8}[A-Z]\d{12}(?:-|$))")
_ZERO_LIKE = str.maketrans({"C": "0", "O": "0", "D": "0", "Q": "0", "U": "0", "I": "1", "L": "1"})
_POINT_AFTER_CODE = re.compile(r"^[0-9A-Z]*\d[0-9A-Z]*(?=[.．·][\u3400-\u9fff])")  # 232097.西藏
_CODE_SPECKS = str.maketrans("", "", ":：·.,")
IDEOGRAPH = re.compile(r"[\u3400-\u9fff]")  # a Chinese character (one pattern for the scan modules)
# words of these tables a copy's grain turns into no word at all, one stroke added or lost (理 →
# 埋, 意 → 总 or 点, 标 → 杯): read back as the word; none of the misreadings is a word itself
_CONFUSED = {
    "合埋": "合理", "管埋": "管理", "处埋": "处理", "治埋": "治理", "办埋": "办理", "清埋": "清理",
    "满总度": "满意度", "满点度": "满意度", "满惠度": "满意度", "指杯": "指标",
    "T部": "干部", "提介": "提升", "坏境": "环境", "购胃": "购置", "激纳": "缴纳", "有败": "有效",
    "激费": "缴费", "拉护市": "拉萨市",  # 150-dpi bitonal: seeds 44, 48, 49 (no city is 拉护)
    "编篆": "编纂",  # seed 50's midterm-odd-big-2025 (200-dpi bitonal photocopy)
    "支术": "技术", "老日小": "老旧小", "处箐": "处置", "处兴率": "处置率", "购箐": "购置",  # seeds 39–50
    "项自名称": "项目名称", "清意度": "满意度",  # seed 57 (150-dpi photocopy; 200-dpi bitonal)
    "预期自标": "预期目标", "绩效自标": "绩效目标", "总体自标": "总体目标",  # seed 56: 目 read 自
    "年度自标": "年度目标", "中期自标": "中期目标", "长期自标": "长期目标",  # seed 54
}  # fmt: skip
_CONFUSED_WORD = re.compile("|".join(sorted(_CONFUSED, key=len, reverse=True)))


def _without_stops(text: str) -> str:
    """A line of a number (95, ≥90%, %) or a level name (产出指标) without the stops after it: those
    never end with one, so a trailing . or 。 is a speck beside the cell's text (a photocopy's
    grain), and a line of stops alone says nothing. Running text keeps its full stop."""
    bare = _TRAILING_STOPS.sub("", text)
    if bare == text:
        return text
    if not bare or _VALUE.fullmatch(bare) or bare in KNOWN_NAMES or bare in SYNONYMS:
        return bare
    return text


@cache
def _names(length: int) -> tuple[str, ...]:
    return tuple(sorted(n for n in KNOWN_NAMES | set(SYNONYMS) if len(n) == length))


def _one_off(text: str, words: tuple[str, ...]) -> tuple[str, int] | None:
    """The only word of `words` (all as long as `text`) one character from it, and where they differ."""
    near = [w for w in words if sum(a != b for a, b in zip(w, text, strict=True)) == 1]
    if len(near) != 1:
        return None
    return near[0], next(i for i, (a, b) in enumerate(zip(near[0], text, strict=True)) if a != b)


def _level_name(text: str, probs: tuple[float, ...], doubt: float) -> str | None:
    if text in KNOWN_NAMES or text in SYNONYMS or not 4 <= len(text) <= 12 or len(probs) != len(text):
        return None
    found = _one_off(text, _names(len(text)))
    if found is None:
        return None
    name, k = found
    return name if probs[k] < doubt else None  # only where the recogniser itself was unsure


def _one_short(text: str) -> tuple[str, int] | None:
    """The only known level name that is `text` with one character put back inside it (社会益指标:
    效 lost), and where it goes. A name that lost its first character may be printed so (published
    damage, kept as printed); the recogniser skips a character between others."""
    if text in KNOWN_NAMES or text in SYNONYMS or len(text) < 3:
        return None
    near = [(n, k) for n in _names(len(text) + 1) for k in range(1, len(n) - 1) if n[:k] + n[k + 1 :] == text]
    return near[0] if len({n for n, _ in near}) == 1 else None


@cache
def _header_words(length: int) -> tuple[str, ...]:
    return tuple(sorted(w for w in HEADER_WORDS if len(w) == length))


def _header_word(text: str, probs: tuple[float, ...], doubt: float) -> str | None:
    """The header label one doubted character away from the line, the rest read surely."""
    if text in HEADER_WORDS or not 2 <= len(text) <= 12 or len(probs) != len(text):
        return None
    found = _one_off(text, _header_words(len(text)))
    if found is None:
        return None
    word, k = found
    if not (IDEOGRAPH.match(text[k]) and IDEOGRAPH.match(word[k])):
        return None  # 年度目标。 is 年度目标 with a speck, not 年度目标值
    sure = all(p >= doubt for i, p in enumerate(probs) if i != k)
    return word if probs[k] < doubt and sure else None


def respread(text: str, lines: list[int], texts: list[tuple[str, float]]) -> None:
    """`text`, a cell's lines read as one and mended character for character, back over those
    lines (`lines`, indices into `texts`), each keeping its length and confidence."""
    at = 0
    for i in lines:
        line, conf = texts[i]
        texts[i] = (text[at : at + len(line)], conf)
        at += len(line)


def confused_across_lines(cells: list[list[int]], texts: list[tuple[str, float]]) -> None:
    """The confused words (`_CONFUSED`, 管埋 → 管理) where a cell's text wraps inside one
    (…应急管 | 埋局本级): the lines read as one text, each keeping its length. Changes `texts`
    in place."""
    for lines in cells:
        filled = [i for i in lines if texts[i][0]]
        if len(filled) < 2:
            continue
        joined = "".join(texts[i][0] for i in filled)
        fixed = _CONFUSED_WORD.sub(lambda m: _CONFUSED[m.group()], joined)
        if fixed == joined:
            continue
        respread(fixed, filled, texts)


def level_names_across_lines(
    cells: list[list[int]],
    texts: list[tuple[str, float]],
    probs: list[tuple[float, ...] | None],
    doubt: float,
) -> None:
    """A level name wrapped over a cell's lines (经济成本 / 指标) one doubted character from a known
    name: that character corrected in its line. `probs`: each line's character probabilities
    (None where the line's text no longer matches them one to one). A cell that reads as a known
    name with one character lost (服务对象满意 / 指标: the recogniser skipped 度) is that name, the
    character put back in its line. Changes `texts` in place."""
    for lines in cells:
        parts = [i for i in lines if texts[i][0]]
        joined = "".join(texts[i][0] for i in parts)
        short = _one_short(joined)
        if short is not None:
            _spread(short[0], short[1], parts, texts)
            continue
        if len(parts) < 2 or any(probs[i] is None for i in parts):
            continue
        together = tuple(p for i in parts for p in probs[i])  # type: ignore[union-attr]
        name = _level_name(joined, together, doubt)
        if name is None:
            continue
        respread(name, parts, texts)


def _spread(name: str, lost: int, parts: list[int], texts: list[tuple[str, float]]) -> None:
    """`name` over the lines `parts` as they were read, the character at `lost` to the line it was
    lost from (the earlier line where it falls between two)."""
    at = 0
    for i in parts:
        text, conf = texts[i]
        n = len(text) + (1 if at <= lost <= at + len(text) else 0)
        texts[i] = (name[at : at + n], conf)
        at += n
        lost = lost if n == len(text) else -1


def _typed_code(text: str) -> str:
    """A code-name whose code is digits, one type letter and digits (54010019R000000968581-…):
    after the type letter only digits stand, so a letter there is a misread 0 or 1 (a streak
    through a 0 reads C) and a mark is a speck; marks before the code are specks or a pen's
    stroke. Left as read unless the digits then come out whole."""
    text = _STROKE_BEFORE_CODE.sub("", text)
    m = _TYPED_CODE.match(text)
    if m is None:
        return text
    tail = m.group(2).translate(_CODE_SPECKS).translate(_ZERO_LIKE)
    if not tail.isdigit():
        return text
    return m.group(1) + tail + text[m.end() :]


def _code_dash(text: str, probs: tuple[float, ...], doubt: float) -> str:
    """A code's dash read as a point, doubted, before the name's first Chinese character
    (232097.西藏…, 672048.网上…: a code wrapped over lines); a line of 3 or more code characters."""
    m = _POINT_AFTER_CODE.match(text)
    if m is None or m.end() < 3 or len(probs) != len(text) or probs[m.end()] >= doubt:
        return text
    return text[: m.end()] + "-" + text[m.end() + 1 :]


def correct(
    text: str, conf: float, probs: tuple[float, ...] = (), doubt: float = 0.8, header_doubt: float = 0.9
) -> tuple[str, float]:
    """The line's text corrected where the vocabulary is unambiguous, and its confidence.

    `probs` (one per character) let a level name replace a character the recogniser doubted
    (probability under `doubt`); a wrapped name's second line (意度指标) stays as read. A header
    label replaces one under `header_doubt`, the line's other characters at least that sure.
    """
    if not text:
        return text, conf
    text = _code_dash(text, probs, doubt)
    if text == "一":
        return "—", conf
    if text in ("o", "O", "〇"):
        return "0", conf  # a value cell's lone zero
    if set(text) <= STROKE and ("\\" in text or len(text) >= 3):
        return "", conf  # a pen's stroke across the cell
    fixed = _AFTER_STOP.sub(
        "", _DOT_IN_CODE.sub("", _LEADING_SPECK.sub("", _MARK_BEFORE_VALUE.sub("", text)))
    )
    fixed = _DASH_BETWEEN_DIGITS.sub("—", _without_stops(fixed))
    fixed = _ONE_AS_HYPHENS.sub("一", fixed)
    fixed = _COLON_IN_YEAR.sub("", _STROKE_IN_WORD.sub("", fixed))
    fixed = _YEAR_CLOSE.sub(lambda m: m.group(1) + m.group(2) + _CLOSING[m.group(1)] + m.group(3), fixed)
    fixed = _GE_BEFORE_STARS.sub("≥", fixed)
    fixed = _OPEN_UNIT_CODE.sub(r"[\1]", _typed_code(fixed))
    fixed = _CONFUSED_WORD.sub(lambda m: _CONFUSED[m.group()], fixed)
    fixed = _IN_NUMBER.sub(lambda m: "".join(_DIGIT_LIKE[c] for c in m.group()), fixed)
    fixed = _SEMICOLON_IN_NUMBER.sub(lambda m: "," if THREE_DIGITS.match(fixed, m.end()) else ".", fixed)
    fixed = _POINT_FOR_COMMA.sub(r"\1,", fixed)
    code = _CODE.match(fixed.replace("O", "0").replace("I", "1"))
    if code and any(c.isdigit() for c in fixed[: code.end()]):
        fixed = code.group() + fixed[code.end() :]
    bare = fixed.lstrip("、，,.．·:：")
    if bare != fixed and (bare in KNOWN_NAMES or bare in SYNONYMS):
        fixed = bare  # 、成本指标: a speck before a level name (a wrapped sentence may open with 、)
    name = _level_name(fixed, probs, doubt) or _header_word(fixed, probs, header_doubt)
    if name is not None:
        fixed = name
    return fixed, conf
