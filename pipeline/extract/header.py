"""Recognise the performance table by its header text and map header cells to column keys.

Columns are found by what their header says, never by position: producers differ in
column order, widths and wording (see domain/rules.md §3.2 for the synonyms).
"""

from __future__ import annotations

import re
import unicodedata

# Label (NFKC, whitespace removed) → column key. Longer labels are tried first.
HEADER_LABELS: dict[str, str] = {
    "单位名称": "unit_name",
    "预算单位": "unit_name",
    "部门(单位)名称": "unit_name",
    "单位": "unit_name",
    "项目名称": "project",
    "项目编码": "project_code",
    "项目代码": "project_code",
    "项目编号": "project_code",
    "项目": "project",
    "项目(名称)": "project",
    "二级项目名称": "project",
    "绩效目标": "goal",
    "年度绩效目标": "goal",
    "年度目标": "goal",
    "总体目标": "goal",
    "项目绩效目标": "goal",
    "绩效目标(年度)": "goal",
    "一级指标": "level1",
    "一级绩效指标": "level1",
    "一级指标(分值)": "level1",
    "二级指标": "level2",
    "二级绩效指标": "level2",
    "三级指标": "level3",
    "三级绩效指标": "level3",
    "三级指标名称": "level3",
    "绩效指标名称": "level3",
    "三级指标内容": "level3",
    "指标名称": "level3",
    "绩效指标性质": "operator",
    "指标性质": "operator",
    "指标方向": "operator",
    "计算方向": "operator",
    "计算符号": "operator",
    "符号": "operator",
    "运算符": "operator",
    "绩效指标值": "target",
    "指标值": "target",
    "目标值": "target",
    "年度指标值": "target",
    "指标目标值": "target",
    "本年绩效指标值": "target_this_year",
    "本年指标值": "target_this_year",
    "本年度指标值": "target_this_year",
    "本年目标值": "target_this_year",
    "本年度绩效指标值": "target_this_year",
    "绩效度量单位": "measure_unit",
    "度量单位": "measure_unit",
    "计量单位": "measure_unit",
    "指标单位": "measure_unit",
    "度量单位(计量单位)": "measure_unit",
    "权重": "weight",
    "分值": "weight",
    "权重(%)": "weight",
    "指标权重": "weight",
    "权重分值": "weight",
    "本年权重": "weight_this_year",
    "本年分值": "weight_this_year",
    "本年度权重": "weight_this_year",
    "本年权重(%)": "weight_this_year",
}

_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFKC (Kangxi radicals, full-width forms) and no whitespace: the form labels are compared in."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def fold_aligned(text: str) -> str:
    """A folded copy of `text` of the same length, to match on: each character NFKC-folded where
    that gives one character (`：`→`:`, `（`→`(`, `⽬`→`目`), else kept. A span matched in the copy
    is the same span of `text`, so values are cut out of the printed line, full-width and all."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def column_key(text: str) -> str | None:
    """The column key a header cell's text names, or None."""
    label = clean(text).rstrip(":")
    key = HEADER_LABELS.get(label)
    if key is None and label.endswith("★"):
        key = HEADER_LABELS.get(label.rstrip("★"))
    return key


def is_performance_header(keys: set[str], min_hits: int) -> bool:
    """The detection cue of rules.md §3.3: indicator levels, not 科目编码 and amounts."""
    has_levels = "level3" in keys or ("level2" in keys and "target" in keys)
    return has_levels and len(keys) >= min_hits


# a scan may read the colon after a label as a point (预算年度．2025, 金额单位·万元)
_YEAR = re.compile(r"预算年度[:：．.·]?\s*(\d{4})")
_YEAR_IN_TITLE = re.compile(r"(20\d{2})\s*年")
_YEAR_LINE = re.compile(r"^[(（\[]?\s*(20\d{2})\s*年度?\s*[)）\]]?$")  # `（2024年度）` under a title
_AMOUNT_UNIT = re.compile(
    r"(?:金额单位[:：．.·]?\s*([^\s:：．.·]{1,6}?)(?=\s|$|预算|单位|第)|(?<![名称])单位[:：]\s*((?:万|千|亿)?元))"
)
_UNIT_NAME = re.compile(
    r"(?:单位名称|预算单位|部门名称|部门\(单位\)名称)(?:[:：]\s*|\s+)(\S+?)(?=\s|$|预算年度|金额单位)"
)


def page_header_fields(lines: list[str]) -> dict[str, str]:
    """预算年度, 金额单位, 单位名称 and the title from the text above a table."""
    found: dict[str, str] = {}
    for raw in lines:
        printed = raw.strip()
        line = fold_aligned(printed)  # matched folded; values cut out of `printed` (as printed)
        if not line:
            continue
        if "year" not in found and (m := _YEAR.search(line)):
            found["year"] = m.group(1)
        if "amount_unit" not in found and (m := _AMOUNT_UNIT.search(line)):
            group = 1 if m.group(1) else 2
            found["amount_unit"] = printed[m.start(group) : m.end(group)]
        if "unit_name" not in found and (m := _UNIT_NAME.search(line)):
            found["unit_name"] = printed[m.start(1) : m.end(1)]
        if "title_year" not in found and (m := _YEAR_LINE.match(clean(line))):
            found["title_year"] = m.group(1)
        if "title" not in found and "绩效" in line and "表" in line:
            found["title"] = clean(line.split("预算年度")[0])
            if "year" not in found and (m := _YEAR_IN_TITLE.search(line)):
                found["title_year"] = m.group(1)
    if "year" not in found and "title_year" in found:
        found["year"] = found["title_year"]
    found.pop("title_year", None)
    return found
