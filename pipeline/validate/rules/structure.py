"""Structure and schema rules S1–S10 (rules.md §2.1).

They judge every table kind (department tables and the indicator grid of a 自评表 included),
except S9 and S10, which judge how targets were set (the 绩效目标 text, ★ core indicators) and
run on target tables only. A department table has no project: S1 does not ask it for a 项目名称,
and S9 has no project name to compare its goal with. S8 compares rows of the same period: the
same 三级指标 as a 中期 target and as an annual one is not a duplicate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.model import DEPARTMENT_KINDS, Finding
from pipeline.normalize.levels import (
    BENEFIT,
    COST,
    KNOWN_NAMES,
    LEVEL1_NAMES,
    OUTPUT,
    SATISFACTION,
    TREE_88,
    TREE_101,
)
from pipeline.normalize.text import compact
from pipeline.validate.context import DocumentContext, ProjectContext, RowContext, is_cost, is_satisfaction
from pipeline.validate.registry import TARGET_KINDS, rule

_LEVEL_FIELDS = (("level1", "一级指标"), ("level2", "二级指标"), ("level3", "三级指标"))


@rule(
    "S1",
    scope="project",
    severity="error",
    template="{where}：未填写{fields}",
    basis="DM (kpi_lv1/2/3 NOT NULL)",
    title="每个指标行须填写单位名称、项目名称、一级、二级、三级指标",
    outcomes={"project": ("error", "{where}：未填写{fields}（项目内全部指标行）")},
)
def s1_required_cells(ctx: ProjectContext) -> Iterator[Finding]:
    missing = []
    if not (ctx.project.unit_name or ctx.doc.document.unit_name):
        missing.append("单位名称")
    if not ctx.project.name and not ctx.project.code and ctx.project.table_kind not in DEPARTMENT_KINDS:
        missing.append("项目名称")
    if missing and ctx.project.indicators:
        yield ctx.finding("project", fields="、".join(missing))
    for r in ctx.rows():
        empty = [label for key, label in _LEVEL_FIELDS if not getattr(r.indicator, key)]
        if empty:
            yield r.finding(fields="、".join(empty))


@rule(
    "S2",
    scope="row",
    severity="error",
    template="{where}：一级指标「{level1}」不是产出指标、效益指标、满意度指标或成本指标",
    basis="88, 101",
    title="一级指标（同义词归一后）须为产出、效益、满意度或成本指标",
)
def s2_level1_known(ctx: RowContext) -> Iterator[Finding]:
    level1 = ctx.indicator.level1
    if level1 and level1 not in LEVEL1_NAMES:
        yield ctx.finding(level1=level1)


def _legal(level1: str, level2: str, hierarchy: str) -> bool:
    trees = {"88": (TREE_88,), "101": (TREE_101,), "either": (TREE_88, TREE_101)}[hierarchy]
    if level1 == SATISFACTION and "满意度" in level2:
        return True  # the 一体化 import forces any 二级 containing 满意度 to 服务对象满意度指标
    return any(level2 in tree.get(level1, ()) for tree in trees)


_STYLE_NAMES = {"88": "88号/10号体系（成本指标为产出下的二级）", "101": "101号体系（成本指标为一级）"}


@rule(
    "S3",
    scope="document",
    severity="error",
    template="{where}：二级指标「{level2}」不属于一级指标「{level1}」（{style}）",
    basis="88, 101",
    title="二级指标须为其一级指标在指标体系中的合法下级；同一文件不应混用两种体系",
    outcomes={
        "mixed": (
            "warning",
            "{where}：同时出现两种指标体系：{first}（如{first_project}）与{second}（如{second_project}）",
        )
    },
)
def s3_level_pairs(ctx: DocumentContext) -> Iterator[Finding]:
    hierarchy = ctx.profile.hierarchy
    style = {"88": "按88号/10号体系", "101": "按101号体系", "either": "88号与101号体系均不符"}[hierarchy]
    seen: dict[str, str] = {}
    for p in ctx.projects():
        for r in p.rows():
            l1, l2 = r.indicator.level1, r.indicator.level2
            if not l1 or not l2 or l1 not in LEVEL1_NAMES:
                continue
            if not _legal(l1, l2, hierarchy):
                yield r.finding(level1=l1, level2=l2, style=style)
            unnamed = "部门整体表" if p.project.table_kind in DEPARTMENT_KINDS else f"第{p.index + 1}个项目"
            label = p.project.code or p.project.name or unnamed
            if l1 == OUTPUT and l2 == COST:
                seen.setdefault("88", label)
            elif l1 == COST:
                seen.setdefault("101", label)
    if len(seen) == 2:
        yield ctx.finding(
            "mixed",
            first=_STYLE_NAMES["88"],
            first_project=seen["88"],
            second=_STYLE_NAMES["101"],
            second_project=seen["101"],
        )


_HEADERS = frozenset(
    {
        "一级指标",
        "二级指标",
        "三级指标",
        "指标名称",
        "三级指标名称",
        "绩效指标",
        "年度目标",
        "绩效目标",
        "年度绩效目标",
        "指标值",
        "绩效指标值",
        "本年绩效指标值",
        "指标性质",
        "绩效指标性质",
        "度量单位",
        "绩效度量单位",
        "权重",
        "本年权重",
        "单位名称",
        "项目名称",
        "指标内容",
    }
)
_TITLE = re.compile(r"^(?:19|20)\d\d年?度?$|^(?:19|20)\d\d年度?.*(?:绩效|目标|预算).*表$|^项目支出绩效")


@rule(
    "S4",
    scope="row",
    severity="error",
    template="{where}：三级指标{problem}",
    basis="P",
    title="三级指标不得是一级/二级指标名称的复制，也不得是表头或标题文字",
)
def s4_level3_is_real(ctx: RowContext) -> Iterator[Finding]:
    name = ctx.indicator.level3
    if not name:
        return  # an empty 三级 is reported by S1
    if name in (ctx.indicator.level1, ctx.indicator.level2) or name in KNOWN_NAMES:
        yield ctx.finding(problem="与一级/二级指标名称相同，应为具体指标")
    elif name in _HEADERS:
        yield ctx.finding(problem="是表头文字，不是指标")
    elif _TITLE.search(name):
        yield ctx.finding(problem="是年份或表格标题，不是指标")


@rule(
    "S5",
    scope="project",
    severity="error",
    template="{where}：没有产出指标",
    basis="88",
    title="每个项目至少有一个产出指标和一个效益指标",
    outcomes={"benefit": ("warning", "{where}：没有效益指标")},
)
def s5_output_and_benefit(ctx: ProjectContext) -> Iterator[Finding]:
    levels = {i.level1 for i in ctx.project.indicators}
    if not ctx.project.indicators:
        return
    if OUTPUT not in levels:
        yield ctx.finding()
    if BENEFIT not in levels:
        yield ctx.finding("benefit")


@rule(
    "S6",
    scope="project",
    severity="warning",
    template="{where}：没有满意度指标（原则上应设置服务对象满意度指标）",
    basis="10",
    title="每个项目应有满意度指标",
)
def s6_satisfaction(ctx: ProjectContext) -> Iterator[Finding]:
    if ctx.project.indicators and not any(is_satisfaction(i) for i in ctx.project.indicators):
        yield ctx.finding()


@rule(
    "S7",
    scope="project",
    severity="warning",
    template="{where}：{year}年度项目没有成本指标",
    basis="101, L",
    title="2022年起（可配置）每个项目应有成本指标",
    outcomes={"required": ("error", "{where}：{year}年度项目没有成本指标（本地规定必须设置）")},
)
def s7_cost(ctx: ProjectContext) -> Iterator[Finding]:
    year = ctx.budget_year
    if year is None or year < ctx.profile.style_101_from_year or not ctx.project.indicators:
        return
    if not any(is_cost(i) for i in ctx.project.indicators):
        yield ctx.finding("required" if ctx.profile.cost_indicator_required else "", year=year)


def _values(ind: object) -> tuple[object, ...]:
    return tuple(getattr(ind, k) for k in ("operator", "target", "target_this_year", "measure_unit"))


@rule(
    "S8",
    scope="project",
    severity="warning",
    template="{where}：与第{first}行指标重复（取值相同）",
    basis="P",
    title="同一单位、项目内三级指标不得重复；重复且取值不同更严重",
    outcomes={"differ": ("error", "{where}：与第{first}行指标重复，且指标值不同")},
)
def s8_duplicates(ctx: ProjectContext) -> Iterator[Finding]:
    first: dict[tuple[str, str], int] = {}
    for r in ctx.rows():
        name = r.indicator.level3
        if not name:
            continue
        key = (r.indicator.period, name)
        if key not in first:
            first[key] = r.row
            continue
        original = ctx.project.indicators[first[key]]
        same = _values(original) == _values(r.indicator)
        yield r.finding("" if same else "differ", first=first[key] + 1)


_PUNCT = re.compile(r"[\s\W_]+")


@rule(
    "S9",
    scope="project",
    severity="warning",
    template="{where}：{problem}",
    basis="88",
    title="项目的年度绩效目标须填写，且不能只是项目名称的重复",
    kinds=TARGET_KINDS,
)
def s9_goal(ctx: ProjectContext) -> Iterator[Finding]:
    goal = ctx.project.goal
    if not goal:
        yield ctx.finding(problem="未填写绩效目标")
        return
    bare_goal = _PUNCT.sub("", compact(goal))
    bare_name = _PUNCT.sub("", compact(ctx.project.name))
    if bare_name and (bare_goal in bare_name or bare_goal in (bare_name + "项目", bare_name + "经费")):
        yield ctx.finding(problem=f"绩效目标「{goal}」只是项目名称的重复，没有说明预期产出和效果")


@rule(
    "S10",
    scope="project",
    severity="warning",
    template="{where}：没有核心指标（★），本地规定每个项目至少设置一个",
    basis="101, P",
    title="★ 解析为核心指标；若规定要求，每个项目至少有一个核心指标",
    kinds=TARGET_KINDS,
)
def s10_core(ctx: ProjectContext) -> Iterator[Finding]:
    if (
        ctx.profile.core_required
        and ctx.project.indicators
        and not any(i.core for i in ctx.project.indicators)
    ):
        yield ctx.finding()
