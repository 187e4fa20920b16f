"""Self-evaluation rules E1–E6 (rules.md §2.8a): the 自评表's scores, attainment and totals.

They judge 自评表 only (`project_evaluation`, `department_evaluation`). A row's 分值 is its
weight (the column the weight rules judge), its 得分 `Indicator.score`, its 实际完成值
`Indicator.actual` and its 年度指标值 the target; the 偏差原因分析 / 未完成原因 text is the
printed cell `reason`. The budget block and the 总分 / 评价结论 are `Project.evaluation`.

Whether a row met its target (`attained`) is read from the numbers of both values under the
row's operator: ≥ and ＞ want at least the target, ≤ and ＜ at most; ＝ and a missing operator
want at least the target, or at most for a cost or other reverse indicator (the names D2/D3
know). An actual equal to the target meets it under ＞ and ＜ too: the 10号 formula (actual ÷
target × 分值) gives it the full 分值, and tables write ＞ where they mean ≥. Not judged: a 定性
row, a value without exactly one number, units that cannot be compared (% against 个; 元 against
万元 is compared after scaling).

Local choices, each against a false alarm: E2 accepts the row scores alone as the 总分 when the
grid carries a 预算执行率 row of its own or the block prints no 得分; E4 takes a 执行率 printed
without % as a percentage or as a fraction, and a printed 100% where spending exceeded the budget
(many systems cap the rate); E5 asks for a reason only in tables that print the reason column;
E6 reads a grade only where the 评价结论 is one (优, 良好 …) or names one (自评等级为优).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from pipeline.model import EVALUATION_KINDS, BudgetLine, Evaluation, Finding, Indicator
from pipeline.normalize.text import compact
from pipeline.validate.context import (
    ProjectContext,
    RowContext,
    is_cost,
    judged_operator,
    judged_unit,
    judged_value,
)
from pipeline.validate.registry import rule
from pipeline.validate.rules.direction import NEGATIVE_WORDS, POSITIVE_ENDINGS, REDUCING
from pipeline.validate.values import canonical_unit, money_scale, quantity

SCORE_TOLERANCE = 0.5  # E2: 总分 against the sum of scores
RATE_TOLERANCE = 0.5  # E4: percentage points
EPSILON = 1e-6
BUDGET_EXECUTION = "预算执行率"
REASON = "reason"  # the printed 偏差原因分析 / 未完成原因 cell
GRADES: tuple[tuple[float, str], ...] = ((90.0, "优"), (80.0, "良"), (60.0, "中"), (float("-inf"), "差"))
_GRADE_WORDS = {
    "优秀": "优",
    "良好": "良",
    "中等": "中",
    "较差": "差",
    "优": "优",
    "良": "良",
    "中": "中",
    "差": "差",
}
_WORD = "(优秀|良好|中等|较差|优|良|中|差)"
_GRADE_ALONE = re.compile(rf"^{_WORD}[级等]?(?:[（(][^）)]*[）)])?[。.]?$")
_GRADE_NAMED = re.compile(
    rf"(?:(?:等级|等次|级别|结论|评定|评级|评为|定为)(?:为|是|：|:)?|评价(?:为|是|：|:))"
    rf"[\"“「『]?{_WORD}(?=$|[级等，。；、,.;（(”」』\"])"
)


def _fmt(x: float) -> str:
    return f"{round(x, 2):g}"


def grade_of(score: float) -> str:
    """The grade band of a 总分: 优 ≥90, 良 ≥80, 中 ≥60, 差 <60."""
    return next(grade for floor, grade in GRADES if score >= floor)


def named_grade(conclusion: str | None) -> str | None:
    """The grade a 评价结论 is or names (`优秀` → 优, `自评等级为良` → 良); None when it names none."""
    text = compact(conclusion or "")
    m = _GRADE_ALONE.match(text) or _GRADE_NAMED.search(text)
    return _GRADE_WORDS[m.group(1)] if m else None


def _reverse(ind: Indicator) -> bool:
    """A cost or other lower-is-better indicator (D2, D3)."""
    name = ind.level3 or ""
    if is_cost(ind):
        return True
    if name.endswith(POSITIVE_ENDINGS) or name.startswith(REDUCING):
        return False
    return any(w in name for w in NEGATIVE_WORDS)


def _comparable(
    actual: float, actual_unit: str, target: float, target_unit: str
) -> tuple[float, float] | None:
    """Both numbers in one unit, or None when their units cannot be compared."""
    if not actual_unit or not target_unit or actual_unit == target_unit:
        return actual, target
    a, t = money_scale(actual_unit), money_scale(target_unit)
    if a is None or t is None:
        return None
    return actual * a, target * t


def attained(ind: Indicator) -> bool | None:
    """Whether a row's 实际完成值 meets its 年度指标值 by its operator; None: not judged."""
    value = judged_value(ind)
    if ind.actual is None or value is None:
        return None
    target, actual = quantity(value), quantity(ind.actual)
    op = judged_operator(ind, target)
    if op == "定性" or target.number is None or actual.number is None:
        return None
    pair = _comparable(actual.number, canonical_unit(actual.unit), target.number, judged_unit(ind, target))
    if pair is None:
        return None
    a, t = pair
    if op in ("≥", ">"):
        return a >= t - EPSILON
    if op in ("≤", "<"):
        return a <= t + EPSILON
    return a <= t + EPSILON if _reverse(ind) else a >= t - EPSILON  # ＝ or no operator


def met(ind: Indicator) -> bool | None:
    """For a report: `attained` where the numbers decide; else, where the row has a 得分 and a 分值,
    whether it got full marks (how a 定性 row or a worded 实际完成值 was judged); None otherwise."""
    judged = attained(ind)
    if judged is not None:
        return judged
    if ind.score is None or ind.weight is None:
        return None
    return ind.score >= ind.weight - EPSILON


def _target_text(ctx: RowContext) -> str:
    """The 年度指标值 as a reader sees it: operator, value and, when the value has none, the unit."""
    value = ctx.value or ""
    op = ctx.operator
    shown = f"{op}{value}" if op in ("≥", ">", "≤", "<", "=") and not value.startswith(op) else value
    unit = ctx.indicator.measure_unit
    if unit and ctx.quantity is not None and ctx.quantity.number is not None and not ctx.quantity.unit:
        shown += unit
    return shown


def _points(ctx: RowContext) -> float | None:
    """The row's 分值: its weight in the column the project is judged on."""
    value: float | None = getattr(ctx.indicator, ctx.proj.weight_column)
    return value


@rule(
    "E1",
    scope="row",
    severity="error",
    template="{where}：得分{score}超过分值{points}",
    basis="10号 scoring",
    title="自评表每行得分不超过分值，且不为负数",
    outcomes={"negative": ("error", "{where}：得分{score}为负数")},
    kinds=EVALUATION_KINDS,
)
def e1_score_within_points(ctx: RowContext) -> Iterator[Finding]:
    score = ctx.indicator.score
    if score is None:
        return
    points = _points(ctx)
    if score < 0:
        yield ctx.finding("negative", score=_fmt(score))
    elif points is not None and score > points + EPSILON:
        yield ctx.finding(score=_fmt(score), points=_fmt(points))


def _is_total(line: BudgetLine) -> bool:
    return any(w in line.label for w in ("总额", "合计", "总计", "预算执行")) and "其中" not in line.label


def total_line(lines: Sequence[BudgetLine]) -> BudgetLine | None:
    """The line of a budget block that stands for all of it: 年度资金总额 / 合计 …, else the first."""
    return next((line for line in lines if _is_total(line)), lines[0] if lines else None)


def budget_score(evaluation: Evaluation) -> float | None:
    """The budget block's 得分: its total line's, else its first scored line's."""
    total = total_line(evaluation.budget)
    if total is not None and total.score is not None:
        return total.score
    return next((line.score for line in evaluation.budget if line.score is not None), None)


def execution_rate(evaluation: Evaluation) -> float | None:
    """全年执行数 ÷ 全年预算数 (年初预算数 when that is all it prints) of the total line, as a fraction."""
    line = total_line(evaluation.budget)
    if line is None or line.executed is None:
        return None
    budget = line.budget if line.budget is not None else line.planned
    return line.executed / budget if budget else None


def row_scores(ctx: ProjectContext) -> float | None:
    """The sum of the annual rows' 得分; None when a row with a 分值 has no 得分, or none has one."""
    scores = []
    for _, ind, points in ctx.weighted:
        if ind.score is None and points is not None:
            return None
        if ind.score is not None:
            scores.append(ind.score)
    return sum(scores) if scores else None


@rule(
    "E2",
    scope="project",
    severity="warning",
    template="{where}：各指标得分合计{rows}分{budget_part}，为{total}分，与总分{printed}分不符",
    basis="P",
    title="自评表各指标得分加预算执行得分等于总分（±0.5）",
    kinds=EVALUATION_KINDS,
)
def e2_total(ctx: ProjectContext) -> Iterator[Finding]:
    evaluation = ctx.project.evaluation
    if evaluation is None or evaluation.total_score is None:
        return
    rows = row_scores(ctx)
    if rows is None:
        return
    budget = budget_score(evaluation)
    sums = [rows + (budget or 0.0)]
    if budget is None or any(BUDGET_EXECUTION in (i.level3 or "") for _, i in ctx.annual):
        sums.append(rows)
    printed = evaluation.total_score
    if all(abs(s - printed) > SCORE_TOLERANCE for s in sums):
        yield ctx.finding(
            rows=_fmt(rows),
            budget_part=f"加预算执行得分{_fmt(budget)}分" if budget is not None else "",
            total=_fmt(sums[0]),
            printed=_fmt(printed),
        )


@rule(
    "E3",
    scope="row",
    severity="warning",
    template="{where}：实际完成值「{actual}」未达到年度指标值「{target}」，却得满分{score}分（分值{points}）",
    basis="10号 formula actual ÷ target × points",
    title="定量指标实际完成值未达到年度指标值（按指标性质比较）却得满分",
    kinds=EVALUATION_KINDS,
)
def e3_full_score_when_missed(ctx: RowContext) -> Iterator[Finding]:
    score, points = ctx.indicator.score, _points(ctx)
    if score is None or points is None or points <= 0 or score < points - EPSILON:
        return
    if attained(ctx.indicator) is False:
        yield ctx.finding(
            actual=ctx.indicator.actual, target=_target_text(ctx), score=_fmt(score), points=_fmt(points)
        )


def _rate(printed: str) -> tuple[float, ...]:
    """A printed 执行率 as percentages: `95%` → 95; without % both readings, `0.95` → 0.95 or 95."""
    q = quantity(printed)
    if q.number is None:
        return ()
    if "%" in printed or "％" in printed or canonical_unit(q.unit) == "%":
        return (q.number,)
    return (q.number, q.number * 100)


@rule(
    "E4",
    scope="project",
    severity="warning",
    template="{where}：「{label}」执行率「{rate}」与全年执行数{executed}÷全年预算数{budget}＝{computed}%不符",
    basis="P",
    title="预算执行率等于全年执行数÷全年预算数（±0.5个百分点）",
    kinds=EVALUATION_KINDS,
)
def e4_execution_rate(ctx: ProjectContext) -> Iterator[Finding]:
    evaluation = ctx.project.evaluation
    if evaluation is None:
        return
    for line in evaluation.budget:
        budget = line.budget if line.budget is not None else line.planned
        if line.rate is None or line.executed is None or budget is None or budget <= 0:
            continue
        printed = _rate(line.rate)
        computed = line.executed / budget * 100
        if not printed or any(abs(p - computed) <= RATE_TOLERANCE for p in printed):
            continue
        if computed > 100 and any(abs(p - 100) <= RATE_TOLERANCE for p in printed):
            continue  # the rate capped at 100%
        yield ctx.finding(
            label=line.label or "预算资金",
            rate=line.rate,
            executed=_fmt(line.executed),
            budget=_fmt(budget),
            computed=f"{computed:.2f}",
        )


@rule(
    "E5",
    scope="row",
    severity="warning",
    template="{where}：实际完成值「{actual}」未达到年度指标值「{target}」，未填写偏差原因分析",
    basis="10号",
    title="未达到年度指标值的指标须填写偏差原因分析及改进措施",
    kinds=EVALUATION_KINDS,
)
def e5_reason_for_a_miss(ctx: RowContext) -> Iterator[Finding]:
    if ctx.indicator.raw.get(REASON, "").strip():
        return
    if not any(REASON in i.raw for i in ctx.proj.project.indicators):
        return  # the table prints no reason column
    if attained(ctx.indicator) is False:
        yield ctx.finding(actual=ctx.indicator.actual, target=_target_text(ctx))


@rule(
    "E6",
    scope="project",
    severity="info",
    template="{where}：评价结论「{conclusion}」与总分{total}分不符（按总分应为「{grade}」）",
    basis="rules.md §2.8 grades [V]",
    title="自评等级或评价结论与总分相符（优≥90、良≥80、中≥60、差<60）",
    kinds=EVALUATION_KINDS,
)
def e6_grade(ctx: ProjectContext) -> Iterator[Finding]:
    evaluation = ctx.project.evaluation
    if evaluation is None or evaluation.total_score is None:
        return
    named = named_grade(evaluation.conclusion)
    expected = grade_of(evaluation.total_score)
    if named is not None and named != expected:
        yield ctx.finding(
            conclusion=evaluation.conclusion, total=_fmt(evaluation.total_score), grade=expected
        )
