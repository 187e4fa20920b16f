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
    merged = _merge(edges, snap)
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
    """Rules along the ends of the vertical rules, where a producer may have left them out.

    Calc draws no rule under a merged cell that a page break cuts: the cell is open at the page
    foot. The vertical rules still end there, so the table's edge is known; the stitcher then
    sees the cell reach the foot and continues it on the next page.
    """
    vertical = [e for e in group if e.orientation == "v"]
    rules = []
    for y, ends in (
        (
            min(e.top for e in vertical),
            [e for e in vertical if e.top <= min(v.top for v in vertical) + _TOUCH],
        ),
        (
            max(e.bottom for e in vertical),
            [e for e in vertical if e.bottom >= max(v.bottom for v in vertical) - _TOUCH],
        ),
    ):
        if len(ends) >= 2:
            rules.append(Edge("h", min(e.x0 for e in ends), y, max(e.x0 for e in ends), y))
    return rules


def _has_grid(group: list[Edge]) -> bool:
    return sum(e.orientation == "h" for e in group) >= 2 and sum(e.orientation == "v" for e in group) >= 2


def _cells(group: list[Edge]) -> list[BBox]:
    xs = _distinct(e.x0 for e in group if e.orientation == "v")
    ys = _distinct(e.top for e in group if e.orientation == "h")
    h_at: dict[float, list[Edge]] = defaultdict(list)
    v_at: dict[float, list[Edge]] = defaultdict(list)
    for e in group:
        if e.orientation == "h":
            h_at[_nearest(ys, e.top)].append(e)
        else:
            v_at[_nearest(xs, e.x0)].append(e)
    cols, rows = len(xs) - 1, len(ys) - 1
    if cols < 1 or rows < 1:
        return []

    def h_rule(y: float, i: int) -> bool:  # a horizontal rule at y over column slot i
        mid = (xs[i] + xs[i + 1]) / 2
        return any(e.x0 - _TOUCH <= mid <= e.x1 + _TOUCH for e in h_at.get(y, ()))

    def v_rule(x: float, j: int) -> bool:  # a vertical rule at x beside row slot j
        mid = (ys[j] + ys[j + 1]) / 2
        return any(e.top - _TOUCH <= mid <= e.bottom + _TOUCH for e in v_at.get(x, ()))

    owner = [[-1] * cols for _ in range(rows)]
    cells: list[BBox] = []
    for j in range(rows):
        for i in range(cols):
            if owner[j][i] >= 0:
                continue
            right = i
            while right + 1 < cols and not v_rule(xs[right + 1], j) and owner[j][right + 1] < 0:
                right += 1
            bottom = j
            while bottom + 1 < rows and not any(h_rule(ys[bottom + 1], k) for k in range(i, right + 1)):
                bottom += 1
            for jj in range(j, bottom + 1):
                for ii in range(i, right + 1):
                    owner[jj][ii] = len(cells)
            if _closed(h_rule, v_rule, xs, ys, i, right, j, bottom):
                cells.append((xs[i], ys[j], xs[right + 1], ys[bottom + 1]))
            else:
                cells.append((-1.0, -1.0, -1.0, -1.0))  # open space beside an irregular table
    return [c for c in cells if c[0] >= 0]


def _closed(h_rule, v_rule, xs, ys, i0: int, i1: int, j0: int, j1: int) -> bool:  # type: ignore[no-untyped-def]
    """The merged region is a real cell: rules on all four sides."""
    return all(h_rule(ys[j0], i) and h_rule(ys[j1 + 1], i) for i in range(i0, i1 + 1)) and all(
        v_rule(xs[i0], j) and v_rule(xs[i1 + 1], j) for j in range(j0, j1 + 1)
    )


def _distinct(values: object) -> list[float]:
    """Sorted values with near-duplicates (within the touch distance) collapsed."""
    out: list[float] = []
    for v in sorted(values):  # type: ignore[call-overload]
        if not out or v - out[-1] > _TOUCH:
            out.append(v)
    return out


def _nearest(sorted_values: list[float], v: float) -> float:
    i = bisect_left(sorted_values, v)
    candidates = sorted_values[max(0, i - 1) : i + 1]
    return min(candidates, key=lambda c: abs(c - v))
