"""A column's (or a row's) rule lost over its whole length, from the rules that ended on it.

A light scanner streak laid along a column's rule, or a copy that faded it end to end, takes the
rule away and leaves no tick where it crossed the rows (joints.py needs those). What it cannot
take is the rows' own rules that stopped at it: three or more rules of one table ending in the
open at the same place, one above another, say a rule ran there. It is put back from the rule
the table has across its path before the first of those ends to the one after the last, and on
past them rule by rule while the way stays clean paper (no text stands across a column's
boundary), up to the table's own outer rule; and only where cells' text stands close by on both sides of
it (a row's rules faded short of the table's lost side end together too, with paper beyond).

A light streak laid exactly along a column's rule replaces it end to end while the rows' rules
cross it: no ends to go by (`under_streaks`). There the header says it: in the first row with
text each side, a label stands centred each side between the streak and the next column, clear
of the streak (a streak through a column's padding, or a merged cell, has one label centred in
the whole cell; one running through a label touches it), rows' rules cross the streak under it
(a streak down a merged goal or unit cell meets none), and no text stands across the streak from
there to the table's foot.
"""

from __future__ import annotations

import numpy as np

from pipeline.extract.objects import Edge
from pipeline.scan.ends import at_of, span_of, tables_of
from pipeline.scan.labels import centred
from pipeline.scan.settings import ScanSettings


def lost_whole(
    edges: list[Edge], ink: np.ndarray, text: np.ndarray, scale: float, settings: ScanSettings
) -> list[Edge]:
    """Rules put back where rules the other way end together in the open (see the module).
    `text`: the ink less the rules'."""
    table = tables_of(edges, settings.rule_end_touch_pt)
    found: list[Edge] = []
    for way, other in (("v", "h"), ("h", "v")):
        own = [e for e in edges if e.orientation == way]
        ending = [e for e in edges if e.orientation == other]
        for at, ends, tid, _ in _aligned_ends(ending, own, table, settings, least=2):
            found += _put_back(at, ends, way, ending, own, table, tid, ink, text, scale, settings)
    return found


def lost_frames(
    edges: list[Edge], ink: np.ndarray, text: np.ndarray, scale: float, settings: ScanSettings
) -> list[Edge]:
    """A table's outer rule put back where the rows' rules end together at the table's side and
    no rule runs there (a poor copy lost the frame whole: seed 48's dept-info-2023-portrait, its
    right side gone, the cells beside it open and their text unread): across no text, with cells'
    text inside along `rule_lost_side_share` of it at least and paper outside. `lost_whole` puts
    back only rules between two of the table's columns."""
    table = tables_of(edges, settings.rule_end_touch_pt)
    touch = settings.rule_end_touch_pt
    found: list[Edge] = []
    for way, other in (("v", "h"), ("h", "v")):
        own = [e for e in edges if e.orientation == way]
        ending = [e for e in edges if e.orientation == other]
        for at, ends, tid, sides in _aligned_ends(ending, own, table, settings):
            if len(sides) != 1:
                continue
            side = next(iter(sides))
            lo, hi = ends[0], ends[-1]
            beyond = [
                o for o in own
                if table.get(o) == tid and side * (at_of(o) - at) > touch
                and span_of(o)[0] < hi and span_of(o)[1] > lo
            ]  # fmt: skip
            if (
                beyond
                or ruled(at, lo, hi, own, touch)
                or not uncrossed(ink, way, at, lo, hi, scale, settings)
            ):
                continue
            inside, outside = _text_beside(text, way, at, lo, hi, scale, settings)  # a right or lower side
            if side < 0:  # a left or upper side
                inside, outside = outside, inside
            if inside >= settings.rule_lost_side_share and outside <= settings.rule_lost_crossed:
                found.append(Edge("v", at, lo, at, hi) if way == "v" else Edge("h", lo, at, hi, at))
    return found


def _aligned_ends(
    ending: list[Edge], own: list[Edge], table: dict[Edge, int], settings: ScanSettings,
    least: int | None = None,
) -> list[tuple[float, list[float], int, set[int]]]:  # fmt: skip
    """Where (pt) at least `least` (`rule_lost_ends`) rules of one table end in the open together,
    the positions (pt across) of those rules, the table, and which ends they are (-1: their start,
    1: their end)."""
    touch = settings.rule_end_touch_pt
    loose: list[tuple[int, float, float, int]] = []  # table, where it ends, the rule's position, which end
    for e in ending:
        lo, hi = span_of(e)
        for side, end in ((-1, lo), (1, hi)):
            met = any(
                abs(at_of(o) - end) <= touch and span_of(o)[0] - touch <= at_of(e) <= span_of(o)[1] + touch
                for o in own
            )
            if not met:
                loose.append((table[e], end, at_of(e), side))
    loose.sort()
    out = []
    i = 0
    while i < len(loose):
        j = i
        while (
            j + 1 < len(loose) and loose[j + 1][0] == loose[i][0] and loose[j + 1][1] - loose[j][1] <= touch
        ):
            j += 1
        group = loose[i : j + 1]
        positions = sorted({round(p, 1) for _, _, p, _ in group})
        if len(positions) >= (least or settings.rule_lost_ends):
            # a rule's end fades short of the rule it met, never past it: the outermost ends say where
            starts = [end for _, end, _, side in group if side < 0]
            stops = [end for _, end, _, side in group if side > 0]
            at = float(
                np.mean([v for v in (min(starts, default=None), max(stops, default=None)) if v is not None])
            )
            out.append((at, positions, group[0][0], {side for _, _, _, side in group}))
        i = j + 1
    return out


def _put_back(
    at: float, ends: list[float], way: str, ending: list[Edge], own: list[Edge], table: dict[Edge, int],
    tid: int, ink: np.ndarray, text: np.ndarray, scale: float, settings: ScanSettings,
) -> list[Edge]:  # fmt: skip
    """The lost rule at `at`, as edges over the clean stretches between the table's rules across it."""
    touch = settings.rule_end_touch_pt
    stops = sorted(
        {
            round(at_of(e), 1)
            for e in ending
            if table.get(e) == tid and span_of(e)[0] - touch <= at <= span_of(e)[1] + touch
        }
    )
    through = [
        e for e in ending if table.get(e) == tid and span_of(e)[0] + touch < at < span_of(e)[1] - touch
    ]
    if len(stops) < 2 or len(through) < 2:
        return []  # the rows end together at the table's side (open there): nothing was lost
    first = max([s for s in stops if s <= ends[0] + touch] or [stops[0]])
    last = min([s for s in stops if s >= ends[-1] - touch] or [stops[-1]])
    a, z = stops.index(first), stops.index(last)
    if not all(
        ruled(at, stops[k], stops[k + 1], own, touch)
        or uncrossed(ink, way, at, stops[k], stops[k + 1], scale, settings)
        for k in range(a, z)
    ):
        return []  # text stands across the column between the ends: no rule ran there
    while a > 0 and _open(at, stops[a - 1], stops[a], way, own, ink, scale, settings):
        a -= 1
    while z < len(stops) - 1 and _open(at, stops[z], stops[z + 1], way, own, ink, scale, settings):
        z += 1
    lo, hi = stops[a], stops[z]
    if hi <= lo:
        return []
    if _continues(at, lo, hi, own, table, tid, touch):  # the rest of a rule found, lost from a T on
        before, after = _text_beside(text, way, at, lo, hi, scale, settings)
        if max(before, after) < settings.rule_lost_side_share:
            return []
    elif len(ends) < settings.rule_lost_ends or not _text_both_sides(text, way, at, lo, hi, scale, settings):
        return []
    return [Edge("v", at, lo, at, hi) if way == "v" else Edge("h", lo, at, hi, at)]


def _continues(
    at: float, lo: float, hi: float, own: list[Edge], table: dict[Edge, int], tid: int, touch: float
) -> bool:
    """A rule of the table runs on in line from one end of the stretch: two rules ending in the
    open in line with it say it went on (a 0.25-pt column rule that a 200-dpi copy lost under a
    whole project, the goal's two lines too far off it to count as text beside it on the left:
    seed 74's rl-landscape-unit-above). Rows' rules that faded short together stop anywhere."""
    return any(
        table.get(o) == tid
        and abs(at_of(o) - at) <= touch
        and (abs(span_of(o)[1] - lo) <= touch or abs(span_of(o)[0] - hi) <= touch)
        for o in own
    )


def _text_both_sides(
    text: np.ndarray, way: str, at: float, lo: float, hi: float, scale: float, settings: ScanSettings
) -> bool:
    """Cells' text stands close by on both sides of the way, along `rule_lost_side_share` of it
    at least: a rule lost between two columns of text, not a row's faded ends short of the
    table's side (nothing but paper beyond them)."""
    before, after = _text_beside(text, way, at, lo, hi, scale, settings)
    return min(before, after) >= settings.rule_lost_side_share


def _text_beside(
    text: np.ndarray, way: str, at: float, lo: float, hi: float, scale: float, settings: ScanSettings
) -> tuple[float, float]:
    """The share of the way from `lo` to `hi` along which text stands close by (within
    `rule_lost_side_pt`), before the line (left, above) and after it."""
    plane = text if way == "h" else text.T  # the line along the plane's rows
    c, near, far = at * scale, settings.rule_lost_far_pt * scale, settings.rule_lost_side_pt * scale
    a, b = int(lo * scale), int(np.ceil(hi * scale))
    if b <= a:
        return 0.0, 0.0
    before = plane[max(0, int(c - far)) : max(0, int(c - near)), a:b].any(axis=0)
    after = plane[int(c + near) + 1 : int(c + far) + 1, a:b].any(axis=0)
    return np.count_nonzero(before) / (b - a), np.count_nonzero(after) / (b - a)


def _open(
    at: float, lo: float, hi: float, way: str, own: list[Edge], ink: np.ndarray, scale: float,
    settings: ScanSettings,
) -> bool:  # fmt: skip
    """The stretch has no rule of its own already and clean paper all along it."""
    return not ruled(at, lo, hi, own, settings.rule_end_touch_pt) and uncrossed(
        ink, way, at, lo, hi, scale, settings
    )


def uncrossed(
    ink: np.ndarray, way: str, at: float, lo: float, hi: float, scale: float, settings: ScanSettings
) -> bool:
    """No text stands across the line from `lo` to `hi` (pt along it, the rules at both ends left
    out): ink on both sides of it at once, half a point to a point and a half off, along at most
    `rule_lost_crossed` of the way (a lost rule's own leftovers lie on the line, not beside it)."""
    skip = settings.rule_max_thickness_pt
    a, b = int((lo + skip) * scale), int((hi - skip) * scale)
    c = at * scale
    plane = ink if way == "h" else ink.T  # the line along the plane's rows
    near, far = settings.rule_lost_near_pt * scale, settings.rule_lost_far_pt * scale
    if b <= a or not far <= c < plane.shape[0] - far:
        return False
    before = plane[int(c - far) : int(c - near) + 1, a:b].any(axis=0)
    after = plane[int(c + near) : int(c + far) + 1, a:b].any(axis=0)
    return np.count_nonzero(before & after) <= settings.rule_lost_crossed * (b - a)


def ruled(at: float, lo: float, hi: float, own: list[Edge], touch: float) -> bool:
    """A rule already runs along most of the stretch."""
    covered = sum(
        max(0.0, min(hi, span_of(o)[1]) - max(lo, span_of(o)[0])) for o in own if abs(at_of(o) - at) <= touch
    )
    return covered >= 0.5 * (hi - lo)


def under_streaks(
    ats: list[float], edges: list[Edge], text: np.ndarray, scale: float, settings: ScanSettings
) -> list[Edge]:
    """Column rules put back under streaks down the page at `ats` (pt across; see the module).
    `text`: the ink less the rules' and the streaks' pixels."""
    touch = settings.rule_end_touch_pt
    table = tables_of(edges, touch)
    found: list[Edge] = []
    for at in ats:
        for tid in sorted(set(table.values())):
            own = [e for e, t in table.items() if t == tid and e.orientation == "v"]
            rows = sorted(
                {round(at_of(e), 1) for e, t in table.items()
                 if t == tid and e.orientation == "h" and span_of(e)[0] + touch < at < span_of(e)[1] - touch}
            )  # fmt: skip
            if len(rows) >= settings.rule_lost_ends and not any(abs(at_of(o) - at) <= touch for o in own):
                found += _header_split(at, rows, own, text, scale, settings)
    return found


def _header_split(
    at: float, rows: list[float], own: list[Edge], text: np.ndarray, scale: float, settings: ScanSettings
) -> list[Edge]:
    """The rule at `at` from the first row with text each side whose labels stand centred in
    their halves down to the table's foot, when no text crosses it there."""
    touch, plane = settings.rule_end_touch_pt, text.T
    gap = int(round(settings.rule_streaked_label_pt * scale))
    clear = int(round(settings.rule_max_thickness_pt / 2 * scale))
    c = int(round(at * scale))
    for k in range(len(rows) - 1):
        lo, hi = rows[k], rows[k + 1]
        mid = (lo + hi) / 2
        sides = [at_of(o) for o in own if span_of(o)[0] - touch <= mid <= span_of(o)[1] + touch]
        left = max((x for x in sides if x < at - touch), default=None)
        right = min((x for x in sides if x > at + touch), default=None)
        if left is None or right is None:
            continue
        a, b = int(lo * scale) + gap, int(hi * scale) - gap
        x0, x1 = int(left * scale) + gap, int(right * scale) - gap
        before, after = plane[x0 : c - clear, a:b], plane[c + clear + 1 : x1, a:b]
        if b <= a or not before.any() or not after.any():
            continue  # the first row with text each side is the header's
        if len(rows) - k - 1 < settings.rule_lost_ends:
            return []  # few rows' rules cross it below: a merged cell's inside (a goal's, a unit's)
        own, paper = int(round(scale)), int(round(settings.rule_streaked_paper_pt * scale))
        apart = (
            not plane[c - paper : c - own, a:b].any() and not plane[c + own + 1 : c + paper + 1, a:b].any()
        )
        labelled = (
            apart  # a label touching the streak is one the streak runs through ([5|64]西藏…)
            and centred(before, x0, int(left * scale), c, gap)
            and centred(after, c + clear + 1, c, int(right * scale), gap)
        )
        untouched = all(
            uncrossed(text, "v", at, rows[j], rows[j + 1], scale, settings) for j in range(k, len(rows) - 1)
        )
        return [Edge("v", at, lo, at, rows[-1])] if labelled and untouched else []
    return []
