"""Square brackets the recogniser leaves out, put back from their shape.

A unit's code in square brackets ([022]拉萨市信访局本级, [657]…) is read without one bracket or
both at 150–200 dpi, with high confidence: the model saw few ASCII brackets beside Chinese text.
The ink is there, unread: a stroke as tall as the line's characters (it reaches below the
digits) with short arms at its top and bottom pointing the way the bracket opens. `[` has its
stroke on the left, `]` on the right. Only ink no recognised character stands on is looked at,
so a bracket that was read is never doubled, and a rule's remnant (a bar without arms) or a
digit 1 (read) is not taken for one; and only round a code or a number (the bracket's inside
is an ASCII letter or digit): in Chinese text the shape is a character's part (理's 王).

Round brackets wrapped over two lines of a cell close as they opened (`closing_across_lines`).
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.scan.grey import percentile
from pipeline.scan.recognize import Reading

_TALL = 0.75  # a bracket's ink is at least this share of the line's ink height
_NARROW = 0.4  # and at most this many line heights wide
_STROKE = 0.85  # its upright stroke is inked along this share of its height


def _ink(crop: np.ndarray) -> np.ndarray:
    """Ink cut halfway between the crop's darkest and its paper: a light scan's thin strokes kept."""
    darkest, paper = int(crop.min()), int(percentile(crop, 90))
    return crop < max(darkest + 1, min(150, (darkest + paper) // 2 + 20))


def bracket_shape(ink: np.ndarray) -> str | None:
    """`[` or `]` when this mark's ink (rows × columns, the mark alone) is drawn as one, else None:
    an upright stroke inked along nearly all its height, and arms — columns inked at its top and
    bottom only — all on one side of it (on the right: `[`). At 150 dpi an arm is a pixel or two."""
    rows = np.flatnonzero(ink.any(axis=1))
    if len(rows) < 6:
        return None
    mark = ink[rows[0] : rows[-1] + 1]
    height = mark.shape[0]
    fill = mark.mean(axis=0)
    stroke = np.flatnonzero(fill >= _STROKE)
    if not len(stroke) or stroke[-1] - stroke[0] + 1 != len(stroke):
        return None  # no stroke, or two (a character's parts)
    end = max(2, height // 6)
    ends = mark[:end].any(axis=0) & mark[-end:].any(axis=0)
    middle = mark[end:-end].any(axis=0)
    arms = np.flatnonzero(ends & ~middle & (fill < _STROKE))
    others = np.flatnonzero(~ends & (fill > 0) & (fill < _STROKE))
    if not len(arms) or len(others):
        return None  # a bar without arms (a rule's remnant), or ink that is not a bracket's
    if arms[0] > stroke[-1]:
        return "["
    if arms[-1] < stroke[0]:
        return "]"
    return None


def square_brackets(crop: np.ndarray, reading: Reading, em: float) -> Reading:
    """The reading with the square brackets that stand unread in the line put back in place."""
    if em <= 0 or not reading.text or len(reading.steps) != len(reading.text):
        return reading
    if not any(ch.isascii() and ch.isalnum() for ch in reading.text):
        return reading  # no code or number for a bracket to stand round (most lines: no image work)
    ink = _ink(crop)
    lines = np.flatnonzero(ink.any(axis=1))
    if not len(lines):
        return reading
    line_height = lines[-1] - lines[0] + 1
    width = crop.shape[1]
    centres = [s * width for s in reading.steps]
    text, probs, steps = list(reading.text), list(reading.probs), list(reading.steps)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    for label in sorted(range(1, count), key=lambda i: stats[i, cv2.CC_STAT_LEFT]):
        a, top, w, h = (int(v) for v in stats[label, :4])
        b = a + w
        if w > _NARROW * em or h < _TALL * line_height or any(a - 1 <= c <= b + 1 for c in centres):
            continue
        mark = bracket_shape(labels[top : top + h, a:b] == label)
        if mark is None:
            continue
        k = sum(1 for c in centres if c < a)
        if (mark == "[" and k == len(centres)) or (mark == "]" and k == 0):
            continue  # a bracket opens before something and closes after something
        inner = text[k] if mark == "[" else text[k - 1]
        if not (inner.isascii() and inner.isalnum()) or set(text[max(0, k - 1) : k + 1]) & set("[]【】"):
            continue  # brackets round a code or a number only; one read already beside its ink
        neighbour = probs[min(k, len(probs) - 1)]
        text.insert(k, mark)
        probs.insert(k, min(neighbour, probs[k - 1] if k else neighbour))
        steps.insert(k, (a + b) / 2 / width)
        centres.insert(k, (a + b) / 2)
    if len(text) == len(reading.text):
        return reading
    return Reading("".join(text), reading.conf, tuple(probs), tuple(steps))


def closing_across_lines(cells: list[list[int]], texts: list[tuple[str, float]]) -> None:
    """A closing bracket that opens or ends a line, its opening bracket on an earlier line of the
    cell (its lines' indices): it takes the opening's width. At a line's end its white is cut off
    and the width is unmeasured (punctuation.fix_widths keeps the model's, which prefers `)`); a
    wrapped name (…配套建设项目（第三批）) closes as it opened."""
    for lines in cells:
        opened = ""  # the cell's last opening bracket not closed yet, on an earlier line
        for i in lines:
            text, conf = texts[i]
            chars = list(text)
            for k, ch in enumerate(chars):
                if ch in "(（":
                    opened = ""  # closed on this line: punctuation._pair_brackets saw to it
                elif ch in ")）" and opened and k in (0, len(chars) - 1):
                    chars[k] = ")" if opened == "(" else "）"
                    opened = ""
            last = max((k for k, ch in enumerate(text) if ch in "(（)）"), default=-1)
            if last >= 0 and text[last] in "(（":
                opened = text[last]
            texts[i] = ("".join(chars), conf)
