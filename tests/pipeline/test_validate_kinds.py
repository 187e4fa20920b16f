"""Table kinds: which rules judge which tables (department, self-evaluation), and midterm rows."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.model import (
    DEPARTMENT_EVALUATION,
    DEPARTMENT_TARGET,
    MIDTERM,
    PROJECT_EVALUATION,
    PROJECT_TARGET,
    TABLE_KINDS,
    Finding,
    Project,
)
from pipeline.validate import RULES, run_across, run_rules, validate
from pipeline.validate.registry import ALL_KINDS, GROUP_KINDS, TARGET_KINDS, rule
from tests.pipeline.rules.build import NATIONAL, document, findings, fires, good_rows, ind, project

UNIT = "拉萨市信访局本级"


def department(
    kind: str = DEPARTMENT_TARGET, goal: str | None = "履行信访工作职责，按时办结群众来信来访"
) -> Project:
    return project(code=None, name="", goal=goal, table_kind=kind)


def test_every_rule_declares_the_kinds_of_its_group_or_fewer() -> None:
    by_id = {r.id: r for r in RULES}
    for r in RULES:
        assert r.kinds and r.kinds <= ALL_KINDS, r.id
    for rid in ("S1", "S2", "S5", "S8", "V1", "V2", "D1", "D5", "W1", "W2", "P3", "P5"):
        assert by_id[rid].kinds == ALL_KINDS, rid  # department tables and self-evaluation grids too
    for rid in ("E1", "E2", "E3", "E4", "E5", "E6"):
        assert by_id[rid].kinds == {PROJECT_EVALUATION, DEPARTMENT_EVALUATION}, rid
    for rid in ("S9", "S10", "Y1", "Y2", "Y3", "Y4", "Y5"):
        assert by_id[rid].kinds == TARGET_KINDS, rid
    assert by_id["P1"].kinds == {PROJECT_TARGET, PROJECT_EVALUATION}
    assert GROUP_KINDS["X"] == {PROJECT_TARGET}  # rules.md: X rules do not apply to department tables
    with pytest.raises(ValueError, match="kinds"):
        rule("S99", scope="row", severity="error", template="{where}", basis="", title="x", kinds=["bogus"])


def test_an_x_rule_never_judges_a_department_or_evaluation_table() -> None:
    @rule("X9", scope="project", severity="warning", template="{where}：对照", basis="test", title="对照")
    def x9(ctx: object) -> list[Finding]:
        return [ctx.finding()]  # type: ignore[attr-defined]

    assert x9.kinds == {PROJECT_TARGET}
    mixed = document(project(), department(), department(DEPARTMENT_EVALUATION))
    (f,) = run_rules(mixed, NATIONAL, [x9])
    assert f.project_code == "54000021R000000005055"
    assert run_rules(document(department()), NATIONAL, [x9]) == ()


def test_a_department_table_is_not_asked_for_a_project_name() -> None:
    for kind in (DEPARTMENT_TARGET, DEPARTMENT_EVALUATION):
        doc = document(department(kind))
        assert not [f for f in findings(doc, "S1") if "项目名称" in f.message], kind
        assert not fires(doc, "S9"), kind
    # a project table without a name is still reported
    (f,) = findings(document(project(code=None, name="")), "S1")
    assert "项目名称" in f.message


def test_a_department_goal_is_judged_without_a_project_name() -> None:
    (f,) = findings(document(department(goal="")), "S9")
    assert "未填写绩效目标" in f.message
    # a department table has no project name to be a repetition of
    assert not fires(document(department(goal="部门整体")), "S9")


def test_department_findings_name_the_department() -> None:
    rows = list(good_rows())
    rows[0] = replace(rows[0], level2=None)
    doc = document(project(*rows, code=None, name="", table_kind=DEPARTMENT_TARGET))
    (f,) = findings(doc, "S1")
    assert f.project_code is None and f.row == 0
    assert f.message.startswith(f"部门整体绩效目标表「{UNIT}」三级指标「人员覆盖率」：未填写二级指标")
    nameless = replace(doc.projects[0], table_kind=DEPARTMENT_EVALUATION, unit_name=None)
    (f,) = findings(replace(doc, projects=(project(), nameless)), "S1")
    assert f.message.startswith("第2个部门整体自评表（第1页）")


def test_the_s_v_d_w_rules_judge_department_and_evaluation_grids() -> None:
    rows = list(good_rows())
    rows[0] = replace(rows[0], target="120")  # V8
    rows[6] = replace(rows[6], operator="≤")  # D1, D5
    rows[2] = replace(rows[2], weight=None)  # W1
    for kind in TABLE_KINDS:
        doc = document(project(*rows, table_kind=kind))
        got = {f.rule for f in validate(doc)}
        assert {"V8", "D1", "D5", "W1"} <= got, kind


def test_a_target_table_never_gets_e_findings_and_an_evaluation_does() -> None:
    rows = tuple(replace(i, actual="0", score=(i.weight or 0) + 5) for i in good_rows())
    target = {f.rule for f in validate(document(project(*rows)))}
    assert not {r for r in target if r.startswith("E")}
    evaluation = {f.rule for f in validate(document(project(*rows, table_kind=PROJECT_EVALUATION)))}
    assert {"E1", "E3"} <= evaluation


def test_s9_and_s10_judge_target_tables_only() -> None:
    core = replace(NATIONAL, core_required=True)
    rows = tuple(replace(i, core=False) for i in good_rows())
    assert fires(document(project(*rows, goal="")), "S9")
    assert fires(document(project(*rows)), "S10", core)
    evaluation = document(project(*rows, goal="", table_kind=PROJECT_EVALUATION))
    assert not fires(evaluation, "S9") and not fires(evaluation, "S10", core)


def test_evaluation_weights_total_90_or_100() -> None:
    for kind in (PROJECT_EVALUATION, DEPARTMENT_EVALUATION):
        ninety = document(project(table_kind=kind))  # 分值 90: the budget block holds the other 10
        assert not [f for f in findings(ninety, "W2") if f.severity == "error"], kind
        rows = (*good_rows(), ind("预算执行率", operator="≥", target="95", weight=10))
        assert not [
            f for f in findings(document(project(*rows, table_kind=kind)), "W2") if f.severity == "error"
        ]
        rows = (*good_rows(), ind("预算执行率", operator="≥", target="95", weight=5))
        assert [f for f in findings(document(project(*rows, table_kind=kind)), "W2") if f.severity == "error"]


# --------------------------------------------------------------------------- midterm rows


def with_midterm(weight: float | None = None) -> tuple:
    """The clean rows, then the same indicators as 中期 targets (another span, same names)."""
    midterm = tuple(replace(i, period=MIDTERM, weight=weight, target="98" if i.target == "100" else i.target)
                    for i in good_rows())  # fmt: skip
    return (*good_rows(), *midterm)


def test_midterm_rows_are_not_duplicates_of_the_annual_ones() -> None:
    doc = document(project(*with_midterm()))
    assert not fires(doc, "S8")
    rows = (*with_midterm(), replace(good_rows()[0], period=MIDTERM))  # a 中期 row twice
    (f,) = findings(document(project(*rows)), "S8")
    assert f.row == len(rows) - 1 and "与第8行指标重复" in f.message
    rows = (*good_rows(), replace(good_rows()[0], target="90"))  # an annual row twice, other value
    (f,) = findings(document(project(*rows)), "S8")
    assert f.severity == "error" and "与第1行指标重复，且指标值不同" in f.message


def test_midterm_rows_stay_out_of_the_weight_rules() -> None:
    for weight in (None, 5.0):  # no 分值 of their own, or one printed beside them
        doc = document(project(*with_midterm(weight)))
        assert not fires(doc, "W1") and not fires(doc, "W3") and not fires(doc, "W5")
        assert not [f for f in findings(doc, "W2") if f.severity == "error"]
        assert "为90的项目1个" in findings(doc, "W2")[0].message
    rows = list(with_midterm())
    rows[2] = replace(rows[2], weight=None)  # an annual blank is still W1's
    (f,) = findings(document(project(*rows)), "W1")
    assert f.row == 2


def test_midterm_rows_are_blocks_of_their_own_and_may_date_past_the_year() -> None:
    assert not fires(document(project(*with_midterm())), "P1")
    rows = list(good_rows())
    rows.insert(2, replace(rows[4]))  # 效益 inside the 产出 block: broken
    assert fires(document(project(*rows)), "P1")
    late = ind("完成时限", level2="时效指标", operator="≤", target="2027年12月底前", unit=None, weight=None)
    assert fires(document(project(*good_rows(), late), year=2025), "D4")
    assert not fires(document(project(*good_rows(), replace(late, period=MIDTERM)), year=2025), "D4")


# --------------------------------------------------------------------------- across documents


def test_across_rules_see_target_tables_and_compare_like_with_like() -> None:
    dept_2024 = (UNIT, 2024, department())
    dept_2025 = (UNIT, 2025, department())
    nameless_2025 = (UNIT, 2025, project(code=None, name=""))
    evaluation_2024 = (UNIT, 2024, project(table_kind=PROJECT_EVALUATION))
    entries = [evaluation_2024, nameless_2025, dept_2024, dept_2025]
    y1 = [
        (located.index, located.related)
        for located in run_across(entries, NATIONAL)
        if located.finding.rule == "Y1"
    ]
    # the department table is compared with the department table of the year before, only
    assert y1 == [(3, ((2, None),))]
    # a self-evaluation of 2024 is not the 2024 target of the project
    assert not [x for x in run_across([evaluation_2024, (UNIT, 2025, project())], NATIONAL)]


def test_across_rules_pair_rows_of_the_same_period() -> None:
    before = project(*with_midterm())
    after_rows = list(with_midterm())
    last = len(after_rows) - 1  # the 中期 satisfaction row: 90 → 85 is lowered
    after_rows[last] = replace(after_rows[last], target="85")
    found = run_across([(UNIT, 2024, before), (UNIT, 2025, project(*after_rows))], NATIONAL)
    (y2,) = [x for x in found if x.finding.rule == "Y2"]
    assert y2.finding.row == last and y2.related == ((0, last),)


def test_a_department_table_may_repeat_its_blocks_per_task() -> None:
    """A department lists indicators per 年度重点工作任务: the 一级 blocks start again (no P1)."""
    task = good_rows()
    for kind in (DEPARTMENT_TARGET, DEPARTMENT_EVALUATION):
        assert not fires(document(project(*task, *task, code=None, name="", table_kind=kind)), "P1"), kind
    for kind in (PROJECT_TARGET, PROJECT_EVALUATION):
        assert fires(document(project(*task, *task, table_kind=kind)), "P1"), kind
