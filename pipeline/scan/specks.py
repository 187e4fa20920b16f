"""Toner specks: small marks that stand clear of every character.

A photocopy scatters dots over the page (one every few square millimetres). Where one falls in a
cell but off the text, the recogniser reads it as `.` or `·` and a line's box grows to take it
in. A speck is told from real punctuation by where it stands: a full stop, a decimal point or a
middle dot sits within a fraction of an em of the character before it, a speck mostly does not.
So a mark no larger than `size_em` of a line each way is a speck when no larger ink lies within
`reach_em` of a line around it. A dash (1.4 times as wide as high) is never one. Nor is a mark
that is shaped like punctuation and stands on a line of text (larger ink on its rows within
`along_em`; a comma centred in its full-width box, with ink within `_COMMA_GAP_EM` on both
sides, its foot level with theirs): a comma or the tail of a semicolon (taller than wide), or one
of a colon's two dots
(another small mark just above or below it) — a wrapped line may open with one, half an em from
the next character — or a mark sitting on the line's foot with the line's characters rising well
above it (a full-width comma or full stop at 150 dpi is a blob of 3 × 3 pixels, half an em from
its neighbours).
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.scan.components import components

_AFTER_EM = 1.3  # 、 and 。 sit at the left of a whole em box: the next character's ink this far on
_RISE_EM = 1.3  # the ink before a mark that rises above it is looked for this far back
_COMMA_GAP_EM = 1.1  # a comma-shaped mark with ink this near on both sides, on its rows, is one


def specks(
    text: np.ndarray, line_height: float, size_em: float = 0.25, reach_em: float = 0.35, along_em: float = 0.8,
    rules: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """uint8 0/255 mask of the specks in `text` (0/255 ink that is not a rule); `rules`: the
    rules' pixels (a mark opening a line has its line's text after it, not across a rule)."""
    out = np.zeros_like(text)
    if line_height <= 0:
        return out
    n, labels, stats = components(text)
    if n <= 1:
        return out
    x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    size = size_em * line_height
    small = (w <= size) & (h <= size) & ~((w >= 1.4 * h) & (w >= 0.2 * line_height))
    small[0] = False
    if not small[1:].any():
        return out
    big = np.where(small[labels], 0, text).astype(np.uint8)
    r = max(1, int(round(reach_em * line_height)))
    near = cv2.dilate(big, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * r + 1, 2 * r + 1)))
    lone = small & ~(np.bincount(labels[near > 0], minlength=n) > 0)
    if not lone.any():
        return out
    a = max(1, int(round(along_em * line_height)))
    beside = cv2.dilate(big, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * a + 1, 1)))
    on_line = np.bincount(labels[beside > 0], minlength=n) > 0
    pair = int(round(0.45 * line_height))
    sx, sy, sw, sh = x[small], y[small], w[small], h[small]
    for i in np.flatnonzero(lone & on_line):
        if h[i] >= 1.4 * w[i]:
            lone[i] = False  # a comma, a semicolon's tail
            continue
        if _on_foot(text, labels, i, x[i], y[i], w[i], h[i], a, line_height, rules):
            lone[i] = False  # a comma or full stop on the line's foot
            continue
        over = (sx < x[i] + w[i]) & (x[i] < sx + sw)
        below, above = sy - (y[i] + h[i]), y[i] - (sy + sh)
        if np.any(over & (((below >= 0) & (below <= pair)) | ((above >= 0) & (above <= pair)))):
            lone[i] = False  # a colon's dot
    wide = int(round(_COMMA_GAP_EM * line_height))
    for i in np.flatnonzero(lone & ~on_line & (h >= 1.4 * w)):
        if _between_feet(big, x[i], y[i], w[i], h[i], wide, line_height):
            lone[i] = False  # a comma centred in its em box, half an em clear of both neighbours
    out[lone[labels]] = 255
    return out


def _between_feet(big: np.ndarray, x: int, y: int, w: int, h: int, wide: int, line_height: float) -> bool:
    """Characters on both sides within `wide`, their feet level with the mark's (within 0.15 of a
    line) and rising 0.45 of a line above its top: a comma set inside a line."""
    foot = y + h
    rows = slice(max(0, int(foot - 1.2 * line_height)), foot + int(0.15 * line_height) + 1)
    for cols in (slice(max(0, x - wide), x), slice(x + w, x + w + wide)):
        inked = np.flatnonzero(big[rows, cols].any(axis=1))
        if not len(inked):
            return False
        ink_top, ink_foot = rows.start + int(inked[0]), rows.start + int(inked[-1]) + 1
        if abs(ink_foot - foot) > 0.15 * line_height or y - ink_top < 0.45 * line_height:
            return False
    return True


def _on_foot(
    text: np.ndarray, labels: np.ndarray, label: int, x: int, y: int, w: int, h: int, along: int,
    line_height: float, rules: np.ndarray | None = None,
) -> bool:  # fmt: skip
    """The mark stands between characters (ink before it within `along`, after it within
    _AFTER_EM: a 、 or 。 sits at the left of its em box), opens a line (nothing before it: a
    sentence's comma wrapped to the next line, `_wrapped`) or closes one that the text goes on
    from (nothing after it, the next line below: `_wraps`), its foot is the foot
    of that ink (within 0.15 of a line), and the ink rises at least 0.45 of a line above its top
    (digits, %): punctuation set inside a line, not a speck beside it or past a line's end. Every
    other mark counts, small ones too (at 150 dpi the strokes of 资 fall apart into blobs)."""
    foot = y + h
    top = max(0, int(foot - 1.2 * line_height))
    after = int(_AFTER_EM * line_height)  # a full-width mark's box: the next character stands further off
    rows_, cols_ = slice(top, foot + int(0.15 * line_height) + 1), slice(max(0, x - along), x + w + after)
    band = (text[rows_, cols_] > 0) & (labels[rows_, cols_] != label)  # the ink about it, not the mark
    left = min(along, x)
    following = np.flatnonzero(band[:, left + w :].any(axis=0))
    before = band[:, :left].any()
    if not len(following):
        if not before or not _wraps(text, rules, x, w, foot, line_height):
            return False  # nothing after it: only a wrapping line's closing mark (…得到保障，)
    elif not before and not _wrapped(text, rules, x, y, w, foot, int(following[0]), line_height):
        return False
    # the characters' rise is looked for over the whole character before it: the last one's
    # strokes nearest the mark may stay low (上, 工: a comma after 以上 taken for a speck)
    rise = slice(max(0, x - max(along, int(_RISE_EM * line_height))), x + w + after)
    rows = np.flatnonzero(((text[rows_, rise] > 0) & (labels[rows_, rise] != label)).any(axis=1))
    if not len(rows):
        return False
    ink_top, ink_foot = top + int(rows[0]), top + int(rows[-1]) + 1
    return abs(ink_foot - foot) <= 0.15 * line_height and y - ink_top >= 0.45 * line_height


def _wrapped(
    text: np.ndarray,
    rules: np.ndarray | None,
    x: int,
    y: int,
    w: int,
    foot: int,
    gap: int,
    line_height: float,
) -> bool:
    """A mark with nothing before it opens a wrapped line: the line above, in its own cell, runs
    over where it stands (a value's cell of one line has none; a speck before a value is no
    comma), and no rule stands between it and what follows (another cell's text)."""
    top = max(0, int(foot - 2.2 * line_height))
    if rules is not None and (rules[y:foot, x + w : x + w + gap].any() or rules[top:y, x : x + w].any()):
        return False  # a rule after it, or above it: the line above is another cell's
    above = text[
        top : max(0, int(foot - 1.0 * line_height)),
        max(0, int(x - 0.3 * line_height)) : x + w + int(line_height),
    ]
    return bool(above.any())


def _wraps(text: np.ndarray, rules: np.ndarray | None, x: int, w: int, foot: int, line_height: float) -> bool:
    """A mark with nothing after it closes a line the text goes on from: the next line stands
    just below, reaching back under the line's end, with no rule between (another cell's)."""
    a, b = foot + int(0.2 * line_height), foot + int(1.4 * line_height)
    c0, c1 = max(0, int(x - 3 * line_height)), x + w
    if rules is not None and rules[foot:b, c0:c1].any():
        return False
    return bool(text[a:b, c0:c1].any())
