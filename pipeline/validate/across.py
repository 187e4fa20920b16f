"""Cross-document rules Y1–Y4 (rules.md §2.6): pure functions over many stored projects.

The database layer gathers the projects (typically every document of one unit, or of all units
for Y4) and passes them as a sequence of ``(unit_name, budget_year, Project)``. Each function
returns ``(index, Finding)`` pairs: `index` points into the input sequence, at the entry the
finding belongs to (the later year for Y1/Y2, the second of two look-alike projects for Y3), so
the caller can attach it to that entry's document. Y5 needs only one project and runs with the
per-document rules.

A project is identified across years by its code when it has one, else by its name with a
leading year removed ("2024年xx经费" ≈ "2025年xx经费").
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence

from pipeline.model import Finding, Indicator, Project, Severity
from pipeline.normalize.text import compact
from pipeline.validate.context import project_label
from pipeline.validate.profile import Profile
from pipeline.validate.values import canonical_unit, money_scale, quantity

Entry = tuple[str | None, int | None, Project]
Located = tuple[int, Finding]

_YEAR_PREFIX = re.compile(r"^(?:19|20)\d\d年?度?")


def _label(project: Project) -> str:
    if project.code or project.name:
        return project_label(project, 0)
    return f"未命名项目（第{project.page}页）"


def project_key(project: Project) -> str:
    """What makes two years' projects "the same project"."""
    if project.code:
        return project.code
    return _YEAR_PREFIX.sub("", compact(project.name))


def _finding(
    rule: str,
    severity: Severity,
    project: Project,
    message: str,
    profile: Profile | None,
    row: int | None = None,
) -> Finding:
    if profile is not None:
        severity = profile.severity_for(rule, "", severity)
    ind = project.indicators[row] if row is not None else None
    return Finding(
        rule=rule,
        severity=severity,
        message=message,
        project_code=project.code,
        page=ind.page if ind else (project.page or None),
        row=row,
        level3=ind.level3 if ind else None,
    )


def _by_unit_and_project(entries: Sequence[Entry]) -> dict[tuple[str, str], list[tuple[int, int, Project]]]:
    groups: dict[tuple[str, str], list[tuple[int, int, Project]]] = defaultdict(list)
    for i, (unit, year, project) in enumerate(entries):
        if year is not None:
            groups[(unit or "", project_key(project))].append((year, i, project))
    for members in groups.values():
        members.sort(key=lambda m: (m[0], m[1]))
    return groups


def _consecutive(entries: Sequence[Entry]) -> Iterable[tuple[int, int, Project, Project, str]]:
    """(index of the later entry, its year, earlier project, later project, unit) for year pairs y-1 → y."""
    for (unit, _), members in _by_unit_and_project(entries).items():
        by_year = {}
        for year, i, project in members:
            by_year.setdefault(year, (i, project))
        for year, (i, project) in sorted(by_year.items()):
            if year - 1 in by_year:
                yield i, year, by_year[year - 1][1], project, unit


def _targets(ind: Indicator) -> tuple[str | None, str | None]:
    return ind.target_this_year or ind.target, ind.measure_unit


def copy_paste_targets(entries: Sequence[Entry], profile: Profile | None = None) -> tuple[Located, ...]:
    """Y1 (info): the same unit's same project in consecutive years with identical targets on every row."""
    out: list[Located] = []
    for i, year, before, after, unit in _consecutive(entries):
        rows_a = [(x.level3, *_targets(x)) for x in before.indicators]
        rows_b = [(x.level3, *_targets(x)) for x in after.indicators]
        if rows_b and rows_a == rows_b:
            message = (
                f"{_label(after)}（{unit}）：{year}年的{len(rows_b)}个指标及指标值与{year - 1}年完全相同，"
                "可能是照抄上年"
            )
            out.append((i, _finding("Y1", "info", after, message, profile)))
    return tuple(out)


def lowered_targets(entries: Sequence[Entry], profile: Profile | None = None) -> tuple[Located, ...]:
    """Y2 (warning): a target looser than last year's for the same indicator (lower under ≥/＞,
    higher under ≤/＜, same unit)."""
    out: list[Located] = []
    for i, year, before, after, _unit in _consecutive(entries):
        last = {x.level3: x for x in before.indicators if x.level3}
        for row, ind in enumerate(after.indicators):
            prev = last.get(ind.level3) if ind.level3 else None
            if prev is None or ind.operator not in ("≥", ">", "≤", "<") or prev.operator != ind.operator:
                continue
            (now_text, now_unit), (then_text, then_unit) = _targets(ind), _targets(prev)
            if now_text is None or then_text is None or canonical_unit(now_unit) != canonical_unit(then_unit):
                continue
            now, then = quantity(now_text).number, quantity(then_text).number
            if now is None or then is None:
                continue
            looser = now < then if ind.operator in ("≥", ">") else now > then
            if looser:
                message = (
                    f"{_label(after)}三级指标「{ind.level3}」：{year}年目标{ind.operator}{now_text}"
                    f"比{year - 1}年的{prev.operator}{then_text}宽松，目标可能设置偏低"
                )
                out.append((i, _finding("Y2", "warning", after, message, profile, row)))
    return tuple(out)


def reused_templates(entries: Sequence[Entry], profile: Profile | None = None) -> tuple[Located, ...]:
    """Y3 (warning): two different projects of one unit and year with identical indicator sets."""
    minimum = profile.template_min_indicators if profile else 3
    first: dict[tuple[str, int | None, frozenset[tuple[str | None, ...]]], tuple[int, Project]] = {}
    out: list[Located] = []
    for i, (unit, year, project) in enumerate(entries):
        names = frozenset((x.level1, x.level2, x.level3) for x in project.indicators if x.level3)
        if len(names) < minimum:
            continue
        key = (unit or "", year, names)
        if key not in first:
            first[key] = (i, project)
            continue
        _, original = first[key]
        if project_key(original) == project_key(project):
            continue  # the same project stored twice is a duplicate, not template reuse
        message = (
            f"{_label(project)}：指标设置（{len(names)}个三级指标）与同单位同年度的"
            f"{_label(original)}完全相同，可能套用模板，未体现项目特点"
        )
        out.append((i, _finding("Y3", "warning", project, message, profile)))
    return tuple(out)


def _per_unit_cost(ind: Indicator) -> bool:
    unit = canonical_unit(ind.measure_unit)
    name = ind.level3 or ""
    return (
        ("/" in unit and money_scale(unit) is not None) or "单价" in name or ("人均" in name and "元" in unit)
    )


def unit_cost_outliers(entries: Sequence[Entry], profile: Profile | None = None) -> tuple[Located, ...]:
    """Y4 (info): comparable unit costs (元/人, 元/人·天, 单价) far outside the others (IQR rule),
    compared per (三级指标, unit) across all entries, in yuan."""
    minimum = profile.outlier_min_samples if profile else 5
    factor = profile.outlier_iqr_factor if profile else 1.5
    samples: dict[tuple[str, str], list[tuple[float, int, int, Project, str]]] = defaultdict(list)
    for i, (unit, year, project) in enumerate(entries):
        for row, ind in enumerate(project.indicators):
            text, _ = _targets(ind)
            if not ind.level3 or text is None or not _per_unit_cost(ind):
                continue
            value = quantity(text).number
            unit_text = canonical_unit(ind.measure_unit)
            scale = money_scale(unit_text) or 1.0
            if value is not None:
                tail = unit_text.split("/", 1)[1] if "/" in unit_text else ""
                label = f"{unit or ''}{year or ''}年"
                samples[(ind.level3, tail)].append((value * scale, i, row, project, label))
    out: list[Located] = []
    for (name, _), values in samples.items():
        if len(values) < minimum:
            continue
        q1, _, q3 = statistics.quantiles([v[0] for v in values], n=4, method="inclusive")
        low, high = q1 - factor * (q3 - q1), q3 + factor * (q3 - q1)
        median = statistics.median(v[0] for v in values)
        for value, i, row, project, label in values:
            if value < low or value > high:
                message = (
                    f"{_label(project)}（{label}）三级指标「{name}」：{value:g}元明显偏离"
                    f"{len(values)}个同类指标（中位数{median:g}元），请核实测算依据"
                )
                out.append((i, _finding("Y4", "info", project, message, profile, row)))
    return tuple(out)


def check_across(entries: Sequence[Entry], profile: Profile | None = None) -> tuple[Located, ...]:
    """Y1–Y4 over `entries` (those the profile selects), sorted by entry index."""
    checks = (
        ("Y1", copy_paste_targets),
        ("Y2", lowered_targets),
        ("Y3", reused_templates),
        ("Y4", unit_cost_outliers),
    )
    out: list[Located] = []
    for rule_id, check in checks:
        if profile is None or profile.selects(rule_id):
            out.extend(check(entries, profile))
    return tuple(sorted(out, key=lambda located: located[0]))
