"""Y1–Y4: cross-document rules, declared in the registry, run over (unit, year, Project) entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pipeline.model import Finding
from pipeline.validate import ACROSS_RULES, DOCUMENT_RULES, RULES, Entry, Profile, run_across, run_rules
from pipeline.validate.across import (
    copy_paste_targets,
    lowered_targets,
    project_key,
    reused_templates,
    unit_cost_outliers,
)
from pipeline.validate.registry import Rule
from tests.pipeline.rules.build import NATIONAL, document, good_rows, ind, project

UNIT = "拉萨市信访局本级"
SALARY = "项目「54000021R000000005055-工资性支出」"


def run(rule: Rule, entries: Sequence[Entry], profile: Profile = NATIONAL) -> list[tuple[int, Finding]]:
    return [(located.index, located.finding) for located in run_across(entries, profile, [rule])]


def lowered() -> Entry:
    return (
        UNIT,
        2025,
        project(*(replace(i, target="85") if i.level1 == "满意度指标" else i for i in good_rows())),
    )


def training(cost: str, unit: str = "元/人·天") -> ...:
    return project(ind("人均培训成本", level2="成本指标", operator="≤", target=cost, unit=unit))


def test_the_registry_holds_y1_to_y4_with_their_across_scope() -> None:
    assert {r.id: r.scope for r in ACROSS_RULES} == {
        "Y1": "unit",
        "Y2": "unit",
        "Y3": "unit",
        "Y4": "all_units",
    }
    assert ACROSS_RULES == (copy_paste_targets, lowered_targets, reused_templates, unit_cost_outliers)
    assert set(ACROSS_RULES) <= set(RULES) and not set(ACROSS_RULES) & set(DOCUMENT_RULES)
    assert {(r.id, r.severity) for r in ACROSS_RULES} == {("Y1", "info"), ("Y2", "warning"), ("Y3", "warning"), ("Y4", "info")}  # fmt: skip
    assert all(r.across and r.basis and r.title for r in ACROSS_RULES)


def test_each_runner_skips_the_other_kind_of_rule() -> None:
    doc = document(project())
    assert run_rules(doc, NATIONAL, RULES) == run_rules(doc, NATIONAL)
    entries = [(UNIT, 2024, project()), (UNIT, 2025, project())]
    assert run_across(entries, NATIONAL, RULES) == run_across(entries, NATIONAL)


def test_project_key_ignores_a_year_prefix_without_code() -> None:
    a = project(code=None, name="2024年党建经费")
    b = project(code=None, name="2025年度党建经费")
    assert project_key(a) == project_key(b) == "党建经费"
    assert project_key(project()) == "54000021R000000005055"


def test_y1_identical_targets_in_consecutive_years() -> None:
    entries = [(UNIT, 2024, project()), (UNIT, 2025, project())]
    ((located),) = run_across(entries, NATIONAL, [copy_paste_targets])
    assert (located.index, located.related) == (1, ((0, None),))
    f = located.finding
    assert (f.rule, f.severity, f.project_code, f.page, f.row) == (
        "Y1",
        "info",
        "54000021R000000005055",
        1,
        None,
    )
    assert f.message == f"{SALARY}（{UNIT}）：2025年的7个指标及指标值与2024年完全相同，可能是照抄上年"
    changed = project(*(replace(i, target="95") if i.level3 == "人员覆盖率" else i for i in good_rows()))
    assert not run(copy_paste_targets, [(UNIT, 2024, project()), (UNIT, 2025, changed)])
    assert not run(copy_paste_targets, [(UNIT, 2023, project()), (UNIT, 2025, project())])  # not consecutive
    assert not run(copy_paste_targets, [(UNIT, 2024, project()), ("其他单位", 2025, project())])


def test_y2_lowered_target() -> None:
    ((located),) = run_across([lowered(), (UNIT, 2024, project())], NATIONAL, [lowered_targets])
    assert (located.index, located.related) == (0, ((1, 6),))  # compared with last year's row 6
    f = located.finding
    assert (f.rule, f.severity, f.row, f.level3) == ("Y2", "warning", 6, "受益对象满意度")
    assert f.message == (
        f"{SALARY}三级指标「受益对象满意度」：2025年目标≥85比2024年的≥90宽松，目标可能设置偏低"
    )
    higher = project(*(replace(i, target="95") if i.level1 == "满意度指标" else i for i in good_rows()))
    assert not run(lowered_targets, [(UNIT, 2024, project()), (UNIT, 2025, higher)])
    # ≤ on a cost: a higher ceiling is looser
    dearer = project(*(replace(i, target="12") if i.level2 == "成本指标" else i for i in good_rows()))
    ((_, f),) = run(lowered_targets, [(UNIT, 2024, project()), (UNIT, 2025, dearer)])
    assert f.level3 == "项目成本控制"


def test_y3_template_reuse() -> None:
    other = project(code="54000021R000000005088", name="其他社会保险缴费")
    ((located),) = run_across([(UNIT, 2025, project()), (UNIT, 2025, other)], NATIONAL, [reused_templates])
    assert (located.index, located.related) == (1, ((0, None),))
    assert located.finding.project_code == "54000021R000000005088"
    assert located.finding.message == (
        "项目「54000021R000000005088-其他社会保险缴费」：指标设置（7个三级指标）与同单位同年度的"
        f"{SALARY}完全相同，可能套用模板，未体现项目特点"
    )
    assert not run(reused_templates, [(UNIT, 2025, project()), (UNIT, 2024, other)])  # different year
    assert not run(reused_templates, [(UNIT, 2025, project()), (UNIT, 2025, project())])  # same project
    small = project(*good_rows()[:2])
    assert not run(reused_templates, [(UNIT, 2025, small), (UNIT, 2025, replace(small, code="X1234567"))])
    looser = replace(NATIONAL, template_min_indicators=2)
    assert run(reused_templates, [(UNIT, 2025, small), (UNIT, 2025, replace(small, code="X1234567"))], looser)


def test_y4_unit_cost_outlier() -> None:
    entries = [
        (f"单位{i}", 2025, training(c)) for i, c in enumerate(["300", "320", "310", "290", "305", "3000"])
    ]
    located = run_across(entries, NATIONAL, [unit_cost_outliers])
    assert [(x.index, x.related) for x in located] == [(5, ())]
    f = located[0].finding
    assert (f.rule, f.severity, f.row, f.level3) == ("Y4", "info", 0, "人均培训成本")
    assert f.message == (
        f"{SALARY}（单位52025年）三级指标「人均培训成本」：3000元明显偏离6个同类指标（中位数307.5元），请核实测算依据"
    )
    # the same amount written in 万元 is scaled, not an outlier
    entries[5] = ("单位5", 2025, training("0.03", "万元/人·天"))
    assert not run(unit_cost_outliers, entries)
    assert not run(unit_cost_outliers, entries[:4])  # too few samples


def test_run_across_respects_profile_selection() -> None:
    entries = [(UNIT, 2024, project()), (UNIT, 2025, project())]
    assert [x.finding.rule for x in run_across(entries, NATIONAL)] == ["Y1"]
    assert not run_across(entries, replace(NATIONAL, ignore=("Y",)))
    assert not run_across(entries, replace(NATIONAL, select=("S", "Y2")))


def test_a_profile_severity_override_applies_to_across_rules() -> None:
    profile = replace(NATIONAL, severity={"Y2": "error", "Y1": "warning"})
    entries = [(UNIT, 2024, project()), lowered(), (UNIT, 2026, lowered()[2])]
    assert sorted((x.finding.rule, x.finding.severity) for x in run_across(entries, profile)) == [
        ("Y1", "warning"),
        ("Y2", "error"),
    ]
