"""Ruling lines → cells → tables, then each glyph into the cell that holds it.

The cell geometry comes from cells.py (the rules' grid, slots merged where no rule separates
them); a vertically merged cell comes out as one tall cell, so merges need no forward-filling
guesswork. Text inside a cell is read line by line
and the lines joined without a separator: wrapped Chinese text, and a code wrapped mid-word,
come back whole.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from pipeline.extract.cells import find_cells
from pipeline.extract.objects import Edge, Glyph


@dataclass
class Cell:
    x0: float
    top: float
    x1: float
    bottom: float
    glyphs: list[Glyph] = field(default_factory=list)

    @cached_property
    def text(self) -> str:
        """Read once the cell is filled (see `fill_cells`)."""
        return join_lines(self.glyphs)

    @cached_property
    def confidence(self) -> float | None:
        """The lowest recognition confidence of its glyphs when read from an image; None for a text layer."""
        return min((g.conf for g in self.glyphs if g.conf is not None), default=None)


@dataclass
class Table:
    cells: list[Cell]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (
            min(c.x0 for c in self.cells),
            min(c.top for c in self.cells),
            max(c.x1 for c in self.cells),
            max(c.bottom for c in self.cells),
        )


def find_tables(edges: list[Edge], snap: float = 2.0) -> list[Table]:
    """Tables of at least two cells described by the ruling edges, top to bottom."""
    return [Table([Cell(*bbox) for bbox in cells]) for cells in find_cells(edges, snap)]


def fill_cells(tables: list[Table], glyphs: list[Glyph], dedupe: float = 2.0) -> list[Glyph]:
    """Put each glyph into the cell containing its centre; return the glyphs outside every table.

    Each cell's glyphs (and the outside ones) lose their fake-bold doubles on the way.
    """
    cells = [c for t in tables for c in t.cells]
    if not cells:
        return drop_doubles(glyphs, dedupe)
    index = _CellIndex(cells)
    outside: list[Glyph] = []
    last: Cell | None = None  # glyphs come a cell's text at a time: try the previous cell first
    for g in glyphs:
        x, y = _anchor_x(g), (g.top + g.bottom) / 2
        if last is not None and last.x0 <= x <= last.x1 and last.top <= y <= last.bottom:
            last.glyphs.append(g)
            continue
        last = index.find(x, y)
        if last is None:
            outside.append(g)
        else:
            last.glyphs.append(g)
    for cell in cells:
        cell.glyphs = drop_doubles(cell.glyphs, dedupe)
    _take_overflow(cells, index)
    return drop_doubles(outside, dedupe)


def _take_overflow(cells: list[Cell], index: _CellIndex) -> None:
    """Text that runs on across a vertical rule into an empty neighbour returns to its own cell.

    A spreadsheet cell without wrapping prints a long name straight on into the next cell when
    that one is empty: its text reaches the rule and the glyphs continue across it with no gap,
    whereas a cell's own text ends, and its neighbour's starts, a padding's width from the rule.
    """
    for cell in cells:
        while cell.glyphs:
            last = max(cell.glyphs, key=lambda g: g.x1)
            if last.turn or last.x1 < cell.x1 - 1.0:
                break
            right = index.find(cell.x1 + 1.0, (last.top + last.bottom) / 2)
            if right is None or right is cell or not right.glyphs:
                break
            first = min(right.glyphs, key=lambda g: g.x0)
            same_line = all(abs(g.top - last.top) <= 1.0 for g in right.glyphs)
            if not same_line or first.x0 - last.x1 > 0.5:
                break
            cell.glyphs.extend(right.glyphs)
            right.glyphs = []


def take_spill(tables: list[Table], outside: list[Glyph], page_height: float) -> list[Glyph]:
    """Lines that ran on below a table's last rule, inside one of its bottom cells' width, join that cell.

    A browser lets the text of a row taller than the page run past the table's foot, with no
    rule around it, down to the page's margin. Only lines directly under the foot count, each
    within one bottom cell, stopping at the first gap, and only when they run into the page's
    last fifth: a note under a table stays outside, and so does a footer after a gap.
    Returns the glyphs still outside.
    """
    taken: list[Glyph] = []
    for table in tables:
        foot = max(c.bottom for c in table.cells)
        bottoms = [c for c in table.cells if c.bottom >= foot - 1.0]
        spill: list[tuple[Cell, list[Glyph]]] = []
        edge = foot
        for line in lines_of([g for g in outside if g.top >= foot - 1.0]):
            top, bottom = min(g.top for g in line), max(g.bottom for g in line)
            if top - edge > 0.8 * (bottom - top):
                break  # a gap: what follows is not the cell's
            x0, x1 = min(g.x0 for g in line), max(g.x1 for g in line)
            home = next((c for c in bottoms if c.x0 - 1.0 <= x0 and x1 <= c.x1 + 1.0), None)
            if home is None:
                break
            spill.append((home, line))
            edge = bottom
        if spill and edge >= 0.8 * page_height:
            for home, line in spill:
                home.glyphs.extend(line)
                taken.extend(line)
    if not taken:
        return outside
    gone = {id(g) for g in taken}
    return [g for g in outside if id(g) not in gone]


_HANGING = frozenset("。，、；：！？）】」』”’")  # closing marks a CJK line breaker may hang past a rule


def _anchor_x(g: Glyph) -> float:
    """Where a glyph stands across: its centre, but a closing mark's ink sits in the left of its em box.

    A hanging 。 straddles the cell's right rule; by its centre it would fall in the next column.
    """
    if g.text in _HANGING:
        return g.x0 + 0.25 * (g.x1 - g.x0)
    return (g.x0 + g.x1) / 2


def drop_doubles(glyphs: list[Glyph], tolerance: float) -> list[Glyph]:
    """Drop a glyph drawn again within half a tolerance of itself: titles faked bold by printing twice."""
    if tolerance <= 0 or len(glyphs) < 2:
        return glyphs
    texts = [g.text for g in glyphs]
    if len(set(texts)) == len(texts):
        return glyphs  # no character twice: nothing can be a double
    near = tolerance / 2
    kept: list[Glyph] = []
    same_text: dict[str, list[Glyph]] = {}
    for g in glyphs:
        twins = same_text.setdefault(g.text, [])
        if any(abs(g.x0 - o.x0) <= near and abs(g.top - o.top) <= near for o in twins):
            continue
        twins.append(g)
        kept.append(g)
    return kept


class _CellIndex:
    """Cells bucketed by vertical strips between distinct x boundaries: a lookup is two bisects."""

    def __init__(self, cells: list[Cell]) -> None:
        self.xs = sorted({c.x0 for c in cells} | {c.x1 for c in cells})
        self.strips: list[list[Cell]] = [[] for _ in self.xs]
        for c in cells:
            for i in range(bisect_right(self.xs, c.x0) - 1, len(self.xs) - 1):
                if self.xs[i] >= c.x1:
                    break
                self.strips[i].append(c)
        for strip in self.strips:
            strip.sort(key=lambda c: c.top)
        self.tops = [[c.top for c in strip] for strip in self.strips]

    def find(self, x: float, y: float) -> Cell | None:
        i = bisect_right(self.xs, x) - 1
        if i < 0 or i >= len(self.xs) - 1:
            return None
        strip = self.strips[i]
        j = bisect_right(self.tops[i], y) - 1
        while j >= 0:
            c = strip[j]
            if c.top <= y <= c.bottom and c.x0 <= x <= c.x1:
                return c
            if c.bottom < y - 200:
                break
            j -= 1
        return None


def _upright(g: Glyph) -> Glyph:
    """The glyph in a frame where its reading direction runs left to right."""
    if g.turn == 1:  # reads upwards; its lines follow each other left to right
        return Glyph(g.text, -g.bottom, g.x0, -g.top, g.x1)
    if g.turn == 3:  # reads downwards; lines right to left
        return Glyph(g.text, g.top, -g.x1, g.bottom, -g.x0)
    if g.turn == 2:
        return Glyph(g.text, -g.x1, -g.bottom, -g.x0, -g.top)
    return g


def lines_of(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Group glyphs into text lines by vertical overlap, each line left to right, top to bottom."""
    if not glyphs:
        return []
    if max(g.top for g in glyphs) - min(g.top for g in glyphs) < 0.5 * (glyphs[0].bottom - glyphs[0].top):
        return [sorted(glyphs, key=lambda g: g.x0)]  # one line: most cells
    ordered = sorted(glyphs, key=lambda g: g.top + g.bottom)
    lines: list[list[Glyph]] = [[ordered[0]]]
    mid = (ordered[0].top + ordered[0].bottom) / 2
    bottom = ordered[0].bottom
    for g in ordered[1:]:
        m = (g.top + g.bottom) / 2
        if m - mid <= max(1.0, 0.5 * (g.bottom - g.top)) and m <= bottom:
            lines[-1].append(g)
            bottom = max(bottom, g.bottom)
        else:
            lines.append([g])
            mid, bottom = m, g.bottom
    for line in lines:
        line.sort(key=lambda g: g.x0)
    return lines


def join_lines(glyphs: list[Glyph]) -> str:
    """Cell text: each line's glyphs in order, a space where a visible gap separates words.

    Text set at 90° (a narrow 一级指标 cell) is first turned upright, so that its lines, and the
    glyphs in them, come in reading order.
    """
    if glyphs and any(g.turn for g in glyphs):
        glyphs = [_upright(g) for g in glyphs]
    return "".join(line_text(line) for line in lines_of(glyphs))


def line_text(line: list[Glyph], gap: float = 0.6) -> str:
    """One line's glyphs in order, a space where they stand more than `gap` glyph heights apart."""
    out: list[str] = []
    prev: Glyph | None = None
    for g in line:
        if prev is not None and g.x0 - prev.x1 > gap * (g.bottom - g.top):
            out.append(" ")
        out.append(g.text)
        prev = g
    return "".join(out)
