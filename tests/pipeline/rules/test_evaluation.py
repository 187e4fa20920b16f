"""E1–E6: self-evaluation tables (自评表), each rule firing and quiet on a near miss."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pipeline.model import (
    DEPARTMENT_EVALUATION,
    PROJECT_EVALUATION,
    PROJECT_TARGET,
    BudgetLine,
    Document,
    Evaluation,
    Indicator,
)
from pipeline.settings import ValidateSettings
from pipeline.validate import validate
from pipeline.validate.rules.evaluation import (
    attained,
    budget_score,
    execution_rate,
    grade_of,
    met,
    named_grade,
    total_line,
)
from tests.pipeline.rules.build import NATIONAL, document, findings, fires, ind, project

E_RULES = ("E1", "E2", "E3", "E4", "E5", "E6")
NO_REASON = {"reason": ""}


def scored_rows() -> tuple[Indicator, ...]:
    """A clean 自评表 grid: 分值 50/30/10 (90), every target met, full scores."""
    return (
        ind("人员覆盖率", operator="≥", target="95", weight=20, actual="96%", score=20, raw=NO_REASON),
        ind("足额保障率", level2="质量指标", target="100", weight=10, actual="100%", score=10, raw=NO_REASON),
        ind("及时支付率", level2="时效指标", operator="≥", target="90", weight=10, actual="92%", score=10,
            raw=NO_REASON),
        ind("项目成本控制", level2="成本指标", operator="≤", target="10.5", unit="万元", weight=10,
            actual="10.2", score=10, raw=NO_REASON),
        ind("社会稳定性", level1="效益指标", level2="社会效益指标", operator="定性", target="稳定", unit=None,
            weight=15, actual="达成预期指标", score=15, raw=NO_REASON),
        ind("人员幸福感", level1="效益指标", level2="社会效益指标", operator="定性", target="提升", unit=None,
            weight=15, actual="效果明显", score=15, raw=NO_REASON),
        ind("受益对象满意度", level1="满意度指标", level2="服务对象满意度指标", operator="≥", target="90",
            weight=10, actual="93%", score=10, raw=NO_REASON),
    )  # fmt: skip


def block(**changes: Any) -> Evaluation:
    """Budget block 100 万元 fully spent (10 分), 总分 100, 优."""
    total = BudgetLine(
        "年度资金总额", planned=100, budget=100, executed=100, points=10, rate="100%", score=10
    )
    part = BudgetLine("其中：本年财政拨款", planned=80, budget=80, executed=80, rate="100.00%")
    return replace(Evaluation(budget=(total, part), total_score=100, conclusion="优"), **changes)


def evaluated(
    rows: tuple[Indicator, ...] | None = None,
    evaluation: Evaluation | None = None,
    kind: str = PROJECT_EVALUATION,
) -> Document:
    return document(project(*(rows or scored_rows()), table_kind=kind, evaluation=evaluation or block()))


def with_scored(row: int, **changes: Any) -> Document:
    rows = list(scored_rows())
    rows[row] = replace(rows[row], **changes)
    return evaluated(tuple(rows))


def test_a_clean_self_evaluation_has_no_e_finding() -> None:
    for kind in (PROJECT_EVALUATION, DEPARTMENT_EVALUATION):
        doc = evaluated(kind=kind)
        assert not [f for f in validate(doc) if f.rule.startswith("E")], kind


def test_e1_score_above_points_or_negative() -> None:
    (f,) = findings(with_scored(0, score=21), "E1")
    assert f.severity == "error" and f.row == 0 and f.level3 == "人员覆盖率"
    assert f.message == "项目「54000021R000000005055-工资性支出」三级指标「人员覆盖率」：得分21超过分值20"
    (f,) = findings(with_scored(4, score=-1), "E1")
    assert "得分-1为负数" in f.message
    assert not fires(with_scored(0, score=20), "E1")  # exactly the 分值
    assert not fires(with_scored(0, score=0), "E1")
    assert not fires(with_scored(0, score=None), "E1")


def test_e2_scores_plus_budget_block_make_the_total() -> None:
    (f,) = findings(evaluated(evaluation=block(total_score=98)), "E2")
    assert f.severity == "warning" and f.row is None
    assert "各指标得分合计90分加预算执行得分10分，为100分，与总分98分不符" in f.message
    assert not fires(evaluated(evaluation=block(total_score=99.6)), "E2")  # ±0.5
    # a lost point on a row shows in the sum
    assert fires(with_scored(0, score=15), "E2")
    # a row without its 得分: the sum means nothing
    unscored = (replace(scored_rows()[0], score=None), *scored_rows()[1:])
    assert not fires(evaluated(unscored, evaluation=block(total_score=50)), "E2")
    # no 总分 printed: nothing to compare
    assert not fires(evaluated(evaluation=block(total_score=None)), "E2")


def test_e2_accepts_a_grid_that_carries_the_budget_row_itself() -> None:
    budget_row = ind(
        "预算执行率", level2="数量指标", operator="≥", target="95", weight=10, actual="100%", score=10
    )
    rows = (*scored_rows(), budget_row)  # 100 in the grid, the block's 10 repeats it
    assert not fires(evaluated(rows), "E2")
    unscored = block(budget=tuple(replace(line, score=None) for line in block().budget), total_score=90)
    assert not fires(evaluated(evaluation=unscored), "E2")
    assert fires(evaluated(evaluation=replace(unscored, total_score=100)), "E2")


def test_e3_a_missed_target_with_full_marks() -> None:
    (f,) = findings(with_scored(0, actual="90%"), "E3")
    assert f.severity == "warning" and f.row == 0
    assert "实际完成值「90%」未达到年度指标值「≥95%」，却得满分20分（分值20）" in f.message
    assert not fires(with_scored(0, actual="95%"), "E3")  # exactly met
    assert not fires(with_scored(0, actual="90%", score=18.9), "E3")  # scored down
    # ≤: over the ceiling is a miss
    assert fires(with_scored(3, actual="11"), "E3")
    assert not fires(with_scored(3, actual="10.5"), "E3")
    # ＞ and ＜: equal to the target is met (the formula gives full marks), beyond it is not
    assert not fires(with_scored(0, operator=">", actual="95%"), "E3")
    assert fires(with_scored(0, operator=">", actual="94.9%"), "E3")
    assert not fires(with_scored(3, operator="<", actual="10.5"), "E3")
    assert fires(with_scored(3, operator="<", actual="10.6"), "E3")
    # ＝ on a positive metric: under is a miss; on a cost, over is
    assert fires(with_scored(1, actual="98%"), "E3")
    assert not fires(with_scored(1, actual="100%"), "E3")
    assert fires(with_scored(3, operator="=", actual="11"), "E3")
    assert not fires(with_scored(3, operator="=", actual="9"), "E3")


def test_e3_judges_numbers_only() -> None:
    assert not fires(with_scored(4, actual="未达到预期"), "E3")  # 定性 rows are not judged
    assert not fires(with_scored(0, actual="达成预期指标"), "E3")  # no number in the actual
    assert not fires(with_scored(0, target="较上年提高", actual="90%"), "E3")  # none in the target
    assert not fires(with_scored(0, actual="90-92%"), "E3")  # two numbers
    assert not fires(with_scored(0, actual="90个"), "E3")  # % against 个: not comparable
    # 万元 against 元 is compared after scaling: 105000 元 = 10.5 万元, met
    assert not fires(with_scored(3, actual="105000元"), "E3")
    assert fires(with_scored(3, actual="110000元"), "E3")


def test_e4_execution_rate() -> None:
    lines = block().budget
    off = block(budget=(replace(lines[0], executed=96), lines[1]))  # printed 100%, really 96%
    (f,) = findings(evaluated(evaluation=off), "E4")
    assert f.severity == "warning" and f.row is None
    assert "「年度资金总额」执行率「100%」与全年执行数96÷全年预算数100＝96.00%不符" in f.message
    near = block(budget=(replace(lines[0], executed=99.6), lines[1]))  # 100% vs 99.6%: within 0.5
    assert not fires(evaluated(evaluation=near), "E4")
    sub = block(budget=(lines[0], replace(lines[1], executed=76, rate="95.50%")))  # 95% vs 95.5%
    assert not fires(evaluated(evaluation=sub), "E4")
    sub = block(budget=(lines[0], replace(lines[1], executed=76, rate="96.00%")))  # 95% vs 96%
    assert fires(evaluated(evaluation=sub), "E4")


def test_e4_reads_fractions_capped_rates_and_skips_what_it_cannot_compute() -> None:
    lines = block().budget
    fraction = block(budget=(replace(lines[0], executed=95, rate="0.95"), lines[1]))
    assert not fires(evaluated(evaluation=fraction), "E4")
    capped = block(budget=(replace(lines[0], executed=104), lines[1]))  # spent more: printed 100%
    assert not fires(evaluated(evaluation=capped), "E4")
    no_budget = block(budget=(replace(lines[0], budget=None, planned=None, rate="50%"),))
    assert not fires(evaluated(evaluation=no_budget), "E4")
    planned_only = block(budget=(replace(lines[0], budget=None, executed=50, rate="100%"),))
    assert fires(evaluated(evaluation=planned_only), "E4")  # 年初预算数 is then the reference


def test_e5_a_miss_without_a_reason() -> None:
    (f,) = findings(with_scored(0, actual="90%", score=18), "E5")
    assert f.severity == "warning" and f.row == 0 and "未填写偏差原因分析" in f.message
    assert "未达到年度指标值「≥95%」" in f.message
    (f,) = findings(with_scored(3, actual="11"), "E5")
    assert "实际完成值「11」未达到年度指标值「≤10.5万元」" in f.message
    explained = with_scored(0, actual="90%", score=18, raw={"reason": "部分人员年中调入，未能全覆盖"})
    assert not fires(explained, "E5")
    assert not fires(with_scored(0, actual="95%", score=18), "E5")  # met: nothing to explain
    no_column = evaluated(
        tuple(replace(r, raw={}) for r in with_scored(0, actual="90%").projects[0].indicators)
    )
    assert not fires(no_column, "E5")


def test_e6_grade_against_total() -> None:
    (f,) = findings(evaluated(evaluation=block(total_score=85)), "E6")  # 85 is 良, printed 优
    assert f.severity == "info" and "评价结论「优」与总分85分不符（按总分应为「良」）" in f.message
    assert not fires(evaluated(evaluation=block(total_score=90)), "E6")  # 90 is still 优
    assert not fires(evaluated(evaluation=block(total_score=89.9, conclusion="良好")), "E6")
    assert fires(evaluated(evaluation=block(total_score=59, conclusion="自评等级为中")), "E6")
    assert not fires(
        evaluated(evaluation=block(total_score=59, conclusion="项目运行良好，群众评价良好")), "E6"
    )
    assert not fires(evaluated(evaluation=block(total_score=85, conclusion=None)), "E6")


def test_grade_bands_and_printed_grades() -> None:
    assert [grade_of(s) for s in (100, 90, 89.99, 80, 60, 59.5, 0)] == [
        "优",
        "优",
        "良",
        "良",
        "中",
        "差",
        "差",
    ]
    assert (
        named_grade("优秀") == "优" and named_grade("良") == "良" and named_grade("中等（60-79分）") == "中"
    )
    assert named_grade("该项目绩效评价等级为优，资金使用规范。") == "优"
    assert named_grade("评价结论：较差") == "差"
    assert named_grade("项目完成情况良好") is None and named_grade("存在偏差") is None
    assert named_grade("") is None and named_grade(None) is None


def test_e_rules_never_judge_a_target_table() -> None:
    """A target table with self-evaluation cells (an extractor mistake) still gets no E finding."""
    bad = list(scored_rows())
    bad[0] = replace(bad[0], actual="90%", score=30)
    doc = document(project(*bad, table_kind=PROJECT_TARGET, evaluation=block(total_score=10)))
    assert not [f for f in validate(doc) if f.rule in E_RULES]
    # the same rows as a 自评表: E1, E2, E3, E5, E6 fire
    doc = evaluated(tuple(bad), evaluation=block(total_score=10))
    assert {f.rule for f in validate(doc) if f.rule in E_RULES} == {"E1", "E2", "E3", "E5", "E6"}


def test_e_rules_follow_the_profile() -> None:
    doc = with_scored(0, score=21)
    quiet = replace(NATIONAL, ignore=("E",))
    assert not [f for f in validate(doc, ValidateSettings(profile=quiet)) if f.rule.startswith("E")]
    louder = replace(NATIONAL, severity={"E1": "warning"})
    (f,) = findings(doc, "E1", louder)
    assert f.severity == "warning"


def test_met_for_reports_falls_back_on_full_marks() -> None:
    rows = scored_rows()
    assert attained(rows[0]) is True and met(rows[0]) is True
    missed = replace(rows[0], actual="90%", score=18)
    assert attained(missed) is False and met(missed) is False
    assert attained(rows[4]) is None and met(rows[4]) is True  # 定性, full marks
    assert met(replace(rows[4], score=12)) is False
    assert met(replace(rows[4], score=None)) is None


def test_total_line_and_execution_rate() -> None:
    lines = block().budget
    assert total_line(lines) == lines[0] and total_line(lines[::-1]) == lines[0]
    assert total_line(lines[1:]) == lines[1] and total_line(()) is None
    assert execution_rate(block(budget=(replace(lines[0], executed=95),))) == pytest.approx(0.95)
    assert execution_rate(block(budget=(replace(lines[0], budget=None, planned=50, executed=40),))) == 0.8
    assert execution_rate(block(budget=(replace(lines[0], budget=0, planned=None),))) is None
    assert execution_rate(block(budget=())) is None
    assert budget_score(block(budget=(replace(lines[0], score=None), replace(lines[1], score=8)))) == 8
