"""Y1–Y4: cross-document rules as pure functions over (unit, year, Project)."""

from __future__ import annotations

from dataclasses import replace

from pipeline.validate.across import (
    check_across,
    copy_paste_targets,
    lowered_targets,
    project_key,
    reused_templates,
    unit_cost_outliers,
)
from tests.pipeline.rules.build import NATIONAL, good_rows, ind, project

UNIT = "拉萨市信访局本级"


def test_project_key_ignores_a_year_prefix_without_code() -> None:
    a = project(code=None, name="2024年党建经费")
    b = project(code=None, name="2025年度党建经费")
    assert project_key(a) == project_key(b) == "党建经费"
    assert project_key(project()) == "54000021R000000005055"


def test_y1_identical_targets_in_consecutive_years() -> None:
    entries = [(UNIT, 2024, project()), (UNIT, 2025, project())]
    ((index, f),) = copy_paste_targets(entries)
    assert index == 1 and f.rule == "Y1" and f.severity == "info" and "2024" in f.message
    changed = project(*(replace(i, target="95") if i.level3 == "人员覆盖率" else i for i in good_rows()))
    assert not copy_paste_targets([(UNIT, 2024, project()), (UNIT, 2025, changed)])
    assert not copy_paste_targets([(UNIT, 2023, project()), (UNIT, 2025, project())])  # not consecutive
    assert not copy_paste_targets([(UNIT, 2024, project()), ("其他单位", 2025, project())])


def test_y2_lowered_target() -> None:
    lower = project(*(replace(i, target="85") if i.level1 == "满意度指标" else i for i in good_rows()))
    ((index, f),) = lowered_targets([(UNIT, 2025, lower), (UNIT, 2024, project())])
    assert index == 0 and f.rule == "Y2" and f.row == 6 and f.level3 == "受益对象满意度"
    higher = project(*(replace(i, target="95") if i.level1 == "满意度指标" else i for i in good_rows()))
    assert not lowered_targets([(UNIT, 2024, project()), (UNIT, 2025, higher)])
    # ≤ on a cost: a higher ceiling is looser
    dearer = project(*(replace(i, target="12") if i.level2 == "成本指标" else i for i in good_rows()))
    ((_, f),) = lowered_targets([(UNIT, 2024, project()), (UNIT, 2025, dearer)])
    assert f.level3 == "项目成本控制"


def test_y3_template_reuse() -> None:
    other = project(code="54000021R000000005088", name="其他社会保险缴费")
    ((index, f),) = reused_templates([(UNIT, 2025, project()), (UNIT, 2025, other)])
    assert index == 1 and f.project_code == "54000021R000000005088" and "工资性支出" in f.message
    assert not reused_templates([(UNIT, 2025, project()), (UNIT, 2024, other)])  # different year
    assert not reused_templates([(UNIT, 2025, project()), (UNIT, 2025, project())])  # same project
    small = project(*good_rows()[:2])
    assert not reused_templates([(UNIT, 2025, small), (UNIT, 2025, replace(small, code="X1234567"))])


def test_y4_unit_cost_outlier() -> None:
    def training(cost: str, unit: str = "元/人·天") -> ...:
        return project(ind("人均培训成本", level2="成本指标", operator="≤", target=cost, unit=unit))

    entries = [
        (f"单位{i}", 2025, training(c)) for i, c in enumerate(["300", "320", "310", "290", "305", "3000"])
    ]
    located = unit_cost_outliers(entries)
    assert [i for i, _ in located] == [5]
    assert "3000元" in located[0][1].message
    # the same amount written in 万元 is scaled, not an outlier
    entries[5] = ("单位5", 2025, training("0.03", "万元/人·天"))
    assert not unit_cost_outliers(entries)
    assert not unit_cost_outliers(entries[:4])  # too few samples


def test_check_across_respects_profile_selection() -> None:
    entries = [(UNIT, 2024, project()), (UNIT, 2025, project())]
    assert [f.rule for _, f in check_across(entries, NATIONAL)] == ["Y1"]
    assert not check_across(entries, replace(NATIONAL, ignore=("Y",)))
