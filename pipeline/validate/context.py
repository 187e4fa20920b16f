"""What a rule sees: one document, one project or one indicator row, plus the active profile;
for the cross-document rules, many projects of many documents (`AcrossContext`).

The contexts also decide which column a value or weight rule judges: the this-year column
(本年绩效指标值 / 本年权重) when it is filled, else the overall one. For values this is per row;
for weights it is per project (a project whose 本年权重 column holds any number is judged on that
column), so that sums never mix the two columns.

A rule sees only the projects of the table kinds it judges (`Rule.kinds`). Weights are a
project's annual rows only: the 中期/长期 rows printed beside them (period ``midterm``) restate
the targets over a longer span and carry no weight of their own, so they never enter a sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from pipeline.model import ANNUAL, DEPARTMENT_KINDS, Document, Finding, Indicator, Project
from pipeline.normalize.levels import COST, OUTPUT, SATISFACTION
from pipeline.validate.profile import Profile
from pipeline.validate.registry import Rule, make_finding
from pipeline.validate.values import Quantity, canonical_unit, quantity

COLUMN_NAMES = {
    "target": "绩效指标值",
    "target_this_year": "本年绩效指标值",
    "weight": "权重",
    "weight_this_year": "本年权重",
}


def project_label(project: Project, index: int) -> str:
    if project.table_kind in DEPARTMENT_KINDS:  # a department table has no project code or name
        table = "部门整体自评表" if project.table_kind.endswith("evaluation") else "部门整体绩效目标表"
        if project.unit_name:
            return f"{table}「{project.unit_name}」"
        return f"第{index + 1}个{table}（第{project.page}页）"
    if project.code and project.name:
        return f"项目「{project.code}-{project.name}」"
    if project.code or project.name:
        return f"项目「{project.code or project.name}」"
    return f"第{index + 1}个项目（第{project.page}页，无项目名称）"


def indicator_label(indicator: Indicator, row: int) -> str:
    if indicator.level3:
        return f"三级指标「{indicator.level3}」"
    return f"第{row + 1}行指标（第{indicator.page}页，三级指标为空）"


def is_satisfaction(ind: Indicator) -> bool:
    return (
        ind.level1 == SATISFACTION
        or "满意度" in (ind.level2 or "")
        or any(w in (ind.level3 or "") for w in ("满意度", "满意率"))
    )


def is_cost(ind: Indicator) -> bool:
    return ind.level1 == COST or (ind.level2 or "").endswith(COST)


def is_output(ind: Indicator) -> bool:
    return ind.level1 == OUTPUT


def judged_value(ind: Indicator) -> str | None:
    """The value a row is judged on: 本年绩效指标值 when filled, else 绩效指标值."""
    return ind.target_this_year if ind.target_this_year is not None else ind.target


def judged_operator(ind: Indicator, q: Quantity | None) -> str | None:
    """The 指标性质 column, else the operator inside the judged value (`q`, its quantity)."""
    if ind.operator is not None:
        return ind.operator
    return q.operator if q else None


def judged_unit(ind: Indicator, q: Quantity | None) -> str:
    """The 度量单位 column, else the unit after the judged value's number; canonical (百分比 → %)."""
    column = canonical_unit(ind.measure_unit)
    if column:
        return column
    return canonical_unit(q.unit) if q else ""


@dataclass(frozen=True)
class DocumentContext:
    document: Document
    profile: Profile
    rule: Rule

    @cached_property
    def has_weight_column(self) -> bool:
        """The table has a 权重 column: a weight was read somewhere, or the extractor saw the column."""
        return any(
            i.weight is not None
            or i.weight_this_year is not None
            or "weight" in i.raw
            or "weight_this_year" in i.raw
            for p in self.document.projects
            for i in p.indicators
        )

    def projects(self) -> Iterator[ProjectContext]:
        """The projects of the table kinds the rule judges, with their index in the document."""
        for index, project in enumerate(self.document.projects):
            if self.rule.judges(project.table_kind):
                yield ProjectContext(self, index, project)

    def finding(
        self, outcome: str = "", *, project: int | None = None, row: int | None = None, **fields: object
    ) -> Finding:
        rule = self.rule
        severity = self.profile.severity_for(rule.id, outcome, rule.outcome(outcome).severity)
        if project is None:
            return make_finding(
                rule,
                outcome,
                severity,
                where="本文件",
                fields=fields,
                project_code=None,
                page=None,
                row=None,
                level3=None,
            )
        p = self.document.projects[project]
        where = project_label(p, project)
        if row is None:
            return make_finding(
                rule,
                outcome,
                severity,
                where=where,
                fields=fields,
                project_code=p.code,
                page=p.page or None,
                row=None,
                level3=None,
            )
        ind = p.indicators[row]
        return make_finding(
            rule,
            outcome,
            severity,
            where=where + indicator_label(ind, row),
            fields=fields,
            project_code=p.code,
            page=ind.page,
            row=row,
            level3=ind.level3,
        )


@dataclass(frozen=True)
class ProjectContext:
    doc: DocumentContext
    index: int
    project: Project

    @property
    def profile(self) -> Profile:
        return self.doc.profile

    @property
    def budget_year(self) -> int | None:
        return self.doc.document.budget_year

    def rows(self) -> Iterator[RowContext]:
        for row, indicator in enumerate(self.project.indicators):
            yield RowContext(self, row, indicator)

    @cached_property
    def annual(self) -> tuple[tuple[int, Indicator], ...]:
        """(row, indicator) of the annual rows; the midterm ones beside them left out."""
        return tuple((r, i) for r, i in enumerate(self.project.indicators) if i.period == ANNUAL)

    @cached_property
    def weight_column(self) -> str:
        this_year = any(i.weight_this_year is not None for _, i in self.annual)
        return "weight_this_year" if this_year else "weight"

    @cached_property
    def weighted(self) -> tuple[tuple[int, Indicator, float | None], ...]:
        """(row, indicator, weight judged) of the annual rows."""
        return tuple((r, i, getattr(i, self.weight_column)) for r, i in self.annual)

    @property
    def weights(self) -> tuple[float | None, ...]:
        """The weights judged, annual rows only, in row order."""
        return tuple(w for _, _, w in self.weighted)

    @property
    def weight_column_name(self) -> str:
        return COLUMN_NAMES[self.weight_column]

    def finding(self, outcome: str = "", *, row: int | None = None, **fields: object) -> Finding:
        return self.doc.finding(outcome, project=self.index, row=row, **fields)


@dataclass(frozen=True)
class RowContext:
    proj: ProjectContext
    row: int
    indicator: Indicator

    @property
    def profile(self) -> Profile:
        return self.proj.profile

    @property
    def value_column(self) -> str:
        return "target_this_year" if self.indicator.target_this_year is not None else "target"

    @property
    def value_column_name(self) -> str:
        return COLUMN_NAMES[self.value_column]

    @property
    def value(self) -> str | None:
        """The value judged: 本年绩效指标值 when filled, else 绩效指标值."""
        return judged_value(self.indicator)

    @cached_property
    def quantity(self) -> Quantity | None:
        return quantity(self.value) if self.value is not None else None

    @property
    def operator(self) -> str | None:
        """The 指标性质 column, or the operator written inside the value when the column is empty."""
        return judged_operator(self.indicator, self.quantity)

    @property
    def unit(self) -> str:
        """The 度量单位 column, else the unit written after the number; canonical (百分比 → %)."""
        return judged_unit(self.indicator, self.quantity)

    @property
    def name(self) -> str:
        return self.indicator.level3 or ""

    def finding(self, outcome: str = "", **fields: object) -> Finding:
        return self.proj.doc.finding(outcome, project=self.proj.index, row=self.row, **fields)


# --------------------------------------------------------------------------- across documents

Entry = tuple[str | None, int | None, Project]  # (unit name, budget year, project)


@dataclass(frozen=True)
class Located:
    """A cross-document finding and where it belongs: `index` points into the entries, at the one
    it is about; `related` holds the (index, row or None) of the entries it was compared with."""

    index: int
    finding: Finding
    related: tuple[tuple[int, int | None], ...] = ()


def across_label(project: Project) -> str:
    if project.code or project.name:
        return project_label(project, 0)
    return f"未命名项目（第{project.page}页）"


@dataclass(frozen=True)
class AcrossContext:
    """Many stored projects, as ``(unit name, budget year, Project)`` entries, for one across rule."""

    entries: Sequence[Entry]
    profile: Profile
    rule: Rule

    def finding(
        self,
        index: int,
        outcome: str = "",
        *,
        row: int | None = None,
        related: Iterable[tuple[int, int | None]] = (),
        **fields: object,
    ) -> Located:
        """A finding on entry `index` (its row `row`); ``{where}`` is the project's label."""
        rule = self.rule
        severity = self.profile.severity_for(rule.id, outcome, rule.outcome(outcome).severity)
        project = self.entries[index][2]
        ind = project.indicators[row] if row is not None else None
        finding = make_finding(
            rule,
            outcome,
            severity,
            where=across_label(project),
            fields=fields,
            project_code=project.code,
            page=ind.page if ind else (project.page or None),
            row=row,
            level3=ind.level3 if ind else None,
        )
        return Located(index, finding, tuple(related))
