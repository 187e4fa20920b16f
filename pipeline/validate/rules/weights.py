"""Weight rules W1–W5 (rules.md §2.4); they run only when the table has a 权重 column.

A project is judged on its 本年权重 column when that column holds any number, else on 权重.
The sum rules (W2, W3, W4) need every weight of the project (or of the 一级 block): with a blank
weight the total means nothing, and W1 already reports the blank.

Only a project's annual rows are judged: the 中期/长期 rows printed beside them (period
``midterm``) carry no weight of their own and would count twice. A 自评表's 分值 column is its
weight column: 90 with the budget block's 10 outside the grid, or 100 with 预算执行率 as a row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from pipeline.model import Finding
from pipeline.normalize.levels import COST, OUTPUT, SATISFACTION
from pipeline.validate.context import DocumentContext, ProjectContext
from pipeline.validate.registry import rule

BUDGET_EXECUTION = "预算执行率"


def _fmt(x: float) -> str:
    return f"{round(x, 2):g}"


@rule(
    "W1",
    scope="project",
    severity="error",
    template="{where}：{column}{problem}",
    basis="DM weight NUMBER(5,2)",
    title="每个权重须为不小于0的数字；空白视为缺失",
    outcomes={"all": ("error", "{where}：所有指标均未填写{column}")},
)
def w1_numeric(ctx: ProjectContext) -> Iterator[Finding]:
    if not ctx.doc.has_weight_column or not ctx.weighted:
        return
    column, name = ctx.weight_column, ctx.weight_column_name
    if all(w is None for w in ctx.weights):
        if all(not i.raw.get(column, "").strip() for _, i in ctx.annual):
            yield ctx.finding("all", column=name)
            return
    for r, ind, w in ctx.weighted:
        printed = ind.raw.get(column, "").strip()
        if w is None and printed:
            yield ctx.finding(row=r, column=name, problem=f"「{printed}」不是数字")
        elif w is None:
            yield ctx.finding(row=r, column=name, problem="未填写")
        elif w < 0:
            yield ctx.finding(row=r, column=name, problem=f"为负数（{_fmt(w)}）")


def _complete(ctx: ProjectContext) -> tuple[float, ...] | None:
    if not ctx.doc.has_weight_column or not ctx.weights or any(w is None for w in ctx.weights):
        return None
    return tuple(w for w in ctx.weights if w is not None)


@rule(
    "W2",
    scope="document",
    severity="error",
    template="{where}：{column}合计为{total}，应为{expected}",
    basis="10 §十一, P",
    title="每个项目的权重合计为100或90（90表示预算执行率10分不在表内）",
    outcomes={"summary": ("info", "{where}：权重合计{summary}")},
)
def w2_total(ctx: DocumentContext) -> Iterator[Finding]:
    counts: dict[str, int] = defaultdict(int)
    totals = ctx.profile.weight_totals
    for p in ctx.projects():
        weights = _complete(p)
        if weights is None:
            continue
        total = sum(weights)
        match = next((t for t in totals if abs(total - t) <= ctx.profile.weight_tolerance), None)
        if match is None:
            expected = "或".join(_fmt(t) for t in totals)
            yield p.finding(column=p.weight_column_name, total=_fmt(total), expected=expected)
        else:
            counts[_fmt(match)] += 1
    if counts:
        parts = [f"为{t}的项目{n}个" for t, n in sorted(counts.items(), key=lambda kv: float(kv[0]))]
        note = "（90分表示预算执行率10分在自评时另计）" if "90" in counts else ""
        yield ctx.finding("summary", summary="，".join(parts) + note)


def _level1_sums(ctx: ProjectContext) -> dict[str, float]:
    sums: dict[str, float] = defaultdict(float)
    for _, ind, w in ctx.weighted:
        if w is None or BUDGET_EXECUTION in (ind.level3 or ""):
            continue
        level1 = OUTPUT if ind.level1 == COST else (ind.level1 or "")
        sums[level1] += w
    return sums


@rule(
    "W3",
    scope="project",
    severity="warning",
    template="{where}：一级指标「{level1}」权重合计{actual}，原则上应为{expected}",
    basis="10 §十一, 池州 sample",
    title="一级指标权重原则上为产出50、效益30、满意度10（另加预算执行率10）；无满意度时效益40",
)
def w3_level1_split(ctx: ProjectContext) -> Iterator[Finding]:
    if _complete(ctx) is None:
        return
    has_satisfaction = any(i.level1 == SATISFACTION for _, i in ctx.annual)
    expected = (
        ctx.profile.level1_weights if has_satisfaction else ctx.profile.level1_weights_without_satisfaction
    )
    sums = _level1_sums(ctx)
    for level1, want in expected.items():
        got = sums.get(level1, 0.0)
        if abs(got - want) > ctx.profile.weight_tolerance:
            yield ctx.finding(level1=level1, actual=_fmt(got), expected=_fmt(want))


@rule(
    "W4",
    scope="project",
    severity="info",
    template="{where}：一级指标「{level1}」下各三级指标权重不等（{weights}），原则上平均设置",
    basis="10",
    title="同一一级指标内三级指标权重原则上平均设置",
)
def w4_even(ctx: ProjectContext) -> Iterator[Finding]:
    blocks: dict[str, list[float | None]] = defaultdict(list)
    for _, ind, w in ctx.weighted:
        if ind.level1:
            blocks[ind.level1].append(w)
    for level1, weights in blocks.items():
        if None in weights or len(weights) < 2:
            continue
        if len(set(weights)) > 1:
            yield ctx.finding(level1=level1, weights="、".join(_fmt(w) for w in weights if w is not None))


@rule(
    "W5",
    scope="project",
    severity="warning",
    template="{where}：{column}为0，而同一一级指标下其他指标权重大于0",
    basis="P",
    title="同级其他指标权重大于0时，三级指标权重不应为0",
)
def w5_zero(ctx: ProjectContext) -> Iterator[Finding]:
    if not ctx.doc.has_weight_column:
        return
    positive = {ind.level1 for _, ind, w in ctx.weighted if w and w > 0}
    for r, ind, w in ctx.weighted:
        if w == 0 and ind.level1 in positive:
            yield ctx.finding(row=r, column=ctx.weight_column_name)
