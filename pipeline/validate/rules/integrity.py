"""Extraction-integrity rules P1, P3, P5 (rules.md §2.7): parser mistakes seen in the data.

P2 (a header row repeated mid-table) and P4 (text cut at a page break) need the page geometry;
the extractor handles them, and a header row that still gets through is caught by S4.

P1 follows each period on its own: the 中期 rows printed beside the annual ones come as a
second run of blocks, not a broken one. It judges project tables only: a department table may
list its indicators per 年度重点工作任务, each task with its own 一级/二级 blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.model import PROJECT_EVALUATION, PROJECT_TARGET, Finding
from pipeline.normalize.levels import KNOWN_NAMES, SYNONYMS
from pipeline.validate.context import COLUMN_NAMES, ProjectContext, RowContext
from pipeline.validate.registry import rule


def _split_blocks(labels: list[str | None]) -> list[str]:
    """Labels that come back after another label ended their block: 产出, 效益, 产出 → [产出]."""
    closed: set[str] = set()
    current: str | None = None
    broken: list[str] = []
    for label in labels:
        if label is None or label == current:
            continue
        if label in closed and label not in broken:
            broken.append(label)
        if current is not None:
            closed.add(current)
        current = label
    return broken


@rule(
    "P1",
    scope="project",
    severity="error",
    template="{where}：一级指标「{label}」的行不连续（中间夹有其他一级指标），合并单元格可能填充错误",
    basis="P",
    title="一级、二级指标块须连续，且不跨越项目边界",
    kinds=(PROJECT_TARGET, PROJECT_EVALUATION),
    outcomes={
        "level2": (
            "error",
            "{where}：一级指标「{level1}」下的二级指标「{label}」的行不连续，合并单元格可能填充错误",
        )
    },
)
def p1_blocks(ctx: ProjectContext) -> Iterator[Finding]:
    for period in dict.fromkeys(i.period for i in ctx.project.indicators):
        indicators = [i for i in ctx.project.indicators if i.period == period]
        for label in _split_blocks([i.level1 for i in indicators]):
            yield ctx.finding(label=label)
        for level1 in dict.fromkeys(i.level1 for i in indicators if i.level1):
            labels = [i.level2 for i in indicators if i.level1 == level1]
            for label in _split_blocks(labels):
                yield ctx.finding("level2", level1=level1, label=label)


_LEVEL_NAMES = sorted(KNOWN_NAMES | set(SYNONYMS), key=len, reverse=True)
_METRICS = re.compile(
    "合格率|完成率|覆盖率|达标率|及时率|运行率|满足率|知晓率|满意度|满意率|完好率|成功率|准确率|使用率|利用率|参与率|执行率"
)


def _glued_level(text: str) -> bool:
    return text.count("指标") >= 2 and any(text.startswith(n) for n in _LEVEL_NAMES)


@rule(
    "P3",
    scope="row",
    severity="warning",
    template="{where}：{problem}，可能是相邻单元格被拼接（请核对原表）",
    basis="P (OCR / line merge)",
    title="单元格文字疑似两个指标名称拼接：含两个指标词、以指标类别名开头或过长",
)
def p3_glued(ctx: RowContext) -> Iterator[Finding]:
    ind = ctx.indicator
    for key, label in (("level1", "一级指标"), ("level2", "二级指标")):
        text = getattr(ind, key)
        if text and _glued_level(text):
            yield ctx.finding(problem=f"{label}「{text}」含多个指标类别名")
    name = ind.level3
    if not name:
        return
    metrics = _METRICS.findall(name)
    prefix = next((n for n in _LEVEL_NAMES if name.startswith(n) and len(name) > len(n)), None)
    if len(metrics) >= 2:
        yield ctx.finding(problem=f"三级指标含两个指标词（{'、'.join(metrics)}）")
    elif prefix:
        yield ctx.finding(problem=f"三级指标以指标类别名「{prefix}」开头")
    elif len(name) > ctx.profile.max_indicator_name_length:
        yield ctx.finding(problem=f"三级指标长达{len(name)}个字")
    unit = ind.measure_unit or ""
    half = len(unit) // 2
    if len(unit) >= 2 and len(unit) % 2 == 0 and unit[:half] == unit[half:] and unit not in ("%%",):
        yield ctx.finding(problem=f"度量单位「{unit}」重复")


_JUNK = (
    (re.compile(r"第\d+页|共\d+页|^-?\d+/\d+$|^-\d+-$"), "页码"),
    (re.compile(r"(?:金额)?单位[:：]?(?:万元|元|千元)"), "表头的金额单位说明"),
    (re.compile(r"公章|盖章|签章|骑缝章"), "印章文字"),
)
_PAGE_NUMBER_NAME = re.compile(r"^\d{1,4}$")


@rule(
    "P5",
    scope="row",
    severity="error",
    template="{where}：{column}「{text}」是{kind}，不是指标内容",
    basis="P",
    title="年份、页码、“单位：万元”、水印和印章文字不得成为指标或指标值",
)
def p5_junk(ctx: RowContext) -> Iterator[Finding]:
    ind = ctx.indicator
    cells = (("三级指标", ind.level3),) + tuple(
        (COLUMN_NAMES[k], getattr(ind, k)) for k in ("target", "target_this_year")
    )
    for column, text in cells:
        if not text:
            continue
        for pattern, kind in _JUNK:
            if pattern.search(text):
                yield ctx.finding(column=column, text=text, kind=kind)
                break
        else:
            if column == "三级指标" and _PAGE_NUMBER_NAME.match(text):
                yield ctx.finding(column=column, text=text, kind="数字（页码或年份）")
