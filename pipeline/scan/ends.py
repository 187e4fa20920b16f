"""A table rule's loose end, carried on to the rule it points at.

A ruled table's lines run from one rule to another: a column's rule ends where it meets a row's
rule (a T), never in the open. A poor copy fades a rule over a stretch of up to a centimetre or
two, and a bitonal threshold loses that stretch whole; where it was the last stretch before the
table's foot (or before the next row's rule), the rule now ends in the open and the cell beside
it is no longer closed: its text spills out of the table and the project it named is lost.

Such a loose end is carried on to the nearest rule the other way that lies across its path, when
that is near (`rule_end_reach_pt`), the rule is a table's (it meets at least two rules the other
way along its length, pieces of it included) and the way is clean paper: no text stands across
it, which a real column boundary never has. A loose end facing the loose end of the rest of its
line further on (`rule_end_join_pt`) is joined to it the same way. rules.py carries ends as it builds the lines; this
runs once every rule is known, the short ones and those found again from their ticks included.

A stretch lost whole across a cell is carried further (`rule_end_resume_pt`) in two cases only:
to a rule crossing the line where the rest of the line goes on from that rule, and from a corner
inside a table (two rules ending together, which a table's rectangles never make: one of them
was lost past it), the line with the shorter way on to the next rule being the one carried.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np

from pipeline.extract.objects import Edge
from pipeline.scan.settings import ScanSettings


def carried_ends(edges: list[Edge], ink: np.ndarray, scale: float, settings: ScanSettings) -> list[Edge]:
    """`edges` with each loose end of a table's rule carried on to the rule it points at."""
    table = tables_of(edges, settings.rule_end_touch_pt)
    vertical = [e for e in edges if e.orientation == "v"]
    horizontal = [e for e in edges if e.orientation == "h"]
    carried = [_carried(e, vertical, horizontal, table, ink, scale, settings) for e in vertical]
    table.update({c: table[e] for e, c in zip(vertical, carried, strict=True)})  # still their table's
    vertical = carried
    horizontal = [_carried(e, horizontal, vertical, table, ink, scale, settings) for e in horizontal]
    return horizontal + vertical


def _carried(
    e: Edge, own: list[Edge], other: list[Edge], table: dict[Edge, int], ink: np.ndarray, scale: float,
    settings: ScanSettings,
) -> Edge:  # fmt: skip
    touch, reach = settings.rule_end_touch_pt, settings.rule_end_reach_pt
    at = at_of(e)
    line = [o for o in own if abs(at_of(o) - at) <= touch]  # its pieces, itself included
    if sum(1 for o in other if any(_meets(p, o, touch) for p in line)) < 2:
        return e  # not a table's rule (a stroke, a seal's straight bit): left as it is
    lo, hi = span_of(e)
    every = [(at_of(o), o) for o in other if span_of(o)[0] - touch <= at <= span_of(o)[1] + touch]
    # only to a rule of its own table: not across the gap to the next table (an info block between)
    across = [(p, o) for p, o in every if table.get(o) == table.get(e)]
    for sign, end in ((1, hi), (-1, lo)):
        stops = _stops(end, across, touch)
        if stops and not _corner(end, at, across, touch):
            continue  # it ends at a rule: a T (or the table's own corner, with nothing across ahead)
        corner = stops  # it ends where the rule it meets ends too
        # a loose end faded a little way; past a corner inside the table a whole cell's side was
        # lost, up to its table's next rule across (never to another table's line beyond)
        ahead = [
            p
            for p, _ in across
            if touch < sign * (p - end) <= (settings.rule_end_resume_pt if corner else reach)
        ]
        # or at the loose end of the rest of the line, further on: the stretch between faded
        ahead += [] if corner else [
            start for o in line if o is not e
            for start in (span_of(o)[0] if sign > 0 else span_of(o)[1],)
            if touch < sign * (start - end) <= settings.rule_end_join_pt and not _stops(start, every, touch)
        ]  # fmt: skip
        # or, further, at a rule crossing its line where the rest of the line goes on from: the
        # stretch between was lost whole (seed 53's dept-info-2024: a header's top rule lost over
        # 92 pt); not at a rule ending on the line (a T: a merged cell's edge)
        ahead += [] if corner else [
            p for p, o in across
            if touch < sign * (p - end) <= settings.rule_end_resume_pt
            and span_of(o)[0] < at - touch and at + touch < span_of(o)[1]
            and any(abs((span_of(q)[0] if sign > 0 else span_of(q)[1]) - p) <= touch for q in line if q is not e)
        ]  # fmt: skip
        if not ahead:
            continue
        to = min(ahead, key=lambda p: sign * p)
        if corner and sign * (to - end) > _shorter_way(end, at, across, own, touch):
            continue  # the other line of the corner has the shorter way on: that one was lost
        if clean_way(ink, e.orientation, at, min(end, to), max(end, to), scale, settings):
            lo, hi = (lo, to) if sign > 0 else (to, hi)
    if (lo, hi) == span_of(e):
        return e
    return Edge("h", lo, at, hi, at) if e.orientation == "h" else Edge("v", at, lo, at, hi)


def closed_corners(edges: list[Edge], ink: np.ndarray, scale: float, settings: ScanSettings) -> list[Edge]:
    """`edges` with a corner of a table's frame lost from both its rules put back.

    Neither loose end points at a rule (the other one stops short of its line too), so neither is
    carried: seed 61's sys-portrait-filled-borders (300 dpi, broken rules), its frame's top rule
    ending 9 pt short of the right rule, which began 23 pt under it, so the header cell 分值 was
    never closed and its whole column was lost. Only the frame's own corner (the table's outermost
    rules both ways), within `rule_end_reach_pt` each way, and across clean paper."""
    touch, reach = settings.rule_end_touch_pt, settings.rule_end_reach_pt
    table = tables_of(edges, touch)
    vertical = [e for e in edges if e.orientation == "v"]
    horizontal = [e for e in edges if e.orientation == "h"]
    frame = _frames(edges, table)
    grown: dict[Edge, Edge] = {}
    for v in (e for e in vertical if _on_frame(e, frame[table[e]][0], touch)):
        for h in (e for e in horizontal if _on_frame(e, frame[table[e]][1], touch)):
            if table[v] != table[h] or _meets(v, h, touch):
                continue
            x, y = at_of(v), at_of(h)
            v_end = _loose_end_towards(v, y, horizontal, touch, reach)
            h_end = _loose_end_towards(h, x, vertical, touch, reach)
            if v_end is None or h_end is None:
                continue
            if clean_way(ink, "v", x, min(v_end, y), max(v_end, y), scale, settings) and clean_way(
                ink, "h", y, min(h_end, x), max(h_end, x), scale, settings
            ):
                grown[v] = _to(grown.get(v, v), y)
                grown[h] = _to(grown.get(h, h), x)
    return [grown.get(e, e) for e in edges]


def _loose_end_towards(e: Edge, to: float, across: list[Edge], touch: float, reach: float) -> float | None:
    """The end of `e` that stops short of `to` (touch … reach on), free or at a corner (the rules
    across that meet it there all end at it: the frame went on past it)."""
    lo, hi = span_of(e)
    end = lo if to < lo else hi if to > hi else None
    if end is None or not touch < abs(to - end) <= reach:
        return None
    at = at_of(e)
    here = [(at_of(o), o) for o in across if span_of(o)[0] - touch <= at <= span_of(o)[1] + touch]
    return None if _stops(end, here, touch) and not _corner(end, at, here, touch) else end


def _frames(
    edges: list[Edge], table: dict[Edge, int]
) -> dict[int, tuple[tuple[float, float], tuple[float, float]]]:
    """Each table's outermost rules' places: (left, right) of its columns' rules, (top, foot) of its rows'."""
    places: dict[int, tuple[list[float], list[float]]] = {}
    for e in edges:
        xs, ys = places.setdefault(table[e], ([], []))
        (xs if e.orientation == "v" else ys).append(at_of(e))
    return {
        t: ((min(xs, default=0.0), max(xs, default=0.0)), (min(ys, default=0.0), max(ys, default=0.0)))
        for t, (xs, ys) in places.items()
    }


def _on_frame(e: Edge, sides: tuple[float, float], touch: float) -> bool:
    """`e` is one of its table's outermost rules its way (its frame)."""
    return at_of(e) <= sides[0] + touch or at_of(e) >= sides[1] - touch


def _to(e: Edge, p: float) -> Edge:
    """`e` run on to `p` along its length."""
    lo, hi = span_of(e)
    lo, hi = min(lo, p), max(hi, p)
    return Edge("h", lo, e.top, hi, e.bottom) if e.orientation == "h" else Edge("v", e.x0, lo, e.x1, hi)


def trimmed_overhangs(
    edges: list[Edge], ink: np.ndarray, scale: float, settings: ScanSettings
) -> tuple[list[Edge], list[tuple[float, float, float]]]:
    """`edges` with a column's rule that runs on past a row's rule through a line of text cut back
    to that rule, and the stretches cut (x, top, bottom, pt).

    Characters' strokes in line with a column's rule chain on to it: seed 63's
    info-lines-2024-portrait (200-dpi photocopy), a line of text 4 pt above the table's top rule,
    two column rules run up through it, so its middle was read as a cell between them and its two
    ends were lost (整体目标:严格… and …减少结余资金。). A real column's rule never has text across
    it (`clean_way`); an end loose within `rule_overhang_pt` of the rule it crosses is cut back."""
    touch, reach = settings.rule_end_touch_pt, settings.rule_overhang_pt
    horizontal = [e for e in edges if e.orientation == "h"]
    out, cut = [], []
    for e in edges:
        if e.orientation != "v":
            out.append(e)
            continue
        x, (top, bottom) = at_of(e), span_of(e)
        across = sorted(at_of(h) for h in horizontal if h.x0 + touch < x < h.x1 - touch)
        if not across:
            out.append(e)
            continue
        if all(abs(y - top) > touch for y in across):  # its top end loose
            below = [y for y in across if touch < y - top <= reach and y < bottom]
            if below and not clean_way(ink, "v", x, top, below[0], scale, settings):
                cut.append((x, top, below[0]))
                top = below[0]
        if all(abs(y - bottom) > touch for y in across):  # its foot loose
            above = [y for y in across if touch < bottom - y <= reach and y > top]
            if above and not clean_way(ink, "v", x, above[-1], bottom, scale, settings):
                cut.append((x, above[-1], bottom))
                bottom = above[-1]
        out.append(e if (top, bottom) == span_of(e) else Edge("v", x, top, x, bottom))
    return out, cut


def clean_way(
    ink: np.ndarray, way: str, at: float, lo: float, hi: float, scale: float, settings: ScanSettings
) -> bool:
    """No text across the way from `lo` to `hi` (pt along the line at `at`): along at most
    `rule_end_text_share` of it is there ink a point or more off the line on both sides at once
    (a cell's text set close beside the rule stands on one side only: seed 39's writer-portrait-01,
    a unit's name 2 pt under the row's rule that faded across its column)."""
    near, far = settings.rule_end_near_pt * scale, settings.rule_end_far_pt * scale
    a, b = int(lo * scale), int(np.ceil(hi * scale))
    c = at * scale
    plane = ink if way == "h" else ink.T  # the line along the plane's rows
    if b <= a or not 0 <= c < plane.shape[0]:
        return False
    sides = [
        plane[max(0, int(c - far)) : max(0, int(c - near)), a:b],
        plane[int(c + near) + 1 : int(c + far) + 1, a:b],
    ]
    marked = np.ones(b - a, bool)
    for side in sides:
        hit = np.zeros(b - a, bool)
        if side.size:
            hit[: side.shape[1]] = side.any(axis=0)
        marked &= hit
    return np.count_nonzero(marked) <= settings.rule_end_text_share * (b - a)


def _corner(end: float, at: float, across: list[tuple[float, Edge]], touch: float) -> bool:
    """The rules across met at `end` all end there too, on one side of the line at `at`: a corner.
    Inside a table every meeting is a T or a cross (its cells are rectangles), so a corner there
    says one of the two lines was lost on past it (seed 53's rl-seed-2025-lasa: a column's rule
    under a scanner streak, 满意度指标 run into the goal cell beside it)."""
    here = [o for p, o in across if abs(p - end) <= touch]
    return not (
        any(span_of(o)[0] < at - touch for o in here) and any(span_of(o)[1] > at + touch for o in here)
    )


def _shorter_way(
    end: float, at: float, across: list[tuple[float, Edge]], own: list[Edge], touch: float
) -> float:
    """How far the corner's other line (the rule across ending at `end`) has to go on past this
    line to the next rule of this line's way: at a corner one line was lost, and it is the one with
    the shorter way (a merged cell's row rules end at its side in a T; carried on across the cell
    they would part it)."""
    best = float("inf")
    for p, o in across:
        if abs(p - end) > touch:
            continue
        way = 1 if abs(span_of(o)[1] - at) <= touch else -1  # on past its end at this line
        for q in own:
            q_lo, q_hi = span_of(q)
            if q_lo - touch <= p <= q_hi + touch and way * (at_of(q) - at) > touch:
                best = min(best, way * (at_of(q) - at))
    return best


def _stops(end: float, across: list[tuple[float, Edge]], touch: float) -> bool:
    return any(abs(p - end) <= touch for p, _ in across)


def tables_of(edges: list[Edge], touch: float) -> dict[Edge, int]:
    """Which table each rule is part of: rules that meet or cross are one table (union-find)."""
    horizontal = sorted((e for e in edges if e.orientation == "h"), key=at_of)
    vertical = [e for e in edges if e.orientation == "v"]
    rules = horizontal + vertical
    parent = list(range(len(rules)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tops = [at_of(h) for h in horizontal]
    for vi, v in enumerate(vertical, start=len(horizontal)):
        for hi in range(bisect_left(tops, v.top - touch), bisect_right(tops, v.bottom + touch)):
            if _meets(v, horizontal[hi], touch):
                parent[root(vi)] = root(hi)
    return {e: root(i) for i, e in enumerate(rules)}


def _meets(e: Edge, o: Edge, touch: float) -> bool:
    lo, hi = span_of(e)
    o_lo, o_hi = span_of(o)
    return lo - touch <= at_of(o) <= hi + touch and o_lo - touch <= at_of(e) <= o_hi + touch


def at_of(e: Edge) -> float:
    """A rule's position across its length."""
    return e.top if e.orientation == "h" else e.x0


def span_of(e: Edge) -> tuple[float, float]:
    return (e.x0, e.x1) if e.orientation == "h" else (e.top, e.bottom)
