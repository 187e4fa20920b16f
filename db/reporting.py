"""What the findings report reads: findings with their context, and per-unit figures.

A finding belongs to the unit of its project (the first project of its document with its code;
the document's unit when it names none) and to its document's 预算年度. `finding_rows` with a
unit or year filter — what `jixiao findings --unit-name/--year` prints — and the report use this
same rule, so their counts agree.

A project's weights are "right" when no W1 (weight missing or negative) or W2 (total not 90/100)
error is reported on it. An indicator is quantified when its 指标性质 is a comparison
(=, ≥, ≤, >, <): 定性 rows and rows with no operator are not.

Scans: a row read by OCR has `indicators.ocr_confidence` (NULL: read from a text layer), a
document `ocr_pages`; O1 (a cell under the profile's confidence threshold) and O2 (an operator
the image did not decide) findings name the page and the cell's box in their message
(`FindingDetail.cell_box`). `unit_summaries` counts per unit and year the rows read by OCR, the
lowest confidence and the O1/O2 findings; `scan_summaries` the same per document read from images.

`evaluation_summaries` reads the stored self-evaluations (projects of a 自评表 kind, their
`evaluation` JSON and their rows' 实际完成值 / 得分) and judges them with the helpers of
`pipeline.validate.rules.evaluation`, the ones rules E1–E6 use: whether a row met its target,
the budget block's execution rate, the grade bands.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Engine, Select, and_, case, func, select
from sqlalchemy.orm import aliased

from db.models import SCOPE_CROSS, Document, Finding, Indicator, Project
from db.queries import FINDING_KEYS, in_batch
from pipeline import model
from pipeline.validate.rules.evaluation import execution_rate, grade_of, met, named_grade, total_line
from pipeline.validate.rules.ocr import cell_box

WEIGHT_RULES: tuple[str, ...] = ("W1", "W2")
LOW_CELL_RULE, OPERATOR_RULE = "O1", "O2"  # rules.md §2.8b: values read from scans
QUALITATIVE = "定性"
_STREAM_BATCH = 1000


@dataclass(frozen=True)
class FindingDetail:
    """One finding with what a reader needs to find it in the PDF."""

    document_sha256: str | None
    source_name: str | None
    store_path: str | None
    unit_name: str | None
    budget_year: int | None
    project_code: str | None
    project_name: str | None
    rule: str
    severity: str
    message: str
    page: int | None
    row: int | None  # 0-based indicator index inside the project (as in `jixiao findings`)
    level3: str | None
    scope: str  # `document` or `cross`
    subject: dict[str, Any] | None  # cross findings: unit, year and the related documents

    @property
    def cross(self) -> bool:
        return self.scope == SCOPE_CROSS

    @property
    def cell_box(self) -> tuple[int, int, int, int] | None:
        """An O finding's cell on its page: (x0, top, x1, bottom) in points; None for other rules."""
        if not self.rule.startswith("O"):
            return None
        found = cell_box(self.message)
        return found[1] if found else None


@dataclass(frozen=True)
class UnitSummary:
    """The figures of one unit in one budget year."""

    unit_name: str | None
    budget_year: int | None
    documents: int
    projects: int
    indicators: int
    quantified: int  # indicators whose 指标性质 is a comparison
    weights_ok: int  # projects with no W1/W2 error
    errors: int
    warnings: int
    infos: int
    ocr_rows: int = 0  # indicators read from page images (OCR)
    ocr_lowest: float | None = None  # the lowest confidence among them
    low_cells: int = 0  # O1 findings: cells read under the profile's threshold
    undecided_operators: int = 0  # O2 findings

    @property
    def quantified_share(self) -> float | None:
        return self.quantified / self.indicators if self.indicators else None

    @property
    def weights_ok_share(self) -> float | None:
        return self.weights_ok / self.projects if self.projects else None


@dataclass(frozen=True)
class EvaluationSummary:
    """One stored self-evaluation (a project's, or a department's) as the report shows it."""

    unit_name: str | None
    budget_year: int | None
    document_sha256: str
    source_name: str | None
    store_path: str | None
    table_kind: str  # project_evaluation or department_evaluation
    project_code: str | None
    project_name: str | None  # None for a department
    page: int
    total_score: float | None  # 总分 as printed
    conclusion: str | None  # 评价结论 as printed
    grade: str | None  # the grade the conclusion names (优/良/中/差), if it names one
    score_grade: str | None  # the grade of the 总分 by the bands 优 ≥90, 良 ≥80, 中 ≥60, 差 <60
    execution_rate: float | None  # 全年执行数 ÷ 全年预算数 of the budget block's total line
    printed_rate: str | None  # that line's 执行率 as printed
    indicators: int  # annual rows
    met: int  # rows whose 实际完成值 meets the target (or, without numbers, with full marks)
    not_met: int
    row_scores: float | None  # the sum of the annual rows' 得分; None when none has one

    @property
    def unjudged(self) -> int:
        return self.indicators - self.met - self.not_met


@dataclass(frozen=True)
class ScanSummary:
    """One document with rows read from page images, as the report's 扫描件 sheet shows it."""

    unit_name: str | None
    budget_year: int | None
    document_sha256: str
    source_name: str | None
    store_path: str | None
    pages: int | None
    ocr_pages: int  # pages read from their images
    indicators: int
    ocr_rows: int  # indicators read by OCR
    lowest: float | None  # the lowest row confidence
    lowest_page: int | None  # the page of the row with the lowest confidence
    low_cells: int  # O1 findings
    undecided_operators: int  # O2 findings


_DETAIL_FIELDS = tuple(f.name for f in fields(FindingDetail))
# the record's fields the indicators table stores (`ocr_cells` is not stored; `raw` is not needed)
_EVALUATION_ROW_FIELDS = tuple(
    f.name for f in fields(model.Indicator) if f.name != "raw" and f.name in Indicator.__table__.columns
)


def _finding_statement(
    document_sha256: str | None = None,
    unit_name: str | None = None,
    year: int | None = None,
    batch_id: int | None = None,
) -> Select[Any]:
    """Findings joined to their document and project, in `jixiao findings` order."""
    inner = aliased(Project)
    first_with_code = (
        select(func.min(inner.ordinal))
        .where(inner.document_id == Finding.document_id, inner.code == Finding.project_code)
        .correlate(Finding)
        .scalar_subquery()
    )
    unit = func.coalesce(Project.unit_name, Document.unit_name)
    statement = (
        select(
            Document.sha256.label("document_sha256"),
            Document.source_name,
            Document.store_path,
            unit.label("unit_name"),
            Document.budget_year,
            Finding.project_code,
            Project.name.label("project_name"),
            Finding.rule,
            Finding.severity,
            Finding.message,
            Finding.page,
            Finding.row,
            Finding.level3,
            Finding.scope,
            Finding.subject,
            Finding.document_id,
        )
        .select_from(Finding)
        .outerjoin(Document, Finding.document_id == Document.id)
        .outerjoin(
            Project, and_(Project.document_id == Finding.document_id, Project.ordinal == first_with_code)
        )
        .order_by(Finding.document_id.is_(None), Finding.document_id, Finding.id)
    )
    if document_sha256 is not None:
        statement = statement.where(Document.sha256 == document_sha256)
    if unit_name is not None:
        statement = statement.where(unit == unit_name)
    if year is not None:
        statement = statement.where(Document.budget_year == year)
    if batch_id is not None:
        statement = statement.where(in_batch(batch_id))
    return statement


def finding_details(
    engine: Engine, unit_name: str | None = None, year: int | None = None, batch_id: int | None = None
) -> Iterator[FindingDetail]:
    """Every finding of the unit/year (None: all), by document in the order validated."""
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=_STREAM_BATCH).execute(
            _finding_statement(unit_name=unit_name, year=year, batch_id=batch_id)
        )
        for row in result.mappings():
            yield FindingDetail(**{name: row[name] for name in _DETAIL_FIELDS})


def finding_rows(
    engine: Engine,
    document_sha256: str | None = None,
    unit_name: str | None = None,
    year: int | None = None,
    batch_id: int | None = None,
) -> Iterator[dict[str, Any]]:
    """`db.queries.finding_rows` (same keys, same order) with unit, year and batch filters (a
    batch's findings: those of its documents; findings across documents have none)."""
    statement = _finding_statement(document_sha256, unit_name, year, batch_id)
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=_STREAM_BATCH).execute(statement).mappings():
            yield {key: row[key] for key in FINDING_KEYS}


def unit_summaries(
    engine: Engine, unit_name: str | None = None, year: int | None = None, batch_id: int | None = None
) -> list[UnitSummary]:
    """One `UnitSummary` per (unit, year) with projects or findings, by unit then year."""
    unit = func.coalesce(Project.unit_name, Document.unit_name)
    quantified = case((and_(Indicator.operator.is_not(None), Indicator.operator != QUALITATIVE), 1), else_=0)
    scanned = case((Indicator.ocr_confidence.is_not(None), 1), else_=0)
    projects = (
        select(
            Project.document_id,
            Project.ordinal,
            Project.code,
            Project.page,
            unit.label("unit_name"),
            Document.budget_year,
            func.count(Indicator.id).label("indicators"),
            func.coalesce(func.sum(quantified), 0).label("quantified"),
            func.coalesce(func.sum(scanned), 0).label("ocr_rows"),
            func.min(Indicator.ocr_confidence).label("ocr_lowest"),
        )
        .select_from(Project)
        .join(Document, Project.document_id == Document.id)
        .outerjoin(Indicator, Indicator.project_id == Project.id)
        .group_by(
            Project.id,
            Project.document_id,
            Project.ordinal,
            Project.code,
            Project.page,
            unit,
            Document.budget_year,
        )  # fmt: skip
        .order_by(Project.document_id, Project.ordinal)
    )
    if unit_name is not None:
        projects = projects.where(unit == unit_name)
    if year is not None:
        projects = projects.where(Document.budget_year == year)
    if batch_id is not None:
        projects = projects.where(in_batch(batch_id))

    figures: dict[tuple[str | None, int | None], dict[str, Any]] = defaultdict(
        lambda: {
            "documents": set(),
            "projects": 0,
            "indicators": 0,
            "quantified": 0,
            "bad_weights": set(),
            "error": 0,
            "warning": 0,
            "info": 0,
            "ocr_rows": 0,
            "ocr_lowest": None,
            LOW_CELL_RULE: 0,
            OPERATOR_RULE: 0,
        }  # fmt: skip
    )
    # per document: (ordinal, code, page, key) of its projects, to place weight findings
    layout: dict[int, list[tuple[int, str | None, int, tuple[str | None, int | None]]]] = defaultdict(list)
    with engine.connect() as conn:
        for p in conn.execute(projects):
            key = (p.unit_name, p.budget_year)
            f = figures[key]
            f["documents"].add(p.document_id)
            f["projects"] += 1
            f["indicators"] += p.indicators
            f["quantified"] += int(p.quantified)
            f["ocr_rows"] += int(p.ocr_rows)
            if p.ocr_lowest is not None:
                f["ocr_lowest"] = (
                    p.ocr_lowest if f["ocr_lowest"] is None else min(f["ocr_lowest"], p.ocr_lowest)
                )
            layout[p.document_id].append((p.ordinal, p.code, p.page, key))
        statement = _finding_statement(unit_name=unit_name, year=year, batch_id=batch_id)
        for row in conn.execution_options(yield_per=_STREAM_BATCH).execute(statement):
            key = (row.unit_name, row.budget_year)
            figures[key][row.severity] += 1
            if row.rule in (LOW_CELL_RULE, OPERATOR_RULE):
                figures[key][row.rule] += 1
            if row.rule in WEIGHT_RULES and row.severity == "error" and row.document_id is not None:
                placed = _project_of(layout.get(row.document_id, []), row.project_code, row.page)
                if placed is not None:
                    figures[placed[1]]["bad_weights"].add((row.document_id, placed[0]))
    return [
        UnitSummary(
            unit_name=key[0],
            budget_year=key[1],
            documents=len(f["documents"]),
            projects=f["projects"],
            indicators=f["indicators"],
            quantified=f["quantified"],
            weights_ok=f["projects"] - len(f["bad_weights"]),
            errors=f["error"],
            warnings=f["warning"],
            infos=f["info"],
            ocr_rows=f["ocr_rows"],
            ocr_lowest=f["ocr_lowest"],
            low_cells=f[LOW_CELL_RULE],
            undecided_operators=f[OPERATOR_RULE],
        )
        for key, f in sorted(figures.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or 0))
    ]


def _project_of(
    projects: list[tuple[int, str | None, int, tuple[str | None, int | None]]],
    code: str | None,
    page: int | None,
) -> tuple[int, tuple[str | None, int | None]] | None:
    """The project a project-level finding is about: the first with its code; for a project
    without code, the last code-less one starting on or before the finding's page."""
    if code is not None:
        return next(((o, key) for o, c, _, key in projects if c == code), None)
    candidates = [(o, key) for o, c, p, key in projects if c is None and (page is None or p <= page)]
    return candidates[-1] if candidates else None


def _evaluation(stored: dict[str, Any] | None) -> model.Evaluation:
    """A stored `dataclasses.asdict(model.Evaluation)` back into the record (unknown keys dropped)."""
    stored = stored or {}
    keys = {f.name for f in fields(model.BudgetLine)}
    lines = tuple(
        model.BudgetLine(**{k: v for k, v in line.items() if k in keys})
        for line in stored.get("budget") or ()
        if isinstance(line, dict)
    )
    return model.Evaluation(
        budget=lines, total_score=stored.get("total_score"), conclusion=stored.get("conclusion")
    )


def evaluation_summaries(
    engine: Engine, unit_name: str | None = None, year: int | None = None, batch_id: int | None = None
) -> list[EvaluationSummary]:
    """Every stored self-evaluation of the unit/year (None: all), by unit, year, document and
    position in the document."""
    unit = func.coalesce(Project.unit_name, Document.unit_name)
    projects = (
        select(
            Project.id,
            Project.code,
            Project.name,
            Project.page,
            Project.table_kind,
            Project.evaluation,
            unit.label("unit_name"),
            Document.budget_year,
            Document.sha256,
            Document.source_name,
            Document.store_path,
        )
        .select_from(Project)
        .join(Document, Project.document_id == Document.id)
        .where(Project.table_kind.in_(sorted(model.EVALUATION_KINDS)))
        .order_by(Project.document_id, Project.ordinal)
    )
    if unit_name is not None:
        projects = projects.where(unit == unit_name)
    if year is not None:
        projects = projects.where(Document.budget_year == year)
    if batch_id is not None:
        projects = projects.where(in_batch(batch_id))
    out: list[EvaluationSummary] = []
    with engine.connect() as conn:
        found = conn.execute(projects).all()
        rows: dict[int, list[model.Indicator]] = defaultdict(list)
        ids = [p.id for p in found]
        for start in range(0, len(ids), 500):
            statement = (
                select(Indicator.project_id, *(getattr(Indicator, name) for name in _EVALUATION_ROW_FIELDS))
                .where(Indicator.project_id.in_(ids[start : start + 500]))
                .order_by(Indicator.project_id, Indicator.ordinal)
            )
            for r in conn.execute(statement):
                rows[r.project_id].append(
                    model.Indicator(**{name: getattr(r, name) for name in _EVALUATION_ROW_FIELDS})
                )
    for p in found:
        evaluation = _evaluation(p.evaluation)
        annual = [i for i in rows[p.id] if i.period == model.ANNUAL]
        judged = [met(i) for i in annual]
        scores = [i.score for i in annual if i.score is not None]
        line = total_line(evaluation.budget)
        out.append(
            EvaluationSummary(
                unit_name=p.unit_name,
                budget_year=p.budget_year,
                document_sha256=p.sha256,
                source_name=p.source_name,
                store_path=p.store_path,
                table_kind=p.table_kind,
                project_code=p.code,
                project_name=None if p.table_kind in model.DEPARTMENT_KINDS else p.name,
                page=p.page,
                total_score=evaluation.total_score,
                conclusion=evaluation.conclusion,
                grade=named_grade(evaluation.conclusion),
                score_grade=grade_of(evaluation.total_score) if evaluation.total_score is not None else None,
                execution_rate=execution_rate(evaluation),
                printed_rate=line.rate if line else None,
                indicators=len(annual),
                met=judged.count(True),
                not_met=judged.count(False),
                row_scores=sum(scores) if scores else None,
            )
        )
    out.sort(key=lambda e: (e.unit_name or "", e.budget_year or 0))  # stable: document order within
    return out


def scan_summaries(
    engine: Engine, unit_name: str | None = None, year: int | None = None, batch_id: int | None = None
) -> list[ScanSummary]:
    """Every stored document of the unit/year (None: all) that read pages from their images or
    holds rows read by OCR, by unit, year and document; a document's unit is its header's, else
    its first project's (as `jixiao documents` shows it)."""
    first_unit = (
        select(Project.unit_name)
        .where(Project.document_id == Document.id, Project.unit_name.is_not(None))
        .order_by(Project.ordinal)
        .limit(1)
        .correlate(Document)
        .scalar_subquery()
    )
    unit = func.coalesce(Document.unit_name, first_unit)
    scanned = case((Indicator.ocr_confidence.is_not(None), 1), else_=0)
    documents = (
        select(
            Document.id,
            Document.sha256,
            Document.source_name,
            Document.store_path,
            Document.pages,
            Document.ocr_pages,
            Document.budget_year,
            unit.label("unit_name"),
            func.count(Indicator.id).label("indicators"),
            func.coalesce(func.sum(scanned), 0).label("ocr_rows"),
            func.min(Indicator.ocr_confidence).label("lowest"),
        )
        .select_from(Document)
        .outerjoin(Indicator, Indicator.document_id == Document.id)
        .group_by(Document.id)
        .order_by(Document.id)
    )
    if unit_name is not None:
        # a document whose projects name the unit, as the findings' filter reads it
        documents = documents.where(
            select(Project.id)
            .where(
                Project.document_id == Document.id,
                func.coalesce(Project.unit_name, Document.unit_name) == unit_name,
            )
            .exists()
        )
    if year is not None:
        documents = documents.where(Document.budget_year == year)
    if batch_id is not None:
        documents = documents.where(in_batch(batch_id))
    out: list[ScanSummary] = []
    with engine.connect() as conn:
        found = [d for d in conn.execute(documents) if (d.ocr_pages or 0) > 0 or d.ocr_rows]
        counts: dict[tuple[int, str], int] = defaultdict(int)
        lowest_page: dict[int, int] = {}
        ids = [d.id for d in found]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            statement = (
                select(Finding.document_id, Finding.rule, func.count(Finding.id))
                .where(Finding.document_id.in_(chunk), Finding.rule.in_((LOW_CELL_RULE, OPERATOR_RULE)))
                .group_by(Finding.document_id, Finding.rule)
            )
            for document_id, rule_id, n in conn.execute(statement):
                counts[(document_id, rule_id)] = n
            pages = (
                select(Indicator.document_id, Indicator.page, Indicator.ocr_confidence)
                .where(Indicator.document_id.in_(chunk), Indicator.ocr_confidence.is_not(None))
                .order_by(Indicator.document_id, Indicator.ocr_confidence, Indicator.page)
            )
            for document_id, page, _ in conn.execute(pages):
                lowest_page.setdefault(document_id, page)
    for d in found:
        out.append(
            ScanSummary(
                unit_name=d.unit_name,
                budget_year=d.budget_year,
                document_sha256=d.sha256,
                source_name=d.source_name,
                store_path=d.store_path,
                pages=d.pages,
                ocr_pages=d.ocr_pages or 0,
                indicators=d.indicators,
                ocr_rows=int(d.ocr_rows),
                lowest=d.lowest,
                lowest_page=lowest_page.get(d.id),
                low_cells=counts[(d.id, LOW_CELL_RULE)],
                undecided_operators=counts[(d.id, OPERATOR_RULE)],
            )
        )
    out.sort(key=lambda e: (e.unit_name or "", e.budget_year or 0))  # stable: document order within
    return out


def document_paths(engine: Engine, sha256s: Iterable[str]) -> dict[str, str]:
    """Where the stored PDFs of these documents are (those the database knows)."""
    wanted = sorted(set(sha256s))
    out: dict[str, str] = {}
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            out.update(
                conn.execute(
                    select(Document.sha256, Document.store_path).where(Document.sha256.in_(chunk))
                ).all()
            )
    return out
