"""Rules a bitonal scan lost, found again by the ticks they leave on the rules they crossed.

A table's inner grid printed at a quarter point is under a pixel wide at 200 dpi. Thresholded to
black and white, a horizontal rule that falls between two pixel rows is grey in both and goes
white along its whole length, and two rows of the table read as one (`16` and `16` become
`1616`). Where it crossed a vertical rule the ink of both adds up, and a tick of a pixel or two
survives on one or both sides of the vertical (a `+` or a `┤` in miniature). Such ticks at the
same height on three or more vertical rules, facing each other across each cell, with paper
beyond them, are the lost rule's trace: the rule is put back between every two neighbouring
verticals whose ticks face each other. The same holds turned: ticks on horizontal rules give a
lost vertical one.

A light scanner streak leaves the same ticks on every rule it crosses, but it runs on straight
through the characters of the cells it crosses, where a table's rule never runs: ticks facing
each other across text mean a streak, and nothing is put back along that line. Nor are the
steps a bitonal scan's slanted rules keep once the page is turned level ticks: a rule bearing
them all along bears none.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from pipeline.extract.objects import Edge
from pipeline.scan.settings import ScanSettings


class _Tick(NamedTuple):
    at: float  # px along the rule that bears it (its row on a vertical rule)
    left: bool  # sticks out before the rule (left of a vertical rule)
    right: bool  # sticks out after it


def lost_rules(
    ink: np.ndarray, rules: list[Edge], found: list[Edge], scale: float, settings: ScanSettings
) -> list[Edge]:
    """Edges ('h' when `rules` are vertical, 'v' when horizontal) of the rules lost between them.

    `ink` is the page's ink (0/255), in the orientation where `rules` stand upright (vertical
    rules as they are; horizontal ones with `ink` transposed, which the caller passes). `found`
    are the rules already found the other way, to leave alone."""
    out_px = max(2, int(round(settings.rule_tick_out_pt * scale)))
    tall_px = max(3, int(round(settings.rule_tick_tall_pt * scale)))
    ticks = {i: _unjagged(_ticks(ink, e, scale, out_px, tall_px), e, settings) for i, e in enumerate(rules)}
    heights = sorted((t.at, i) for i, ts in ticks.items() for t in ts)
    out: list[Edge] = []
    tolerance = max(2.0, 0.6 * scale)
    k = 0
    while k < len(heights):
        group = [heights[k]]
        while k + len(group) < len(heights) and heights[k + len(group)][0] - group[0][0] <= tolerance:
            group.append(heights[k + len(group)])
        k += len(group)
        if len({i for _, i in group}) < settings.rule_lost_ticks:
            continue
        at = float(np.median([a for a, _ in group]))
        out += _spans(at, ticks, rules, found, ink, scale, tolerance, settings)
    return out


def _unjagged(ticks: list[_Tick], rule: Edge, settings: ScanSettings) -> list[_Tick]:
    """None of a rule's ticks where it bears them all along (`rule_jagged_ticks` or more per
    100 pt, eight at least): the steps a slanted rule of a bitonal scan keeps once turned level,
    not the crossings of lost rules (a table has a few columns per 100 pt)."""
    length = rule.bottom - rule.top
    dense = len(ticks) >= 8 and len(ticks) * 100 >= settings.rule_jagged_ticks * length
    return [] if dense else ticks


def _ticks(ink: np.ndarray, rule: Edge, scale: float, out_px: int, tall_px: int) -> list[_Tick]:
    """The ticks on one vertical rule: short runs of rows where ink sticks out a pixel to a few
    beside the rule, with paper past them."""
    height, width = ink.shape
    x = int(round(rule.x0 * scale))
    top, bottom = max(0, int(rule.top * scale)), min(height, int(np.ceil(rule.bottom * scale)))
    side = out_px + 4
    lo, hi = x - side, x + side + 1
    if bottom - top < 4 or lo < 0 or hi > width:
        return []
    strip = ink[top:bottom, lo:hi] > 0
    centre = side
    on = strip[:, centre - 3 : centre + 4].sum(axis=0)  # the rule's own columns: inked along most rows
    cols = np.flatnonzero(on >= 0.6 * (bottom - top)) + centre - 3
    # none: a rule greyer than a tick's pixels (300-dpi bitonal, smoothed), found where it stands
    first, last = (int(cols.min()), int(cols.max())) if len(cols) else (centre, centre)
    out = []
    for edge, step in ((first, -1), (last, 1)):
        beside = _out(strip, edge, step, out_px)
        beyond = strip[:, edge + out_px + 1 :] if step > 0 else strip[:, : max(0, edge - out_px)]
        sticking = (beside >= 1) & (beside <= out_px) & ~beyond.any(axis=1)
        for a, b in _runs(sticking):
            if b - a <= tall_px and not _near_ink(beside, a, b):
                out.append(_Tick(top + (a + b - 1) / 2, step < 0, step > 0))
    return _merged(out)


def _out(strip: np.ndarray, edge: int, step: int, out_px: int) -> np.ndarray:
    """Per row, how many pixels of ink run on from the rule's edge column outward (to `out_px` + 1)."""
    n = np.zeros(strip.shape[0], dtype=np.int32)
    alive = np.ones(strip.shape[0], dtype=bool)
    for d in range(1, out_px + 2):
        c = edge + step * d
        if c < 0 or c >= strip.shape[1]:
            break
        alive &= strip[:, c]
        n += alive
    return n


def _near_ink(beside: np.ndarray, a: int, b: int) -> bool:
    """Ink sticking out on the rows just above or below the run too: a character touching the
    rule, not a tick (a tick stands alone)."""
    lo, hi = max(0, a - 3), min(len(beside), b + 3)
    return bool((beside[lo:a] > 0).any() or (beside[b:hi] > 0).any())


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    d = np.diff(padded)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def _merged(ticks: list[_Tick]) -> list[_Tick]:
    """A tick on both sides at one height is one tick sticking out both ways."""
    ticks = sorted(ticks)
    out: list[_Tick] = []
    for t in ticks:
        if out and abs(t.at - out[-1].at) <= 2:
            p = out[-1]
            out[-1] = _Tick((p.at + t.at) / 2, p.left or t.left, p.right or t.right)
        else:
            out.append(t)
    return out


def _spans(
    at: float,
    ticks: dict[int, list[_Tick]],
    rules: list[Edge],
    found: list[Edge],
    ink: np.ndarray,
    scale: float,
    tolerance: float,
    settings: ScanSettings,
) -> list[Edge]:
    """The lost rule at row `at` (px) between each two neighbouring vertical rules crossing that
    row whose ticks face each other, over paper (a rule lost between two rows of text crosses no
    character: where it would, the ticks are a rough rule's edge), in runs of at least
    `rule_lost_ticks` - 1 cells side by side (those where a rule was found count too); none at
    all where ticks face each other across text (a streak's), or where the outermost rule it
    reaches bears a tick on its far side too (a table's rule ends at its frame in a T; a light
    streak crosses it and runs on: seed 45's form-special-2024)."""
    snap = settings.cell_snap_pt
    y = at / scale
    crossing = sorted((e.x0, i) for i, e in enumerate(rules) if e.top - snap <= y <= e.bottom + snap)
    facing = {}
    for _, i in crossing:
        near = [t for t in ticks[i] if abs(t.at - at) <= tolerance]
        facing[i] = (any(t.left for t in near), any(t.right for t in near))
    runs: list[list[Edge | None]] = [[]]  # None: a cell where the rule was found
    for (xa, a), (xb, b) in zip(crossing, crossing[1:], strict=False):
        faced = xb - xa >= snap and facing[a][1] and facing[b][0]
        if any(abs(e.top - y) <= snap and e.x0 <= xa + snap and e.x1 >= xb - snap for e in found):
            runs[-1].append(None)
        elif faced and _paper(ink, at, xa, xb, scale, settings):
            runs[-1].append(Edge("h", xa, y, xb, y))
        elif faced:
            return []  # ticks facing across text: a streak's, which runs through characters
        else:
            runs.append([])
    out = [e for run in runs if len(run) >= settings.rule_lost_ticks - 1 for e in run if e is not None]
    if crossing and any(
        (e.x0 <= crossing[0][0] + snap and facing[crossing[0][1]][0])
        or (e.x1 >= crossing[-1][0] - snap and facing[crossing[-1][1]][1])
        for e in out
    ):
        return []  # a tick beyond the outermost rule: the line runs on past the table, a streak
    return out


def _paper(ink: np.ndarray, at: float, xa: float, xb: float, scale: float, settings: ScanSettings) -> bool:
    """No ink on the lost rule's rows between two rules, clear of their ticks, but for one dot
    where another lost rule crossed it (`_crossing_dot`)."""
    clear = int(round(settings.rule_tick_out_pt * scale)) + 2
    lo, hi = int(round(xa * scale)) + clear, int(round(xb * scale)) - clear
    row = int(round(at))
    band = ink[max(0, row - 1) : row + 2, lo:hi]
    if hi <= lo:
        return False
    inked = band.any(axis=0)
    return np.count_nonzero(inked) <= 0.02 * (hi - lo) or _crossing_dot(ink, row, lo, inked, scale, settings)


def _crossing_dot(
    ink: np.ndarray, row: int, lo: int, inked: np.ndarray, scale: float, settings: ScanSettings
) -> bool:
    """The ink on the way is one dot, no longer along it than a tick sticks out and no taller
    across it than a tick, paper round it: all that is left where two lost rules crossed (seed
    54's rl-landscape-unit-above, 300-dpi bitonal: a column's rule and a row's lost together). A
    character's strokes crossing the way are more than one, or longer."""
    runs = _runs(inked)
    out_px = max(2, int(round(settings.rule_tick_out_pt * scale)))
    tall_px = max(3, int(round(settings.rule_tick_tall_pt * scale)))
    if len(runs) != 1 or runs[0][1] - runs[0][0] > out_px:
        return False
    a, b = lo + runs[0][0], lo + runs[0][1]
    across = np.flatnonzero(
        ink[max(0, row - tall_px - 2) : row + tall_px + 3, max(0, a - 2) : b + 2].any(axis=1)
    )
    return len(across) > 0 and across[-1] - across[0] < tall_px
