"""Normalizers for single cells: 指标性质, 权重, the ★ on 三级指标, 预算年度."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from pipeline.normalize.text import clean_cell, compact, nfkc

OPERATORS = ("=", "≥", "≤", ">", "<", "定性")
QUANTITATIVE = frozenset({"=", "≥", "≤", ">", "<"})

# Keys are compared after NFKC and whitespace removal (`compact`), so ＝ ﹦ ＞＝ ＜ etc. arrive as
# = >= <. The operator is a canonical field, not text: it is the one cell that is not as printed.
OPERATOR_SPELLINGS: Mapping[str, str] = MappingProxyType(
    {
        **dict.fromkeys(("=", "==", "＝", "═", "﹦", "等于"), "="),
        **dict.fromkeys(
            (">=", "≥", "≧", "⩾", "＞＝", "大于等于", "大于或等于", "不低于", "不少于", "不小于"), "≥"
        ),
        **dict.fromkeys(
            ("<=", "≤", "≦", "⩽", "＜＝", "小于等于", "小于或等于", "不高于", "不超过", "不多于", "不大于"),
            "≤",
        ),
        **dict.fromkeys((">", "＞", "大于", "高于", "超过"), ">"),
        **dict.fromkeys(("<", "＜", "小于", "低于"), "<"),
        "定性": "定性",
        # the word spellings printed in traditional characters (a traditional mirror of a table)
        **dict.fromkeys(("等於",), "="),
        **dict.fromkeys(("大於等於", "大於或等於", "不低於", "不少於", "不小於"), "≥"),
        **dict.fromkeys(("小於等於", "小於或等於", "不高於", "不超過", "不多於", "不大於"), "≤"),
        **dict.fromkeys(("大於", "高於", "超過"), ">"),
        **dict.fromkeys(("小於", "低於"), "<"),
    }
)
OPERATOR_KEYS: Mapping[str, str] = MappingProxyType({compact(k): v for k, v in OPERATOR_SPELLINGS.items()})
"""Folded spelling (`compact`) → canonical operator."""

OPERATOR_KINDS = frozenset(
    compact(k)
    for k in (
        "定量",
        "定量指标",
        "正向",
        "正向指标",
        "反向",
        "反向指标",
        "逆向",
        "逆向指标",
        "中性",
        "中性指标",
    )
)
"""What a 指标值类型 / 指标方向性 column prints: the kind of indicator, not an operator (CONTRACT:
`定量` names a kind). Such a cell gives no operator and is not an unreadable one either."""


def parse_operator(text: str) -> str | None:
    """Map a printed 指标性质 to one of = ≥ ≤ > < 定性; None when empty, a kind (定量, 正向 …) or
    not recognised (the caller keeps the printed text so validation can flag it, V1)."""
    return OPERATOR_KEYS.get(compact(text))


def is_operator_kind(text: str) -> bool:
    """`定量`, `正向`, `反向指标` …: a kind word in the operator column (see `OPERATOR_KINDS`)."""
    return compact(text) in OPERATOR_KINDS


_OPERATOR_PREFIX = re.compile(
    "^(" + "|".join(sorted((re.escape(k) for k in OPERATOR_KEYS if k != "定性"), key=len, reverse=True)) + ")"
)


def leading_operator(folded: str) -> tuple[str, int] | None:
    """(canonical operator, length of its spelling) when the folded text starts with an operator
    spelling (longest first: `>=` before `>`, `不大于` before `大于`); else None."""
    m = _OPERATOR_PREFIX.match(folded)
    return (OPERATOR_KEYS[m.group(1)], m.end()) if m else None


def split_embedded_operator(value: str) -> tuple[str | None, str]:
    """`≥95%` → ("≥", "95%"); a value without a leading operator → (None, value)."""
    v = compact(value)
    found = leading_operator(v)
    if found is None:
        return None, v
    return found[0], v[found[1] :]


_WEIGHT = re.compile(r"^([-+]?(?:\d+(?:\.\d*)?|\.\d+))(?:%|分)?$")


def parse_weight(text: str) -> float | None:
    """`20` → 20.0, `20%` → 20.0, `20.00` → 20.0, `10分` → 10.0; empty or not a number → None
    (the printed text stays in Indicator.raw; validation flags it, W1)."""
    m = _WEIGHT.match(compact(text).replace(",", ""))
    return float(m.group(1)) if m else None


_NUMBER = re.compile(r"^([-+]?(?:\d+(?:\.\d*)?|\.\d+))(?:%|分|万元|元)?$")


def parse_number(text: str) -> float | None:
    """An amount or score as printed (`1,200.50`, `92.5分`, `95%`) → a number; anything else → None."""
    m = _NUMBER.match(compact(text).replace(",", ""))
    return float(m.group(1)) if m else None


_STARS = "★☆"


def split_core(text: str) -> tuple[str, bool]:
    """Strip the core marker from a 三级指标: ★/☆ leading or trailing, or a leading single `*`
    (or `＊`). The name is returned as printed.

    `**` alone is a template placeholder, not a marker, and is left for validation (V7).
    """
    name = clean_cell(text)
    core = False
    while True:
        stripped = name.strip(_STARS).strip()
        head = nfkc(stripped[:2])  # ＊ is printed for * as often as not
        if head.startswith("*") and not head.startswith("**") and len(stripped) > 1:
            stripped = stripped[1:].strip()
        if stripped == name:
            return name, core
        name, core = stripped, True


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def parse_year(text: str | None) -> int | None:
    """`2025`, `2025年`, `预算年度：2025年度` → 2025."""
    if not text:
        return None
    m = _YEAR.search(compact(text))
    return int(m.group(1)) if m else None
