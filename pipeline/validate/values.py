"""Reading a printed 绩效指标值 for checks: embedded operator, numbers, embedded unit, dates.

Values stay text in the Document (as printed); these helpers parse them only to judge them, the
way the 一体化 import does (first number, unit from 计量单位) but stricter: V2 wants exactly one
number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.normalize.cells import split_embedded_operator
from pipeline.normalize.text import compact

NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+")


@dataclass(frozen=True)
class Quantity:
    """A value split into its parts: `≥95%` → operator ≥, numbers (95,), unit `%`."""

    text: str
    operator: str | None  # operator written inside the value
    numbers: tuple[float, ...]
    prefix: str  # text before the first number (超, 约 …)
    unit: str  # text after the last number

    @property
    def number(self) -> float | None:
        return self.numbers[0] if len(self.numbers) == 1 else None


@lru_cache(maxsize=8192)  # pure, and many rules ask for the same values: parse each once
def quantity(value: str) -> Quantity:
    op, rest = split_embedded_operator(value)
    matches = list(NUMBER.finditer(rest))
    numbers = tuple(float(m.group().replace(",", "")) for m in matches)
    prefix = rest[: matches[0].start()] if matches else rest
    unit = rest[matches[-1].end() :] if matches else ""
    return Quantity(text=rest, operator=op, numbers=numbers, prefix=prefix, unit=unit)


def is_numeric(value: str) -> bool:
    """A value that is nothing but a number (with an optional operator and % sign)."""
    q = quantity(value)
    return q.number is not None and not q.prefix and q.unit in ("", "%")


_PLACEHOLDER_CELLS = frozenset(
    {"x", "xx", "xxx", "*", "**", "***", "—", "——", "-", "--", "/", "无", "待定", "…", "..."}
)
_PLACEHOLDER_PARTS = re.compile(r"\*\*|(?<![A-Za-z])[Xx]{2,}(?![A-Za-z])")
_TEXT_ANSWERS = frozenset({"无"})


def is_placeholder(value: str, qualitative: bool = False) -> bool:
    """An unfilled template value: XX, **, ＊＊, —, /, 无, 待定, or ≥**% / **元/人·月 (V7).

    Under 定性 (`qualitative`) 无 is an answer, not a blank: 101号-style 社会成本/生态环境成本
    rows are commonly filled "对社会环境的影响 定性 无".
    """
    v = compact(value)
    if qualitative and v in _TEXT_ANSWERS:
        return False
    _, rest = split_embedded_operator(v)
    return (
        v.lower() in _PLACEHOLDER_CELLS
        or rest.lower() in _PLACEHOLDER_CELLS
        or bool(_PLACEHOLDER_PARTS.search(v))
    )


_PERCENT = frozenset({"%", "百分比", "百分率", "百分之"})
_MONEY = re.compile(r"^(千|万|百万|千万|亿)?元(?:/.*)?$")
_SCALE = {"": 1, "千": 1e3, "万": 1e4, "百万": 1e6, "千万": 1e7, "亿": 1e8}


def canonical_unit(unit: str | None) -> str:
    """百分比 → %, whitespace removed; '' for no unit."""
    u = compact(unit or "")
    return "%" if u in _PERCENT else u


def is_percent(unit: str | None) -> bool:
    return canonical_unit(unit) == "%"


def money_scale(unit: str | None) -> float | None:
    """元 → 1, 万元 → 10000, 万元/年 → 10000; None when the unit is not money."""
    m = _MONEY.match(canonical_unit(unit))
    return _SCALE[m.group(1) or ""] if m else None


def is_money(unit: str | None) -> bool:
    return money_scale(unit) is not None or "元" in canonical_unit(unit)


_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:年|[-./]\d{1,2})")
_PERIOD = re.compile(r"\d+(?:\.\d+)?(?:个)?(?:月|天|日|周|年|工作日|小时|季度|个工作日)")
_TIMELY_WORDS = re.compile(
    r"年底|年末|年内|月底|季度|前|及时|按时|按期|如期|准时|当年|当月|全年|年度|期间|以内|内完成|之前"
)


def years_in(value: str) -> tuple[int, ...]:
    """Calendar years of the dates written in a value (`2025年1月28日前兑现` → (2025,))."""
    out = []
    for m in _DATE.finditer(compact(value)):
        out.append(int(m.group(1)))
    return tuple(out)


def is_timeliness_value(value: str, unit: str | None) -> bool:
    """A date, a period (≤12个月, 年底前), a timeliness word (及时, 按期) or a percentage (D4)."""
    v = compact(value)
    q = quantity(v)
    return (
        bool(years_in(v))
        or bool(_PERIOD.search(v))
        or bool(_TIMELY_WORDS.search(v))
        or is_percent(unit)
        or is_percent(q.unit)
        or bool(_PERIOD.fullmatch("1" + canonical_unit(unit)))  # 12 with unit 个月/天
    )
