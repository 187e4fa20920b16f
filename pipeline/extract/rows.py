"""One page's performance table → indicator rows, each column's cell resolved by geometry.

A row is a cell of the 三级指标 column (the finest column); for every other column the row
takes the cell that spans the row's middle, so a merged 项目/绩效目标/一级/二级 cell gives its
text to every row it covers. Each cell keeps its identity and whether it touches the top or the
bottom of the page's table: the stitcher needs that to continue a project across a page break.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from pipeline.extract.context import Facts
from pipeline.extract.grid import Cell, Table, lines_of
from pipeline.extract.grids import Column, Grid
from pipeline.extract.header import clean
from pipeline.extract.lookalikes import GUESSED, operator_cell
from pipeline.extract.objects import Glyph
from pipeline.extract.vocabulary import exact_meaning
from pipeline.model import ANNUAL, OcrCell

_TOTAL_WORDS = ("合计", "总计", "小计", "总分")
_PLACEHOLDER = frozenset({"", "…", "……", "...", "......", "-", "—", "/"})


@dataclass(frozen=True)
class CellRef:
    text: str
    ident: tuple[int, int]  # (page, cell number): the same merged cell on the same page
    at_top: bool  # starts at the first data row of the page's table
    at_bottom: bool  # reaches the bottom edge of the page's table
    ends_short: bool = False  # its last line stops well before the right edge: the text ended there


@dataclass(frozen=True)
class GridRow:
    page: int
    cells: dict[str, CellRef]
    period: str = ANNUAL
    facts: Facts | None = None  # the grid's surroundings (info block, table kind, totals)
    confidence: float | None = None  # the lowest OCR confidence among its cells; None: a text layer
    ocr: dict[str, OcrCell] = field(default_factory=dict)  # column key → its cell's confidence and box

    def text(self, key: str) -> str:
        ref = self.cells.get(key)
        return ref.text if ref else ""


def continues(table: Table, grid: Grid, tolerance: float = 3.0, max_shift: float = 72.0) -> Grid | None:
    """The previous page's header for a headerless table whose column boundaries match it: as it
    stands, or moved sideways as a whole by up to `max_shift` (a scanned page lies on the glass a
    little off where the printer put the page before it). None when the columns do not match."""
    edges = sorted({round(c.x0, 1) for c in table.cells} | {round(c.x1, 1) for c in table.cells})
    wanted = [x for col in grid.columns for x in (col.x0, col.x1)]
    if not wanted:
        return None

    def hits(dx: float) -> int:
        return sum(any(abs(x + dx - e) <= tolerance for e in edges) for x in wanted)

    if hits(0.0) >= 0.8 * len(wanted):
        return grid
    shifts = {round(e - x, 1) for e in edges for x in wanted if abs(e - x) <= max_shift}
    best = max(shifts, key=lambda dx: (hits(dx), -abs(dx)), default=None)
    if best is None or hits(best) < 0.8 * len(wanted):
        return None
    return shifted(grid, best)


def shifted(grid: Grid, dx: float) -> Grid:
    """The grid with every column moved `dx` points sideways."""
    return replace(grid, columns=tuple(replace(c, x0=c.x0 + dx, x1=c.x1 + dx) for c in grid.columns))


def page_rows(
    cells: list[Cell],
    numbers: dict[int, int],
    page: int,
    grid: Grid,
    facts: Facts | None = None,
    scanned: bool = False,
) -> list[GridRow]:
    """The grid's data rows among `cells` (those under its header), 合计 rows and repeated headers
    dropped; with mid-term and annual columns side by side, each printed row gives one row per
    period, left to right. Rows of a `scanned` page carry their cells' OCR confidences."""
    if not cells:
        return []
    table_bottom = max(c.bottom for c in cells)
    found: list[tuple[float, int, dict[str, Cell], str]] = []
    for order, period in enumerate(grid.periods):
        columns = grid.columns_of(period)
        by_key, wide = _cells_by_column(cells, columns)
        row_key = (
            "level3" if by_key.get("level3") else max(by_key, key=lambda k: len(by_key[k]), default=None)
        )
        if row_key is None:
            continue
        tops = {k: [c.top for c in kc] for k, kc in by_key.items()}
        for row_cell in by_key[row_key]:
            middle = (row_cell.top + row_cell.bottom) / 2
            row = {key: cell for key in by_key if (cell := _spanning(by_key[key], tops[key], middle))}
            across = [w.text for w in wide if w.top <= middle <= w.bottom]  # 合计 over several columns
            texts = [c.text for c in row.values()] + across
            if _is_noise(texts, row_cell.text, row, len(grid.periods) > 1):
                continue
            found.append((row_cell.top, order, row, period))
    if not found:
        return []
    found.sort(key=lambda item: (item[0], item[1]))
    first_top = min(c.top for c in found[0][2].values())
    refs: dict[object, CellRef] = {}  # a merged cell gives the same reference to every row

    def ref(key: str, c: Cell) -> CellRef:
        slot = (key, id(c)) if key in _MAY_CUT else id(c)  # only project/goal refs depend on the key
        made = refs.get(slot)
        if made is None:
            at_bottom = c.bottom >= table_bottom - 1.0
            made = refs[slot] = CellRef(
                c.text,
                (page, numbers[id(c)]),
                c.top <= first_top + 1.0,
                at_bottom,
                key in _MAY_CUT and at_bottom and ends_short(c),
            )
        return made

    if not scanned:  # a text layer: no confidences to look for
        return [
            GridRow(page, {key: ref(key, c) for key, c in row.items()}, period, facts)
            for _, _, row, period in found
        ]
    numbers = dict(numbers)  # a look-alike operator's cell is replaced: it keeps its number
    replaced: dict[int, Cell] = {}  # … and a merged one is replaced once, for every row it spans
    for _, _, row, _ in found:
        for key, read in _READ_AGAIN.items():
            if (cell := row.get(key)) is not None:
                if id(cell) not in replaced:
                    replaced[id(cell)] = read(cell)
                    numbers[id(replaced[id(cell)])] = numbers[id(cell)]
                row[key] = replaced[id(cell)]
    return [
        GridRow(
            page,
            {key: ref(key, c) for key, c in row.items()},
            period,
            facts,
            _lowest(row.values()),
            {
                k: (c.confidence, (c.x0, c.top, c.x1, c.bottom))
                for k, c in row.items()
                if c.confidence is not None
            },
        )
        for _, _, row, period in found
    ]


def _operator_read(cell: Cell) -> Cell:
    """A scanned 指标性质 cell as the operator it holds where the recogniser read a look-alike or
    a speck beside it (lookalikes.operator_cell); a look-alike's confidence is lowered to
    `GUESSED`, so that validation reports it (O1/O2) for a person to check against the scan."""
    read = operator_cell(cell.text)
    if read is None:
        return cell
    operator, guessed = read
    conf = cell.confidence if cell.confidence is not None else GUESSED
    glyph = Glyph(
        operator, cell.x0, cell.top, cell.x1, cell.bottom, 0, min(conf, GUESSED) if guessed else conf
    )
    return Cell(cell.x0, cell.top, cell.x1, cell.bottom, [glyph])


_NEVER_ENDS_A_NAME = "。，,：:/·.、；;!！"


def _name_read(cell: Cell) -> Cell:
    """A scanned indicator's name without the marks read after it: a name is no clause, and never
    ends with a stop, a comma, a colon, a slash or a bang (seed 57: 党员先进性。, 系统正常运行率/,
    使用规范率：; seed 53: 检查企业数量! — a photocopy's speck or a pen's tick after the last character)."""
    if not cell.glyphs or any(g.turn for g in cell.glyphs):
        return cell
    lines = lines_of(cell.glyphs)
    last = list(lines[-1])
    while last and last[-1].text in _NEVER_ENDS_A_NAME:
        last.pop()
    if len(last) == len(lines[-1]) or not last:
        return cell
    return Cell(cell.x0, cell.top, cell.x1, cell.bottom, [g for line in lines[:-1] for g in line] + last)


def _goal_read(cell: Cell) -> Cell:
    """A scanned goal that ends short of its cell's last line (whole, not cut by a page break:
    `ends_short`) ends in a full stop where its last mark was read as a comma: a photocopy's 。
    read ，(seeds 52, 53: …满意度达到90%以上，) or as a letter (seed 57: 以上c). No goal ends with a
    comma, nor with a letter after a character."""
    if not cell.glyphs or any(g.turn for g in cell.glyphs) or not ends_short(cell):
        return cell
    glyphs = [g for line in lines_of(cell.glyphs) for g in line]
    last, before = glyphs[-1].text, glyphs[-2].text if len(glyphs) > 1 else ""
    if last not in ("，", ",") and not (last in ("c", "o") and _SENTENCE_END.match(before)):
        return cell
    return Cell(cell.x0, cell.top, cell.x1, cell.bottom, [*glyphs[:-1], glyphs[-1]._replace(text="。")])


_SENTENCE_END = re.compile(r"[\u3400-\u9fff%）)]")  # what a goal's full stop follows (以上c: 。 read c)


_READ_AGAIN = {
    "operator": _operator_read, "level1": _name_read, "level2": _name_read, "level3": _name_read,
    "goal": _goal_read,
}  # fmt: skip


def _lowest(cells: Iterable[Cell]) -> float | None:
    """The lowest OCR confidence among a row's cells; None when it was read from a text layer."""
    return min((c.confidence for c in cells if c.confidence is not None), default=None)


_MAY_CUT = ("project", "goal")  # merged texts long enough to be cut by a page break


def ends_short(cell: Cell) -> bool:
    """The cell's last line stops two characters or more before its right edge: wrapped text fills
    its lines, so a text cut by a page break ends on a full line, a whole one ends short."""
    if not cell.glyphs or any(g.turn for g in cell.glyphs):
        return False
    last = lines_of(cell.glyphs)[-1]
    em = max(g.bottom - g.top for g in last)
    return max(g.x1 for g in last) < cell.x1 - 2.5 * em


def _cells_by_column(cells: list[Cell], columns: list[Column]) -> tuple[dict[str, list[Cell]], list[Cell]]:
    """Each cell in the column it stands in; a cell wider than its column by far (an info row, a
    合计 or 总分 line across the grid) belongs to none: those come back apart."""
    by_key: dict[str, list[Cell]] = {col.key: [] for col in columns}
    wide: list[Cell] = []
    for cell in cells:
        middle = (cell.x0 + cell.x1) / 2
        for col in columns:
            if col.x0 - 1.0 <= middle <= col.x1 + 1.0:
                if cell.x1 - cell.x0 <= 1.5 * (col.x1 - col.x0) + 4.0:
                    by_key[col.key].append(cell)
                else:
                    wide.append(cell)
                break
        else:
            wide.append(cell)
    for key_cells in by_key.values():
        key_cells.sort(key=lambda c: c.top)
    return by_key, wide


def _spanning(cells: list[Cell], tops: list[float], y: float) -> Cell | None:
    i = bisect_right(tops, y) - 1
    if i >= 0 and cells[i].top <= y <= cells[i].bottom:
        return cells[i]
    return None


_OWN = ("level3", "target", "target_this_year", "actual", "score", "operator", "weight")


def _is_noise(texts: list[str], row_text: str, row: dict[str, Cell], side_by_side: bool) -> bool:
    """An empty row, a 合计 row, a `……` placeholder row, the header repeated as data (rule P2),
    or, beside the other period, a side with nothing of its own."""
    cleaned = [clean(t) for t in texts]
    if not any(cleaned):
        return True
    if any(t.startswith(_TOTAL_WORDS) for t in cleaned) and not clean(row_text):
        return True
    own = [clean(row[k].text) for k in _OWN if k in row]
    if any(own) and all(t in _PLACEHOLDER for t in own) and clean(row_text) in _PLACEHOLDER:
        return True
    if side_by_side and _is_blank(row_text):
        return True  # the other period's side of the row is empty (or holds only a scan's specks)
    labels = sum(1 for t in texts if _names_a_column(t))
    return labels >= 2 or _names_a_column(row_text)


_SPECKS = frozenset(".·:：,，。、'\"`-_~")


def _is_blank(text: str) -> bool:
    """Nothing but dots and commas: what a photocopy's specks read as in an empty cell."""
    return all(ch in _SPECKS for ch in clean(text))


def _names_a_column(text: str) -> bool:
    """A header word repeated as data (rule P2); long texts are data, looked up no further."""
    if len(text) > 16:
        return False
    meaning = exact_meaning(text)
    return meaning is not None and meaning.key is not None
