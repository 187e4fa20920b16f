"""Typed records passed between the stages.

extract   → `Extraction`  (cell text as printed, merged cells resolved, pages re-joined)
normalize → `Document`    (codes split, ★ → core, operators and numbers canonical)
validate  → `Finding`s    (rule id, severity, message, provenance)

Column keys are the canonical names in `COLUMNS`; layouts with fewer columns leave the
missing keys out of `RawRow.cells`, later layouts (申报表, 自评表) may add keys of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Canonical column keys of the 项目支出绩效表 (the 一体化 flat export, layout "C").
COLUMNS: tuple[str, ...] = (
    "unit_name",  # 单位名称
    "project",  # 项目名称 (CODE-NAME)
    "project_code",  # 项目编码, in layouts that print it apart
    "goal",  # 绩效目标
    "level1",  # 一级指标
    "level2",  # 二级指标
    "level3",  # 三级指标
    "operator",  # 绩效指标性质
    "target",  # 绩效指标值
    "target_this_year",  # 本年绩效指标值
    "measure_unit",  # 绩效度量单位
    "weight",  # 权重
    "weight_this_year",  # 本年权重
    "actual",  # 实际完成值 / 全年实际值 / 完成值 (自评表)
    "score",  # 得分 (自评表)
)

# table_kind values (CONTRACT "Export record"); `project_target` covers 申报表, 批复表, 审批表.
PROJECT_TARGET = "project_target"
DEPARTMENT_TARGET = "department_target"
PROJECT_EVALUATION = "project_evaluation"
DEPARTMENT_EVALUATION = "department_evaluation"
TABLE_KINDS: tuple[str, ...] = (PROJECT_TARGET, DEPARTMENT_TARGET, PROJECT_EVALUATION, DEPARTMENT_EVALUATION)
EVALUATION_KINDS = frozenset({PROJECT_EVALUATION, DEPARTMENT_EVALUATION})
DEPARTMENT_KINDS = frozenset({DEPARTMENT_TARGET, DEPARTMENT_EVALUATION})

# period values: the annual indicators, or the 中期/长期/实施期 ones printed beside them.
ANNUAL, MIDTERM = "annual", "midterm"

Severity = Literal["error", "warning", "info"]


# --------------------------------------------------------------------------- extract

OcrCell = tuple[float, tuple[float, float, float, float]]  # confidence, box (x0, top, x1, bottom) in pt


@dataclass(frozen=True)
class RawRow:
    """One indicator row as printed: merged cells already resolved to their text."""

    page: int  # 1-based page the row stands on
    cells: dict[str, str]  # column key -> text ('' when the cell is empty)
    period: str = ANNUAL  # `midterm` for a 中期/长期 column group printed beside the annual one
    confidence: float | None = None  # lowest OCR confidence among its cells; None: read from a text layer
    ocr: dict[str, OcrCell] = field(
        default_factory=dict
    )  # column key → confidence and box, read from an image


@dataclass(frozen=True)
class RawProject:
    """The rows of one project block, in printed order (may span pages)."""

    unit_name: str
    project: str  # "CODE-NAME" as printed, wrapped lines joined
    goal: str
    rows: tuple[RawRow, ...]
    code: str = ""  # 项目编码 when the table prints it in a column of its own
    table_kind: str = PROJECT_TARGET
    # an info block's `label | value` pairs as printed (项目名称, 主管部门, 实施单位, 资金情况 …)
    info: dict[str, str] = field(default_factory=dict)
    evaluation: RawEvaluation | None = None  # a 自评表's budget block and totals


@dataclass(frozen=True)
class RawEvaluation:
    """What a 自评表 prints around its indicator grid, as printed.

    `budget`: the budget-execution block, one mapping per line with the keys `label` (年度资金总额,
    其中：财政拨款 …), `planned` (年初预算数), `budget` (全年预算数 / 调整后预算数), `executed`
    (全年执行数), `points` (分值 / 权重), `rate` (执行率), `score` (得分), where printed.
    """

    budget: tuple[dict[str, str], ...] = ()
    total_score: str = ""  # 总分 / 自评得分
    conclusion: str = ""  # 评价结论 / 自评等级


@dataclass(frozen=True)
class Extraction:
    """What the extractor read from one PDF."""

    pages: int  # pages in the PDF
    table_pages: tuple[int, ...]  # 1-based pages that carry the performance table
    layout: str  # which extractor/layout produced it, e.g. "ruled"
    title: str | None = None
    budget_year: str | None = None  # as printed in the page header (预算年度)
    amount_unit: str | None = None  # 金额单位, e.g. "万元"
    unit_name: str | None = None  # from the page header, when the table has no 单位 column
    projects: tuple[RawProject, ...] = ()
    notes: tuple[str, ...] = ()  # what the extractor noticed (skipped pages, repaired cells)
    ocr_pages: int = 0  # pages read from images

    @property
    def has_table(self) -> bool:
        return bool(self.projects)


# --------------------------------------------------------------------------- normalize


@dataclass(frozen=True)
class Indicator:
    level1: str | None
    level2: str | None
    level3: str | None
    core: bool
    operator: str | None  # one of = ≥ ≤ > < 定性, or None
    target: str | None
    target_this_year: str | None
    measure_unit: str | None
    weight: float | None
    weight_this_year: float | None
    page: int
    raw: dict[str, str] = field(default_factory=dict, compare=False)  # cells as printed
    period: str = ANNUAL
    actual: str | None = None  # 实际完成值 of a self-evaluation, as printed
    score: float | None = None  # 得分 of a self-evaluation row
    ocr_confidence: float | None = None  # lowest OCR confidence among the row's cells; None: text layer
    ocr_cells: dict[str, OcrCell] = field(default_factory=dict, compare=False)  # for O1: which cell, where


@dataclass(frozen=True)
class BudgetLine:
    """One line of a 自评表's budget-execution block (amounts as numbers, 执行率 as printed)."""

    label: str
    planned: float | None = None  # 年初预算数
    budget: float | None = None  # 全年预算数 / 调整后预算数
    executed: float | None = None  # 全年执行数 / 预算执行数
    points: float | None = None  # 分值 / 权重
    rate: str | None = None  # 执行率, as printed
    score: float | None = None  # 得分


@dataclass(frozen=True)
class Evaluation:
    """A self-evaluation's budget block and totals, stored with its project."""

    budget: tuple[BudgetLine, ...] = ()
    total_score: float | None = None  # 总分
    conclusion: str | None = None  # 评价结论 / 等级, as printed


@dataclass(frozen=True)
class Project:
    code: str | None
    name: str
    goal: str | None
    unit_name: str | None
    indicators: tuple[Indicator, ...]
    table_kind: str = PROJECT_TARGET
    info: dict[str, str] = field(default_factory=dict, compare=False)  # info block as printed
    evaluation: Evaluation | None = None

    @property
    def page(self) -> int:
        return self.indicators[0].page if self.indicators else 0


@dataclass(frozen=True)
class Document:
    """A normalized document: the shape stored in the database."""

    unit_name: str | None
    budget_year: int | None
    amount_unit: str | None
    pages: int
    layout: str
    projects: tuple[Project, ...]
    notes: tuple[str, ...] = ()  # what the extractor noticed (skipped scan pages, borderless tables)
    ocr_pages: int = 0  # pages read from images

    @property
    def indicator_count(self) -> int:
        return sum(len(p.indicators) for p in self.projects)


# --------------------------------------------------------------------------- validate


@dataclass(frozen=True)
class Finding:
    rule: str  # id as in shared/domain/rules.md, e.g. "W2"
    severity: Severity
    message: str  # Chinese, names the project and indicator
    project_code: str | None = None  # None for document-level findings
    page: int | None = None
    row: int | None = None  # 0-based indicator index inside the project
    level3: str | None = None
