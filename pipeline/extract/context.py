"""What stands around an indicator grid: the info block above it, a 自评表's budget block, its totals.

Forms (申报表, 批复表, 部门整体, 自评表) name the project, the unit and the goal in `label | value`
cells above the grid, or in `项目名称：…` lines printed above it; a 自评表 adds a budget-execution
block (年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分 over one line per source of funds)
and prints 总分 and 评价结论 under the grid. These pure functions turn those cells and lines into
`Facts`, which the stitcher stores with the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.extract.grid import Cell, line_text, lines_of
from pipeline.extract.header import clean, fold_aligned
from pipeline.extract.objects import Glyph
from pipeline.extract.vocabulary import (
    budget_key,
    info_field,
    is_conclusion_label,
    is_info_label,
    is_total_label,
    label_of,
    near_info_label,
    run_in_label,
)


@dataclass
class Facts:
    """One grid's surroundings. Mutable on purpose: the totals under a grid may come on a later
    table of the page, after the grid's rows were read."""

    table_kind: str | None = None  # None: a continued grid, whose project says
    info: dict[str, str] = field(default_factory=dict)  # label → value, as printed
    fields: dict[str, str] = field(default_factory=dict)  # project / project_code / unit_name / goal
    budget: list[dict[str, str]] = field(default_factory=list)
    total: str = ""
    conclusion: str = ""


# --------------------------------------------------------------------------- info cells


def read_info(cells: list[Cell]) -> tuple[dict[str, str], dict[str, str], list[dict[str, str]]]:
    """(info pairs, fields by rank, budget lines) from the cells above a grid."""
    filled = [c for c in cells if c.text.strip()]
    budget, used = _budget_block(filled)
    rest = [c for c in filled if id(c) not in used]
    pairs = _pairs(rest)
    return dict(pairs), best_fields(pairs), budget


def _overlap_y(a: Cell, b: Cell) -> float:
    return min(a.bottom, b.bottom) - max(a.top, b.top)


def _same_band(a: Cell, b: Cell) -> bool:
    return _overlap_y(a, b) > 0.5 * min(a.bottom - a.top, b.bottom - b.top)


def _pairs(cells: list[Cell]) -> list[tuple[str, str]]:
    """`label | value` cells (several pairs a row), `label：value` in one cell, and sub-labels
    over their values (年度总体目标 | 预期目标 | 实际完成情况 above the two texts)."""
    cells = _unstacked(cells)
    labels = {id(c) for c in cells if is_info_label(c.text)}
    pairs: list[tuple[str, str]] = []
    for cell in sorted(cells, key=lambda c: (c.top, c.x0)):
        if id(cell) not in labels:
            pairs.extend(_line_pairs(cell.text.strip()))
            continue
        right = sorted((c for c in cells if c.x0 >= cell.x1 - 1 and _same_band(cell, c)), key=lambda c: c.x0)
        values: list[str] = []
        for c in right:
            if id(c) in labels:
                break
            values.append(c.text)
        if (
            right
            and not values
            and id(right[0]) in labels
            and cell.bottom - cell.top > 1.5 * (right[0].bottom - right[0].top)
        ):
            continue  # a tall group label (资金情况, 年度总体目标) over sub-labels
        if not values:
            below = [
                c
                for c in cells
                if id(c) not in labels
                and c.top >= cell.bottom - 1.5
                and c.top <= cell.bottom + 1.5
                and min(c.x1, cell.x1) - max(c.x0, cell.x0) > 0.5 * (cell.x1 - cell.x0)
            ]
            values = [c.text for c in below[:1]]
        label, value = clean(cell.text).rstrip(":："), "".join(values)
        run_in = run_in_label(value) if len(value) <= RUN_IN_MOST else None
        pairs.extend([(label, run_in[0]), run_in[1:]] if run_in else [(label, value)])
    return pairs


RUN_IN_MOST = 60  # characters: a unit's or a project's name and another label's value, at most


def _unstacked(cells: list[Cell]) -> list[Cell]:
    """Cells as they were printed where a lost rule joined two rows of pairs: a cell whose lines
    are each an info label (实施单位 over 年度绩效目标, seed 45's calc-symbol-2023 scanned with
    broken rules) is cut into one cell per label, and the cell beside it at the widest gaps
    between its lines (the lost rule's padding either side; a goal wrapped over lines keeps
    its lines close), one part per label."""
    out = list(cells)
    for cell in cells:
        lines = lines_of(cell.glyphs)
        if (
            len(lines) < 2
            or is_info_label(cell.text)
            or not all(is_info_label(line_text(line)) for line in lines)
        ):
            continue
        beside = [c for c in cells if c.x0 >= cell.x1 - 1 and _same_band(cell, c)]
        value = min(beside, key=lambda c: c.x0, default=None)
        rows = lines_of(value.glyphs) if value is not None and not is_info_label(value.text) else []
        if value is None or len(rows) < len(lines):
            continue
        gaps = sorted(range(1, len(rows)), key=lambda k: _top(rows[k]) - _bottom(rows[k - 1]))
        splits = sorted(gaps[-(len(lines) - 1) :])
        parts = [sum(rows[a:b], []) for a, b in zip([0, *splits], [*splits, len(rows)], strict=True)]
        cuts = [cell.top, *((_bottom(rows[k - 1]) + _top(rows[k])) / 2 for k in splits), cell.bottom]
        out = [c for c in out if c is not cell and c is not value]
        for k, line in enumerate(lines):
            out.append(Cell(cell.x0, cuts[k], cell.x1, cuts[k + 1], line))
            out.append(Cell(value.x0, cuts[k], value.x1, cuts[k + 1], parts[k]))
    return out


def _top(line: list[Glyph]) -> float:
    return min(g.top for g in line)


def _bottom(line: list[Glyph]) -> float:
    return max(g.bottom for g in line)


def project_bands(cells: list[Cell]) -> list[tuple[float, float]]:
    """(top, bottom) of the lines inside a grid that name the project of the rows under them:
    `项目名称：…` across the grid, or a `项目名称 | …` pair. One grid then holds many projects."""
    bands: list[tuple[float, float]] = []
    for cell in cells:
        text = cell.text
        colon = ":" in text or "：" in text
        if not colon and len(text) > 12:
            continue  # data: neither a short label nor a `label：value` line
        inline = _line_pairs(text.strip()) if colon else []
        label = inline[0][0] if inline else (text if is_info_label(text) else "")
        found = info_field(label) if label else None
        if found is None or found[0] not in ("project", "project_code"):
            continue
        band = [c for c in cells if _same_band(cell, c)]
        if not inline and not any(c.x0 >= cell.x1 - 1 and c.text.strip() for c in band):
            continue  # a label with no value beside it
        top, bottom = min(c.top for c in band), max(c.bottom for c in band)
        if not any(t <= top + 1.5 and b >= bottom - 1.5 for t, b in bands):
            bands.append((top, bottom))
    return sorted(bands)


_MONEY_UNIT = re.compile(r"^(?:人民币)?(?:元|千元|万元|亿元|%)$")


def best_fields(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """project / project_code / unit_name / goal: for each, the value of its best-ranked label."""
    best: dict[str, tuple[int, str]] = {}
    for label, value in pairs:
        found = info_field(label)
        if found is None or not value.strip():
            continue
        name, rank = found
        if name == "unit_name" and _MONEY_UNIT.match(clean(value)):
            continue  # 单位：万元 names the amounts' unit, not the unit
        if name not in best or rank > best[name][0]:
            best[name] = (rank, value)
    return {name: value for name, (_, value) in best.items()}


def _budget_block(cells: list[Cell]) -> tuple[list[dict[str, str]], set[int]]:
    """The budget-execution block: a band of ≥3 budget labels, then one line per source of funds."""
    keyed = [(c, k) for c in cells if (k := budget_key(c.text))]
    head: list[tuple[Cell, str]] = []
    for cell, _ in keyed:
        band = [(c, k) for c, k in keyed if _same_band(cell, c)]
        if len({k for _, k in band}) >= 3:
            head = band
            break
    if not head:
        return [], set()
    used = {id(c) for c, _ in head}
    head_bottom = max(c.bottom for c, _ in head)
    first_x = min(c.x0 for c, _ in head)
    lines: list[dict[str, str]] = []
    below = sorted((c for c in cells if c.top >= head_bottom - 1.5), key=lambda c: (c.top, c.x0))
    bands: list[list[Cell]] = []
    for c in below:
        if bands and _same_band(bands[-1][0], c):
            bands[-1].append(c)
        else:
            bands.append([c])
    for band in bands:
        line: dict[str, str] = {}
        for c in band:
            key = next((k for h, k in head if h.x0 - 1 <= (c.x0 + c.x1) / 2 <= h.x1 + 1), None)
            if key is not None and c.x1 - c.x0 < 1.6 * _width(head, key):
                line[key] = c.text.strip()
        if not any(_NUMERIC.match(clean(v)) for v in line.values()):
            break
        labels = [c for c in band if c.x1 <= first_x + 1.5 and _same_band(band[0], c)]
        labels.sort(key=lambda c: c.x0)
        line["label"] = labels[-1].text.strip() if labels else ""
        lines.append(line)
        used.update(id(c) for c in band)
    return lines, used


def _width(head: list[tuple[Cell, str]], key: str) -> float:
    return next(c.x1 - c.x0 for c, k in head if k == key)


_NUMERIC = re.compile(r"^[-+]?[\d,]*\.?\d+%?$")


# --------------------------------------------------------------------------- info lines


def read_lines(lines: list[str]) -> list[tuple[str, str]]:
    """`label：value` pairs from text lines above a grid (several per line, apart by wide gaps);
    a line with no label continues the previous value (a wrapped goal)."""
    pairs: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.strip()
        if not line or is_page_footer(line):
            continue
        found = _line_pairs(line)
        if found:
            pairs.extend(found)
        elif pairs and not _looks_like_title(line):
            label, value = pairs[-1]
            pairs[-1] = (label, value + line)
    return pairs


_LABEL_AT = re.compile(
    r"(?:^[:：．.·;]*|\s)([^\s:：．.·;]{2,14}?)\s*[:：．.·;]"
)  # a scan may read the colon after a label as a point or a semicolon (金额单位．万元, 整体目标；按期…),
# and two specks before a line's label as a colon (seed 70's ubo-2023: ：年度绩效目标：根据…):
# the label is a known one


def _line_pairs(line: str) -> list[tuple[str, str]]:
    folded = fold_aligned(line)
    starts = [(m, _label(m, folded)) for m in _LABEL_AT.finditer(folded)]
    starts = [(m, label) for m, label in starts if label]
    out = []
    for i, (m, label) in enumerate(starts):
        end = starts[i + 1][0].start(1) if i + 1 < len(starts) else len(line)
        out.append((label, line[m.end() : end].strip()))
    return out


def _label(m: re.Match[str], folded: str) -> str:
    """The label a match names: a known one as printed, or, leading its line, the one it misreads
    (a misread label elsewhere in a line is rather a value's words before a colon)."""
    if is_info_label(m.group(1)):
        return clean(m.group(1))
    if not folded[: m.start(1)].strip(" :：．.·;"):
        return near_info_label(m.group(1)) or ""
    return ""


_FOOTER = re.compile(r"^(?:第\s*\d+\s*页.*|共\s*\d+\s*页|[-—]\s*\d+\s*[-—]|\d+\s*/\s*\d+)$")


def is_page_footer(line: str) -> bool:
    """`第 2 页，共 5 页`, `- 3 -`, `3/5`: a page's number, never a value."""
    return bool(_FOOTER.match(fold_aligned(line.strip())))


def _looks_like_title(line: str) -> bool:
    folded = label_of(line)
    return "表" in folded and ("绩效" in folded or "自评" in folded)


# --------------------------------------------------------------------------- totals


_TOTAL_INITIALS = frozenset("总合自综评等绩")  # 总分 合计 自评得分 综合得分 评价结论 等级 绩效等级


def read_totals(cells: list[Cell], score_span: tuple[float, float] | None) -> tuple[str, str]:
    """(总分, 评价结论) from the cells under a grid: the number in the 得分 column of the 总分 line
    (else its last number), and the text beside 评价结论."""
    total = conclusion = ""
    filled = [c for c in cells if c.text.strip()]
    labels = [c for c in filled if c.text.lstrip()[:1] in _TOTAL_INITIALS]  # cheap: most cells are data
    for label in sorted(labels, key=lambda c: (c.top, c.x0)):
        if is_total_label(label.text) and not total:
            right = sorted(
                (c for c in filled if c.x0 >= label.x1 - 1 and _same_band(label, c)), key=lambda c: c.x0
            )
            numbers = [c for c in right if _NUMERIC.match(clean(c.text))]
            if score_span is not None:
                in_score = [c for c in numbers if score_span[0] - 1 <= (c.x0 + c.x1) / 2 <= score_span[1] + 1]
                numbers = in_score or numbers
            if numbers:
                total = numbers[-1].text.strip()
            elif (inline := re.search(r"([\d.]+)", fold_aligned(label.text))) is not None:
                total = inline.group(1)
        elif is_conclusion_label(label.text) and not conclusion:
            right = sorted(
                (c for c in filled if c.x0 >= label.x1 - 1 and _same_band(label, c)), key=lambda c: c.x0
            )
            if right:
                conclusion = right[0].text.strip()
            elif len(parts := re.split("[:：]", label.text, maxsplit=1)) == 2:
                conclusion = parts[1].strip()
    return total, conclusion
