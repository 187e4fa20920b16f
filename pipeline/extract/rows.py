"""One page's performance table → indicator rows, each column's cell resolved by geometry.

A row is a cell of the 三级指标 column (the finest column); for every other column the row
takes the cell that spans the row's middle, so a merged 项目/绩效目标/一级/二级 cell gives its
text to every row it covers. Each cell keeps its identity and whether it touches the top or the
bottom of the page's table: the stitcher needs that to continue a project across a page break.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from pipeline.extract.grid import Cell, Table
from pipeline.extract.header import HEADER_LABELS, clean, column_key, is_performance_header

Columns = dict[str, tuple[float, float]]  # column key → (x0, x1) of its header cell

_HEADER_ZONE = 150.0  # pt below a table's top edge where header cells (and a title row) may stand
_TOTAL_WORDS = ("合计", "总计", "小计")


@dataclass(frozen=True)
class CellRef:
    text: str
    ident: tuple[int, int]  # (page, cell number): the same merged cell on the same page
    at_top: bool  # starts at the first data row of the page's table
    at_bottom: bool  # reaches the bottom edge of the page's table


@dataclass(frozen=True)
class GridRow:
    page: int
    cells: dict[str, CellRef]

    def text(self, key: str) -> str:
        ref = self.cells.get(key)
        return ref.text if ref else ""


def read_header(table: Table, min_hits: int) -> tuple[Columns, float] | None:
    """Column ranges and the header's bottom edge, or None when this is not a performance table.

    Header cells are looked for near the table's top only, so a data cell that happens to
    read like a label is never taken for a column.
    """
    top = min(c.top for c in table.cells)
    zone = sorted((c for c in table.cells if c.top <= top + _HEADER_ZONE), key=lambda c: (c.top, c.x0))
    columns: Columns = {}
    bottom = top
    for cell in zone:
        key = column_key(cell.text)
        if key is None:
            continue
        if key in _THIS_YEAR and _under_this_year(cell, zone):
            key = _THIS_YEAR[key]  # 绩效指标值 / 权重 under a spanning 本年 header
        if key == "unit_name" and ("unit_name" in columns or "level3" in columns):
            key = "measure_unit"  # a bare 单位 right of the indicators is the unit of measure
        if key in columns:
            continue
        columns[key] = (cell.x0, cell.x1)
        bottom = max(bottom, cell.bottom)
    if not is_performance_header(set(columns), min_hits):
        return None
    return columns, bottom


_THIS_YEAR = {"target": "target_this_year", "weight": "weight_this_year"}


def _under_this_year(cell: Cell, zone: list[Cell]) -> bool:
    """A header cell above this one, spanning it, says 本年."""
    middle = (cell.x0 + cell.x1) / 2
    return any(
        c.bottom <= cell.top + 1.0 and c.x0 <= middle <= c.x1 and "本年" in clean(c.text) for c in zone
    )


def continues(table: Table, columns: Columns, tolerance: float = 3.0) -> bool:
    """A headerless table whose column boundaries match the previous page's header."""
    edges = sorted({round(c.x0, 1) for c in table.cells} | {round(c.x1, 1) for c in table.cells})
    wanted = [x for rng in columns.values() for x in rng]
    hits = sum(any(abs(x - e) <= tolerance for e in edges) for x in wanted)
    return hits >= 0.8 * len(wanted)


def page_rows(table: Table, page: int, columns: Columns, header_bottom: float) -> list[GridRow]:
    """The table's data rows below `header_bottom`, 合计 rows and repeated headers dropped."""
    by_key = _cells_by_column([c for c in table.cells if c.top >= header_bottom - 1.0], columns)
    row_key = "level3" if by_key.get("level3") else max(by_key, key=lambda k: len(by_key[k]), default=None)
    if row_key is None:
        return []
    table_bottom = max(c.bottom for c in table.cells)
    numbers = {id(c): n for n, c in enumerate(table.cells)}
    texts = {id(c): c.text for c in table.cells}
    tops = {k: [c.top for c in cells] for k, cells in by_key.items()}
    kept: list[dict[str, Cell]] = []
    for row_cell in by_key[row_key]:
        middle = (row_cell.top + row_cell.bottom) / 2
        row = {key: cell for key in by_key if (cell := _spanning(by_key[key], tops[key], middle))}
        if _is_noise([texts[id(c)] for c in row.values()], texts[id(row_cell)]):
            continue
        kept.append(row)
    if not kept:
        return []
    first_top = min(c.top for c in kept[0].values())
    return [
        GridRow(
            page,
            {
                key: CellRef(
                    texts[id(c)],
                    (page, numbers[id(c)]),
                    c.top <= first_top + 1.0,
                    c.bottom >= table_bottom - 1.0,
                )
                for key, c in row.items()
            },
        )
        for row in kept
    ]


def _cells_by_column(cells: list[Cell], columns: Columns) -> dict[str, list[Cell]]:
    by_key: dict[str, list[Cell]] = {key: [] for key in columns}
    for cell in cells:
        middle = (cell.x0 + cell.x1) / 2
        for key, (x0, x1) in columns.items():
            if x0 - 1.0 <= middle <= x1 + 1.0:
                by_key[key].append(cell)
                break
    for key_cells in by_key.values():
        key_cells.sort(key=lambda c: c.top)
    return by_key


def _spanning(cells: list[Cell], tops: list[float], y: float) -> Cell | None:
    i = bisect_right(tops, y) - 1
    if i >= 0 and cells[i].top <= y <= cells[i].bottom:
        return cells[i]
    return None


def _is_noise(texts: list[str], row_text: str) -> bool:
    """An empty row, a 合计 row, or the header repeated as data (rule P2)."""
    cleaned = [clean(t) for t in texts]
    if not any(cleaned):
        return True
    if any(t.startswith(_TOTAL_WORDS) for t in cleaned) and not clean(row_text):
        return True
    labels = sum(1 for t in cleaned if t and t in HEADER_LABELS)
    return labels >= 2 or clean(row_text) in HEADER_LABELS
