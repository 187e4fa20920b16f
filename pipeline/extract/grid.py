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

from pipeline.extract.cells import find_cells
from pipeline.extract.objects import Edge, Glyph


@dataclass
class Cell:
    x0: float
    top: float
    x1: float
    bottom: float
    glyphs: list[Glyph] = field(default_factory=list)

    @property
    def text(self) -> str:
        return join_lines(self.glyphs)


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


def fill_cells(tables: list[Table], glyphs: list[Glyph]) -> list[Glyph]:
    """Put each glyph into the cell containing its centre; return the glyphs outside every table."""
    cells = [c for t in tables for c in t.cells]
    if not cells:
        return list(glyphs)
    index = _CellIndex(cells)
    outside: list[Glyph] = []
    for g in glyphs:
        cell = index.find((g.x0 + g.x1) / 2, (g.top + g.bottom) / 2)
        if cell is None:
            outside.append(g)
        else:
            cell.glyphs.append(g)
    return outside


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


def lines_of(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Group glyphs into text lines by vertical overlap, each line left to right, top to bottom."""
    lines: list[tuple[float, float, list[Glyph]]] = []
    for g in sorted(glyphs, key=lambda g: (g.top + g.bottom) / 2):
        mid = (g.top + g.bottom) / 2
        if lines and mid - lines[-1][0] <= max(1.0, 0.5 * (g.bottom - g.top)) and mid <= lines[-1][1]:
            top, bottom, members = lines[-1]
            members.append(g)
            lines[-1] = (top, max(bottom, g.bottom), members)
        else:
            lines.append((mid, g.bottom, [g]))
    return [sorted(members, key=lambda g: g.x0) for _, _, members in lines]


def join_lines(glyphs: list[Glyph]) -> str:
    """Cell text: each line's glyphs in order, a space where a visible gap separates words."""
    out: list[str] = []
    for line in lines_of(glyphs):
        prev: Glyph | None = None
        for g in line:
            if prev is not None and g.x0 - prev.x1 > 0.6 * (g.bottom - g.top):
                out.append(" ")
            out.append(g.text)
            prev = g
    return "".join(out)
