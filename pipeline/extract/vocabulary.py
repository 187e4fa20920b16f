"""What the words printed in a performance table mean: column headers, info labels, budget labels.

A table is recognised by its header vocabulary, not by a layout: every producer words and orders
its columns its own way (domain/layouts.md lists 12 provinces' habits, rules.md §3.2 the
synonyms). A header cell's text is looked up whole, then without a bracketed suffix (`权重(%)`,
`指标值(包含数字及文字描述)`, `绩效指标(90分)`), then by the words it contains. Every lookup is on
the folded form (`clean`): NFKC, no whitespace, no leading `*`/`★`, no trailing colon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.extract.header import clean
from pipeline.model import ANNUAL, MIDTERM

# Column keys beyond pipeline.model.COLUMNS: understood, kept in a row's printed cells, not exported.
NOTE = "note"  # 指标解释, 备注, 评(扣)分标准, 绩效标准 …
REASON = "reason"  # 偏差原因分析及改进措施, 未完成原因 (自评表)
PRIOR = "prior"  # 2021年实际实现值: last year's actual beside this year's plan
AMOUNT = "amount"  # 预算数, 资金总额, 项目金额
UNIT_CODE = "unit_code"  # 单位代码, 部门编码
IGNORED_KEYS = frozenset({NOTE, REASON, PRIOR, AMOUNT, UNIT_CODE})
LEVELS = ("level1", "level2", "level3")


@dataclass(frozen=True)
class Meaning:
    """What a header cell says: the column it names (None: a group or side label such as 绩效指标),
    the period it names for the columns under it, and a rank to choose between two columns
    naming the same key (三级指标 beats 指标内容)."""

    key: str | None
    period: str | None = None
    rank: int = 2


_GROUP = Meaning(None)

_EXACT: dict[str, Meaning] = {
    # who and what
    "单位名称": Meaning("unit_name"),
    "预算单位": Meaning("unit_name"),
    "部门(单位)名称": Meaning("unit_name"),
    "单位(专项)名称": Meaning("project", rank=1),  # a unit (整体) or a special fund (专项) per block
    "部门名称": Meaning("unit_name"),
    "单位": Meaning("unit_name", rank=1),
    "单位代码": Meaning(UNIT_CODE),
    "单位编码": Meaning(UNIT_CODE),
    "部门编码": Meaning(UNIT_CODE),
    "项目名称": Meaning("project"),
    "项目": Meaning("project"),
    "项目(名称)": Meaning("project"),
    "二级项目名称": Meaning("project"),
    "项目编码": Meaning("project_code"),
    "项目代码": Meaning("project_code"),
    "项目编号": Meaning("project_code"),
    "预算数": Meaning(AMOUNT),
    "资金总额": Meaning(AMOUNT),
    "项目金额": Meaning(AMOUNT),
    "预算金额": Meaning(AMOUNT),
    "金额": Meaning(AMOUNT),
    # goals
    "绩效目标": Meaning("goal"),
    "年度绩效目标": Meaning("goal", rank=3),
    "年度目标": Meaning("goal", rank=3),
    "总体目标": Meaning("goal"),
    "整体目标": Meaning("goal"),
    "项目绩效目标": Meaning("goal"),
    "绩效目标(年度)": Meaning("goal", rank=3),
    "年度总体目标": Meaning("goal", rank=3),
    "实施期绩效目标": Meaning("goal", rank=1),
    "中期目标": Meaning("goal", MIDTERM, rank=1),
    "长期目标": Meaning("goal", MIDTERM, rank=1),
    # levels
    "一级指标": Meaning("level1"),
    "一级绩效指标": Meaning("level1"),
    "二级指标": Meaning("level2"),
    "二级绩效指标": Meaning("level2"),
    "三级指标": Meaning("level3", rank=3),
    "三级绩效指标": Meaning("level3", rank=3),
    "三级指标名称": Meaning("level3", rank=3),
    "三级指标内容": Meaning("level3", rank=3),
    "绩效指标名称": Meaning("level3"),
    "指标名称": Meaning("level3"),
    "具体指标": Meaning("level3"),
    "指标内容": Meaning("level3", rank=1),
    "绩效标准": Meaning("level3", rank=0),
    # operator
    "绩效指标性质": Meaning("operator", rank=3),
    "指标性质": Meaning("operator", rank=3),
    "计算符号": Meaning("operator", rank=3),
    "符号": Meaning("operator"),
    "运算符": Meaning("operator"),
    "计算方向": Meaning("operator"),
    "指标方向": Meaning("operator", rank=1),
    "指标方向性": Meaning("operator", rank=1),
    "指标值类型": Meaning("operator", rank=0),
    "指标类型": Meaning("operator", rank=0),
    # values
    "绩效指标值": Meaning("target"),
    "指标值": Meaning("target"),
    "目标值": Meaning("target"),
    "年度指标值": Meaning("target", ANNUAL, rank=3),
    "年度目标值": Meaning("target", ANNUAL, rank=3),
    "指标目标值": Meaning("target"),
    "计划指标值": Meaning("target"),
    "当年预期实现值": Meaning("target", rank=3),
    "预期实现值": Meaning("target"),
    "指标值及单位": Meaning("target"),
    "本年绩效指标值": Meaning("target_this_year"),
    "本年指标值": Meaning("target_this_year"),
    "本年度指标值": Meaning("target_this_year"),
    "本年目标值": Meaning("target_this_year"),
    "本年度绩效指标值": Meaning("target_this_year"),
    "绩效度量单位": Meaning("measure_unit"),
    "度量单位": Meaning("measure_unit"),
    "计量单位": Meaning("measure_unit"),
    "指标单位": Meaning("measure_unit"),
    "权重": Meaning("weight"),
    "分值": Meaning("weight"),
    "指标权重": Meaning("weight"),
    "权重分值": Meaning("weight"),
    "指标分值": Meaning("weight"),
    "本年权重": Meaning("weight_this_year"),
    "本年分值": Meaning("weight_this_year"),
    "本年度权重": Meaning("weight_this_year"),
    # self-evaluation
    "实际完成值": Meaning("actual"),
    "全年实际值": Meaning("actual"),
    "完成值": Meaning("actual"),
    "实际值": Meaning("actual"),
    "实际完成情况": Meaning("actual", rank=1),
    "全年完成值": Meaning("actual"),
    "得分": Meaning("score"),
    "自评得分": Meaning("score"),
    # notes
    "指标解释": Meaning(NOTE),
    "指标说明": Meaning(NOTE),
    "指标值说明": Meaning(NOTE),
    "绩效指标说明": Meaning(NOTE),
    "指标值内容": Meaning(NOTE),
    "评(扣)分标准": Meaning(NOTE),
    "评(扣分标准)": Meaning(NOTE),
    "评分标准": Meaning(NOTE),
    "扣分标准": Meaning(NOTE),
    "指标标准或依据": Meaning(NOTE),
    "备注": Meaning(NOTE),
    # groups and side labels: they name no column of their own
    "绩效指标": _GROUP,
    "年度绩效指标": _GROUP,
    "本年度绩效指标": _GROUP,
    "专项年度绩效指标": _GROUP,
    "长期绩效指标": Meaning(None, MIDTERM),
    "中期绩效指标": Meaning(None, MIDTERM),
    "中期指标": Meaning(None, MIDTERM),
    "年度指标": Meaning(None, ANNUAL),
}

HEADER_WORDS = frozenset(_EXACT)  # the header labels known whole (a scan's reading is checked against them)

_BRACKETS = re.compile(r"[(（][^()（）]*[)）]")
_STROKE_TAIL = re.compile(
    r"[A-Za-z/\\|<>—–\-－]+$|^[/\\|<>]+"
)  # 三级指标A/, 三级指标AA, />三级指标, 项目名称—: a pen's stroke (a zigzag) read after or before a label
_LEAD = re.compile(
    r"^(?:[*★☆※·.．。:：!！|iIl]+|[—–\-－ー](?=[\u3400-\u9fff])(?!级))"
)  # marks before a label (a scan's speck read as · . or ：, a pen's stroke or a rule's stub as ! | i l,
# a pen's stroke across a header read as a dash before its label: —三级指标; —级指标 is 一级指标)
_INNER_SPECK = re.compile(
    r"(?<=[\u3400-\u9fff])[·.．](?=[\u3400-\u9fff])"
)  # 项目.名称: a scan's speck between two characters of a label (no label holds a point inside)
_DASH_LEVEL = re.compile(
    r"^[—–\-－ー](?=级)"
)  # —级指标: a scan's 一 read as a dash (no label opens with one)
# 三指标: a scan's 三级指标 with 级 dropped (no header names anything else so)
_LEVEL_WORD = re.compile(r"^(?:指标)?([一二三])(?:级(?:绩效)?(?:指标)?|指标)(?:名称|内容)?$")
_YEAR_ACTUAL = re.compile(r"^(?:19|20)\d\d年(?:度)?实际(?:实现|完成)?值$")
_YEAR_PLAN = re.compile(r"^(?:预期|计划)?(?:19|20)\d\d年(?:度)?(?:预期|计划)?(?:实现|完成|目标)?值$")


@lru_cache(maxsize=8192)  # a page repeats its words: the lookups are pure
def label_of(text: str) -> str:
    """The folded form a label is looked up in: no marks before it, no colon or speck after it (a
    scan's speck read as 、 or ，: no label ends with one), no point between two of its characters."""
    label = _DASH_LEVEL.sub("一", _LEAD.sub("", clean(text))).rstrip("·.．。、，,").rstrip(":：")
    return _INNER_SPECK.sub("", label)


@lru_cache(maxsize=8192)
def header_meaning(text: str) -> Meaning | None:
    """What a header cell names; None when it is not a header word (data, or a column not understood)."""
    if len(text) > 40:
        return None  # data: no header is that long
    label = label_of(text)
    if not label:
        return None
    for candidate in (label, _BRACKETS.sub("", label)):
        if candidate in _EXACT:
            return _EXACT[candidate]
    meaning = _by_words(_BRACKETS.sub("", label))
    stroked = _STROKE_TAIL.sub("", label)
    if meaning is None and stroked != label:
        return header_meaning(stroked)
    return meaning


_CJK = re.compile(r"[\u3400-\u9fff]")


def near_header(text: str) -> Meaning | None:
    """What a header row's cell names when its label is a photocopied scan's misreading of a
    known label: one Chinese character off a label of its length, four or more (填效指标性质,
    三级推标); two apart on one of six or more (镜效措标性质: a different word differs in a run of
    characters, not in two apart); or one lost from a label one longer (效目标); failing those, one
    off a label of three (推标值; 指标性 is 指标性质 short of 质 first); or half of 权重 lost or
    misread (重, 权量: the one two-character label a scan is seen to lose half of). Only where every
    label that near names one thing (四级指标 is as near to 一级/二级/三级指标: not understood)."""
    label = label_of(text)
    bare = _BRACKETS.sub("", label)  # 权量(%)
    if bare in ("权", "重") or len(bare) == 2 and (bare[0] == "权" or bare[1] == "重"):
        # half of 权重 under a streak or a blot (seeds 54, 57), or half of it misread (权量, seed 74's
        # photocopied 150-dpi header): no other header label holds 权 or 重
        return _EXACT["权重"]
    if not 3 <= len(label) <= 12:
        return None
    near = [_EXACT[word] for word in _EXACT if _misread(label, word) or _one_lost(label, word)]
    if not near:  # three characters, one misread (推标值), only where no longer label is as near:
        near = [_EXACT[word] for word in _EXACT if _misread(label, word, 3)]  # 指标性 is 指标性质
    if not near or any((m.key, m.period) != (near[0].key, near[0].period) for m in near):
        return None
    return near[0]


def _misread(label: str, word: str, least: int = 4) -> bool:
    """`label` is `word` of `least` characters or more with one Chinese character misread (two
    apart where it has six or more)."""
    if len(word) != len(label) or len(label) < least:
        return False
    off = [i for i, (a, b) in enumerate(zip(word, label, strict=True)) if a != b]
    if not all(_CJK.match(word[i]) and _CJK.match(label[i]) for i in off):
        return False
    return len(off) == 1 or (len(off) == 2 and len(label) >= 6 and off[1] - off[0] > 1)


def _one_lost(label: str, word: str) -> bool:
    """`label` is `word` with one Chinese character left out (a faded or specked-over one)."""
    return len(word) == len(label) + 1 and any(
        _CJK.match(word[i]) and word[:i] + word[i + 1 :] == label for i in range(len(word))
    )


@lru_cache(maxsize=8192)
def exact_meaning(text: str) -> Meaning | None:
    """What a cell names when its whole text is a header word: no guessing from the words in it,
    for cells that may as well be data (a 三级 name such as 补助发放标准)."""
    label = label_of(text)
    return _EXACT.get(label) or _EXACT.get(_BRACKETS.sub("", label))


def _by_words(label: str) -> Meaning | None:
    """Headers worded in ways no list holds: the words they are made of."""
    if not label or len(label) > 16:
        return None
    if (m := _LEVEL_WORD.match(label)) is not None:
        return Meaning(LEVELS["一二三".index(m.group(1))], rank=1)  # 一级指标名称, 三级 指标内容 …
    if _YEAR_ACTUAL.match(label):
        return Meaning(PRIOR)
    if _YEAR_PLAN.match(label):
        return Meaning("target")
    if "原因" in label or "改进措施" in label:
        return Meaning(REASON)
    if "得分" in label:
        return Meaning("score")
    if "实际" in label or label.endswith("完成值") or label.endswith("完成情况"):
        return Meaning("actual", rank=1)
    if any(w in label for w in ("说明", "解释", "备注", "依据", "标准", "内容", "类型")):
        return Meaning(NOTE)
    if label.endswith("指标值") or label.endswith("目标值") or label.endswith("实现值"):
        period = MIDTERM if _names_midterm(label) else None
        return Meaning("target", period, rank=1)
    if "权重" in label or label.endswith("分值"):
        return Meaning("weight", rank=1)
    if label.endswith("计量单位") or label.endswith("度量单位"):
        return Meaning("measure_unit", rank=1)
    if label.endswith("绩效指标") or label.endswith("指标体系"):
        return Meaning(None, MIDTERM if _names_midterm(label) else None)
    if label.endswith("目标") and _names_midterm(label):
        return Meaning("goal", MIDTERM, rank=1)
    if label.endswith("年度目标") or label.endswith("年度绩效目标"):
        return Meaning("goal", rank=3)
    return None


def _names_midterm(label: str) -> bool:
    return any(w in label for w in ("中期", "长期", "实施期"))


def period_named(text: str) -> str | None:
    """The period a group header or side label names: 中期/长期/实施期 → midterm; 年度 → annual."""
    label = label_of(text)
    if _names_midterm(label):
        return MIDTERM
    if "年度" in label:
        return ANNUAL
    return None


def names_this_year(text: str) -> bool:
    """A spanning header over 指标值/权重 that says 本年 (not 本年度, which is just the annual table)."""
    label = label_of(text)
    return "本年" in label and "本年度" not in label


def is_performance_header(keys: set[str], min_hits: int) -> bool:
    """The detection cue of rules.md §3.3: indicator levels, not 科目编码 and amounts."""
    has_levels = "level3" in keys or ("level2" in keys and ("target" in keys or "level1" in keys))
    return has_levels and len(keys) >= min_hits


# --------------------------------------------------------------------------- info blocks

# label → (field, rank): which info label gives the unit, the project, its code, the goal.
_INFO: dict[str, tuple[str, int]] = {
    "项目名称": ("project", 3),
    "项目(名称)": ("project", 3),
    "专项名称": ("project", 2),
    "二级项目名称": ("project", 2),
    "项目全称": ("project", 2),
    "项目编码": ("project_code", 3),
    "项目代码": ("project_code", 3),
    "项目编号": ("project_code", 3),
    "实施单位": ("unit_name", 4),
    "单位名称": ("unit_name", 3),
    "预算单位": ("unit_name", 3),
    "部门(单位)名称": ("unit_name", 3),
    "部门名称": ("unit_name", 3),
    "单位(部门)名称": ("unit_name", 3),
    "单位信息": ("unit_name", 3),
    "单位": ("unit_name", 2),
    "填报单位": ("unit_name", 2),
    "编制单位": ("unit_name", 2),
    "申报单位": ("unit_name", 2),
    "主管部门": ("unit_name", 1),
    "主管部门(单位)": ("unit_name", 1),
    "预期目标": ("goal", 5),
    "年度目标": ("goal", 4),
    "年度绩效目标": ("goal", 4),
    "年度总体目标": ("goal", 4),
    "年度(总体)绩效目标": ("goal", 4),
    "年度总体绩效目标": ("goal", 4),
    "部门年度绩效目标": ("goal", 4),
    "总体目标": ("goal", 3),
    "总体绩效目标": ("goal", 3),
    "整体目标": ("goal", 3),
    "绩效目标": ("goal", 3),
    "项目绩效目标": ("goal", 3),
    "部门整体绩效目标": ("goal", 3),
    "实施期绩效目标": ("goal", 2),
    "中期目标": ("goal", 1),
    "长期目标": ("goal", 1),
    "实施期目标": ("goal", 1),
}
# labels of an info block that give nothing exported but are kept with the project, as printed
_INFO_OTHER = frozenset(
    {
        "项目属性", "项目期", "项目类别", "项目性质", "项目类型", "立项依据", "项目经办人", "经办人",
        "联系电话", "项目负责人", "负责人", "部门编码", "单位编码", "单位代码", "部门(单位)职责",
        "部门职责", "单位职责", "主要职责", "资金情况", "项目资金", "年度资金总额", "其中:财政拨款",
        "财政拨款", "其他资金", "其中:本年财政拨款", "上年结转资金", "预算执行率权重(%)",
        "预算执行率权重", "实际完成情况", "基本信息", "预算整体情况", "年度重点工作任务",
        "年度主要任务", "项目起止时间", "预算年度", "金额单位", "填报日期", "填报时间", "日期", "单位:元", "项目实施期", "资金总额", "项目总额",
        "项目总投资", "年度预算数", "预算数",
    }
)  # fmt: skip


_BRACKET_MARKS = re.compile(r"[()（）]")
# the labels without their brackets' marks: a scan that lost one half of a pair (年度(总体绩效目标)
_INFO_UNBRACKETED = {_BRACKET_MARKS.sub("", k): v for k, v in _INFO.items()}
_INFO_OTHER_UNBRACKETED = frozenset(_BRACKET_MARKS.sub("", k) for k in _INFO_OTHER)


def _half_bracketed(label: str) -> str | None:
    """The label without its brackets' marks where one of a pair is missing; None otherwise."""
    opened = label.count("(") + label.count("（")
    return _BRACKET_MARKS.sub("", label) if opened != label.count(")") + label.count("）") else None


def info_field(text: str) -> tuple[str, int] | None:
    """(field, rank) for an info label that gives the project, its code, the unit or the goal."""
    label = label_of(text)
    found = _INFO.get(label) or _INFO.get(_BRACKETS.sub("", label))
    if found is None and (half := _half_bracketed(label)) is not None:
        found = _INFO_UNBRACKETED.get(half)
    stroked = _STROKE_TAIL.sub("", label)  # 年度绩效目标L: a rule's broken corner read after it
    return found or (info_field(stroked) if stroked and stroked != label else None)


# labels of four characters or more naming a unit, a project or its code: no such name holds one
_RUN_IN = tuple(w for w, (field, _) in _INFO.items() if len(w) >= 4 and "(" not in w and field != "goal")


def run_in_label(value: str) -> tuple[str, str, str] | None:
    """(before, label, after) where a pair's value runs on into another pair's label and value:
    a scan whose rules between the cells were lost reads 主管部门 | 拉萨市生态环境局实施单位
    拉萨市生态环境局本级 (seed 20's form-scored-2024). Both sides must hold text; None otherwise."""
    found = [(at, w) for w in _RUN_IN if (at := value.find(w)) > 0 and value[at + len(w) :].strip(" :：")]
    if not found:
        return None
    at, word = min(found)
    return value[:at], word, value[at + len(word) :].strip(" :：")


@lru_cache(maxsize=8192)
def is_info_label(text: str) -> bool:
    label = _STROKE_TAIL.sub("", label_of(text)) or label_of(text)
    return bool(label) and (
        info_field(text) is not None
        or label in _INFO_OTHER
        or _BRACKETS.sub("", label) in _INFO_OTHER
        or _half_bracketed(label) in _INFO_OTHER_UNBRACKETED
    )


def near_info_label(text: str) -> str | None:
    """The info label that `text` misreads, where it is one Chinese character off one of four or
    more (项目名郡 for 项目名称: a photocopied scan's label, its value then taken for the line
    above's wrapped on, seed 74's info-lines-2023-flow) and every label as near names one thing
    (项目编郡: 项目编码 or 项目编号, the project's code either way)."""
    label = label_of(text)
    near = sorted(word for word in (*_INFO, *_INFO_OTHER) if _misread(label, word))
    names = {_INFO[word][0] if word in _INFO else word for word in near}
    return near[0] if len(names) == 1 else None


# --------------------------------------------------------------------------- 自评表 blocks

_BUDGET: dict[str, str] = {
    "年初预算数": "planned",
    "年初预算": "planned",
    "年初预算数(A)": "planned",
    "全年预算数": "budget",
    "调整后预算数": "budget",
    "全年预算数(A)": "budget",
    "预算数": "budget",
    "全年执行数": "executed",
    "预算执行数": "executed",
    "全年执行数(B)": "executed",
    "执行数": "executed",
    "分值": "points",
    "权重": "points",
    "执行率": "rate",
    "预算执行率": "rate",
    "执行率(B/A)": "rate",
    "得分": "score",
}


@lru_cache(maxsize=8192)
def budget_key(text: str) -> str | None:
    """The budget-execution block's column a label names (planned, budget, executed, points, rate, score)."""
    label = label_of(text)
    key = _BUDGET.get(label)
    if key is None:
        key = _BUDGET.get(_BRACKETS.sub("", label))
    return key


_TOTAL = re.compile(r"^(总分|合计|总计|自评得分|总得分|综合得分|评价得分)")
_CONCLUSION = re.compile(r"^(评价结论|自评结论|评价等级|自评等级|综合评价|绩效等级|等级|评价结果|自评结果)")


def is_total_label(text: str) -> bool:
    return bool(_TOTAL.match(label_of(text)))


def is_conclusion_label(text: str) -> bool:
    return bool(_CONCLUSION.match(label_of(text)))
