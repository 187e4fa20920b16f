"""Cross-document rules Y1–Y4 (rules.md §2.6), declared in the registry like every other rule.

Their scope says what they compare: ``unit`` (Y1–Y3: a unit's projects within one year and with
the year before) or ``all_units`` (Y4: every unit and year at once). A check receives an
`AcrossContext` over a sequence of ``(unit_name, budget_year, Project)`` entries — the database
layer gathers them — and yields `Located` findings: the entry the finding belongs to (the later
year for Y1/Y2, the second of two look-alike projects for Y3, the outlier for Y4) and the entries
it was compared with, so the caller can file it on that entry's document and point at the others.
`pipeline.validate.run_across` runs the ones a profile selects. Y5 needs only one project and runs
with the per-document rules.

A project is identified across years by its table kind and its code when it has one, else its
name with a leading year removed ("2024年xx经费" ≈ "2025年xx经费"). A department table has no
code or name: a unit's department table of one year is compared with its department table of the
year before, never with a project. The rules see target tables only (their group's `kinds`), and
compare rows of the same period (annual with annual, 中期 with 中期).
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from pipeline.model import Indicator, Project
from pipeline.normalize.text import compact
from pipeline.validate.context import AcrossContext, Entry, Located, across_label
from pipeline.validate.registry import rule
from pipeline.validate.values import canonical_unit, money_scale, quantity

__all__ = [
    "Entry",
    "Located",
    "copy_paste_targets",
    "lowered_targets",
    "project_key",
    "reused_templates",
    "unit_cost_outliers",
]

_YEAR_PREFIX = re.compile(r"^(?:19|20)\d\d年?度?")


def project_key(project: Project) -> str:
    """What makes two years' projects "the same project"."""
    if project.code:
        return project.code
    return _YEAR_PREFIX.sub("", compact(project.name))


def _identity(project: Project) -> tuple[str, str]:
    """What makes two projects the same table of the same project: kind and `project_key`."""
    return project.table_kind, project_key(project)


def _by_unit_and_project(
    entries: Sequence[Entry],
) -> dict[tuple[str, tuple[str, str]], list[tuple[int, int, Project]]]:
    groups: dict[tuple[str, tuple[str, str]], list[tuple[int, int, Project]]] = defaultdict(list)
    for i, (unit, year, project) in enumerate(entries):
        if year is not None:
            groups[(unit or "", _identity(project))].append((year, i, project))
    for members in groups.values():
        members.sort(key=lambda m: (m[0], m[1]))
    return groups


def _consecutive(entries: Sequence[Entry]) -> Iterable[tuple[int, int, int, Project, Project, str]]:
    """(index of the later entry, its year, index of the earlier, earlier project, later project,
    unit) for year pairs y-1 → y."""
    for (unit, _), members in _by_unit_and_project(entries).items():
        by_year: dict[int, tuple[int, Project]] = {}
        for year, i, project in members:
            by_year.setdefault(year, (i, project))
        for year, (i, project) in sorted(by_year.items()):
            if year - 1 in by_year:
                j, before = by_year[year - 1]
                yield i, year, j, before, project, unit


def _row_key(ind: Indicator) -> tuple[str, str | None]:
    return ind.period, ind.level3


def _targets(ind: Indicator) -> tuple[str | None, str | None]:
    return ind.target_this_year or ind.target, ind.measure_unit


@rule(
    "Y1",
    scope="unit",
    severity="info",
    template="{where}（{unit}）：{year}年的{count}个指标及指标值与{last_year}年完全相同，可能是照抄上年",
    basis="P; 88（适当性）",
    title="同一单位同一项目相邻两年的全部指标值完全相同，疑似照抄上年",
)
def copy_paste_targets(ctx: AcrossContext) -> Iterator[Located]:
    """The same unit's same project in consecutive years with identical targets on every row."""
    for i, year, j, before, after, unit in _consecutive(ctx.entries):
        rows_a = [(*_row_key(x), *_targets(x)) for x in before.indicators]
        rows_b = [(*_row_key(x), *_targets(x)) for x in after.indicators]
        if rows_b and rows_a == rows_b:
            yield ctx.finding(
                i, related=[(j, None)], unit=unit, year=year, count=len(rows_b), last_year=year - 1
            )


@rule(
    "Y2",
    scope="unit",
    severity="warning",
    template=(
        "{where}三级指标「{level3}」：{year}年目标{operator}{target}比{last_year}年的"
        "{last_operator}{last_target}宽松，目标可能设置偏低"
    ),
    basis="10号 第十二条",
    title="同一指标的目标比上年宽松（≥/＞下调，≤/＜上调），目标可能设置偏低",
)
def lowered_targets(ctx: AcrossContext) -> Iterator[Located]:
    """A target looser than last year's for the same indicator (lower under ≥/＞, higher under
    ≤/＜, same unit); compared with the last row of that name the year before."""
    for i, year, j, before, after, _unit in _consecutive(ctx.entries):
        last = {_row_key(x): (r, x) for r, x in enumerate(before.indicators) if x.level3}
        for row, ind in enumerate(after.indicators):
            prev_row, prev = last.get(_row_key(ind), (None, None)) if ind.level3 else (None, None)
            if prev is None or ind.operator not in ("≥", ">", "≤", "<") or prev.operator != ind.operator:
                continue
            (now_text, now_unit), (then_text, then_unit) = _targets(ind), _targets(prev)
            if now_text is None or then_text is None or canonical_unit(now_unit) != canonical_unit(then_unit):
                continue
            now, then = quantity(now_text).number, quantity(then_text).number
            if now is None or then is None:
                continue
            if now < then if ind.operator in ("≥", ">") else now > then:
                yield ctx.finding(
                    i,
                    row=row,
                    related=[(j, prev_row)],
                    level3=ind.level3,
                    year=year,
                    operator=ind.operator,
                    target=now_text,
                    last_year=year - 1,
                    last_operator=prev.operator,
                    last_target=then_text,
                )


@rule(
    "Y3",
    scope="unit",
    severity="warning",
    template="{where}：指标设置（{count}个三级指标）与同单位同年度的{original}完全相同，可能套用模板，未体现项目特点",
    basis="P",
    title="同一单位同一年度的两个不同项目指标设置完全相同，疑似套用模板",
)
def reused_templates(ctx: AcrossContext) -> Iterator[Located]:
    """Two different projects of one unit and year with identical indicator sets (of at least
    the profile's `template_min_indicators`)."""
    first: dict[tuple[str, int | None, frozenset[tuple[str | None, ...]]], tuple[int, Project]] = {}
    for i, (unit, year, project) in enumerate(ctx.entries):
        names = frozenset((x.level1, x.level2, x.level3) for x in project.indicators if x.level3)
        if len(names) < ctx.profile.template_min_indicators:
            continue
        key = (unit or "", year, names)
        if key not in first:
            first[key] = (i, project)
            continue
        j, original = first[key]
        if _identity(original) == _identity(project):
            continue  # the same project stored twice is a duplicate, not template reuse
        yield ctx.finding(i, related=[(j, None)], count=len(names), original=across_label(original))


def _per_unit_cost(ind: Indicator) -> bool:
    unit = canonical_unit(ind.measure_unit)
    name = ind.level3 or ""
    return (
        ("/" in unit and money_scale(unit) is not None) or "单价" in name or ("人均" in name and "元" in unit)
    )


@rule(
    "Y4",
    scope="all_units",
    severity="info",
    template=(
        "{where}（{source}）三级指标「{level3}」：{value:g}元明显偏离{count}个同类指标"
        "（中位数{median:g}元），请核实测算依据"
    ),
    basis="P; 101 取值",
    title="人均成本、单价等可比单位成本明显偏离同类指标（四分位距法）",
)
def unit_cost_outliers(ctx: AcrossContext) -> Iterator[Located]:
    """Comparable unit costs (元/人, 元/人·天, 单价) far outside the others (IQR rule, the
    profile's `outlier_iqr_factor` over at least `outlier_min_samples`), compared per (三级指标,
    unit) across all entries, in yuan."""
    samples: dict[tuple[str, str], list[tuple[float, int, int, str]]] = defaultdict(list)
    for i, (unit, year, project) in enumerate(ctx.entries):
        for row, ind in enumerate(project.indicators):
            text, _ = _targets(ind)
            if not ind.level3 or text is None or not _per_unit_cost(ind):
                continue
            value = quantity(text).number
            unit_text = canonical_unit(ind.measure_unit)
            scale = money_scale(unit_text) or 1.0
            if value is not None:
                tail = unit_text.split("/", 1)[1] if "/" in unit_text else ""
                samples[(ind.level3, tail)].append((value * scale, i, row, f"{unit or ''}{year or ''}年"))
    factor = ctx.profile.outlier_iqr_factor
    for (name, _), values in samples.items():
        if len(values) < ctx.profile.outlier_min_samples:
            continue
        q1, _, q3 = statistics.quantiles([v[0] for v in values], n=4, method="inclusive")
        low, high = q1 - factor * (q3 - q1), q3 + factor * (q3 - q1)
        median = statistics.median(v[0] for v in values)
        for value, i, row, source in values:
            if value < low or value > high:
                yield ctx.finding(
                    i, row=row, source=source, level3=name, value=value, count=len(values), median=median
                )
