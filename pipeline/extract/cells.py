"""Ruling edges → tables of cells, by merging the atomic slots of each table's line grid.

Every distinct x of a vertical rule and y of a horizontal rule cuts a table into atomic
slots. Two neighbouring slots belong to the same cell when no rule separates them, so a
vertically merged 项目名称 cell spanning twenty rows comes out as one cell. The tables
themselves are the groups of rules that touch each other.

pdfplumber's own finder (`table.intersections_to_cells`) gives the same cells on ruled
tables but tests every pair of intersections; this reads a page in well under a millisecond.
Edges are snapped and joined first with pdfplumber's `merge_edges`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict

from pdfplumber import table as plumber_table

from pipeline.extract.objects import Edge

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom

_TOUCH = 2.0  # pt: rules closer than this touch


def find_cells(edges: list[Edge], snap: float = 2.0) -> list[list[BBox]]:
    """Cells of every table on the page, one list per table, tables top to bottom."""
    merged = _without_spurs(_merge(edges, snap))
    tables = []
    for group in _touching_groups(merged):
        cells = _cells(group + _closing_rules(group))
        if len(cells) >= 2:
            tables.append(cells)
    tables.sort(key=lambda cells: min((c[1], c[0]) for c in cells))
    return tables


def _merge(edges: list[Edge], snap: float) -> list[Edge]:
    """Snap near-collinear rules together and join the pieces of a broken line."""
    if not edges:
        return []
    objs = [
        {"orientation": e.orientation, "x0": e.x0, "x1": e.x1, "top": e.top, "bottom": e.bottom,
         "width": e.x1 - e.x0, "height": e.bottom - e.top}
        for e in edges
    ]  # fmt: skip
    merged = plumber_table.merge_edges(objs, snap, snap, snap, snap)
    return [Edge(o["orientation"], o["x0"], o["top"], o["x1"], o["bottom"]) for o in merged]


def _without_spurs(edges: list[Edge]) -> list[Edge]:
    """The rules less any spur: a line meeting at most one rule the other way, with no collinear piece.

    A table's rule runs from one rule to another. On a dark copy the strokes of a line of text
    (`23年12月` set against its cell's rule) run together into a short line that meets only the rule
    it touches; kept, it would cut its cell in two and lose it. A real rule broken by a poor
    copy keeps its pieces: each has a collinear partner.
    """
    ways = {w: sorted((e for e in edges if e.orientation == w), key=_at) for w in ("h", "v")}
    at = {w: [_at(e) for e in lines] for w, lines in ways.items()}
    kept = []
    for e in edges:
        own, other = ("h", "v") if e.orientation == "h" else ("v", "h")
        i = bisect_left(at[own], _at(e) - _TOUCH)
        if bisect_right(at[own], _at(e) + _TOUCH) - i > 1:  # a collinear piece (or a double rule)
            kept.append(e)
            continue
        lo, hi = (e.x0, e.x1) if own == "h" else (e.top, e.bottom)
        first, last = bisect_left(at[other], lo - _TOUCH), bisect_right(at[other], hi + _TOUCH)
        if sum(1 for o in ways[other][first:last] if _crosses(e, o)) >= 2:
            kept.append(e)
    return kept


def _crosses(e: Edge, o: Edge) -> bool:
    """Whether two rules running opposite ways meet or cross (within the touch distance)."""
    h, v = (e, o) if e.orientation == "h" else (o, e)
    return h.x0 - _TOUCH <= v.x0 <= h.x1 + _TOUCH and v.top - _TOUCH <= h.top <= v.bottom + _TOUCH


def _touching_groups(edges: list[Edge]) -> list[list[Edge]]:
    """Union-find over rules: a vertical and a horizontal rule that cross or meet are one table."""
    horizontal = sorted((e for e in edges if e.orientation == "h"), key=lambda e: e.top)
    vertical = [e for e in edges if e.orientation == "v"]
    parent = list(range(len(horizontal) + len(vertical)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ys = [e.top for e in horizontal]
    for vi, v in enumerate(vertical, start=len(horizontal)):
        lo, hi = bisect_left(ys, v.top - _TOUCH), bisect_right(ys, v.bottom + _TOUCH)
        for hi_index in range(lo, hi):
            h = horizontal[hi_index]
            if h.x0 - _TOUCH <= v.x0 <= h.x1 + _TOUCH:
                a, b = root(vi), root(hi_index)
                if a != b:
                    parent[a] = b
    groups: dict[int, list[Edge]] = defaultdict(list)
    for i, e in enumerate(horizontal + vertical):
        groups[root(i)].append(e)
    return [g for g in groups.values() if _has_grid(g)]


def _closing_rules(group: list[Edge]) -> list[Edge]:
    """Rules along the ends of the rules the other way, where a producer or a scan left them out.

    Calc draws no rule under a merged cell that a page break cuts: the cell is open at the page
    foot. The vertical rules still end there, so the table's edge is known; the stitcher then
    sees the cell reach the foot and continues it on the next page. Likewise a table printed
    without its right-hand frame (or a scan that lost it) still has its row rules ending together:
    the last column is closed there.
    """
    rules = []
    for ends_of, other in (("v", "h"), ("h", "v")):
        lines = [e for e in group if e.orientation == ends_of]
        for start in (_low, _high):
            edge = start(lines)
            ends = [e for e in lines if abs(start([e]) - edge) <= _TOUCH]
            if len(ends) < 2:
                continue
            across = [_at(e) for e in ends]
            if other == "h":
                rules.append(Edge("h", min(across), edge, max(across), edge))
            else:
                rules.append(Edge("v", edge, min(across), edge, max(across)))
    return rules


def _low(lines: list[Edge]) -> float:
    """Where these rules start along their length: the least top of vertical rules, x0 of horizontal ones."""
    return min(e.top if e.orientation == "v" else e.x0 for e in lines)


def _high(lines: list[Edge]) -> float:
    return max(e.bottom if e.orientation == "v" else e.x1 for e in lines)


def _at(e: Edge) -> float:
    """A rule's position across its length."""
    return e.x0 if e.orientation == "v" else e.top


def _has_grid(group: list[Edge]) -> bool:
    return sum(e.orientation == "h" for e in group) >= 2 and sum(e.orientation == "v" for e in group) >= 2


def _cells(group: list[Edge]) -> list[BBox]:
    xs = _distinct(e.x0 for e in group if e.orientation == "v")
    ys = _distinct(e.top for e in group if e.orientation == "h")
    cols, rows = len(xs) - 1, len(ys) - 1
    if cols < 1 or rows < 1:
        return []
    # h[j][i]: a rule along ys[j] over column slot i; v[i][j]: a rule along xs[i] beside row slot j
    h = _coverage(xs, ys, [(e.top, e.x0, e.x1) for e in group if e.orientation == "h"])
    v = _coverage(ys, xs, [(e.x0, e.top, e.bottom) for e in group if e.orientation == "v"])
    owner = [[False] * cols for _ in range(rows)]
    cells: list[BBox] = []
    for j in range(rows):
        for i in range(cols):
            if owner[j][i]:
                continue
            right = i
            while right + 1 < cols and not v[right + 1][j] and not owner[j][right + 1]:
                right += 1
            bottom = j
            while bottom + 1 < rows and not any(h[bottom + 1][i : right + 1]):
                bottom += 1
            for jj in range(j, bottom + 1):
                owner[jj][i : right + 1] = [True] * (right + 1 - i)
            closed = (
                all(h[j][i : right + 1])
                and all(h[bottom + 1][i : right + 1])
                and all(v[i][j : bottom + 1])
                and all(v[right + 1][j : bottom + 1])
            )
            if closed:  # else open space beside an irregular table
                cells.append((xs[i], ys[j], xs[right + 1], ys[bottom + 1]))
    return cells


def _coverage(
    along: list[float], lines: list[float], rules: list[tuple[float, float, float]]
) -> list[list[bool]]:
    """For each line position, which slots between consecutive `along` cuts a rule covers.

    `rules` are (position, start, end): a rule covers a slot when it spans the slot's middle.
    """
    mids = [(a + b) / 2 for a, b in zip(along, along[1:], strict=False)]
    table = [[False] * len(mids) for _ in lines]
    for position, start, end in rules:
        row = table[_nearest_index(lines, position)]
        first = bisect_left(mids, start - _TOUCH)
        last = bisect_right(mids, end + _TOUCH)
        row[first:last] = [True] * (last - first)
    return table


def _distinct(values: object) -> list[float]:
    """Sorted values with near-duplicates (within the touch distance) collapsed."""
    out: list[float] = []
    for v in sorted(values):  # type: ignore[call-overload]
        if not out or v - out[-1] > _TOUCH:
            out.append(v)
    return out


def _nearest_index(sorted_values: list[float], v: float) -> int:
    i = bisect_left(sorted_values, v)
    if i > 0 and (i == len(sorted_values) or v - sorted_values[i - 1] <= sorted_values[i] - v):
        return i - 1
    return i
