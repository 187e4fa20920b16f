"""Find the indicator grids in a ruled table and name their columns by what the headers say.

A grid's header is found wherever it stands in the table — under a title row, an info block
(项目名称 | …) or a budget block — as the line across the table that crosses header cells naming
indicator levels (一级/二级/三级指标). The header may take two or three rows: a spanning
`年度指标值` over 指标性质 / 指标值 / 度量单位, `中期目标 | 年度目标` over two sets of columns,
`绩效指标` over the levels, `指标值` over `2021年实际实现值 | 预期2022年实现值`. Each leaf of the
header (a header cell with no header cell under it) is a column; its meaning is its own label,
read together with the labels above it (period, 本年). A tall cell beside the header that runs on
into the data (`本年度绩效指标`, `年度绩效目标(90分)`) is a side label, not a column. Columns not
understood are named, so the document's notes can say what was left out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from pipeline.extract.grid import Cell, Table
from pipeline.extract.header import clean
from pipeline.extract.vocabulary import (
    LEVELS,
    NOTE,
    Meaning,
    exact_meaning,
    header_meaning,
    is_performance_header,
    label_of,
    names_this_year,
    near_header,
    period_named,
)
from pipeline.model import ANNUAL, MIDTERM

_TOL = 1.5  # pt: cell edges this close are the same line
# keys that belong to one period's set of columns when mid-term and annual stand side by side
_PER_PERIOD = frozenset(
    {
        "level2",
        "level3",
        "operator",
        "target",
        "target_this_year",
        "measure_unit",
        "weight",
        "weight_this_year",
    }
)


@dataclass(frozen=True)
class Column:
    key: str
    period: str | None  # None: shared by every period (单位, 项目, 一级 …)
    x0: float
    x1: float
    label: str  # the header as printed, upper rows first ("中期目标/三级指标")


@dataclass(frozen=True)
class Grid:
    """One indicator grid: its columns and where its header stands."""

    columns: tuple[Column, ...]
    top: float  # the header's top edge
    bottom: float  # the header's bottom edge: data starts here
    period: str = ANNUAL  # the period of columns that name none (a 长期绩效指标 side label, …)
    unknown: tuple[str, ...] = ()  # header labels not understood, as printed
    keys: frozenset[str] = field(default_factory=frozenset)

    @property
    def periods(self) -> tuple[str, ...]:
        """The periods this grid's rows belong to, left to right."""
        seen: list[str] = []
        for col in sorted(self.columns, key=lambda c: c.x0):
            if col.period is not None and col.key == "level3" and col.period not in seen:
                seen.append(col.period)
        return tuple(seen) or (self.period,)

    def columns_of(self, period: str) -> list[Column]:
        """The columns one period's rows read: its own and the shared ones."""
        if len(self.periods) == 1:
            return list(self.columns)
        return [c for c in self.columns if c.period in (None, period)]


def find_grids(table: Table, min_hits: int) -> list[Grid]:
    """Every indicator grid of the table, top to bottom (a repeated header starts another)."""
    meanings = _Meanings()
    level_tops = sorted(
        {round(c.top, 1) for c in table.cells if _LEVEL_HINT.search(c.text) and _key(meanings, c) in LEVELS}
    )
    grids: list[Grid] = []
    for y in level_tops:
        if grids and y < grids[-1].bottom - _TOL:
            continue  # inside the header found already
        grid = _grid_at(table.cells, y, meanings, min_hits)
        if grid is not None:
            grids.append(grid)
    return grids


def unspilled(table: Table) -> Table:
    """The table with each header cell that runs on into the body cut where its header row ends.

    A poor copy that faded the header row's rule under one cell (a bitonal threshold loses the
    stretch whole) merges 单位名称 with the unit under it: the header loses its column and the
    rows their unit. The header cells beside it still end where the row does; the cell is cut
    there when what stands above the cut is a header word and what stands below is not."""
    meanings = _Meanings()
    cells = [part for c in table.cells for part in _unspilled(c, table.cells, meanings)]
    return table if len(cells) == len(table.cells) else Table(cells)


def unsplit(table: Table) -> Table:
    """The table with each column a stray line split in two made one again.

    A scanner's light streak down a whole column, read as a rule (its ticks on every row's rule
    look like a lost rule's), runs through the column's header label and parts every cell under
    it: 三 | 及指标 over body cells whose one side is empty all the way down. Where two header
    cells side by side mean nothing alone, read as a label together (`near_header` too), and one
    side of the line is empty in every row under them, each pair of cells it parts is one cell."""
    meanings = _Meanings()
    cells = list(table.cells)
    rows: dict[tuple[int, int], list[Cell]] = {}
    for c in table.cells:  # cells side by side share their row's rules
        rows.setdefault((round(c.top), round(c.bottom)), []).append(c)
    gone: set[int] = set()
    for row in rows.values():
        row.sort(key=lambda c: c.x0)
        for a, b in zip(row, row[1:], strict=False):
            if id(a) in gone or id(b) in gone or abs(b.x0 - a.x1) > _TOL:
                continue
            if (
                not (clean(a.text) and clean(b.text))
                or len(clean(a.text)) + len(clean(b.text)) > 12  # a header label's length at most
                or meanings.of(a) is not None
                or meanings.of(b) is not None
            ):
                continue
            whole = Cell(a.x0, a.top, b.x1, a.bottom, [*a.glyphs, *b.glyphs])
            meaning = meanings.of(whole) or near_header(whole.text)
            if meaning is None or meaning.key is None:
                continue
            pairs = _parted_below(cells, a, b)
            if not pairs or not (
                all(not left.glyphs for left, _ in pairs) or all(not r.glyphs for _, r in pairs)
            ):
                continue
            for left, right in [(a, b), *pairs]:
                cells[cells.index(left)] = Cell(
                    left.x0, left.top, right.x1, left.bottom, [*left.glyphs, *right.glyphs]
                )
                cells.remove(right)
                gone |= {id(left), id(right)}
    return table if len(cells) == len(table.cells) else Table(cells)


def _parted_below(cells: list[Cell], a: Cell, b: Cell) -> list[tuple[Cell, Cell]]:
    """The cells under `a` and `b` that the line between them parts, in pairs down the table,
    as long as every cell on its right has its twin on its left."""
    at = a.x1
    rights = sorted((c for c in cells if c.top >= a.bottom - _TOL and abs(c.x0 - at) <= _TOL
                     and c.x1 <= b.x1 + _TOL), key=lambda c: c.top)  # fmt: skip
    pairs = []
    for r in rights:
        left = next(
            (c for c in cells if abs(c.x1 - at) <= _TOL and abs(c.top - r.top) <= _TOL
             and abs(c.bottom - r.bottom) <= _TOL and c.x0 >= a.x0 - _TOL),
            None,
        )  # fmt: skip
        if left is None:
            return []
        pairs.append((left, r))
    return pairs


def _unspilled(cell: Cell, cells: list[Cell], meanings: _Meanings) -> list[Cell]:
    if len(cell.glyphs) < 3 or meanings.of(cell) is not None:
        return [cell]
    beside = {
        round(o.bottom, 1)
        for o in cells
        if (abs(o.x0 - cell.x1) <= _TOL or abs(o.x1 - cell.x0) <= _TOL)
        and abs(o.top - cell.top) <= _TOL
        and o.bottom < cell.bottom - _TOL
        and _key(meanings, o) is not None
    }
    for y in sorted(beside):
        # a flat mark on the cut is what is left of the faded rule (a scan reads it as - or _)
        kept = [
            g for g in cell.glyphs if not (g.bottom - g.top < _TOL and g.top - _TOL <= y <= g.bottom + _TOL)
        ]
        above = [g for g in kept if (g.top + g.bottom) / 2 < y]
        below = [g for g in kept if (g.top + g.bottom) / 2 >= y]
        if not above or not below:
            continue
        head, body = Cell(cell.x0, cell.top, cell.x1, y, above), Cell(cell.x0, y, cell.x1, cell.bottom, below)
        if _key(meanings, head) is not None and meanings.of(body) is None:
            return [head, body]
    return [cell]


class _Meanings(dict[int, "tuple[Cell, Meaning | None]"]):
    """Header meanings of cells, looked up once each and only when asked: most cells are data.
    Each entry holds its cell too: a cell made and dropped while grids are found (a header cell
    parted in two) would otherwise free its id for the next one made, which then read its meaning."""

    def of(self, cell: Cell) -> Meaning | None:
        found = self.get(id(cell))
        if found is None:
            found = self[id(cell)] = (cell, _meaning(cell.text))
        return found[1]


_ARTEFACT = re.compile("[\u2e80-\u2fdf\uf900-\ufaff]")  # Kangxi radicals, compatibility ideographs
_HINTS = ("级", "指标", "标准", "单位", "项目", "目标", "值", "权重", "分", "性质", "符号", "率", "原因", "说明",
          "解释", "备注", "名称", "代码", "编码", "金额", "预算", "资金", "计量", "度量", "实际", "完成", "符", "方向")  # fmt: skip


_HINT = re.compile("|".join(_HINTS))
_LEVEL_HINT = re.compile("级|指标|标准|[\u2e80-\u2fdf]")  # every level word has one (or a Kangxi look-alike)


def _meaning(text: str) -> Meaning | None:
    """A header word has at most a few words and names one of the header vocabulary's roots."""
    if len(text) > 30:
        return None
    if not _HINT.search(text):
        if not _ARTEFACT.search(text):
            return None
        if not _HINT.search(unicodedata.normalize("NFKC", text)):  # ⽬标 (a Kangxi radical) reads 目标
            return None
    return header_meaning(text)


def _key(meanings: _Meanings, cell: Cell) -> str | None:
    m = meanings.of(cell)
    return m.key if m else None


def _grid_at(cells: list[Cell], y: float, meanings: _Meanings, min_hits: int) -> Grid | None:
    levels = [c for c in cells if abs(c.top - y) <= _TOL and _key(meanings, c) in LEVELS]
    bottom = max(c.bottom for c in levels)
    while True:  # level cells of lower header rows (一级 above, 二级/三级 under a group) belong too
        lower = [c for c in cells if y <= c.top < bottom - _TOL and _key(meanings, c) in LEVELS]
        deepest = max((c.bottom for c in lower), default=bottom)
        if deepest <= bottom + _TOL:
            break
        bottom = deepest
    line = y + 2 * _TOL
    spanning = [c for c in cells if c.top <= line and line <= c.bottom <= bottom + _TOL and meanings.of(c)]
    top = _extend_up(cells, min(c.top for c in spanning), meanings)
    in_header = [c for c in cells if c.top >= top - _TOL and c.bottom <= bottom + _TOL]
    in_header = [part for c in in_header for part in _unmerged(c, cells, bottom, meanings)]
    in_header = _remerged(in_header, cells, bottom, meanings)
    keys = {k for c in in_header if (k := _key(meanings, c))}
    if not is_performance_header(keys, min_hits):
        return None
    side = [c for c in cells if c.top <= line and c.bottom > bottom + _TOL]
    above = [c for c in cells if abs(c.bottom - top) <= _TOL]
    period = _side_period([*side, *above]) or ANNUAL
    columns, unknown = _columns(in_header, meanings)
    if not columns:
        return None
    return Grid(tuple(columns), top, bottom, period, tuple(unknown), frozenset(c.key for c in columns))


def _unmerged(cell: Cell, cells: list[Cell], bottom: float, meanings: _Meanings) -> list[Cell]:
    """A header cell that reads as two header words run together (二级指标三级指标, 绩效目标 一级指标)
    over body cells parted at one place across it: the two cells it should have been, split there.
    The rule between them was lost across the header row (a poor copy, a pen's stroke): the body
    still shows where the columns meet. Otherwise the cell as it is."""
    parted = _parted_by_place(cell, cells, bottom, meanings)
    if parted is not None:
        return parted
    if meanings.of(cell) is None:
        words = _two_words(cell.text)
    else:  # read by its words as one column (三级指标指标值类型: 类型, a note), but two known labels
        words = _two_labels(cell.text) if exact_meaning(cell.text) is None else None
    if words is None:
        return [cell]
    at = _parting_below(cell, cells, bottom)
    if at is None:
        return [cell]  # no parting below, or more than one: not two columns
    glyphs = sorted((g for g in cell.glyphs if g.text.strip()), key=lambda g: (g.x0 + g.x1) / 2)
    cut = "".join(g.text for g in glyphs).rfind(words[1])  # marks before the first word stay with it
    if cut <= 0:
        return [cell]
    left, right = glyphs[:cut], glyphs[cut:]
    halves = [Cell(cell.x0, cell.top, at, cell.bottom, left), Cell(at, cell.top, cell.x1, cell.bottom, right)]
    if [label_of(h.text) for h in halves] != list(words):
        return [cell]
    return halves


def _remerged(header: list[Cell], cells: list[Cell], bottom: float, meanings: _Meanings) -> list[Cell]:
    """Two header cells side by side that read as one header word only together (项目 | 名称),
    over body cells that no boundary parts below them: one cell, which a stray line cut in two
    (a scanner's streak over a header's grey fill stands as a rule across that row alone)."""
    out = sorted(header, key=lambda c: (round(c.top), c.x0))
    k = 0
    while k + 1 < len(out):
        a, b = out[k], out[k + 1]
        beside = abs(a.top - b.top) <= _TOL and abs(a.bottom - b.bottom) <= _TOL and abs(a.x1 - b.x0) <= _TOL
        if beside and (meanings.of(a) is None or meanings.of(b) is None):
            whole = Cell(a.x0, a.top, b.x1, a.bottom, [*a.glyphs, *b.glyphs])
            parted = any(c.top >= bottom - _TOL and abs(c.x0 - a.x1) <= 2 for c in cells)
            m = meanings.of(whole)
            if not parted and m is not None and m.key is not None:
                out[k : k + 2] = [whole]
                continue
        k += 1
    return out


def _two_words(text: str) -> tuple[str, str] | None:
    """The way `text` is two header words that each name a column, run together; where it parts
    more ways (二级 | 指标三级指标), the one whose words are surest (highest ranks), if one is."""
    label = label_of(text)
    if len(label) > 16:
        return None
    found: list[tuple[int, str, str]] = []
    for k in range(2, len(label) - 1):
        meanings = [header_meaning(label[:k]), header_meaning(label[k:])]
        if all(m is not None and m.key is not None for m in meanings):
            found.append((sum(m.rank for m in meanings if m is not None), label[:k], label[k:]))
    best = [f for f in found if f[0] == max((f[0] for f in found), default=0)]
    return (best[0][1], best[0][2]) if len(best) == 1 else None


def _parted_by_place(cell: Cell, cells: list[Cell], bottom: float, meanings: _Meanings) -> list[Cell] | None:
    """The header cell's glyphs parted where the body parts under it, when each side then reads as
    a header label naming a column (known whole, where the cell read as one by its words): labels
    wrapped over two lines each (绩效指标性质 | 绩效指标值 read 绩效指绩效指标标性质值, seed 52's
    writer-portrait-01) part by place, not by text."""
    whole = meanings.of(cell)
    if whole is not None and exact_meaning(cell.text) is not None:
        return None  # a label known whole
    at = _parting_below(cell, cells, bottom)
    if at is None:
        return None
    left = [g for g in cell.glyphs if (g.x0 + g.x1) / 2 < at]
    right = [g for g in cell.glyphs if (g.x0 + g.x1) / 2 >= at]
    halves = [Cell(cell.x0, cell.top, at, cell.bottom, left), Cell(at, cell.top, cell.x1, cell.bottom, right)]
    named = [exact_meaning(h.text) if whole is not None else meanings.of(h) for h in halves]
    return halves if all(m is not None and m.key is not None for m in named) else None


def _parting_below(cell: Cell, cells: list[Cell], bottom: float) -> float | None:
    """Where the body's cells under a header cell part it, if at one place only."""
    inside = {round(c.x0) for c in cells if c.top >= bottom - _TOL and cell.x0 + 2 < c.x0 < cell.x1 - 2}
    if not inside or max(inside) - min(inside) > 3:
        return None
    return sum(inside) / len(inside)


def _two_labels(text: str) -> tuple[str, str] | None:
    """The one way `text` parts into two header labels known whole, each naming a column (三级指标 |
    指标值类型); None where there is no such way or more than one."""
    label = label_of(text)
    found = [
        (label[:k], label[k:]) for k in range(2, len(label) - 1)
        if all(m is not None and m.key is not None for m in (exact_meaning(label[:k]), exact_meaning(label[k:])))
    ]  # fmt: skip
    return found[0] if len(found) == 1 else None


def _extend_up(cells: list[Cell], top: float, meanings: _Meanings) -> float:
    """Header rows above the first one found: a band of nothing but header words (绩效指标, 中期目标)."""
    while True:
        band = [c for c in cells if abs(c.bottom - top) <= _TOL]
        texts = [c for c in band if clean(c.text)]
        exact = [exact_meaning(c.text) for c in texts]
        if not texts or any(m is None for m in exact):
            return top
        if len(texts) == 1 and exact[0] is not None and exact[0].key is not None:
            return top  # one labelled cell across: an info row such as 年度目标, not a header
        top = min(c.top for c in band)


def _side_period(cells: list[Cell]) -> str | None:
    for cell in cells:
        m = header_meaning(cell.text)
        if m is not None and m.key is None and m.period is not None:
            return m.period
        if m is None and clean(cell.text) and len(clean(cell.text)) <= 12 and "指标" in cell.text:
            period = period_named(cell.text)
            if period is not None:
                return period
    return None


def _columns(header: list[Cell], meanings: _Meanings) -> tuple[list[Column], list[str]]:
    leaves = [c for c in header if not any(_under(o, c) for o in header if o is not c)]
    leaves.sort(key=lambda c: c.x0)
    found: list[tuple[Column, int]] = []
    unknown: list[str] = []
    for leaf in leaves:
        meaning = meanings.of(leaf) or near_header(leaf.text)
        if meaning is None and _DIGIT_LOST.fullmatch(label_of(leaf.text)):
            meaning = Meaning(_SOME_LEVEL)  # 级指标: which level, its place tells (_lost_level_digits)
        if meaning is None:
            if clean(leaf.text):
                unknown.append(clean(leaf.text))
            continue
        if meaning.key is None:
            continue  # a group word standing alone: a side label over no column
        above = sorted(
            (a for a in header if a.bottom <= leaf.top + _TOL and a.x0 - 1 <= _mid(leaf) <= a.x1 + 1),
            key=lambda a: -a.top,
        )  # nearest first
        key = meaning.key
        if key in ("target", "weight") and any(names_this_year(a.text) for a in above):
            key += "_this_year"
        period = meaning.period or next((p for a in above if (p := period_named(a.text))), None)
        label = "/".join([clean(a.text) for a in reversed(above)] + [clean(leaf.text)])
        found.append((Column(key, period, leaf.x0, leaf.x1, label), meaning.rank))
    found = _measure_unit_right_of_levels(found)
    found = _levels_in_order(found)
    found = _periods_by_position(found)
    found = _lost_level_digits(found)
    return _best_per_key(found), unknown


def _under(lower: Cell, upper: Cell) -> bool:
    """`lower` stands below `upper`, within its width: `upper` spans it."""
    if lower.top < upper.bottom - _TOL:
        return False
    overlap = min(lower.x1, upper.x1) - max(lower.x0, upper.x0)
    return overlap > 0.5 * min(lower.x1 - lower.x0, upper.x1 - upper.x0)


def _mid(cell: Cell) -> float:
    return (cell.x0 + cell.x1) / 2


_DIGIT_LOST = re.compile(r"级指标(?:名称)?")  # 一/二/三级指标 less its digit (a seal over it, a streak)
_SOME_LEVEL = "level?"


def _lost_level_digits(found: list[tuple[Column, int]]) -> list[tuple[Column, int]]:
    """A level column whose digit was lost (级指标: seed 36's midterm-planned-2024, a seal over the
    annual table's 二级指标) takes the period of the level column nearest it on its right (else
    left) and the level its place leaves among that period's level columns and the shared ones:
    one under the level right of it, else one over the level left of it, when that level is not
    taken and stays above the one on its left; otherwise it names no column."""
    levels = sorted((c for c, _ in found if c.key in LEVELS), key=lambda c: c.x0)
    out = []
    for col, rank in found:
        if col.key != _SOME_LEVEL:
            out.append((col, rank))
            continue
        after = [c for c in levels if c.x0 >= col.x1 - _TOL]
        before = [c for c in levels if c.x1 <= col.x0 + _TOL]
        period = col.period or next((c.period for c in after + before[::-1] if c.period), None)
        same = [c for c in levels if c.period in (period, None)]
        left = [LEVELS.index(c.key) for c in same if c.x1 <= col.x0 + _TOL]
        right = [LEVELS.index(c.key) for c in same if c.x0 >= col.x1 - _TOL]
        n = right[0] - 1 if right else (left[-1] + 1 if left else -1)
        if 0 <= n < len(LEVELS) and LEVELS[n] not in {c.key for c in same} and (not left or left[-1] < n):
            out.append((Column(LEVELS[n], period, col.x0, col.x1, col.label), rank))
    return out


def _measure_unit_right_of_levels(found: list[tuple[Column, int]]) -> list[tuple[Column, int]]:
    """A bare 单位 right of the indicator levels is the unit of measure, not the unit's name."""
    out = []
    first_level = min((c.x0 for c, _ in found if c.key in LEVELS), default=float("inf"))
    for col, rank in found:
        if col.key == "unit_name" and rank == 1 and col.x0 > first_level:
            col = Column("measure_unit", col.period, col.x0, col.x1, col.label)
        out.append((col, rank))
    return out


def _levels_in_order(found: list[tuple[Column, int]]) -> list[tuple[Column, int]]:
    """Three indicator-level columns of one period, one level named twice and another not at all
    (一级 二级 二级: a scan lost 三's top bar under a streak): the levels print 一, 二, 三 from left
    to right, so each takes its place's level where that is one level off what it reads."""
    out = list(found)
    for period in {c.period for c, _ in found}:
        at = sorted((k for k, (c, _) in enumerate(found) if c.key in LEVELS and c.period == period),
                    key=lambda k: found[k][0].x0)  # fmt: skip
        keys = [found[k][0].key for k in at]
        if len(at) != 3 or len(set(keys)) == 3:
            continue
        if all(abs(LEVELS.index(key) - n) <= 1 for n, key in enumerate(keys)):
            for n, k in enumerate(at):
                col, rank = found[k]
                out[k] = (Column(LEVELS[n], col.period, col.x0, col.x1, col.label), rank)
    return out


def _periods_by_position(found: list[tuple[Column, int]]) -> list[tuple[Column, int]]:
    """Two sets of 二级/三级/指标值 side by side with no 中期/年度 over them: the left set is the
    mid-term one, printed beside the annual set on its right."""
    top = max((rank for c, rank in found if c.key == "level3" and c.period is None), default=0)
    per_period = [
        c
        for c, rank in found
        if c.period is None and c.key in _PER_PERIOD and (c.key != "level3" or rank == top)
    ]
    if sum(c.key == "level3" for c in per_period) < 2:
        return found  # one set, perhaps with a weaker 三级 stand-in (绩效标准, 指标内容) beside it
    opener = "level2" if sum(c.key == "level2" for c in per_period) >= 2 else "level3"  # opens each set
    boundary = [c for c in per_period if c.key == opener][1].x0
    out = []
    for col, rank in found:
        if col.period is None and col.key in _PER_PERIOD:
            period = ANNUAL if col.x0 >= boundary - _TOL else MIDTERM
            col = Column(col.key, period, col.x0, col.x1, col.label)
        out.append((col, rank))
    return out


def _best_per_key(found: list[tuple[Column, int]]) -> list[Column]:
    """One column per (key, period): the best-ranked, else the leftmost; the others are kept as notes."""
    best: dict[tuple[str, str | None], tuple[Column, int]] = {}
    for col, rank in found:
        slot = (col.key, col.period)
        if slot not in best or rank > best[slot][1]:
            best[slot] = (col, rank)
    kept = {id(col) for col, _ in best.values()}
    out = []
    for col, _ in found:
        if id(col) not in kept and col.key != NOTE:
            col = Column(NOTE, col.period, col.x0, col.x1, col.label)
        out.append(col)
    return _drop_repeated_notes(out)


def _drop_repeated_notes(columns: list[Column]) -> list[Column]:
    seen: set[tuple[str, str | None]] = set()
    out = []
    for col in columns:
        slot = (col.key if col.key != NOTE else f"{NOTE}:{col.x0:.0f}", col.period)
        if slot in seen:
            continue
        seen.add(slot)
        out.append(col)
    return out
