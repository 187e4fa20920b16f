"""Normalization: `Extraction` (cell text as printed) → `Document` (the export shape).

Text stays as printed (CONTRACT "Text as printed"): full-width punctuation and traditional
characters are kept; only line breaks and spaces inside a cell go (wrapped Chinese lines join
without a separator) and Kangxi radicals / CJK compatibility ideographs become the unified
ideograph. Vocabularies are matched on a folded copy (NFKC, see text.py) that is never stored.
项目名称 is split into code and name; ★ moves from 三级指标 into `core`; 指标性质 and 权重 become
canonical. Values (绩效指标值) stay text, as printed minus spaces; an operator or unit printed in
the value when no column holds one is split off it (target.py, CONTRACT "Operator, target and
unit"); 实际完成值 stays as printed. Nothing is judged here:
whatever cannot be mapped becomes None with the printed cells kept in `Indicator.raw`, and
validation reports it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.model import (
    DEPARTMENT_KINDS,
    BudgetLine,
    Document,
    Evaluation,
    Extraction,
    Indicator,
    Project,
    RawEvaluation,
    RawProject,
    RawRow,
)
from pipeline.normalize.cells import parse_number, parse_weight, parse_year, split_core
from pipeline.normalize.levels import canonical_level
from pipeline.normalize.project import (
    restore_digits,
    restore_type_letters,
    split_project,
    without_code_specks,
)
from pipeline.normalize.target import read_values
from pipeline.normalize.text import clean_cell, clean_line, compact, or_none, tight
from pipeline.settings import NormalizeSettings

__all__ = ["normalize", "normalize_project", "normalize_row"]


def normalize_row(row: RawRow) -> Indicator:
    cell = row.cells.get
    level3, core = split_core(cell("level3", ""))
    values = read_values(
        cell("operator", ""), cell("target", ""), cell("target_this_year", ""), cell("measure_unit", "")
    )
    return Indicator(
        level1=or_none(canonical_level(cell("level1", ""))),
        level2=or_none(canonical_level(cell("level2", ""))),
        level3=or_none(level3),
        core=core,
        operator=values.operator,
        target=values.target,
        target_this_year=values.target_this_year,
        measure_unit=values.measure_unit,
        weight=parse_weight(cell("weight", "")),
        weight_this_year=parse_weight(cell("weight_this_year", "")),
        page=row.page,
        raw=dict(row.cells),
        period=row.period,
        actual=or_none(tight(cell("actual", ""))),
        score=parse_weight(cell("score", "")),
        ocr_confidence=None if row.confidence is None else round(row.confidence, 4),
        ocr_cells=dict(row.ocr),
    )


def normalize_evaluation(raw: RawEvaluation | None) -> Evaluation | None:
    """A 自评表's budget block (amounts as numbers, 执行率 as printed) and its 总分 / 评价结论."""
    if raw is None:
        return None
    return Evaluation(
        budget=tuple(
            BudgetLine(
                label=clean_line(line.get("label", "")),
                planned=parse_number(line.get("planned", "")),
                budget=parse_number(line.get("budget", "")),
                executed=parse_number(line.get("executed", "")),
                points=parse_number(line.get("points", "")),
                rate=or_none(tight(line.get("rate", ""))),
                score=parse_number(line.get("score", "")),
            )
            for line in raw.budget
        ),
        total_score=parse_number(raw.total_score),
        conclusion=or_none(clean_line(raw.conclusion)),
    )


SCANNED_NAME_SPECKS = "。.．·"
SCANNED_NAME_DASHES = "-－—–"
SCANNED_UNIT_COLONS = ":："
# a pen's stroke or a speck after a scanned name read as a letter or two, a dash or a slash
# (党建工作经费B, …经费-, …资金N: no project name ends with one after a Chinese character)
_STROKE_AFTER_NAME = re.compile(r"(?<=[\u3400-\u9fff）)])[A-Za-z\-－—–/\\|<>]{1,2}$")


_DAY_FOR_ITEM = re.compile(r"项日$")


def normalize_project(
    raw: RawProject, unit_name: str | None = None, settings: NormalizeSettings | None = None
) -> Project:
    """One project block; `unit_name` (from the page header) fills in when the block has none.
    A unit code before a 单位名称 (`820001-某某局`, `[015001]某某局`) is not part of the name."""
    settings = settings or NormalizeSettings()
    scanned = any(r.confidence is not None for r in raw.rows)
    code, name = split_project(
        without_code_specks(raw.project) if scanned else raw.project, settings.min_code_length
    )
    printed_code = compact(raw.code)  # an ASCII identifier: read folded (１２ → 12)
    if printed_code:  # a 项目编码 column of its own wins over a code read out of the name
        code = printed_code
    if raw.table_kind in DEPARTMENT_KINDS:
        code, name = None, ""  # a department table has no project
    unit = clean_line(raw.unit_name)
    if scanned:
        # a speck after a scanned name, a dash before it (CODE--拉萨市…): no project name ends a
        # sentence or opens with a dash
        name = _STROKE_AFTER_NAME.sub("", name.rstrip(SCANNED_NAME_SPECKS)).lstrip(SCANNED_NAME_DASHES)
        # a name ending in 项日 is a 项目 read 日 (seeds 48–50: 业务培训项日, 信访联席会议项日; 各项日常
        # inside a name stays)
        name = _DAY_FOR_ITEM.sub("项目", name)
        # nor does a unit's name end in a colon or a dash (a streak by 拉萨市财政局本级 read ：, seed
        # 48; a pen's stroke after …管理局本级 read -, seed 50)
        unit = unit.rstrip(SCANNED_NAME_SPECKS + SCANNED_UNIT_COLONS + SCANNED_NAME_DASHES)
    return Project(
        code=code,
        name=name,
        goal=or_none(clean_line(raw.goal)),
        unit_name=or_none(unit) or unit_name,
        indicators=tuple(normalize_row(r) for r in raw.rows),
        table_kind=raw.table_kind,
        info={clean_line(k): clean_line(v) for k, v in raw.info.items()},
        evaluation=normalize_evaluation(raw.evaluation),
    )


def normalize(extraction: Extraction, settings: NormalizeSettings | None = None) -> Document:
    settings = settings or NormalizeSettings()
    header_unit = or_none(clean_line(extraction.unit_name or ""))
    projects = tuple(normalize_project(p, header_unit, settings) for p in extraction.projects)
    scanned = [any(i.ocr_confidence is not None for i in p.indicators) for p in projects]
    read = [restore_digits(p.code) if scan else p.code for p, scan in zip(projects, scanned, strict=True)]
    codes = restore_type_letters(read, scanned)
    projects = tuple(p if p.code == c else replace(p, code=c) for p, c in zip(projects, codes, strict=True))
    unit_name = header_unit or next((p.unit_name for p in projects if p.unit_name), None)
    return Document(
        unit_name=unit_name,
        budget_year=parse_year(extraction.budget_year),
        amount_unit=or_none(clean_cell(extraction.amount_unit or "")),
        pages=extraction.pages,
        layout=extraction.layout,
        projects=projects,
        notes=extraction.notes,
        ocr_pages=extraction.ocr_pages,
    )
