"""The indicator hierarchy (rules.md §1.2) and the level-name synonyms seen in real documents.

Both eras are kept: the 88号/10号 tree (成本指标 is a 二级 under 产出指标) and the 101号 tree
(成本指标 is a 一级 of its own). Validation decides which one a document follows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from pipeline.normalize.text import clean_cell, compact

OUTPUT = "产出指标"
BENEFIT = "效益指标"
SATISFACTION = "满意度指标"
COST = "成本指标"
SATISFACTION_L2 = "服务对象满意度指标"

TREE_88: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        OUTPUT: frozenset({"数量指标", "质量指标", "时效指标", COST}),
        BENEFIT: frozenset({"经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"}),
        SATISFACTION: frozenset({SATISFACTION_L2}),
    }
)
"""Pre-101 tree (88号 / 10号 era; still used by most local systems)."""

TREE_101: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        COST: frozenset({"经济成本指标", "社会成本指标", "生态环境成本指标"}),
        OUTPUT: frozenset({"数量指标", "质量指标", "时效指标"}),
        # whether 101号 keeps 可持续影响 is unverified (rules.md §1.2): accepted here
        BENEFIT: frozenset({"经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"}),
        SATISFACTION: frozenset({SATISFACTION_L2}),
    }
)
"""101号 tree (central departments from about 2022)."""

LEVEL1_NAMES = frozenset(TREE_88) | frozenset(TREE_101)
LEVEL2_NAMES = frozenset().union(*TREE_88.values(), *TREE_101.values())
KNOWN_NAMES = LEVEL1_NAMES | LEVEL2_NAMES

SYNONYMS: Mapping[str, str] = MappingProxyType(
    {
        "效果指标": BENEFIT,
        "进度指标": "时效指标",
        "环境效益指标": "生态效益指标",
        "社会公众或服务对象满意度指标": SATISFACTION_L2,
    }
)

# What a cell prints around a level name (matched on the folded copy: （ → (, ５０ → 50):
# a block score or annotation after it, `产出指标(50分)`, `成本指标(0-20)分`, `产出指标(40-50)分`,
# `数量指标(必填硬性指标)`, `质量指标【选填】`, `产出指标50分`; numbering before it, `一、产出指标`,
# `（一）产出指标`, `1.产出指标`.
# A bracket opened and never closed at the end (`产出指标(50分`) is a scan's: the recogniser drops
# a lone `)` ending a short line.
_TRAILING_NOTE = re.compile(
    r"(?:\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|[:：]?\d+(?:\.\d+)?(?:[-~]\d+(?:\.\d+)?)?分|分|\(\d[^()]*)$"
)
_LEADING_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十\d]+\)|\d+[、.)])")


def _lookup(key: str) -> str | None:
    """The canonical name for a folded level name: a synonym, a known name, or either missing its
    指标 suffix (产出 → 产出指标) or that suffix's 标 (产出指: a 150-dpi scan's 标 left out before a
    block score, seed 61's eval-g3-budget-c); None when it is none of these."""
    for candidate in (key, key + "指标", *([key + "标"] if key.endswith("指") else [])) if key else ():
        if candidate in SYNONYMS:
            return SYNONYMS[candidate]
        if candidate in KNOWN_NAMES:
            return candidate
    return None


def _bare(key: str) -> str:
    """`key` without numbering before it and scores / annotations after it."""
    key = _LEADING_NUMBER.sub("", key)
    while True:
        shorter = _TRAILING_NOTE.sub("", key)
        if shorter == key:
            return key
        key = shorter


def canonical_level(text: str) -> str:
    """Clean a 一级/二级 cell and map it to its canonical name when it is a known one.

    Synonyms (效果指标 → 效益指标 …) are mapped, and a bare known name missing its 指标 suffix
    (产出 → 产出指标) gets it back. A printed block score or annotation after the name and numbering
    before it go when what remains is a known name (`产出指标（50分）`, `成本指标(0-20)分`,
    `数量指标(必填硬性指标)`, `一、产出指标` → the canonical name). Names are looked up folded
    (`compact`); anything else is returned cleaned but otherwise as printed, annotations included
    (`其他指标（自定）`, `其他指标(10分)`).
    """
    name = clean_cell(text)
    key = compact(name)
    return _lookup(key) or _lookup(_bare(key)) or name
