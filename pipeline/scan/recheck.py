"""A doubted line read again where it was doubted, not whole.

Every line is read first at a reduced height; a line with a character read under
`rec_recheck_below` is read again at the model's full height, the surer reading kept. The
doubted lines are the long ones (a goal of sixty characters with one doubtful comma), and the
model's cost grows with a line's width: reading the whole line again cost a fifth of the
recognition. So only a window round the doubted characters is read again — a few characters of
context either side, cut in the white between two characters — and its characters replace
those the first reading placed inside it, when they are read surer. A window that would reach
either end of the line, or cover most of it, is the whole line: read alone, a line's first or
last characters lose the ★ or the bracket that stands beside them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipeline.scan.grey import percentile
from pipeline.scan.recognize import Reading
from pipeline.scan.vocabulary import IDEOGRAPH

_WHOLE = 0.7  # a window this share of the line or wider: the whole line is read again
_SNAP = 0.3  # a cut between two characters is looked for this many em from their midpoint
_PAD_PX = 4  # white put round a window, as round every line crop


def dropped_at(reading: Reading, width: int, height: float, gap: float) -> list[int]:
    """The characters either side of a gap wider than `gap` times the line's height between two
    Chinese characters: the model dropped one there, every character read surely all the same
    (地方志编纂工作 read 地方志编工作 at the reduced height). Empty without the characters' places."""
    text, steps = reading.text, reading.steps
    if height <= 0 or len(steps) != len(text):
        return []
    return [
        k + d
        for k in range(len(text) - 1)
        if IDEOGRAPH.match(text[k])
        and IDEOGRAPH.match(text[k + 1])
        and (steps[k + 1] - steps[k]) * width > gap * height
        for d in (0, 1)
    ]


def window(
    crop: np.ndarray, reading: Reading, below: float, context: int, em: float, also: Sequence[int] = ()
) -> tuple[int, int]:
    """Columns a…b of the crop to read again: the doubted characters (probability under `below`,
    and `also`) with `context` characters either side, cut in white columns between characters;
    (0, width) for the whole line."""
    width = crop.shape[1]
    doubted = sorted({k for k, p in enumerate(reading.probs) if p < below} | set(also))
    if not doubted or em <= 0 or len(reading.steps) != len(reading.text):
        return 0, width
    centres = [s * width for s in reading.steps]
    ink = (crop < 150).any(axis=0)
    first, last = doubted[0] - context, doubted[-1] + context
    if first <= 0 or last >= len(centres) - 1:
        return 0, width  # a line's end in the window: read whole, as a ★ at its end needs the line
    a = _cut(ink, (centres[first - 1] + centres[first]) / 2, em)
    b = _cut(ink, (centres[last] + centres[last + 1]) / 2, em)
    if a is None or b is None or b - a >= _WHOLE * width:
        return 0, width
    return a, b


def _cut(ink: np.ndarray, middle: float, em: float) -> int | None:
    """The white column nearest the midpoint between two characters, within _SNAP em (None: none)."""
    reach = max(1, int(_SNAP * em))
    lo, hi = max(0, int(middle) - reach), min(len(ink), int(middle) + reach + 1)
    white = np.flatnonzero(~ink[lo:hi])
    if not len(white):
        return None
    return int(lo + white[np.argmin(np.abs(white + lo - middle))])


def padded(crop: np.ndarray, a: int, b: int) -> np.ndarray:
    """Columns a…b of the crop with paper either side (the whole crop as it is)."""
    if a == 0 and b == crop.shape[1]:
        return crop
    paper = int(percentile(crop, 90))
    return np.pad(crop[:, a:b], ((0, 0), (_PAD_PX, _PAD_PX)), constant_values=paper)


def spliced(
    first: Reading, again: Reading, a: int, b: int, width: int, refill: float | None = None
) -> Reading:
    """The first reading with the characters inside columns a…b replaced by `again` (the window's
    reading), when `again` is read surer than what it replaces and holds as many characters or
    more; as before otherwise. `refill`: the window was read for a dropped character
    (`dropped_at`): `again` is taken when it holds more characters, read at least that surely on
    average (the character found again may be read doubtfully: 纂 at 0.41)."""
    if (a, b) == (0, width):
        if again.text and (not first.text or again.conf >= first.conf or _refills(first.text, again, refill)):
            return again
        return first
    if not again.text:
        return first
    inside = [k for k, s in enumerate(first.steps) if a <= s * width < b]
    if not inside:
        return first
    replaced = [first.probs[k] for k in inside]
    if not _refills("".join(first.text[k] for k in inside), again, refill) and (
        len(again.text) < len(inside) or float(np.mean(again.probs)) < float(np.mean(replaced))
    ):
        return first  # read alone, a window loses a faint comma the line's context kept: no deletions
    span = b - a + 2 * _PAD_PX
    steps = tuple(min(1.0, max(0.0, (a - _PAD_PX + s * span) / width)) for s in again.steps)
    k0, k1 = inside[0], inside[-1] + 1
    text = first.text[:k0] + again.text + first.text[k1:]
    probs = first.probs[:k0] + again.probs + first.probs[k1:]
    all_steps = first.steps[:k0] + steps + first.steps[k1:]
    forms = first.traditional[:k0] + again.traditional + first.traditional[k1:]
    return Reading(text, float(np.mean(probs)), probs, all_steps, forms if len(forms) == len(text) else ())


def _refills(before: str, again: Reading, refill: float | None) -> bool:
    if refill is None or len(again.text) <= len(before) or not again.probs:
        return False
    return float(np.mean(again.probs)) >= refill
