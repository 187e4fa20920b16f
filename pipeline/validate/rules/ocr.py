"""Values read from scans, O1–O2 (rules.md §2.8b): what a person should check on the page image.

A row read from an image carries `Indicator.ocr_confidence` (its lowest cell) and
`Indicator.ocr_cells` (column key → the cell's confidence and box in points, on the row's page);
a row read from a text layer carries neither and these rules never look at it. The threshold is
the profile's `ocr_confidence` ([scan] in the TOML, default 0.90); a cell is low when its
confidence is strictly under it.

O1 names every low cell once: a merged cell (项目名称, 绩效目标, 一级/二级指标 …) that several rows
of a project share is reported at the first of them. O2 is about the operator, which the
recogniser cannot read and the shape reader reads on its own (`pipeline.scan.operators`): the image
did not decide it when the 指标性质 cell was read under the threshold and the value does not
confirm it (no operator of its own, a different one, or read under the threshold too); when the
value's own operator differs from the 指标性质 read beside it (V5 says the table contradicts
itself; O2 says the scan may be why); or when the operator came from the value's prefix (no
operator column) and that value was read under the threshold.

Every message ends with the page and the cell's box, ``第N页 [x0, top, x1, bottom]`` in points
rounded to whole points, in that fixed form so that a report can point at it (`cell_box`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from pipeline.model import Finding, Indicator, OcrCell
from pipeline.normalize.cells import parse_operator
from pipeline.validate.context import COLUMN_NAMES, ProjectContext, RowContext
from pipeline.validate.registry import rule
from pipeline.validate.values import quantity

# Chinese names of the column keys a scanned row may carry (COLUMNS and the extractor's own).
CELL_NAMES: dict[str, str] = {
    "unit_name": "单位名称",
    "project": "项目名称",
    "project_code": "项目编码",
    "goal": "绩效目标",
    "level1": "一级指标",
    "level2": "二级指标",
    "level3": "三级指标",
    "operator": "指标性质",
    "target": "指标值",
    "target_this_year": "本年指标值",
    "measure_unit": "度量单位",
    "weight": "权重",
    "weight_this_year": "本年权重",
    "actual": "实际完成值",
    "score": "得分",
    "reason": "偏差原因分析",
    "note": "指标解释",
    "prior": "上年实际值",
    "amount": "预算数",
    "unit_code": "单位编码",
}
# the order a row's cells are reported in: left to right as the columns usually stand
_ORDER = {key: i for i, key in enumerate(CELL_NAMES)}
_TEXT_MAX = 40  # characters of the cell's text quoted in a message

BOX = re.compile(r"第(\d+)页 \[(-?\d+), (-?\d+), (-?\d+), (-?\d+)\]")


def where_on_page(page: int, box: tuple[float, float, float, float]) -> str:
    """``第3页 [72, 140, 130, 158]``: the page and the cell's box in whole points (x0, top, x1, bottom)."""
    return f"第{page}页 [{', '.join(str(round(v)) for v in box)}]"


def cell_box(message: str) -> tuple[int, tuple[int, int, int, int]] | None:
    """The page and box an O finding's message points at (see `where_on_page`); None when it has none."""
    m = BOX.search(message)
    if m is None:
        return None
    x0, top, x1, bottom = (int(v) for v in m.groups()[1:])
    return int(m.group(1)), (x0, top, x1, bottom)


def _quoted(text: str) -> str:
    text = re.sub(r"\s+", "", text)
    return text if len(text) <= _TEXT_MAX else text[: _TEXT_MAX - 1] + "…"


def _fmt(confidence: float) -> str:
    """Three decimals, rounded down: a confidence under the threshold never reads as reaching it."""
    return f"{math.floor(confidence * 1000 + 1e-9) / 1000:.3f}"


def _low(cell: OcrCell | None, threshold: float) -> bool:
    return cell is not None and cell[0] < threshold


@rule(
    "O1",
    scope="project",
    severity="warning",
    template="{where}：{column}「{text}」由扫描件识别，置信度{confidence}低于{threshold}，请核对原件{place}",
    basis="P",
    title="扫描件中识别置信度低于阈值（默认0.90）的单元格，须对照原件核对",
)
def o1_low_confidence(ctx: ProjectContext) -> Iterator[Finding]:
    threshold = ctx.profile.ocr_confidence
    seen: set[tuple[int, str, tuple[int, ...]]] = set()
    for row, ind in enumerate(ctx.project.indicators):
        if ind.ocr_confidence is None:
            continue  # read from a text layer (its row confidence is rounded: the cells decide)
        for key, (confidence, box) in sorted(ind.ocr_cells.items(), key=lambda kv: _ORDER.get(kv[0], 99)):
            if confidence >= threshold:
                continue
            seen_key = (ind.page, key, tuple(round(v) for v in box))
            if seen_key in seen:
                continue  # a merged cell several rows share: named once
            seen.add(seen_key)
            yield ctx.finding(
                row=row,
                column=CELL_NAMES.get(key, key),
                text=_quoted(ind.raw.get(key, "")),
                confidence=_fmt(confidence),
                threshold=f"{threshold:g}",
                place=where_on_page(ind.page, box),
            )


def _value_key(ind: Indicator) -> str:
    """The value column the operator is judged with: 本年指标值 when filled, else 指标值."""
    return "target_this_year" if ind.target_this_year is not None else "target"


@rule(
    "O2",
    scope="row",
    severity="warning",
    template=(
        "{where}：指标性质「{operator}」由扫描件识别，置信度{confidence}低于{threshold}，"
        "{column}「{value}」{value_says}，图像未能确定运算符，请核对原件{place}"
    ),
    basis="P",
    title="扫描件中图像未能确定的运算符（指标性质的形状与指标值均不能确认）",
    outcomes={
        "disagree": (
            "warning",
            "{where}：扫描件识别的指标性质「{operator}」与{column}「{value}」开头的「{embedded}」不一致，"
            "图像未能确定运算符，请核对原件{place}",
        ),
        "prefix": (
            "warning",
            "{where}：运算符「{operator}」取自{column}「{value}」的开头，该单元格识别置信度{confidence}"
            "低于{threshold}，图像未能确定运算符，请核对原件{place}",
        ),
    },
)
def o2_operator_undecided(ctx: RowContext) -> Iterator[Finding]:
    ind = ctx.indicator
    if ind.ocr_confidence is None or ind.operator == "定性":
        return
    threshold = ctx.profile.ocr_confidence
    key = _value_key(ind)
    value = getattr(ind, key)
    value_cell = ind.ocr_cells.get(key)
    column = COLUMN_NAMES[key].removeprefix("绩效")
    op_cell = ind.ocr_cells.get("operator")
    printed_op = ind.raw.get("operator", "")
    column_op = parse_operator(printed_op) if printed_op.strip() else None
    embedded = quantity(value).operator if value else None
    if column_op is not None and column_op != "定性":
        shown = op_cell or value_cell  # the cell to look at: the operator's, else the value's
        place = where_on_page(ind.page, shown[1]) if shown else f"第{ind.page}页"
        if embedded is not None and embedded != column_op:
            yield ctx.finding(
                "disagree", operator=column_op, column=column, value=value, embedded=embedded, place=place
            )
            return
        if not _low(op_cell, threshold):
            return  # the shape (or the word) was read surely
        if embedded == column_op and not _low(value_cell, threshold):
            return  # the value's own operator confirms it
        assert op_cell is not None
        says = "也未写出运算符" if embedded is None else "中的运算符识别置信度也低"
        yield ctx.finding(
            operator=column_op,
            confidence=_fmt(op_cell[0]),
            threshold=f"{threshold:g}",
            column=column,
            value=value or "",
            value_says=says,
            place=place,
        )
        return
    if column_op is None and ind.operator is not None and _low(value_cell, threshold):
        assert value_cell is not None
        yield ctx.finding(
            "prefix",
            operator=ind.operator,
            column=column,
            value=_quoted(ind.raw.get(key, "") or value or ""),
            confidence=_fmt(value_cell[0]),
            threshold=f"{threshold:g}",
            place=where_on_page(ind.page, value_cell[1]),
        )
