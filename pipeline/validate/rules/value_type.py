"""Operator and value-type rules V1–V10 (rules.md §2.2) and Y5 (qualitative-only projects).

V10 is a local addition: where both 绩效指标值 and 本年绩效指标值 are filled, a this-year target
looser than the overall one (lower under ≥/＞, higher under ≤/＜) is a warning.

Local refinements, each against a false alarm on realistic tables: V7 takes 无 under 定性 as an
answer (101号 社会成本 rows: "对社会环境的影响 定性 无"); V8's "≤1 looks like a fraction" warning
skips upper bounds (事故率 ≤1% is a normal ceiling) and a target of exactly 0; V9 leaves
satisfaction rows to D5; V6 reads `95%以上` under unit % as the column's unit, bounded.

Normalize splits an operator or unit printed in the value off it when no column holds one
(`≥95%` → operator ≥, target 95, unit %), so the rules judge the parts and the printed cells stay
in `Indicator.raw`: V1 reads the printed 指标性质 cell (a kind such as 定量 / 正向 is not an
unreadable operator; an unreadable cell is reported even when the value carried the operator),
V3 takes a unit split off the value as the row's unit, and V5/V6 compare a column with a value
only where both were printed (a split leaves nothing in the value to compare).
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.model import Finding
from pipeline.normalize.cells import QUANTITATIVE, is_operator_kind, parse_operator
from pipeline.validate.context import COLUMN_NAMES, ProjectContext, RowContext, is_satisfaction
from pipeline.validate.registry import rule
from pipeline.validate.values import (
    canonical_unit,
    is_numeric,
    is_percent,
    is_placeholder,
    money_scale,
    quantity,
)


def _quantitative(ctx: RowContext) -> bool:
    """Judged as a quantitative row: a quantitative operator, or no operator but a number."""
    op = ctx.operator
    if op in QUANTITATIVE:
        return True
    return op is None and ctx.quantity is not None and bool(ctx.quantity.numbers)


@rule(
    "V1",
    scope="row",
    severity="error",
    template="{where}：指标性质「{raw}」无法识别（应为＝、≥、＞、≤、＜或定性）",
    basis="DM",
    title="指标性质须能归一为＝、≥、＞、≤、＜、定性",
    outcomes={"missing": ("warning", "{where}：未填写指标性质，指标值为「{value}」")},
)
def v1_operator(ctx: RowContext) -> Iterator[Finding]:
    raw = ctx.indicator.raw.get("operator", "").strip()
    if raw and parse_operator(raw) is None and not is_operator_kind(raw):
        # unreadable even when the value carried an operator that normalize split off
        yield ctx.finding(raw=raw)
    elif ctx.indicator.operator is None and ctx.value is not None and ctx.operator is None:
        yield ctx.finding("missing", value=ctx.value)  # an empty column, or one naming a kind (定量)


@rule(
    "V2",
    scope="row",
    severity="error",
    template="{where}：定量指标的{column}「{value}」{problem}",
    basis="DM",
    title="定量指标的指标值须恰好包含一个可解析的数字",
    outcomes={"empty": ("error", "{where}：未填写指标值（绩效指标值与本年绩效指标值均为空）")},
)
def v2_one_number(ctx: RowContext) -> Iterator[Finding]:
    if ctx.operator == "定性":
        return
    if ctx.value is None:
        if ctx.indicator.level3 or ctx.operator is not None:
            yield ctx.finding("empty")
        return
    if not _quantitative(ctx) or is_placeholder(ctx.value):
        return  # text under no operator is V1's business; placeholders are V7's
    q = ctx.quantity
    assert q is not None
    if not q.numbers:
        yield ctx.finding(column=ctx.value_column_name, value=ctx.value, problem="不含数字")
    elif len(q.numbers) > 1:
        yield ctx.finding(
            column=ctx.value_column_name, value=ctx.value, problem=f"含{len(q.numbers)}个数字，应只有一个"
        )


@rule(
    "V3",
    scope="row",
    severity="warning",
    template="{where}：定量指标未填写度量单位（指标值「{value}」）",
    basis="DM（定量三级指标中设置指标性质、单位）",
    title="定量指标须有度量单位（单位列或指标值中）",
)
def v3_unit(ctx: RowContext) -> Iterator[Finding]:
    if ctx.value is None or not _quantitative(ctx) or is_placeholder(ctx.value):
        return
    if not ctx.unit:
        yield ctx.finding(value=ctx.value)


@rule(
    "V4",
    scope="row",
    severity="error",
    template="{where}：定性指标未填写指标值",
    basis="88, 10",
    title="定性指标的指标值须为文字；纯数字为警告，空白为错误",
    outcomes={
        "numeric": ("warning", "{where}：定性指标的{column}是纯数字「{value}」，应为文字描述或改为定量指标")
    },
)
def v4_qualitative(ctx: RowContext) -> Iterator[Finding]:
    if ctx.indicator.operator != "定性":
        return
    if ctx.value is None:
        yield ctx.finding()
    elif is_numeric(ctx.value):
        yield ctx.finding("numeric", column=ctx.value_column_name, value=ctx.value)


@rule(
    "V5",
    scope="row",
    severity="error",
    template="{where}：{column}「{value}」中的「{embedded}」与指标性质「{operator}」矛盾",
    basis="P",
    title="指标值中写出的运算符须与指标性质一致",
    outcomes={
        "values": (
            "error",
            "{where}：绩效指标值「{target}」与本年绩效指标值「{this_year}」写出的运算符不一致（{a}与{b}）",
        )
    },
)
def v5_embedded_operator(ctx: RowContext) -> Iterator[Finding]:
    op = ctx.indicator.operator
    if op is None:
        # no column operator, and the values disagree on theirs (normalize then splits neither)
        ind = ctx.indicator
        if ind.target is not None and ind.target_this_year is not None:
            a, b = quantity(ind.target).operator, quantity(ind.target_this_year).operator
            if a is not None and b is not None and a != b:
                yield ctx.finding("values", target=ind.target, this_year=ind.target_this_year, a=a, b=b)
        return
    for key in ("target", "target_this_year"):
        value = getattr(ctx.indicator, key)
        if value is None:
            continue
        embedded = quantity(value).operator
        if embedded is not None and embedded != op:
            yield ctx.finding(column=COLUMN_NAMES[key], value=value, embedded=embedded, operator=op)


_QUALIFIERS = frozenset(
    {
        "以上",
        "以下",
        "以内",
        "之内",
        "内",
        "以內",
        "之內",
        "內",
        "左右",
        "及以上",
        "及以下",
        "或以上",
        "或以下",
    }
)


def _qualified(embedded: str, column: str) -> bool:
    """The column's unit followed by a word that bounds the number: `95%以上` under unit `%`."""
    return embedded.startswith(column) and embedded[len(column) :] in _QUALIFIERS


@rule(
    "V6",
    scope="row",
    severity="warning",
    template="{where}：指标值「{value}」中的单位「{embedded}」与度量单位「{unit}」不一致",
    basis="P",
    title="指标值中写出的单位须与度量单位一致（百分比即%，元与万元不可混用）",
    outcomes={
        "scale": ("error", "{where}：指标值「{value}」的单位「{embedded}」与度量单位「{unit}」数量级不同")
    },
)
def v6_embedded_unit(ctx: RowContext) -> Iterator[Finding]:
    column = canonical_unit(ctx.indicator.measure_unit)
    if not column:
        return
    for key in ("target", "target_this_year"):
        value = getattr(ctx.indicator, key)
        if value is None:
            continue
        q = quantity(value)
        embedded = canonical_unit(q.unit)
        if not q.numbers or not embedded or embedded == column or _qualified(embedded, column):
            continue
        a, b = money_scale(embedded), money_scale(column)
        if a is not None and b is not None and a != b:
            yield ctx.finding("scale", value=value, embedded=q.unit, unit=ctx.indicator.measure_unit)
        elif a is None or b is None:
            yield ctx.finding(value=value, embedded=q.unit, unit=ctx.indicator.measure_unit)


@rule(
    "V7",
    scope="row",
    severity="error",
    template="{where}：{column}「{value}」是未填写的模板占位符",
    basis="templates; DM maps XX → 0",
    title="指标值不得是占位符（XX、**、—、/、无、待定）；定性指标填「无」视为回答",
)
def v7_placeholder(ctx: RowContext) -> Iterator[Finding]:
    for key in ("target", "target_this_year"):
        value = getattr(ctx.indicator, key)
        if value is not None and is_placeholder(value, qualitative=ctx.indicator.operator == "定性"):
            yield ctx.finding(column=COLUMN_NAMES[key], value=value)


_GROWTH = ("增长率", "增幅", "增长", "增速", "比率")


@rule(
    "V8",
    scope="row",
    severity="error",
    template="{where}：百分比指标值{value}%{problem}",
    basis="P",
    title="百分比取值应在0–100之间；≤1可能误填为小数；比率类超过100为错误（增长率除外）",
    outcomes={
        "fraction": ("warning", "{where}：百分比指标值为{value}%，可能误将小数（如0.95）当作百分比填写"),
        "over": ("warning", "{where}：百分比指标值{value}%超过100"),
    },
)
def v8_percent_range(ctx: RowContext) -> Iterator[Finding]:
    q = ctx.quantity
    if q is None or q.number is None or not is_percent(ctx.unit) or not _quantitative(ctx):
        return
    v = q.number
    shown = f"{v:g}"
    if v < 0:
        yield ctx.finding(value=shown, problem="为负数")
    elif v > 100:
        if "率" in ctx.name and not any(g in ctx.name for g in _GROWTH):
            yield ctx.finding(value=shown, problem="超过100，比率不可能超过100%")
        elif not any(g in ctx.name for g in _GROWTH):
            yield ctx.finding("over", value=shown)
    elif 0 < v <= 1 and ctx.operator not in ("≤", "<"):  # a small ceiling (事故率≤1%) is normal
        yield ctx.finding("fraction", value=shown)


@rule(
    "V9",
    scope="row",
    severity="warning",
    template="{where}：目标「{operator}{value}%」无法超额完成（只能恰好达到100%），应改为「＝100%」或合理的下限",
    basis="P",
    title="比率类指标设为≥100%或＞100%是不可能或退化的目标",
)
def v9_over_hundred(ctx: RowContext) -> Iterator[Finding]:
    q = ctx.quantity
    if q is None or q.number is None or ctx.operator not in ("≥", ">") or is_satisfaction(ctx.indicator):
        return  # satisfaction rows are D5's business
    if (is_percent(ctx.unit) or ctx.name.endswith("率")) and q.number >= 100:
        yield ctx.finding(operator=ctx.operator, value=f"{q.number:g}")


@rule(
    "V10",
    scope="row",
    severity="warning",
    template="{where}：本年绩效指标值「{this_year}」比绩效指标值「{overall}」宽松（指标性质{operator}）",
    basis="local addition",
    title="本年指标值不应比总体指标值宽松",
)
def v10_this_year_looser(ctx: RowContext) -> Iterator[Finding]:
    ind = ctx.indicator
    if ind.target is None or ind.target_this_year is None or ctx.operator not in ("≥", ">", "≤", "<"):
        return
    overall, this_year = quantity(ind.target), quantity(ind.target_this_year)
    if overall.number is None or this_year.number is None:
        return
    if canonical_unit(overall.unit) != canonical_unit(this_year.unit):
        return
    looser = (
        this_year.number < overall.number if ctx.operator in ("≥", ">") else this_year.number > overall.number
    )
    if looser:
        yield ctx.finding(this_year=ind.target_this_year, overall=ind.target, operator=ctx.operator)


@rule(
    "Y5",
    scope="project",
    severity="warning",
    template="{where}：{count}个指标全部为定性指标，没有定量指标（应细化量化）",
    basis="88 细化量化",
    title="项目不应只有定性指标",
)
def y5_qualitative_only(ctx: ProjectContext) -> Iterator[Finding]:
    rows = list(ctx.rows())
    if rows and all(r.indicator.operator == "定性" for r in rows):
        yield ctx.finding(count=len(rows))
