"""Half-width or full-width punctuation, told by the white around the mark.

The recogniser reads `,` and `，` (`:` and `：`, `(` and `（` …) as whichever its training saw
more often, but the CONTRACT keeps text as printed. A full-width mark sits in a whole em box —
its white reaches half an em beyond the line's usual spacing — where a half-width one stands
between its neighbours as close as the line's other characters. A mark at either end of its
line has only one neighbour: it takes the width the line's other marks agree on, else keeps the
recogniser's reading, except that a closing bracket follows its opening one. Quotes likewise: the
model reads a straight " as the curly “ or ” it saw more often.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import NamedTuple

import cv2
import numpy as np

from pipeline.scan.components import components
from pipeline.scan.recognize import Reading
from pipeline.scan.settings import DEFAULT
from pipeline.scan.vocabulary import IDEOGRAPH, THREE_DIGITS, respread

PAIRS = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？", "/": "／"}
_NARROW = {wide: narrow for narrow, wide in PAIRS.items()}
_WIDE_BRACKETS = "《》〈〉「」『』【】（）“”‘’"
_QUOTES = '"“”'  # a straight quote prints half-width, curly ones (in a Chinese font) full-width
_BRACKETS = "()（）"
QUOTE_TICK_EM = 0.2  # em: a quote's tick is at most this wide, and this far from its other tick


def _runs(columns: np.ndarray) -> list[tuple[int, int]]:
    on = np.flatnonzero(columns)
    if not len(on):
        return []
    breaks = np.flatnonzero(np.diff(on) > 1)
    starts = np.concatenate(([on[0]], on[breaks + 1]))
    ends = np.concatenate((on[breaks], [on[-1]])) + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


class _MarksLine(NamedTuple):
    ink: np.ndarray  # the crop's ink, cut at grey 150
    runs: list[tuple[int, int]]  # its runs of inked columns
    top: int  # the ink's first row
    bottom: int  # and the row after its last
    centres: list[float]  # px: each read character's centre


def _marks_line(crop: np.ndarray, reading: Reading) -> _MarksLine | None:
    """What the marks left out are looked for with; None when fewer than three runs of ink stand
    in the line (no mark between two others)."""
    ink = crop < 150
    runs = _runs(ink.any(axis=0))
    rows = np.flatnonzero(ink.any(axis=1))
    if len(runs) < 3 or not len(rows):
        return None
    width = crop.shape[1]
    return _MarksLine(ink, runs, int(rows[0]), int(rows[-1]) + 1, [st * width for st in reading.steps])


def _usual_gap(runs: list[tuple[int, int]], r: int) -> float:
    """The line's usual white between two runs of ink, px, leaving out the two beside run r (the
    mark's own): its spacing between characters (and inside them), which a half-width mark keeps
    on either side and a full-width one exceeds. 0 in a line with no other gap to go by."""
    gaps = [b[0] - a[1] for i, (a, b) in enumerate(zip(runs, runs[1:], strict=False)) if i not in (r - 1, r)]
    return float(np.median(gaps)) if gaps else 0.0


def fix_widths(
    crop: np.ndarray,
    reading: Reading,
    em: float,
    full_width_gap: float = DEFAULT.full_width_gap_em,
    other_gap: float = DEFAULT.full_width_other_gap_em,
) -> Reading:
    """The reading with each mark's width (half or full) as its surrounding white shows: beyond the
    line's usual spacing on both sides, a full-width mark has about half an em of white more (its
    ink sits in one side of a whole em box), a half-width one little. The white alone misjudged at
    150 dpi and with loose or proportional spacing, where a half-width comma has 0.5–0.65 em.
    That measure is the commas'; other marks keep the white alone (more than `other_gap` em): a
    bracket's is on one side only, a colon's beside a digit is the digit's too."""
    text = reading.text
    if len(text) > 1 and text[-1] == "." and unicodedata.east_asian_width(text[-2]) in ("W", "F"):
        # a full stop after Chinese text: the recogniser's . for 。
        reading = reading._replace(text=text[:-1] + "。")
    reading = _lost_commas(crop, _commas_for_stops(reading), em)
    if em <= 0 or not any(ch in PAIRS or ch in _NARROW or ch in _QUOTES for ch in reading.text):
        return reading
    width = crop.shape[1]
    raw = _runs((crop < 150).any(axis=0))
    if len(raw) < 3:
        return reading
    # a bracket's white (on one side of it only) is measured past a photocopy's specks
    bracketed = any(ch in _BRACKETS for ch in reading.text)
    cleared = _runs_less_specks(crop, raw, [s * width for s in reading.steps], em) if bracketed else raw
    chars = list(reading.text)
    ends: list[int] = []  # unmeasured marks: at the line's ends (white cut off), or by a bracket
    decided: list[bool] = []  # the width (full?) of each mark measured between neighbours
    for k, (ch, step) in enumerate(zip(reading.text, reading.steps, strict=True)):
        if ch not in PAIRS and ch not in _NARROW and ch not in _QUOTES:
            continue
        centre = step * width
        runs = cleared if ch in _BRACKETS else raw
        r = _nearest_run(runs, centre)
        lo, hi = _ticks(runs, r, em) if ch in _QUOTES else (r, r)
        if lo == 0 or hi == len(runs) - 1:
            ends.append(k)
            continue
        if set(reading.text[max(0, k - 1) : k] + reading.text[k + 1 : k + 2]) & set(_WIDE_BRACKETS):
            ends.append(k)  # a full-width bracket's own white stands beside it (》,《): unmeasured
            continue
        spaced = len(runs) >= 0.6 * len(reading.text)
        if ch in _QUOTES and not spaced:
            continue  # a quote's white beside characters run together: no measure, as read
        left, right = runs[lo][0] - runs[lo - 1][1], runs[hi + 1][0] - runs[hi][1]
        white = left + right
        if ch in ",，" + _QUOTES and spaced:
            wide = white - 2 * _usual_gap(runs, r) > full_width_gap * em
        else:  # brackets (white on one side), colons …, or characters run together (a blurred
            # photocopy: the few gaps left are wide ones): the white alone
            wide = white > other_gap * em
        decided.append(bool(wide))
        chars[k] = _widened(ch, wide, left, right)
    if decided and len(set(decided)) == 1:
        for k in ends:  # the line's other marks agree: they show how these were printed
            chars[k] = _widened(chars[k], decided[0], 0, 0)
    _pair_brackets(chars)
    text = "".join(chars)
    return reading if text == reading.text else reading._replace(text=text)


def _runs_less_specks(
    crop: np.ndarray, runs: list[tuple[int, int]], centres: list[float], em: float
) -> list[tuple[int, int]]:
    """The line's runs of ink less a photocopy's specks: runs no wider and no taller than
    `RUN_SPECK_EM` em, standing apart, that no character read is nearest to. The white by a mark is measured to the
    ink beside it, and a speck there halves it (seed 60's ubo-2023, 200-dpi photocopy: a speck
    2 px square 4 px before 经费（2023's bracket, read half-width)."""
    if not runs:
        return runs
    nearest = {_nearest_run(runs, c) for c in centres}
    ink = crop < 150
    apart = max(2.0, 0.1 * em)  # px of white each side: not a piece of a thin stroke (a 150-dpi /)
    kept = []
    for i, (a, b) in enumerate(runs):
        rows = np.flatnonzero(ink[:, a:b].any(axis=1))
        small = b - a <= RUN_SPECK_EM * em and rows[-1] - rows[0] + 1 <= RUN_SPECK_EM * em
        alone = (i == 0 or a - runs[i - 1][1] >= apart) and (
            i == len(runs) - 1 or runs[i + 1][0] - b >= apart
        )
        if i not in nearest and small and alone:
            continue
        kept.append((a, b))
    return kept


RUN_SPECK_EM = 0.15  # em: a speck among a line's runs is no wider or taller than this


def _nearest_run(runs: list[tuple[int, int]], centre: float) -> int:
    """The index of the run holding `centre` (px across the line), else of the nearest one."""
    return min(
        range(len(runs)),
        key=lambda i: (
            0
            if runs[i][0] <= centre < runs[i][1]
            else min(abs(runs[i][0] - centre), abs(runs[i][1] - centre))
        ),
    )


def _chinese(ch: str) -> bool:
    return ch.isalpha() and unicodedata.east_asian_width(ch) in ("W", "F")


def _commas_for_stops(reading: Reading) -> Reading:
    """`.` or `．` between two Chinese characters read as a comma: no full stop of that shape stands
    inside Chinese text (a decimal point stands between digits, 。 is a ring), but at 150 dpi a comma's
    tail is lost and it prints a dot. Its width is measured after, like any comma's. Running text
    only: a short line may be a unit that prints a dot (元/人.每天), unless it ends a sentence (。)."""
    text = reading.text
    if len(text) <= DEFAULT.middle_dot_max_chars and not text.endswith(("。", "；", "！", "？")):
        return reading
    chars = [
        "，"
        if ch in ".．" and 0 < k < len(text) - 1 and _chinese(text[k - 1]) and _chinese(text[k + 1])
        else ch
        for k, ch in enumerate(text)
    ]
    new = "".join(chars)
    return reading if new == text else reading._replace(text=new)


def _lost_commas(crop: np.ndarray, reading: Reading, em: float) -> Reading:
    """The reading with the comma the model swallowed into the mark before it (等),全市 read 等）全市):
    a small mark of its own in the lower half of the line where no character was read, after a
    Chinese character or a closing bracket and before a Chinese character, half an em or more from
    either's centre (a dot of 心 or 小 lies inside its character's em). Running text only (see
    `_commas_for_stops`); its width is measured after."""
    text = reading.text
    if em <= 0 or len(text) <= DEFAULT.middle_dot_max_chars:
        return reading
    line = _marks_line(crop, reading)
    if line is None:
        return reading
    ink, runs, top, bottom, centres = line
    width = crop.shape[1]
    chars, probs, steps = list(text), list(reading.probs), list(reading.steps)
    clear = max(2.0, 0.1 * em)  # px of white either side: not the end of a stroke (规's foot)
    for r in range(1, len(runs) - 1):
        a, b = runs[r]
        if a - runs[r - 1][1] < clear or runs[r + 1][0] - b < clear:
            continue
        marks = np.flatnonzero(ink[:, a:b].any(axis=1))
        if b - a > LOST_COMMA_EM * em or marks[-1] - marks[0] + 1 > LOST_COMMA_EM * em:
            continue
        if marks[0] < top + 0.55 * (bottom - top) or any(a - 1 <= c <= b + 1 for c in centres):
            continue
        k = sum(1 for c in centres if c < a)
        if (
            not 0 < k < len(chars)
            or not _chinese(chars[k])
            or not (_chinese(chars[k - 1]) or chars[k - 1] in ')）】》”"')
        ):
            continue
        mid = (a + b) / 2
        if centres[k] - mid < 0.5 * em or (_chinese(chars[k - 1]) and mid - centres[k - 1] < 0.5 * em):
            continue
        chars.insert(k, "，")
        probs.insert(k, min(probs[k - 1], probs[k]))
        steps.insert(k, mid / width)
        centres.insert(k, mid)
    if len(chars) == len(text):
        return reading
    return Reading("".join(chars), reading.conf, tuple(probs), tuple(steps))


def _ticks(runs: list[tuple[int, int]], r: int, em: float) -> tuple[int, int]:
    """The runs of a quote mark's ink, run r among them: its two ticks stand apart at 300 dpi. A
    neighbouring run joins while it is narrow, close and the mark stays under half an em wide."""
    lo, hi = r, r
    narrow, close, span = QUOTE_TICK_EM * em, QUOTE_TICK_EM * em, 0.5 * em
    while lo > 0 and runs[lo - 1][1] - runs[lo - 1][0] <= narrow and runs[lo][0] - runs[lo - 1][1] <= close:
        if runs[hi][1] - runs[lo - 1][0] > span:
            break
        lo -= 1
    while (
        hi < len(runs) - 1
        and runs[hi + 1][1] - runs[hi + 1][0] <= narrow
        and runs[hi + 1][0] - runs[hi][1] <= close
    ):
        if runs[hi + 1][1] - runs[lo][0] > span:
            break
        hi += 1
    return lo, hi


def _widened(ch: str, wide: bool, left: int, right: int) -> str:
    """The mark in the width found. A straight quote made full-width turns toward its text: white
    on its left, an opening “ (its ink sits in the right of its box); else a closing ” (or, at a
    line's end, unmeasured, as read)."""
    if ch in _QUOTES:
        if not wide:
            return '"'
        if ch != '"':
            return ch
        return "“" if left > right else "”" if right > left else ch
    return PAIRS.get(ch, ch) if wide else _NARROW.get(ch, ch)


def _pair_brackets(chars: list[str]) -> None:
    """A closing bracket takes the width of the opening one before it (its own white is cut off at a line's end)."""
    opening: str | None = None
    for k, ch in enumerate(chars):
        if ch in "(（":
            opening = ch
        elif ch in ")）" and opening is not None:
            chars[k] = ")" if opening == "(" else "）"
            opening = None


# a bitonal scan's comma under a semicolon's dot: taller and this much heavier than the dot (2.1 at
# 150 dpi). A colon's lower dot, a row taller from its cut, mostly weighs 0.7–1.4 its upper one, but
# up to 1.7 where the upper prints small; a semicolon as light as that keeps its reading
BITONAL_SEMICOLON_WEIGHT = 1.8

COLON_REACH = 0.15  # of a line's height: how far a colon's centre as read may stray from its ink

_COLON_OR_SEMICOLON = {":": (":", ";"), ";": (":", ";"), "：": ("：", "；"), "；": ("：", "；")}


def _pure_black(crop: np.ndarray) -> bool:
    """A bitonal scan's crop: its ink mostly pure black. There a 150-dpi dot and a comma's head are
    both a few black pixels, and their ink's weight tells them apart no better than their height."""
    ink = crop[crop < 150]
    return bool(len(ink)) and float(np.mean(ink <= 10)) > 0.01


def _weights(crop: np.ndarray, a: int, b: int, marks: list[tuple[int, int]]) -> tuple[float, float]:
    """The ink (darkness under grey 200) of the upper and the lower mark in columns a…b, a column's
    margin either side: a grey scan keeps a comma's faint tail that a cut at 150 loses."""
    part = crop[:, max(0, a - 1) : b + 1].astype(np.float32)
    dark = np.clip(200 - part, 0, None).sum(axis=1)  # paper and its light noise weigh nothing
    split = (marks[0][1] + marks[1][0]) // 2
    return float(dark[:split].sum()), float(dark[split:].sum())


def _beside(runs: list[tuple[int, int]], centre: float, height: int) -> list[tuple[int, int]]:
    """The narrow runs of ink near a mark the recogniser placed between runs: its centre strays
    up to `COLON_REACH` of the line's height (3 px at 150 dpi) from the mark's ink."""
    reach, narrow = COLON_REACH * height, 0.3 * height
    return [r for r in runs if r[1] - r[0] <= narrow and min(abs(r[0] - centre), abs(r[1] - centre)) <= reach]


def _faint_marks(window: np.ndarray) -> list[tuple[int, int]]:
    """The rows of a mark's parts cut halfway between its darkest and the paper: on a faint grey
    scan one dot of a colon stays lighter than 150 (grey 150–160 at 150 dpi)."""
    darkest, paper = int(window.min()), int(np.percentile(window, 90))
    return _runs((window < (darkest + paper) // 2).any(axis=1))


def colons(crop: np.ndarray, reading: Reading) -> Reading:
    """The reading with `：` and `；` told apart by their lower mark: a colon's two dots are alike, a
    semicolon's lower mark is a comma, taller than the dot above it and, on a grey scan, heavier
    (≥ 1.45× its ink, or ≥ 1.35× and taller; on a bitonal scan taller and
    `BITONAL_SEMICOLON_WEIGHT`×). The recogniser confuses them on coarse scans
    (目标2；… read 目标2：…). A mark touching its neighbours, or alone in its line, keeps its reading,
    and so does one whose measures disagree."""
    if len(reading.text) < 2 or not any(ch in _COLON_OR_SEMICOLON for ch in reading.text):
        return reading
    ink = crop < 150
    runs = _runs(ink.any(axis=0))
    width = crop.shape[1]
    grey = not _pure_black(crop)
    chars = list(reading.text)
    for k, (ch, step) in enumerate(zip(reading.text, reading.steps, strict=True)):
        if ch not in _COLON_OR_SEMICOLON:
            continue
        centre = step * width
        inside = [r for r in runs if r[0] - 1 <= centre < r[1] + 1] or _beside(runs, centre, crop.shape[0])
        if len(inside) != 1:
            continue
        a, b = inside[0]
        marks = _runs(ink[:, a:b].any(axis=1))
        if len(marks) != 2:
            marks = _faint_marks(crop[:, a:b])
        if len(marks) != 2:
            continue
        upper, lower = (m[1] - m[0] for m in marks)
        above, below = _weights(crop, a, b, marks)
        heavier = below / max(above, 1.0)
        colon, semicolon = _COLON_OR_SEMICOLON[ch]
        if lower >= 1.6 * upper and lower - upper >= 2:
            chars[k] = semicolon
        elif grey and (heavier >= 1.45 or (heavier >= 1.35 and lower > upper)):
            chars[k] = semicolon
        elif heavier >= BITONAL_SEMICOLON_WEIGHT and lower > upper:
            chars[k] = semicolon
        elif lower <= 1.25 * upper and heavier <= 1.25:
            chars[k] = colon
    text = "".join(chars)
    return reading if text == reading.text else reading._replace(text=text)


# a semicolon's dot weighs 0.6–0.8 of the comma under it (darkness, 150–300 dpi, grey or bitonal);
# a photocopy's speck over a comma, 0.15 at most
SPECK_OVER_COMMA = 0.3


def commas_under_specks(crop: np.ndarray, reading: Reading) -> Reading:
    """The reading with a `；` or `;` that is a comma under a speck (a photocopy's grain over
    任务，预算 read 任务；预算) or a comma alone read back as the comma: the mark's main part stands
    in the line's lower half and what lies above it in its columns weighs under `SPECK_OVER_COMMA`
    of it. A mark touching its neighbours, or whose main part reaches above the line's middle (a
    dot run into its comma), keeps its reading. Its width is measured after, like any comma's."""
    text = reading.text
    if not any(ch in "；;" for ch in text) or len(reading.steps) != len(text):
        return reading
    ink = crop < 150
    rows = np.flatnonzero(ink.any(axis=1))
    if not len(rows):
        return reading
    middle = (rows[0] + rows[-1]) / 2
    runs = _runs(ink.any(axis=0))
    width = crop.shape[1]
    chars = list(text)
    for k, ch in enumerate(text):
        if ch not in "；;":
            continue
        centre = reading.steps[k] * width
        inside = [r for r in runs if r[0] - 1 <= centre < r[1] + 1]
        if len(inside) != 1 or inside[0][1] - inside[0][0] > 0.3 * crop.shape[0]:
            continue
        a, b = inside[0]
        count, _, stats = components(ink[:, a:b].astype(np.uint8))
        if count < 2:
            continue
        top = int(stats[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA])), cv2.CC_STAT_TOP])
        if top < middle:
            continue
        dark = np.clip(200 - crop[:, a:b].astype(np.float32), 0, None).sum(axis=1)
        if dark[:top].sum() < SPECK_OVER_COMMA * dark[top:].sum():
            chars[k] = "，" if ch == "；" else ","
    new = "".join(chars)
    return reading if new == text else reading._replace(text=new)


RUNNING_TEXT = 20  # Chinese characters in a cell that make it running text (a goal)


def running_text(lines: Iterable[str]) -> bool:
    """A cell's lines hold running text (a goal): `RUNNING_TEXT` Chinese characters or more,
    which no name, level or value has."""
    return sum(1 for line in lines for ch in line if IDEOGRAPH.match(ch)) >= RUNNING_TEXT


LOST_COMMA_EM = 0.35  # em: a comma's ink is at most this wide and high (a character's part is bigger)
SPECK_EM = 0.08  # em: a dot read at a line's end, its ink no bigger than this each way, is a speck


def _long(window: np.ndarray) -> bool:
    """A small mark's ink (cut halfway between its darkest and the paper) at least twice as wide
    as high: a hyphen. A middle dot is round. At 150 dpi a hyphen's thin ends print light grey, so
    the usual cut keeps only its middle pixels, as small as a dot."""
    darkest, paper = int(window.min()), int(np.percentile(window, 90))
    ink = window < (darkest + paper) // 2
    cols, rows = np.flatnonzero(ink.any(axis=0)), np.flatnonzero(ink.any(axis=1))
    if not len(cols):
        return False
    return bool(cols[-1] - cols[0] + 1 >= 2 * (rows[-1] - rows[0] + 1))


def _clear(ink: np.ndarray, a: int, b: int, rows: np.ndarray, em: float) -> bool:
    """No other ink within `reach` px either side of columns a…b, along the mark's own rows (and
    middle_dot_band_em above and below). Over the whole line a foot of 人 reaches under the dot of 人·天."""
    pad = int(DEFAULT.middle_dot_band_em * em)
    band = ink[max(0, rows[0] - pad) : rows[-1] + pad + 1]
    left = np.flatnonzero(band[:, :a].any(axis=0))
    right = np.flatnonzero(band[:, b:].any(axis=0))
    reach = 0.12 * em
    return (not len(left) or a - 1 - left[-1] >= reach) and (not len(right) or right[0] >= reach)


SPECK_POINT_EM = 0.15  # em: a point at a line's end whose ink is no bigger each way is a speck


def speck_ends(crop: np.ndarray, reading: Reading, em: float) -> Reading:
    """The reading less a point read at either end of the line where the ink there is no bigger
    than `SPECK_POINT_EM` each way: a photocopy's speck after a name (履职能力., 拉萨市农业农. |
    村局本级) or before a value (.8 for a weight of 8, ·90). A printed 。 stands a quarter em or more;
    Chinese prints no ASCII point after a character, and a table no point before a number."""
    text, steps = reading.text, reading.steps
    if em <= 0 or len(text) < 2 or len(steps) != len(text):
        return reading
    width = crop.shape[1]
    if text[-1] in ".。．" and IDEOGRAPH.match(text[-2]):
        a, b = (
            int(steps[-2] * width + 0.5 * em) + 1,
            int(steps[-1] * width + 0.5 * em) + 1,
        )  # past the character
        if _specks_only(crop, a, b, em):
            return Reading(text[:-1], reading.conf, reading.probs[:-1], steps[:-1])
    if text[0] in ".．·" and text[1].isdigit():
        a, b = int(steps[0] * width - 0.5 * em), int(steps[1] * width - 0.3 * em)  # before the digit
        if _specks_only(crop, a, b, em):
            return Reading(text[1:], reading.conf, reading.probs[1:], steps[1:])
    return reading


def _specks_only(crop: np.ndarray, a: int, b: int, em: float) -> bool:
    """Columns a…b of the line hold ink, and every mark there, cut halfway between its own darkest
    and the paper (a grey 。's ring whole), is no bigger than `SPECK_POINT_EM` each way."""
    a, b = max(0, a), min(crop.shape[1], b)
    if b - a < 2:
        return False
    paper = int(np.percentile(crop[:, max(0, a - int(em)) : min(crop.shape[1], b + int(em))], 90))
    grey = crop[:, a:b].astype(np.int16)
    if int(grey.min()) >= paper - 30:
        return False  # nothing there to judge by
    count, labels, stats, _ = cv2.connectedComponentsWithStats((grey < paper - 30).astype(np.uint8))
    for k in range(1, count):
        x, y, w, h = stats[k, :4]
        box = np.where(labels[y : y + h, x : x + w] == k, grey[y : y + h, x : x + w], paper)
        inked = box < (int(box.min()) + paper) // 2
        cols, rows = np.flatnonzero(inked.any(axis=0)), np.flatnonzero(inked.any(axis=1))
        if max(cols[-1] - cols[0], rows[-1] - rows[0]) + 1 > SPECK_POINT_EM * em:
            return False  # a mark as big as a printed 。 (or a character's edge)
    return True


def _without_specks(crop: np.ndarray, reading: Reading, em: float) -> Reading:
    """The reading less the middle dots it made of specks: a line of dots alone (a seal's or a
    photocopy's speck cut out as a line of its own), or a dot ending or opening a line whose ink
    there is under `SPECK_EM` em each way (a dot printed at 300 dpi is twice that) or missing. A
    middle dot joins two words, so only one the line's wrap cut off stands at an end."""
    text = reading.text
    if "·" not in text:
        return reading
    if set(text) == {"·"}:
        return Reading("", reading.conf, (), ())
    if em <= 0 or "·" not in (text[0], text[-1]):
        return reading
    ink = crop < 150
    runs = _runs(ink.any(axis=0))
    if len(runs) < 2:
        return reading
    width, keep = crop.shape[1], list(range(len(text)))
    for k, run in ((len(text) - 1, runs[-1]), (0, runs[0])):
        if text[k] != "·":
            continue
        centre = reading.steps[k] * width
        rows = np.flatnonzero(ink[:, run[0] : run[1]].any(axis=1))
        small = run[1] - run[0] <= SPECK_EM * em and rows[-1] - rows[0] + 1 <= SPECK_EM * em
        missing = centre > run[1] + 0.3 * em if k else centre < run[0] - 0.3 * em
        if (small or missing) and k in keep:
            keep.remove(k)
    if len(keep) == len(text):
        return reading
    return Reading(
        "".join(text[k] for k in keep),
        reading.conf,
        tuple(reading.probs[k] for k in keep),
        tuple(reading.steps[k] for k in keep),
    )


def middle_dots(
    crop: np.ndarray, reading: Reading, em: float, max_chars: int = DEFAULT.middle_dot_max_chars
) -> Reading:
    """The reading with the middle dots the model leaves out (元/人·天): a small mark at half the
    line's height that no recognised character stands on. A long one is a hyphen it left out
    (94-住房公积金) after a code or a number. Either stands between letters or digits only, never
    beside another mark (a piece of a hyphen the model read, a speck beside a colon), and a dot
    only in a line of at most `max_chars` characters: in running text it is a speck."""
    reading = _without_specks(crop, reading, em)
    if em <= 0 or len(reading.text) < 2:
        return reading
    line = _marks_line(crop, reading)
    if line is None:
        return reading
    ink, runs, top, bottom, centres = line
    width = crop.shape[1]
    text, probs, steps = list(reading.text), list(reading.probs), list(reading.steps)
    for r in range(1, len(runs) - 1):
        a, b = runs[r]
        marks = np.flatnonzero(ink[:, a:b].any(axis=1))
        if b - a > 0.2 * em or not _clear(ink, a, b, marks, em):
            continue  # too big, or too close to a neighbour: part of a character (忄, 心)
        mid = (marks[0] + marks[-1]) / 2
        if marks[-1] - marks[0] > 0.2 * em or not top + 0.3 * (bottom - top) <= mid <= top + 0.7 * (
            bottom - top
        ):
            continue
        if any(a - 1 <= c <= b + 1 for c in centres):
            continue  # a character the model read stands here (a hyphen, a colon …)
        k = sum(1 for c in centres if c < a)
        if k == 0 or k == len(centres):
            continue
        if not (text[k - 1].isalnum() and text[k].isalnum()):
            continue  # beside a mark: a piece of the dash read there (232097-西藏, a 150-dpi hyphen broken), a speck
        window = crop[max(0, marks[0] - 2) : marks[-1] + 3, runs[r - 1][1] : runs[r + 1][0]]
        if _long(window):
            if not text[k - 1].isascii():
                continue  # a hyphen follows a code or a number (94-住房公积金, 2024-2025)
            mark = "-"
        elif len(reading.text) <= max_chars and not (text[k - 1].isascii() or text[k].isascii()):
            mark = "·"
        else:
            continue  # running text, or beside a digit: a speck (a dot stands between words, 元/人·天)
        text.insert(k, mark)
        probs.insert(k, min(probs[k - 1], probs[k]))
        steps.insert(k, (a + b) / 2 / width)
        centres.insert(k, (a + b) / 2)
    if len(text) == len(reading.text):
        return reading
    return Reading("".join(text), reading.conf, tuple(probs), tuple(steps))


def glued_hyphens(crop: np.ndarray, reading: Reading, em: float) -> Reading:
    """The reading with the hyphen the model left out between a code and the name after it
    (233014-拉萨市…, 34-北京市… at 150 dpi: a bar a pixel high, 4 px long, set close to the 4 —
    one run of ink with it, so `middle_dots` sees no mark of its own). Between a code's last digit
    or letter and a Chinese character: the columns past the digit hold a bar only — ink at most
    `_BAR_TALL` em tall at mid-height, `_BAR_LONG` em long or more — and nothing else."""
    text, steps = reading.text, reading.steps
    if em <= 0 or len(steps) != len(text) or len(text) < 3:
        return reading
    ink = crop < 150
    rows = np.flatnonzero(ink.any(axis=1))
    if not len(rows):
        return reading
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    width = crop.shape[1]
    out_text, out_probs, out_steps = list(text), list(reading.probs), list(steps)
    for k in range(len(text) - 2, -1, -1):
        if not (text[k].isascii() and text[k].isalnum() and IDEOGRAPH.match(text[k + 1])):
            continue
        b = int(steps[k + 1] * width - 0.45 * em)
        # past the code's last character: a third of an em on, or a quarter where that leaves no room (a
        # bar set close between a 4 and 北, a quarter em long: 534-北京市 at 200 dpi)
        a = next(
            (a for a in (int(steps[k] * width + f * em) for f in (0.35, 0.25)) if b - a >= _BAR_LONG * em), b
        )
        if b - a < _BAR_LONG * em:
            continue
        bar, runs_on = _bar_in(ink, top, bottom, a, b, em)
        if runs_on:
            continue  # the bar runs on into the character after it: its stroke (41号: 号's bar)
        if (
            bar is None
        ):  # the window reaches into the next character (its centre read early): the bar before it
            bar = _bar_before_next(ink[top:bottom], a, b, em)
        wide = int(steps[k] * width + _PAST_WIDE * em)
        if bar is None and b - wide >= _BAR_LONG * em:
            # or the digit's own edge, swollen by a photocopy, reaches into the window (108-鄂州市 at
            # 150 dpi, seed 75's form-special-2024: the 8's edge beside a 4-px bar): the bar past it
            bar, runs_on = _bar_in(ink, top, bottom, wide, b, em)
            bar = None if runs_on else bar
        if bar is None or bar < _BAR_LONG * em:
            continue
        out_text.insert(k + 1, "-")
        out_probs.insert(k + 1, min(reading.probs[k], reading.probs[k + 1]))
        out_steps.insert(k + 1, (steps[k] + steps[k + 1]) / 2)
    if len(out_text) == len(text):
        return reading
    return Reading("".join(out_text), reading.conf, tuple(out_probs), tuple(out_steps))


_PAST_WIDE = 0.42  # em past a character's centre: clear of a wide digit's swollen edge

_BAR_TALL = 0.15  # em: a hyphen's bar is no taller …
_BAR_LONG = 0.15  # … and at least this long (3 px at 150 dpi, cut at grey 150)


def _bar_in(ink: np.ndarray, top: int, bottom: int, a: int, b: int, em: float) -> tuple[int | None, bool]:
    """The bar the columns a…b of the line's ink (rows top…bottom) hold (`_bar`), and whether it runs
    on into the ink past b (paper between the bar and b: 233014-拉 at 150 dpi, 拉's first stroke level
    with the bar)."""
    band = ink[top:bottom, a:b]
    bar = _bar(band, em)
    if bar is None:
        return None, False
    rows = top + np.flatnonzero(band.any(axis=1))
    return bar, bool(band[:, -1].any() and b < ink.shape[1] and ink[rows, b].any())


def _bar(band: np.ndarray, em: float) -> int | None:
    """The length (columns) of the one horizontal bar at mid-height a band of the line holds, its
    ink no taller than `_BAR_TALL` em; None when the band holds anything else."""
    rows = np.flatnonzero(band.any(axis=1))
    cols = np.flatnonzero(band.any(axis=0))
    if not len(rows) or rows[-1] + 1 - rows[0] > max(2, _BAR_TALL * em):
        return None
    mid = (rows[0] + rows[-1]) / 2
    if not 0.3 * band.shape[0] <= mid <= 0.75 * band.shape[0]:
        return None
    return int(cols[-1] + 1 - cols[0])


def _bar_before_next(ink: np.ndarray, a: int, b: int, em: float) -> int | None:
    """The length of a bar standing first in the columns a…b of the line's ink, paper after it,
    then ink running on to b (the next character's first strokes: 233014-拉 at 150 dpi, where 拉's
    centre was read a few pixels early), counted back past a over the columns that hold ink at the
    bar's rows only; None unless that reaches `_BAR_BEFORE_NEXT` em (a 4's crossbar stands out
    past its upright by less: 2024年), or `_BAR_LONG` where paper stands before it too: a mark of
    its own, no crossbar (534-北 at 200 dpi, a 4-px bar with 北's centre read early)."""
    cols = ink[:, a:b].any(axis=0)
    inked = np.flatnonzero(cols)
    if len(inked) < 2:
        return None
    start = end = int(inked[0])
    while end + 1 < len(cols) and cols[end + 1]:
        end += 1
    rest = inked[inked > end]
    if not len(rest) or rest[-1] != len(cols) - 1:
        return None
    if _bar(ink[:, a + start : a + end + 1], em) is None:
        return None
    rows = np.flatnonzero(ink[:, a + start : a + end + 1].any(axis=1))
    lo, hi = rows[0] - 1, rows[-1] + 1
    left = a + start
    while left > 0 and ink[:, left - 1].any() and not np.delete(ink[:, left - 1], np.s_[lo : hi + 1]).any():
        left -= 1
    length = a + end + 1 - left
    alone = left > 0 and not ink[:, left - 1].any()
    return length if length >= (_BAR_LONG if alone else _BAR_BEFORE_NEXT) * em else None


_BAR_BEFORE_NEXT = 0.25  # em


NUMBER_COMMA_DROP = 0.08  # em: a comma's tail reaches this far (and 2 px) below its digits' foot …
NUMBER_COMMA_TALL = 0.2  # … or a px below, the mark this tall (and 4 px): a point is 2–3 px at 150 dpi
DIGIT_EM = 0.55  # em: a digit's width, at most


def number_marks(crop: np.ndarray, reading: Reading, em: float) -> Reading:
    """The reading with a point between two digits that is a comma: a thousands comma's tail
    reaches below the digits' foot (1,000 read 1.000 at 200 dpi), a decimal point sits on it. At
    150 dpi the tail shows a pixel below the flat foot of a 1 only (a round 0 overshoots the line by
    as much), but a comma is as tall as a fifth of the line where a point is a square dot. Cut at grey
    180: a 200-dpi tail prints light. The digits' feet are measured beside the mark only (1,000万:
    万 runs on from the zeros, lower). Only . becomes ,: a blurred or photocopied comma's tail may
    not show below the digits, so a , is never made a point; a mark that touches a digit keeps its
    reading."""
    text = reading.text
    if em <= 0 or "." not in text[1:-1]:
        return reading
    ink = crop < 180
    runs = _runs(ink.any(axis=0))
    width = crop.shape[1]
    chars = list(text)
    digit = max(1, round(DIGIT_EM * em))
    for k in range(1, len(text) - 1):
        if text[k] != "." or not (text[k - 1].isdigit() and THREE_DIGITS.match(text, k + 1)):
            continue  # a thousands comma has three digits after it, no more, no fewer (10.5元 stays)
        at = [_run_at(runs, s * width) for s in reading.steps[k - 1 : k + 2]]
        if None in at or len(set(at)) != 3:
            continue  # the mark and its digits are not three runs of their own
        (a0, b0), mark, (a2, b2) = at  # type: ignore[misc]
        near = [(max(a0, b0 - digit), b0), mark, (a2, min(b2, a2 + digit))]
        rows = [np.flatnonzero(ink[:, a:b].any(axis=1)) for a, b in near]
        below = int(rows[1][-1]) - min(int(rows[0][-1]), int(rows[2][-1]))
        tall = int(rows[1][-1] - rows[1][0]) + 1
        if below >= max(2, NUMBER_COMMA_DROP * em) or (below >= 1 and tall >= max(4, NUMBER_COMMA_TALL * em)):
            chars[k] = ","
    fixed = "".join(chars)
    return reading if fixed == text else reading._replace(text=fixed)


def _run_at(runs: list[tuple[int, int]], x: float) -> tuple[int, int] | None:
    """The run of ink columns holding x, else the nearest within 2 px."""
    near = [r for r in runs if r[0] - 2 <= x < r[1] + 2]
    return (
        min(near, key=lambda r: 0 if r[0] <= x < r[1] else min(abs(r[0] - x), abs(r[1] - x)))
        if near
        else None
    )


_SEPARATORS = {",": "，", ";": "；", ":": "："}  # the marks that part a sentence's clauses
_CLAUSE_MARK = re.compile(r"[,，;；:：]")


def one_style_per_cell(
    cells: list[list[int]], texts: list[tuple[str, float]], ratio: float, least: int
) -> None:
    """A cell of running text (a goal) whose clause marks (, ; : and their full-width forms; not a
    comma between digits, 1,000) are at least `least` and at least `ratio` times as often one width
    as the other: the others take that width. Whoever typed the text kept to one style (measured:
    93 % of the goals of two seeds' truths); a mark's own white misjudges a few at 150 dpi, on a
    photocopy, in a justified line. `cells`: each cell's lines (indices into `texts`, changed in place)."""
    for lines in cells:
        marks = [(i, m.start(), m.group()) for i in lines for m in _CLAUSE_MARK.finditer(texts[i][0])
                 if not _between_digits(texts[i][0], m.start())]  # fmt: skip
        wide = sum(ch in _NARROW for _, _, ch in marks)
        narrow = len(marks) - wide
        if len(marks) < least or not wide or not narrow or max(wide, narrow) < ratio * min(wide, narrow):
            continue
        style = _SEPARATORS if wide > narrow else _NARROW
        for i, k, ch in marks:
            text, conf = texts[i]
            texts[i] = (text[:k] + style.get(ch, ch) + text[k + 1 :], conf)


def _between_digits(text: str, k: int) -> bool:
    return 0 < k < len(text) - 1 and text[k - 1].isdigit() and text[k + 1].isdigit()


_COLON_BEFORE_NEXT_GOAL = re.compile(r"(?<=[\u3400-\u9fff%）)])[:：](?=目标[2-9])")
# not after a label (年度目标：目标1：, 绩效内容：目标1：), whose colon is printed
_MARK_BEFORE_FIRST_GOAL = re.compile(r"(?<=[\u3400-\u9fff%）)])(?<![标容])[,，:：](?=目标1[:：])")
_GOAL_WORD_MISREAD = re.compile(r"(?<=目)[\u3400-\u9fff](?<!标)(?=[1-9][:：;；])")
_GOAL_WORD_FIRST_MISREAD = re.compile(r"[自日白](?=标[1-9][:：;；])")  # 自标3： is 目标3：
_SEMICOLON_AFTER_GOAL_NUMBER = re.compile(r"(?<=目标[1-9])[;；]")
_GOAL_NUMBER = re.compile(r"目标[1-9][:：]")
_COLON_AT_THE_END = re.compile(r"(?<=[\u3400-\u9fff%）)])[:：]$")
# running text: ten characters or more with a clause's comma or semicolon between (not a label)
_RUNNING_TEXT = re.compile(r"^(?=.{10,}$).*[\u3400-\u9fff%][，,；;、].*[\u3400-\u9fff%]")


def next_goal_separators(cells: list[list[int]], texts: list[tuple[str, float]]) -> None:
    """A goal's numbered parts, 目标1：… 目标2：…, read right around their numbers: a colon read
    before 目标2 … 目标9 is the semicolon that closes the goal before it (…机制逐步完善；目标3：…),
    its width kept — a goal's parts follow one another after ； (or 。), never after a colon, and at
    150 dpi or on a copy ； loses its tail and reads ：; a comma or colon before 目标1 is the full
    stop that ends the text before the numbered goals (…经费。目标1：; in the truths of four seeds
    and the goldens only 。 or ; stand there), but after a label (年度目标：目标1：); and 目际2： or 目杯1： is 目标 (no other word is 目 +
    a character + a number + a colon). The number's own colon read as a semicolon (目标1；) is a
    colon, and a goal of numbered parts ending in a colon (…85%以上：) ends in 。, as does any cell of
    running text (clauses, ten characters or more: …扣完为止：, …达到90%以上： at 150 dpi, seed 48's
    dept-info-2023-portrait; a label's colon stays). Lines of a cell are read as one text (目标N
    may open the next line). Changes `texts` in place."""
    for lines in cells:
        filled = [i for i in lines if texts[i][0]]
        joined = "".join(texts[i][0] for i in filled)
        fixed = _GOAL_WORD_MISREAD.sub("标", _GOAL_WORD_FIRST_MISREAD.sub("目", joined))
        fixed = _SEMICOLON_AFTER_GOAL_NUMBER.sub(lambda m: "：" if m.group() == "；" else ":", fixed)
        fixed = _COLON_BEFORE_NEXT_GOAL.sub(lambda m: "；" if m.group() == "：" else ";", fixed)
        fixed = _MARK_BEFORE_FIRST_GOAL.sub("。", fixed)
        if _GOAL_NUMBER.search(fixed) or _RUNNING_TEXT.search(fixed):
            fixed = _COLON_AT_THE_END.sub("。", fixed)
        if fixed == joined:
            continue
        respread(fixed, filled, texts)


def left_end_mark(crop: np.ndarray, reading: Reading, em: float) -> bool:
    """The line ends in a small mark of its own that the model left out: after the last character
    read (half an em or more past its centre, clear of it), in the lower half of the line, no
    bigger than a comma. A bitonal copy thins a 。 to a few pixels the model reads as nothing."""
    text = reading.text
    if em <= 0 or not text or not (_chinese(text[-1]) or text[-1] == "%"):
        return False  # a short line too: a goal's last (full_stops_at_ends keeps to running text)
    line = _marks_line(crop, reading)
    if line is None:
        return False
    ink, runs, top, bottom, centres = line
    a, b = runs[-1]
    r = len(runs) - 1
    while r > 1 and a - runs[r - 1][1] <= 2 and b - runs[r - 1][0] <= LOST_COMMA_EM * em:
        r -= 1  # a ring the copy broke stands in pieces
        a = runs[r][0]
    if a - runs[r - 1][1] < max(2.0, 0.1 * em) or not centres or (a + b) / 2 - centres[-1] < 0.5 * em:
        return False
    marks = np.flatnonzero(ink[:, a:b].any(axis=1))
    return bool(
        b - a <= LOST_COMMA_EM * em
        and marks[-1] - marks[0] + 1 <= LOST_COMMA_EM * em
        and marks[0] >= top + 0.55 * (bottom - top)
    )


def full_stops_at_ends(cells: list[list[int]], texts: list[tuple[str, float]], marked: set[int]) -> None:
    """A cell of running text (`RUNNING_TEXT` Chinese characters, a goal) ends in the full stop
    its last line's left-out mark was (`marked`: lines `left_end_mark` found one after): a
    sentence's end; inside the text the mark could be any of ，、；： and is left out. Changes
    `texts` in place."""
    for lines in cells:
        filled = [i for i in lines if texts[i][0]]
        if not running_text(texts[i][0] for i in filled):
            continue  # a name or a value: a speck after it is no full stop
        if filled and filled[-1] in marked:
            text, conf = texts[filled[-1]]
            if _chinese(text[-1]) or text[-1] == "%":
                texts[filled[-1]] = (text + "。", conf)
