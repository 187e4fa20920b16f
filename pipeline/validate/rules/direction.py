"""Direction sanity rules D1–D5 (rules.md §2.3): does the operator fit what the name measures?

Local refinements of the rules.md lists, each to avoid a false alarm seen on realistic tables:
- D2 adds 故障率 (a failure rate is a reverse indicator like 事故率; the seed has 车辆故障率), and
  skips names that reduce the negative thing (降低企业成本, 节约行政成本 are positive metrics).
- D3 judges economic cost rows only (成本指标 / 经济成本指标): 101号 社会成本 and 生态环境成本
  rows are usually qualitative ("对社会环境的影响 定性 较小"); it accepts % on a cost *rate*
  (超标准率 ≤5%): the money unit is expected of amounts.
- D4 does not judge a bare number without any unit (the unit column may be absent from the
  layout; V3 reports the missing unit).
- D4 does not hold a 中期/长期 target (period ``midterm``) to the budget year: it spans later years.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.model import ANNUAL, Finding
from pipeline.validate.context import RowContext, is_cost, is_satisfaction
from pipeline.validate.registry import rule
from pipeline.validate.values import is_money, is_percent, is_timeliness_value, years_in

POSITIVE_ENDINGS = (
    "合格率",
    "完成率",
    "覆盖率",
    "达标率",
    "及时率",
    "运行率",
    "满足率",
    "知晓率",
    "满意度",
    "满意率",
    "完好率",
    "成功率",
    "准确率",
)
NEGATIVE_WORDS = (
    "成本",
    "费用",
    "单价",
    "投诉率",
    "事故率",
    "发生率",
    "超支率",
    "差错率",
    "结余率",
    "故障率",
)

REDUCING = ("降低", "减少", "节约", "节省", "压缩", "下降")


@rule(
    "D1",
    scope="row",
    severity="warning",
    template="{where}：正向指标（越高越好）却使用了「{operator}」，应为≥或＝",
    basis="DM 正向/反向",
    title="合格率、完成率、覆盖率、满意度等正向指标不应使用≤或＜",
)
def d1_positive(ctx: RowContext) -> Iterator[Finding]:
    if ctx.operator in ("≤", "<") and ctx.name.endswith(POSITIVE_ENDINGS):
        yield ctx.finding(operator=ctx.operator)


@rule(
    "D2",
    scope="row",
    severity="warning",
    template="{where}：成本或反向指标（越低越好）却使用了「{operator}」，应为≤或＝",
    basis="DM, 101",
    title="成本、费用、单价、投诉率、事故率等反向指标不应使用≥或＞",
)
def d2_negative(ctx: RowContext) -> Iterator[Finding]:
    name = ctx.name
    if ctx.operator not in ("≥", ">") or name.endswith(POSITIVE_ENDINGS) or name.startswith(REDUCING):
        return
    if any(w in name for w in NEGATIVE_WORDS):
        yield ctx.finding(operator=ctx.operator)


@rule(
    "D3",
    scope="row",
    severity="warning",
    template="{where}：成本指标应使用≤（或＝），实际为「{operator}」",
    basis="101, DM 预算支出标准",
    title="成本指标使用≤（或＝）和货币单位（元、万元、元/人…）",
    outcomes={"unit": ("warning", "{where}：成本指标的度量单位「{unit}」不是货币单位（元、万元、元/人…）")},
)
def d3_cost(ctx: RowContext) -> Iterator[Finding]:
    ind = ctx.indicator
    if not is_cost(ind) or ind.level2 in ("社会成本指标", "生态环境成本指标"):
        return
    op = ctx.operator
    if op is not None and op not in ("≤", "<", "="):
        yield ctx.finding(operator=op)
    if ctx.unit and not is_money(ctx.unit) and not (is_percent(ctx.unit) and ctx.name.endswith("率")):
        yield ctx.finding("unit", unit=ctx.unit)


@rule(
    "D4",
    scope="row",
    severity="warning",
    template="{where}：时效指标的{column}「{value}」不是日期、期限或百分比",
    basis="P",
    title="时效指标取值为日期、期限或百分比；日期应在预算年度内",
    outcomes={"year": ("warning", "{where}：时效指标的日期「{value}」不在预算年度{year}年内")},
)
def d4_timeliness(ctx: RowContext) -> Iterator[Finding]:
    if ctx.indicator.level2 != "时效指标" or ctx.value is None:
        return
    q = ctx.quantity
    if q is not None and q.number is not None and not q.prefix and not q.unit and not ctx.unit:
        return  # a bare number, no unit anywhere: nothing to judge (V3 reports the missing unit)
    if not is_timeliness_value(ctx.value, ctx.indicator.measure_unit):
        yield ctx.finding(column=ctx.value_column_name, value=ctx.value)
        return
    year = ctx.proj.budget_year
    if ctx.indicator.period != ANNUAL:
        return
    if year is not None and any(y != year for y in years_in(ctx.value)):
        yield ctx.finding("year", value=ctx.value, year=year)


@rule(
    "D5",
    scope="row",
    severity="warning",
    template="{where}：满意度目标{value}%低于{floor:g}%",
    basis="P; 10 bands (threshold configurable)",
    title="满意度指标：单位%、指标性质≥、取值在[下限, 100)之间",
    outcomes={
        "unit": ("warning", "{where}：满意度指标的度量单位应为%，实际为「{unit}」"),
        "operator": ("warning", "{where}：满意度指标的指标性质应为≥，实际为「{operator}」"),
        "degenerate": (
            "warning",
            "{where}：满意度目标「{operator}{value}%」要求全部满意，无法超额完成，宜设为≥90%等",
        ),
    },
)
def d5_satisfaction(ctx: RowContext) -> Iterator[Finding]:
    if not is_satisfaction(ctx.indicator) or ctx.value is None:
        return
    op = ctx.operator
    if op == "定性":
        return  # a qualitative satisfaction row (e.g. 满意) carries no number to judge
    if ctx.unit and not is_percent(ctx.unit):
        yield ctx.finding("unit", unit=ctx.unit)
    q = ctx.quantity
    v = q.number if q is not None else None
    degenerate = v is not None and v >= 100 and op in ("≥", "=", ">")
    if op is not None and op not in ("≥", ">") and not degenerate:
        yield ctx.finding("operator", operator=op)
    if degenerate:
        yield ctx.finding("degenerate", operator=op, value=f"{v:g}")
    elif v is not None and v < ctx.profile.satisfaction_floor and op not in ("≤", "<"):
        yield ctx.finding(value=f"{v:g}", floor=ctx.profile.satisfaction_floor)
