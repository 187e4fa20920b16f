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

# "产出指标(50分)" / "产出指标（50）" in self-evaluation layouts: the score is not part of the name.
# Matched as printed: ASCII or full-width brackets and point (\d also takes full-width digits).
_SCORE_SUFFIX = re.compile(r"(?:\s*[(（]\s*\d+(?:[.．]\d+)?\s*分?\s*[)）])+$")


def canonical_level(text: str) -> str:
    """Clean a 一级/二级 cell and map it to its canonical name when it is a known one.

    Synonyms (效果指标 → 效益指标 …) are mapped, and a bare known name missing its 指标 suffix
    (产出 → 产出指标) gets it back. Names are looked up folded (`compact`); anything else is
    returned cleaned but otherwise as printed (full-width punctuation kept).
    """
    name = _SCORE_SUFFIX.sub("", clean_cell(text)).strip()
    key = compact(name)
    if key in SYNONYMS:
        return SYNONYMS[key]
    if key in KNOWN_NAMES:
        return key
    full = key + "指标"
    if key and full in SYNONYMS:
        return SYNONYMS[full]
    if key and full in KNOWN_NAMES:
        return full
    return name
