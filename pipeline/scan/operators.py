"""Comparison operators and lone dashes read by their shape.

The recognition model reads `≥` as M or N, `≤` as S or nothing, `<=` as ^Ⅱ, and a lone `-` as
nothing. These marks are simple figures, so they are read here from the line crop's connected
components: a bar (`-`), two equal bars close together (`=`), a chevron open to one side (`<`,
`>`), a chevron over a bar (`≤`, `≥`) or two (`≦`, `≧`); two bars a full em wide are `＝`; a long bar alone
in its line is the dash `—` that tables print for an empty value. Only the start of a line is read this way (an operator
column's cell, or a value printed with its operator: `≥95%`, `>=21933人`); the recognised
characters standing over the figures give way to them.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from pipeline.scan.grey import percentile
from pipeline.scan.recognize import Reading

SHAPE_CONF = 0.95  # how sure a figure read by shape is
# figures with a bar: all a lighter cut may read (a bare chevron there may be a 1 or a 3 of a
# small font, a lone bar a stroke of anything)
_BARRED = "≥≤≧≦=＝"


class _Blob(NamedTuple):
    x0: int
    top: int
    x1: int
    bottom: int
    mask: np.ndarray  # the component's own pixels in its box

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def h(self) -> int:
        return self.bottom - self.top


def _thresholds(crop: np.ndarray) -> list[int]:
    """Grey levels to cut the figures' ink at, the first one first.

    A figure drawn in hairlines prints grey (═ at 200 dpi), so the cut follows the crop's darkest
    ink. At 150 dpi a ≥ is a few pixels, each stroke thinner than one: a single cut splits its
    chevron or its bar, the next one lighter keeps them whole. The lighter cuts serve only where the
    first reads no figure, and only for figures with a bar (_BARRED).
    """
    if not crop.size:
        return [150]
    darkest = int(crop.min())
    paper = int(percentile(crop, 90))
    first = 150 if darkest < 100 else darkest + (255 - darkest) * 3 // 10
    lighter = [darkest + (paper - darkest) * k // 10 for k in (4, 5)]
    return [first, *(t for t in lighter if t > first)]


def _blobs(crop: np.ndarray, threshold: int) -> list[_Blob]:
    ink = (crop < threshold).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    out = []
    for k in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[k])
        if area < 3:
            continue
        out.append(_Blob(x, y, x + w, y + h, labels[y : y + h, x : x + w] == k))
    return sorted(out, key=lambda b: b.x0)


def _clusters(blobs: list[_Blob]) -> list[list[_Blob]]:
    """Blobs standing over one another (the two bars of =, a chevron over its bar): one figure."""
    groups: list[list[_Blob]] = []
    for b in blobs:
        if groups:
            g = groups[-1]
            x0, x1 = min(o.x0 for o in g), max(o.x1 for o in g)
            overlap = min(x1, b.x1) - max(x0, b.x0)
            if overlap > 0.3 * min(b.w, x1 - x0):
                g.append(b)
                continue
        groups.append([b])
    return groups


def _bar(b: _Blob, em: float) -> bool:
    return b.w >= 2.2 * b.h and b.h <= 0.22 * em


def _chevron(b: _Blob, em: float) -> str | None:
    """'<' or '>' for a chevron, else None.

    Its open side holds two arms' ends (ink at the top and the bottom, none in the middle); its
    closed side, the apex (ink only around the middle); and it is the same upside down. A digit
    1, 2 or 4 fails one or the other.
    """
    if not (0.22 * em <= b.h <= 0.8 * em and 0.22 * em <= b.w <= 0.8 * em and b.w >= 0.6 * b.h):
        return None
    if not _symmetric(b.mask):
        return None  # a chevron is the same upside down; a 4 or a 7 is not
    # its sides: a quarter of its width each; a fifth where each row holds one run of ink, as a
    # chevron's do (its arms meet only at the apex), and a quarter reaches into the middle rows: a
    # 150-dpi photocopy's ≥ fused to its bar, the lower arm thickened where it meets the bar
    for part in (4, 5) if _one_run_a_row(b.mask) else (4,):
        side = max(1, b.w // part)
        left, right = b.mask[:, :side], b.mask[:, -side:]
        if _open_side(left) and _apex(right):
            return ">"
        if _open_side(right) and _apex(left):
            return "<"
    return None


def _one_run_a_row(mask: np.ndarray) -> bool:
    """Every row's ink is one run (an 8's or a 3's rows cross two strokes)."""
    starts = np.count_nonzero(np.diff(mask.astype(np.int8), axis=1) == 1, axis=1) + mask[:, 0]
    return bool((starts[mask.any(axis=1)] == 1).all())


def _symmetric(mask: np.ndarray) -> bool:
    """The mask matches itself turned upside down, give or take a row (a stray pixel at one tip)."""
    mirrored = mask[::-1]
    for shift in (0, 1, -1):
        a = mask[max(0, shift) : len(mask) + min(0, shift)]
        b = mirrored[max(0, -shift) : len(mask) + min(0, -shift)]
        if np.count_nonzero(a & b) >= 0.5 * np.count_nonzero(a | b):
            return True
    return False


def _open_side(side: np.ndarray) -> bool:
    rows = side.any(axis=1)
    h = len(rows)
    third = max(1, h // 3)
    return bool(
        rows[:third].any() and rows[-third:].any() and not rows[int(0.4 * h) : int(np.ceil(0.6 * h))].any()
    )


def _apex(side: np.ndarray) -> bool:
    rows = np.flatnonzero(side.any(axis=1))
    h = side.shape[0]
    return bool(len(rows)) and rows[0] >= 0.2 * h and rows[-1] <= 0.8 * h


def _without_bar(b: _Blob) -> _Blob | None:
    """The blob above a bar fused to its foot (a ≥ whose arm touches its bar), or None."""
    fill = b.mask.sum(axis=1)
    k = b.h
    while k > 0 and fill[k - 1] >= 0.6 * b.w:
        k -= 1
    if k == b.h or k < 0.4 * b.h:
        return None
    rows = np.flatnonzero(fill[:k])
    if not len(rows):
        return None
    k = int(rows[-1]) + 1
    return _Blob(b.x0, b.top, b.x1, b.top + k, b.mask[:k])


def _equal_bars(upper: _Blob, lower: _Blob, em: float) -> bool:
    """Two bars of one length standing one over the other (=). A pixel's difference either way is
    the scan's rounding: at 150 dpi a 7 px bar over an 8 px one is still an equals sign."""
    longer, shorter = max(upper.w, lower.w), min(upper.w, lower.w)
    alike = shorter >= 0.88 * longer or longer - shorter <= 1
    return alike and abs(upper.x0 - lower.x0) <= 0.1 * em + 1


def _figure(group: list[_Blob], em: float) -> str | None:
    parts = sorted(group, key=lambda b: b.top)
    upper = _without_bar(parts[0]) if not _bar(parts[0], em) else None
    if upper is not None and _chevron(upper, em) and all(_bar(p, em) for p in parts[1:]) and len(parts) <= 2:
        shape = _chevron(upper, em)
        return ("≥" if shape == ">" else "≤") if len(parts) == 1 else ("≧" if shape == ">" else "≦")
    if len(parts) == 1:
        b = parts[0]
        if _bar(b, em):
            return "-" if b.w <= 0.6 * em else None
        return _chevron(b, em)
    if len(parts) == 2:
        upper, lower = parts
        gap = lower.top - upper.bottom
        if _bar(upper, em) and _bar(lower, em):
            if _equal_bars(upper, lower, em) and 0 < gap <= 0.45 * em:
                return "＝" if upper.w > 0.7 * em else "="
            return None
        if _bar(lower, em) or (lower.w >= 2.0 * lower.h and lower.h <= 0.3 * em):
            shape = _chevron(upper, em)
            if shape and lower.w >= 0.6 * upper.w and gap <= 0.35 * em:
                return "≥" if shape == ">" else "≤"
    if len(parts) == 3 and _bar(parts[1], em) and _bar(parts[2], em):
        shape = _chevron(parts[0], em)
        if shape and parts[1].top - parts[0].bottom <= 0.35 * em:
            return "≧" if shape == ">" else "≦"
    return None


def _prefix(groups: list[list[_Blob]], em: float) -> tuple[str, int]:
    """The figures the line starts with (at most two, a dash only first) and where they end, px."""
    prefix = ""
    end = 0
    for group in groups[:2]:
        figure = _figure(group, em)
        if figure is None or (figure == "-" and prefix):
            break
        prefix += figure
        end = max(b.x1 for b in group)
    return prefix, end


def _digit_over(reading: Reading, width: int, end: int, sure: float = 0.9) -> bool:
    """The recogniser read a digit or a per-cent sign, and was sure of it, where the figure stands
    (before `end` px). A bare chevron has no bar to confirm it, and a small 3 or 7 passes for one,
    as does a blurred 150-dpi % (its slash and rings run into a wedge); the recogniser reads < and
    > themselves well."""
    return any(
        (ch.isdigit() or ch in "%‰") and p >= sure and s * width <= end
        for ch, p, s in zip(reading.text, reading.probs, reading.steps, strict=True)
    )


def read_operator(crop: np.ndarray, reading: Reading, em: float) -> Reading | None:
    """The reading with the operator figures at the line's start read by shape; None when there are none."""
    if em <= 0:
        return None
    head = crop[:, : int(3.5 * em)]  # two figures and the start of what follows
    first, *lighter = _thresholds(head)
    blobs = _blobs(head, first)
    if not blobs:
        return None
    groups = _clusters(blobs)
    prefix, end = _prefix(groups, em)
    for threshold in lighter if not prefix else ():
        again = _clusters(_blobs(head, threshold))
        found, stop = _prefix(again, em)
        if found and all(ch in _BARRED for ch in found):
            groups, prefix, end = again, found, stop
            break
    whole = not (crop[:, end + 1 :] < 150).any()  # the line is nothing but these figures
    if not prefix:
        alone = len(blobs) == 1 and not (crop[:, int(3.5 * em) :] < 150).any()
        if alone and _bar(blobs[0], em) and blobs[0].w <= 1.5 * em:
            return Reading("—", SHAPE_CONF, (SHAPE_CONF,), (0.5,))
        return None
    if prefix == "-" and not whole:
        return None  # a dash before more text is the recogniser's to read (-5%, 2024-2025)
    if len(groups) > len(prefix) and _figure(groups[len(prefix)], em) in ("<", ">"):
        return None  # 《 or a run of chevrons: not an operator
    width = crop.shape[1]
    if prefix in ("<", ">") and _digit_over(reading, width, end):
        return None  # a bare chevron the recogniser reads as a digit: a small 3 (30 read >0)
    kept = [
        (ch, p, s)
        for ch, p, s in zip(reading.text, reading.probs, reading.steps, strict=True)
        if not whole and s * width > end + 0.1 * em
    ]
    probs = [p for _, p, _ in kept]
    conf = min(SHAPE_CONF, float(np.mean(probs))) if probs else SHAPE_CONF
    text = prefix + "".join(ch for ch, _, _ in kept)
    steps = tuple(end / 2 / width for _ in prefix) + tuple(s for _, _, s in kept)
    return Reading(text, conf, tuple(SHAPE_CONF for _ in prefix) + tuple(probs), steps)
