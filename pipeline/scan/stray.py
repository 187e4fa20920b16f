"""Lines that hold no text: a photocopy's specks and a pen's strokes, read as marks.

specks.py takes out toner specks before the lines are cut, but a speck of 4 × 4 px at 150 dpi
is beyond its size, and one standing alone on its own line of a cell is cut as a line and read
as `+`, `.·` or `'`; a pen's stroke across a cell is read as `/` or `<`. These are told from
printed marks by their size: a printed dash or operator may be as small as a speck, so only the
readings a speck is given are dropped, and a printed slash is one line high.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from pipeline.scan.components import components
from pipeline.scan.punctuation import running_text
from pipeline.scan.recognize import Reading
from pipeline.scan.vocabulary import IDEOGRAPH, STROKE

SPECK_READINGS = frozenset(".·。．,，'‘’`\"“”+:：;；_^~*#")
_DASHES = ("-", "—", "–")
_ROUND = ("o", "O", "0")  # a lone round speck's readings

Box = tuple[int, int, int, int]  # x0, top, x1, bottom in px


def speck_line(crop: np.ndarray, text: str, most: float) -> bool:
    """A line of nothing but marks no larger than `most` px each way, read as a speck is read
    (`SPECK_READINGS`). A dash alone is a value (nothing to report) and prints no larger at
    150 dpi (4 × 3 px): kept, and so is an operator (the bars of a small = are two such marks).
    A round speck is read as o or 0 too, which print taller than a speck; other letters so small are
    an operator's figure the recogniser misread (a 150-dpi > read as v), which operators.py mends."""
    if not text or not (set(text) <= SPECK_READINGS or text in _ROUND):
        return False
    return _marks_within(crop, most) >= 0


def _marks_within(crop: np.ndarray, most: float) -> int:
    """How many marks the crop holds where none is larger than `most` px each way; -1 otherwise."""
    _, _, stats = components((crop < 150).astype(np.uint8))
    sizes = stats[1:, [cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT]]
    return len(sizes) if bool((sizes <= most).all()) else -1


def stacked_specks(crop: np.ndarray, text: str, conf: float, most: float) -> bool:
    """An upright mark (I, l, |, 1) read doubtfully from two specks or more, each no larger than
    `most` px: specks one above another, not a printed stroke (seed 75's
    midterm-shared-portrait-2022: two photocopy specks beside （2022年度） read I at 0.31, and the
    subtitle no longer gave the budget year on any of its 18 rows)."""
    if text not in _UPRIGHT_ALONE or conf >= _DOUBTED:
        return False
    return _marks_within(crop, most) >= 2


_UPRIGHT_ALONE = ("I", "l", "|", "1")


def doubtful_prime(reading: Reading) -> Reading:
    """The reading less a prime (′ ″) read doubtfully at its end: the model reads one off the paper
    close after a line's last character where the cell is cut tight (seed 75's
    rl-portrait-two-row-header, 200-dpi photocopy: 10 read 10′ at 0.33 in 21 weight cells, two
    px of paper past the 0), and no figure in these tables is printed in minutes or feet."""
    text, probs = reading.text, reading.probs
    if len(text) < 2 or text[-1] not in _PRIMES or len(probs) != len(text) or probs[-1] >= _DOUBTED:
        return reading
    return Reading(
        text[:-1],
        float(np.mean(probs[:-1])),
        probs[:-1],
        reading.steps[:-1],
        reading.traditional[:-1],
    )


_PRIMES = "′″"


def tiny_character(box: Box, text: str, em: float) -> bool:
    """A line of one Chinese character whose ink is under `_TINY_EM` of a line each way, or of one
    letter or digit under `_TINY_ALNUM_EM`: no character prints that small beside its line's
    others, a speck the model read as one does (seed 20's grid-2023-landscape: a 4 × 8 px blob read
    本, after a project's name; seed 70's ubo-2023: a 4 × 4 px speck under a 三级指标 header read 4,
    the header no longer a header). A digit may print at a third of a line (a 150-dpi photocopy's
    small 1), so the bound for letters and digits is half the ideographs'."""
    if em <= 0 or len(text) != 1:
        return False
    size = max(box[2] - box[0], box[3] - box[1])
    if IDEOGRAPH.match(text):
        return size <= _TINY_EM * em
    return text.isascii() and text.isalnum() and size <= _TINY_ALNUM_EM * em


_TINY_EM = 0.4
_TINY_ALNUM_EM = 0.2


def stroke_line(box: Box, text: str, least: float) -> bool:
    """A line read as slashes and chevrons alone (</, /) whose ink stands taller than `least` px:
    a pen's stroke across the cell, not a printed / or < (one line high)."""
    return bool(text) and set(text) <= STROKE and box[3] - box[1] > least > 0


_UPRIGHT_BITS = frozenset("1lIi|!")  # marks that print as an upright stroke
_LETTER_SLACK = 0.8  # em: a line of a letter or two this much wider than an em each …
_LETTER_TALL = 1.3  # … or taller than this is a pen's stroke read as letters (a capital is 0.8 em)
_UPRIGHT_LEAST = 0.45  # em: an upright mark prints at least this tall (a digit's height)
_DOUBTED = 0.6  # a line read less surely than this may be read as what it is not


def misshapen_bits(box: Box, text: str, conf: float, em: float, slack: float) -> bool:
    """A line whose ink has another shape than what it was read as prints: a mark or two (1, —,
    or any character read doubtfully, ）) with ink `slack` em or more wider than they print (a
    pen's zigzag across a cell); upright marks (1, l, i, |) under `_UPRIGHT_LEAST` em each way (a
    speck), or under it tall when three or more (a pen's stroke read as 1111) or one or two read
    doubtfully from ink twice as wide as tall (a stroke's flat piece read as i); a letter or two
    read, however surely, from ink wider or taller than letters print (seed 24's
    writer-landscape-long-project: a zigzag 2.2 em wide and 1.45 em tall read M after a project's
    name), or a run of dashes alone from ink wider than they print. An = read as 1, which the
    operator's reading mends, is wider than a speck and read surely."""
    if not text or em <= 0:
        return False
    width, height = box[2] - box[0], box[3] - box[1]
    bits = len(text) <= 2 and (set(text) <= _STROKE_BITS or conf < _DOUBTED)
    if (bits or set(text) <= _DASH_RUN) and width > (len(text) + slack) * em:
        return True  # a zigzag, or a long stroke read as a run of dashes (—一一 from ink 5.8 em wide)
    if (
        len(text) <= 2
        and text.isascii()
        and text.isalpha()
        and (width > (len(text) + _LETTER_SLACK) * em or height > _LETTER_TALL * em)
    ):
        return True  # a zigzag read surely as M or W: a letter prints no wider than an em, nor as tall
    if not set(text) <= _UPRIGHT_BITS or height >= _UPRIGHT_LEAST * em:
        return False
    return width < _UPRIGHT_LEAST * em or len(text) >= 3 or (conf < _DOUBTED and width > 2 * height)


def speck_dashes(
    cells: list[list[int]], boxes: list[Box], texts: list[tuple[str, float]], most: float
) -> None:
    """A dash no larger than a speck in a cell (its lines' indices) that holds other text: a speck
    read as `-` (-54010019T…-业务培训专项经费). A dash value stands alone in its cell."""
    for lines in cells:
        if sum(1 for i in lines if texts[i][0]) < 2:
            continue
        for i in lines:
            x0, top, x1, bottom = boxes[i]
            if texts[i][0] in _DASHES and max(x1 - x0, bottom - top) <= most:
                texts[i] = ("", texts[i][1])


_NEVER_FIRST = "、，,。；;?？"  # no cell's text opens with one of these …
_OPENING_QUOTES = "‘'“"  # … nor with an opening quote that nothing in the cell closes
_CLOSING_QUOTES = "’”"  # … nor ends with a closing quote that nothing in the cell opened
_NEVER_LAST = "‘'?"  # nor ends with an opening quote or an ASCII question mark (Chinese prints ？)


def edge_marks(cells: list[list[int]], texts: list[tuple[str, float]]) -> None:
    """A mark that no cell's text opens with at the start of its first line, or ends with at the
    end of its last (、保障…, 公务员医疗补助‘, 效益指标?, “数量指标, 使用规范率”): a speck or a pen's
    tick read beside the text. Kept where a quote opened is closed in the cell (‘…’, “…”), and where the mark is all the
    cell holds (speck_line decides those). A stroke read as V, I or l straight before the cell's
    Chinese text goes too, and ticks read as V after its end (拉萨市总工会本级VV) or on a line of
    their own under it (鄂州市司法局本级 | >; an operator's cell holds no Chinese). Changes `texts`
    in place."""
    for lines in cells:
        filled = [i for i in lines if texts[i][0]]
        if not filled:
            continue
        whole = "".join(texts[i][0] for i in filled)
        if not whole.strip(_NEVER_FIRST + _OPENING_QUOTES):
            continue
        quoted = "’" in whole or "”" in whole  # an opening quote there is printed
        opened = "‘" in whole or "“" in whole  # … and a closing one
        first, last = filled[0], filled[-1]
        text, conf = texts[first]
        text = text.lstrip(_NEVER_FIRST if quoted else _NEVER_FIRST + _OPENING_QUOTES).lstrip()
        texts[first] = (_STROKE_LETTER.sub("", text), conf)
        if len(filled) >= 2 and texts[first][0] in _STROKE_LINES and _OPENS_TEXT.match(texts[filled[1]][0]):
            texts[first] = ("", conf)  # a line of its own above the text: the stroke crossing the cell
        text, conf = texts[last]
        if not quoted:
            text = text.rstrip(_NEVER_LAST).rstrip()
        if not opened:
            text = text.rstrip(_CLOSING_QUOTES).rstrip()
        texts[last] = (_TICKS_AFTER.sub("", text), conf)
        if len(filled) >= 2 and _TICK_LINE.match(texts[last][0]) and IDEOGRAPH.search(whole):
            texts[last] = ("", conf)  # a tick on a line of its own under a name (本级 | >)


# a pen's stroke read as a letter before a cell's Chinese text (V按期完成…, I拉萨市…): no cell's
# text opens with one of these straight before a Chinese character
_STROKE_LETTER = re.compile(r"^[VIl|](?=[\u3400-\u9fff])")
# … or a pen's ticks after it (本级VV, 本级>, 经费a): no cell's text ends in these after a character
_TICKS_AFTER = re.compile(
    r"(?<=[\u3400-\u9fff])(?:[VvＶ√<>]{1,3}|[a-z]|[1lI|丨]*[|丨][1lI|丨]*|[/\\][1lI|丨]{3,})$|(?<=本级)[A-Z]$"
    r"|(?<=★)[/\\]$"
)  # 本级: a unit's name; 丨 or | in a run of strokes (经费11丨), a slash and a run (经费/1111); a
# stroke after a core mark (★/)
_TICK_LINE = re.compile(r"^[VvＶ√<>]{1,3}$")  # … or on a line of its own under the cell's Chinese text
_STROKE_LINES = ("V", "I", "l", "|", "1", "7")  # … or on a line of its own above the text or a code
_OPENS_TEXT = re.compile(r"^(?:[\u3400-\u9fff]|\d{8}[A-Z]\d)")
_STROKE_BITS = frozenset("1lI|丨/\\—–-←→")  # what a pen's stroke reads as, cut into a line's width
_NEVER_PRINTED = frozenset("|丨/\\←→")  # … of which these never stand as a cell's value
_DASH_RUN = frozenset("—–-－一ー")  # a line of these alone prints about an em wide each


_DOUBTFUL_LETTERS = 0.5  # a line of a letter or two read less surely than this in running text is a squiggle


def _doubtful_letters(text: str, conf: float) -> bool:
    return len(text) <= 2 and text.isascii() and text.isalpha() and conf < _DOUBTFUL_LETTERS


def _stroke_marks(text: str) -> bool:
    """A line of one or two marks a pen's stroke reads as (1, |, —, 丨, ←)."""
    return len(text) <= 2 and set(text) <= _STROKE_BITS


def _squiggle(text: str, conf: float) -> bool:
    """Three letters or more alone on a line, read doubtfully: a pen's zigzag (Minrninn at 0.27);
    a printed word reads surely."""
    return len(text) >= 3 and text.isascii() and text.isalpha() and conf < _DOUBTFUL_LETTERS


def stroke_bits(cells: list[list[int]], texts: list[tuple[str, float]]) -> None:
    """Lines of one or two stroke-like marks (1, |, —, ←): a pen's stroke across a cell, cut into
    pieces line by line (a goal read as …以上。—1111—, a name as 1←). Dropped in a cell of running
    text, which never wraps to leave such a line of its own, and where they are all the cell holds
    when there are three lines of them or one that no value prints (a lone 1 or — is a value).
    In running text a line of a letter or two read doubtfully (a zigzag read as n) goes too, and
    anywhere a line of three letters or more read doubtfully.
    Changes `texts` in place."""
    for lines in cells:
        for i in lines:
            if _squiggle(*texts[i]):
                texts[i] = ("", texts[i][1])
        filled = [i for i in lines if texts[i][0]]
        bits = [i for i in filled if _stroke_marks(texts[i][0])]
        running = running_text(texts[i][0] for i in filled)
        if running:  # a squiggle read doubtfully as a letter or two (n, VL) on a line of its own
            bits += [i for i in filled if _doubtful_letters(*texts[i])]
        alone = len(bits) == len(filled) and (
            len(bits) >= 3 or any(set(texts[i][0]) & _NEVER_PRINTED for i in bits)
        )
        if bits and (running or alone):
            for i in bits:
                texts[i] = ("", texts[i][1])


def far_bits(cells: list[list[int]], boxes: list[Box], texts: list[tuple[str, float]], far: float) -> None:
    """Lines of one or two stroke-like marks (1, I, —, 丨) standing more than `far` px above or
    below the rest of a cell that holds Chinese text: a pen's stroke crossing a merged cell far from
    its name (产出指标 centred in a tall cell, a tick read — a hand's breadth lower). A line a
    cell's text wraps to stands a line's spacing from the one before it. Changes `texts` in place."""
    for lines in cells:
        filled = [i for i in lines if texts[i][0]]
        bits = {i for i in filled if _stroke_marks(texts[i][0])}
        rest = [i for i in filled if i not in bits]
        if not bits or not any(IDEOGRAPH.search(texts[i][0]) for i in rest):
            continue
        for i in bits:
            top, bottom = boxes[i][1], boxes[i][3]
            if all(max(boxes[j][1] - bottom, top - boxes[j][3]) > far for j in rest):
                texts[i] = ("", texts[i][1])


_WORDY = 6  # Chinese characters in a cell beyond any measure unit's
_AFTER_MARK = "。；，：、"  # a point right after one of these is a speck (。. 。。)
_POINTS = ".。·"
_DOT_UNITS = "天日次时"  # 人·天, 人·次, 千瓦·时: a middle dot running text prints
_QUOTES = "‘’"
_PAIRS = {"“": "”", "「": "」"}  # a double quote or corner bracket the cell does not close is a speck


def speck_points(cells: list[list[int]], texts: list[tuple[str, float]]) -> None:
    """Points and quotes no text prints where they stand, a photocopy's specks read beside the
    text: a point right after a printed mark (以上。.项目, 经费。。目标); and in a cell of running
    text (`_WORDY`), an ASCII . between two Chinese characters (西藏自治区.交通运输局, a line's end
    included: Chinese prints 。 there), after a number (【2023】57.号文件) or before one after a
    word (2022年1月至.2022年.12月: seed 75's writer-landscape-01, a 300-dpi photocopy), a middle
    dot but in a compound unit (17·次, not 人·天), a single quote the cell does not pair (提升‘干部), a double quote or corner bracket it does not
    close or open (…项目“, ，「提升), a point before a clause's mark (以上.，), and two points for a
    full stop (以上..; not 1..2). Changes `texts` in place."""
    for lines in cells:
        filled = [i for i in lines if texts[i][0]]
        chars = [[ch, i] for i in filled for ch in texts[i][0]]  # each character and its line
        if not chars:
            continue
        whole = "".join(ch for ch, _ in chars)
        wordy = sum(1 for ch in whole if IDEOGRAPH.match(ch)) >= _WORDY
        paired = all(q in whole for q in _QUOTES)
        unpaired = _unpaired(whole)
        out: list[list] = []
        for n, (ch, line) in enumerate(chars):
            prev = out[-1][0] if out else ""
            after = chars[n + 1][0] if n + 1 < len(chars) else ""
            if ch in _POINTS and prev and prev in _AFTER_MARK:
                continue
            if wordy:
                if (
                    ch == "."
                    and (IDEOGRAPH.match(prev or " ") or prev.isdigit())
                    and IDEOGRAPH.match(after or " ")
                ):
                    continue  # 自治区.交通, 57.号: a point between a number and a word is no decimal one
                if ch == "." and IDEOGRAPH.match(prev or " ") and after.isdigit():
                    continue  # 至.2022年.12月: no decimal point follows a word
                if ch == "·" and not (IDEOGRAPH.match(prev or " ") and after and after in _DOT_UNITS):
                    continue
                if (ch in _QUOTES and not paired) or n in unpaired:
                    continue
                if ch in ".．·" and after and after in _AFTER_MARK and not prev.isdigit():
                    continue  # 以上.，: no point stands before a clause's mark
                if (
                    ch == "."
                    and prev == "."
                    and after != "."
                    and (len(out) < 2 or out[-2][0] != ".")
                    and not _digit_before(out)
                ):
                    out[-1][0] = "。"
                    continue
            out.append([ch, line])
        for i in filled:
            texts[i] = ("".join(ch for ch, line in out if line == i), texts[i][1])


def _unpaired(text: str) -> set[int]:
    """Where `text` holds an opening double quote or corner bracket that nothing closes after it, or
    a closing one that nothing opened before it (…补助资金项目“, 实施，「提升: a speck read as one)."""
    out: set[int] = set()
    for opening, closing in _PAIRS.items():
        open_at: list[int] = []
        for k, ch in enumerate(text):
            if ch == opening:
                open_at.append(k)
            elif ch == closing:
                if open_at:
                    open_at.pop()
                else:
                    out.add(k)
        out |= set(open_at)
    return out


def _digit_before(out: list[list]) -> bool:
    """The character before the last one kept is a digit (1..2 is no full stop)."""
    return len(out) >= 2 and out[-2][0].isdigit()


def stops_alone(cells: list[list[int]], boxes: list[Box], texts: list[str], em: float) -> set[int]:
    """The lines (indices) that hold only a sentence's full stop wrapped onto a line of its own:
    a small round mark read as a speck is (o, 0, .), the last line of its cell, starting where
    the line above it starts and sitting at the foot of the next line's place, under a line that
    ran the cell's full width and ended in text. A speck falls anywhere; this one falls where the
    typesetter put the 。 that did not fit. Cells of running text only (a goal): a level name
    fills its narrow cell's line too, and a speck under it is none."""
    found: set[int] = set()
    if not em:
        return found
    for lines in cells:
        order = sorted(lines, key=lambda i: boxes[i][1])
        if len(order) < 2 or not running_text(texts[i] for i in order):
            continue  # a name's or a value's cell: no sentence to end
        last, above = order[-1], order[-2]
        mark, line = boxes[last], boxes[above]
        if texts[last] not in _ROUND + (".", "·", "。", "．") or not texts[above]:
            continue
        widest = max(boxes[i][2] for i in order[:-1])
        if (
            max(mark[2] - mark[0], mark[3] - mark[1]) <= 0.45 * em
            and abs(mark[0] - line[0]) <= 0.5 * em
            and 0.5 * em <= mark[3] - line[3] <= 1.7 * em
            and widest - line[2] <= 1.5 * em
            and (IDEOGRAPH.match(texts[above][-1]) or texts[above][-1] in "%）)”")
        ):
            found.add(last)
    return found
