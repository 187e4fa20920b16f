"""绩效指标值 into operator, target and unit (CONTRACT "Operator, target and unit").

A row prints its operator and unit either in columns of their own (指标性质 / 计算符号, 度量单位)
or glued to the value: `≥95%`, `>=21933人`, `=8个`, `≤620万/月`. What the columns lack is read out
of the value:

- The operator: when the operator column holds none (absent, empty, a kind such as 定量 / 正向),
  a spelling at the start of the value that is followed by a number is split off (`≥95%` → `≥` and
  `95%`; `不低于95%` → `≥` and `95%`). A spelling followed by words stays in the value (`高于全省平均
  水平`, `≥**%`): what it bounds is not a number. When the column holds an operator the value stays
  whole, as printed; validation compares the two (V5).
- The unit: when the row has no unit (no 度量单位 cell, an empty one, or a lone `-` `—` `/` that
  prints a blank), a value that is a number followed by a unit (`95%`, `8个`, `5300元/户`,
  `3,309,840.00元`) becomes the number (as printed) and the unit (as printed). Anything else stays
  whole: `95%以上`, `±3%以内`, `1-2次`, `2025年12月底前`, `有效提升`. 本年绩效指标值 shares the
  row's unit, so the unit is split off only when every filled value gives the same one.

The recogniser (`split_number_unit`) is a whitelist: a unit is a run of measure characters
(个 人 次 元 万 亩 公 顷 米 天 …), unit symbols (% ‰ ℃ ㎡) and Latin unit words (km, kg, kWh), each
run perhaps naming its alternative in brackets (`台（套）`), joined by `/ · * .`; no digit and
nothing else (`100%（1.0）` stays whole). Words that qualify a number rather than measure it (以上
以下 以内 左右 前 后 底 内 到位 提升 约 余 多) are not measure characters, so they keep a value whole
without a list of their own. Dates are not quantities: a calendar year (`2024年`, `2025年度`) and a
bare 月 or 日 (`12月`, `30日`, which read as a date as often as a duration) stay whole; durations
printed with 天 / 个月 / 工作日 / 小时 split (`30天` → `30` + `天`).

Matching is done on a folded copy of the same length (`fold_aligned`: ＞＝ → >=, ９５％ → 95%), so
what is cut out of the printed text keeps its printed characters (`９５％` → `９５` + `％`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.normalize.cells import leading_operator, parse_operator
from pipeline.normalize.text import clean_cell, compact, fold_aligned, or_none, tight

__all__ = ["RowValues", "is_blank_unit", "read_values", "split_number_unit", "split_operator"]

# A number at the start of a folded value: 95, 10.5, 3,309,840.00, .5, -5.
_NUMBER = r"[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|[-+]?\.[0-9]+"
_NUMBER_START = re.compile(r"[-+]?\.?[0-9]")

# Characters a measure word is made of: counters, money, area, length, weight, volume, energy,
# time and their scale prefixes. A character outside this set keeps the value whole.
_MEASURE_CHARS = (
    "个人名位户家次件台套项场期批篇份册本部张条处座栋幢间辆架艘列趟班届门课学"
    "棵株头只羽匹尾片块根支把双对箱袋包盒瓶罐桶枚颗粒口眼宗起例床轮章页字幅集卷盏盘"
    "组队级星层段节类种倍点比岗村"
    "元角分百千万亿"
    "亩公顷平方立米里厘毫微克斤吨升瓦伏安兆度"
    "年月日天周时小钟秒季工作"
    "每"
    # the same measure words printed in traditional characters (28.8萬元, 3個, 5項)
    "個戶場項冊張條處棟間輛屆門課學隻頭塊雙對顆盞盤組隊級層節類種點崗萬億畝頃裡釐噸時鐘週臺牀輪頁"
)
_SYMBOLS = "%‰‱℃°㎡㎥㎞㎏㎎㎝㎜㏊㎾㎿㎖㎘"
# Latin unit words as they are written (case matters: `5G` is not 5 grams).
_LATIN_UNITS = (
    "km", "KM", "Km", "cm", "mm", "dm", "m", "kg", "mg", "g", "t", "ml", "mL", "L", "kWh", "kwh", "KWh", "kW", "kw",
    "KW", "MWh", "MW", "GW", "kV", "KV", "ha", "Mbps", "Gbps", "GB", "TB", "MB", "KB", "h", "min",
)  # fmt: skip
_LATIN = "|".join(sorted(map(re.escape, _LATIN_UNITS), key=len, reverse=True))
_ATOM = rf"(?:[{_MEASURE_CHARS}{_SYMBOLS}]|(?<![A-Za-z])(?:{_LATIN})[²³]?(?![A-Za-z]))"
_SEPARATORS = "/*.·・•‧"
# A measure word may name its alternative in brackets: 台（套）, 人(次).
_TERM = rf"(?:{_ATOM})+(?:\((?:{_ATOM})+\))?"
_UNIT = rf"{_TERM}(?:[{re.escape(_SEPARATORS)}]{_TERM})*"
_NUMBER_UNIT = re.compile(rf"({_NUMBER})({_UNIT})")
_MAX_UNIT = 10  # characters; a longer "unit" is a phrase
_DATE_PARTS = ("月", "日")  # `12月`, `30日`: a date as often as a duration
_CALENDAR_YEAR = re.compile(r"(?:19|20)[0-9]{2}")

# A 度量单位 cell that prints a blank: `-`, `—`, `/` (and their doubled or full-width forms).
_BLANK_UNIT = re.compile(r"[-‐‑‒–—―─━/\\]+")


def is_blank_unit(text: str) -> bool:
    """True for an empty 度量单位 cell or one that prints a blank (`-`, `—`, `/`)."""
    folded = compact(text)
    return not folded or bool(_BLANK_UNIT.fullmatch(folded))


def split_operator(value: str) -> tuple[str | None, str]:
    """`≥95%` → ("≥", "95%"), `＞＝90` → ("≥", "90"), `不低于95%` → ("≥", "95%"); the rest is cut
    out of the printed value (spaces removed). A value that does not start with an operator
    spelling followed by a number → (None, value)."""
    printed = tight(value)
    found = leading_operator(fold_aligned(printed))
    if found is None:
        return None, printed
    op, length = found
    rest = printed[length:]
    if not _NUMBER_START.match(fold_aligned(rest)):
        return None, printed
    return op, rest


def _fold_keeping_powers(printed: str) -> str:
    """`fold_aligned`, except that ² and ³ stay superscripts (m² is a unit; a 2 is a digit)."""
    return "".join(p if p in "²³" else f for p, f in zip(printed, fold_aligned(printed), strict=True))


def split_number_unit(value: str) -> tuple[str, str] | None:
    """`95%` → ("95", "%"), `3,309,840.00元` → ("3,309,840.00", "元"), `620万/月` → ("620",
    "万/月"); None when the value is not exactly a number followed by a unit (`95%以上`, `1-2次`,
    `2024年`, `12月`, a bare `95`). Both parts are cut out of the printed value (spaces removed)."""
    printed = tight(value)
    m = _NUMBER_UNIT.fullmatch(_fold_keeping_powers(printed))
    if m is None:
        return None
    number, unit = m.group(1), m.group(2)
    if len(unit) > _MAX_UNIT or unit.startswith(_DATE_PARTS):
        return None
    if unit.startswith("年") and _CALENDAR_YEAR.fullmatch(number):
        return None  # 2024年, 2025年度: a point in time, not a number of years
    return printed[: m.end(1)], printed[m.end(1) :]


@dataclass(frozen=True)
class RowValues:
    """A row's canonical operator and its values and unit as exported."""

    operator: str | None
    target: str | None
    target_this_year: str | None
    measure_unit: str | None


def _operator_from_values(values: list[str]) -> tuple[str | None, list[str]]:
    """The operator the filled values carry, and the values without it: split only when every value
    that carries one carries the same one (`≥90` beside `≤95` keeps both whole)."""
    split = [split_operator(v) if v else (None, v) for v in values]
    found = {op for op, _ in split if op is not None}
    if len(found) != 1:
        return None, values
    return found.pop(), [rest for _, rest in split]


def _unit_from_values(values: list[str]) -> tuple[str | None, list[str]]:
    """The unit every filled value ends in, and the values as numbers: split only when each filled
    value is a number with a unit and the units agree (folded: `%` and `％` agree); the unit is the
    first one as printed."""
    filled = [v for v in values if v]
    parts = [split_number_unit(v) for v in filled]
    if not filled or any(p is None for p in parts):
        return None, values
    units = {compact(p[1]) for p in parts if p is not None}
    if len(units) != 1:
        return None, values
    first = parts[0]
    assert first is not None
    numbers = iter(p[0] for p in parts if p is not None)
    return first[1], [next(numbers) if v else v for v in values]


def read_values(operator: str, target: str, target_this_year: str, measure_unit: str) -> RowValues:
    """A row's printed 指标性质, 绩效指标值, 本年绩效指标值 and 度量单位 ('' when absent) → what is
    exported (see the module's docstring). A 定性 row's value is text: nothing is split off it."""
    op = parse_operator(operator)
    values = [tight(target), tight(target_this_year)]
    if op is None:
        op, values = _operator_from_values(values)
    unit = None if is_blank_unit(measure_unit) else clean_cell(measure_unit)
    if unit is None and op != "定性":
        unit, values = _unit_from_values(values)
    return RowValues(op, or_none(values[0]), or_none(values[1]), or_none(unit or ""))
