"""Property-based tests for every normalizer (hypothesis)."""

from __future__ import annotations

import re
import string
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from pipeline.model import Indicator, RawRow
from pipeline.normalize import normalize_row
from pipeline.normalize.cells import OPERATOR_SPELLINGS, parse_operator, parse_weight, split_core
from pipeline.normalize.levels import KNOWN_NAMES, SYNONYMS, canonical_level
from pipeline.normalize.project import split_project
from pipeline.normalize.text import clean_cell, clean_line, compact, is_cjk, tight

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
WHITESPACE = st.sampled_from([" ", "  ", "\n", "\t", "\r\n", "\u3000", "\xa0"])
NAME_CHARS = st.one_of(HAN, st.sampled_from(list("0123456789、。《》()[]/.,;:“”%，：；（）【】％．")))
LATIN = frozenset(string.ascii_letters + string.digits)
# Anything a reader sees, no whitespace, no invisible characters, no font artefacts (Kangxi
# radicals, CJK compatibility ideographs): the cleaners must give it back unchanged.
PRINTED = st.characters(
    blacklist_categories=("Z", "C"),
    blacklist_characters="\x1c\x1d\x1e\x1f\x85",
).filter(
    lambda c: not (0x2E80 <= ord(c) <= 0x2FDF or 0xF900 <= ord(c) <= 0xFAFF or 0x2F800 <= ord(c) <= 0x2FA1F)
)


@st.composite
def spaced(draw: st.DrawFn, text: str) -> str:
    """`text` with whitespace inserted at random positions (also before and after)."""
    out = []
    for ch in text:
        if draw(st.booleans()):
            out.append(draw(WHITESPACE))
        out.append(ch)
    if draw(st.booleans()):
        out.append(draw(WHITESPACE))
    return "".join(out)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(st.text())
def test_text_cleaners_are_idempotent(s: str) -> None:
    for f in (compact, tight, clean_cell, clean_line, canonical_level):
        once = f(s)
        assert f(once) == once


@given(st.text(PRINTED))
def test_printed_text_comes_back_unchanged(s: str) -> None:
    """CONTRACT "Text as printed": nothing folded (，stays ，, 經 stays 經, ％ stays ％)."""
    assert clean_line(s) == clean_cell(s) == tight(s) == s


@given(st.data(), st.text(PRINTED, min_size=1))
def test_wrapped_chinese_text_joins_as_printed(data: st.DataObject, s: str) -> None:
    wrapped = data.draw(spaced(s))
    assert tight(wrapped) == s
    if not any(unicodedata.normalize("NFKC", c) in LATIN for c in s):  # a space between Latin words stays
        assert clean_line(wrapped) == s


@given(st.text())
def test_compact_leaves_no_whitespace(s: str) -> None:
    assert not re.search(r"\s", compact(s))


@given(st.data(), st.text(HAN, min_size=1))
def test_cjk_cells_leave_no_whitespace(data: st.DataObject, s: str) -> None:
    spaced_text = data.draw(spaced(s))
    assert clean_cell(spaced_text) == s


@given(st.text())
def test_clean_line_has_no_line_breaks_and_no_space_next_to_cjk(s: str) -> None:
    out = clean_line(s)
    assert "\n" not in out and "\r" not in out
    for m in re.finditer(r"\s", out):
        assert m.group() == " "
        assert not is_cjk(out[m.start() - 1]) and not is_cjk(out[m.start() + 1])


@given(st.data(), st.sampled_from(sorted(OPERATOR_SPELLINGS)), st.booleans())
def test_operator_map_is_total_on_listed_spellings(data: st.DataObject, spelling: str, wide: bool) -> None:
    printed = data.draw(spaced(full_width(spelling) if wide else spelling))
    assert parse_operator(printed) == OPERATOR_SPELLINGS[spelling]


@given(st.text())
def test_operator_result_is_canonical_or_none(s: str) -> None:
    assert parse_operator(s) in {None, "=", "≥", "≤", ">", "<", "定性"}


CODES = st.from_regex(r"\A[A-Z0-9]{5,24}[0-9]\Z")
NAMES = st.text(NAME_CHARS, min_size=1, max_size=30).filter(lambda s: is_cjk(s[0]) or s[0].isdigit())


@given(st.data(), CODES, NAMES, st.sampled_from(["-", "－", "—", "–"]))
def test_code_name_round_trip(data: st.DataObject, code: str, name: str, dash: str) -> None:
    printed = data.draw(spaced(code + dash + name))
    assert split_project(printed) == (code, name)  # the name as printed, full-width punctuation kept


@given(st.data(), CODES, st.text(HAN, min_size=1, max_size=20))
def test_code_space_name_round_trip(data: st.DataObject, code: str, name: str) -> None:
    printed = code + data.draw(WHITESPACE) + data.draw(spaced(name))
    assert split_project(printed) == (code, name)


@given(st.text(HAN, max_size=20))
def test_text_without_code_is_all_name(name: str) -> None:
    assert split_project(name) == (None, name)


@given(
    st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False),
    st.sampled_from(["", "%", "分"]),
    st.data(),
)
def test_weight_parses_printed_numbers(value: object, suffix: str, data: st.DataObject) -> None:
    printed = data.draw(spaced(f"{value}{suffix}"))
    assert parse_weight(printed) == float(str(value))


@given(st.text())
def test_weight_is_none_or_finite(s: str) -> None:
    w = parse_weight(s)
    assert w is None or w == w


@given(st.data(), st.text(HAN, min_size=1, max_size=20), st.sampled_from(["★", "☆", "*"]), st.booleans())
def test_core_marker_round_trip(data: st.DataObject, name: str, star: str, trailing: bool) -> None:
    printed = data.draw(spaced(name + star if trailing and star != "*" else star + name))
    assert split_core(printed) == (name, True)
    assert split_core(name) == (name, False)


@given(st.text())
def test_core_name_is_idempotent(s: str) -> None:
    name, _ = split_core(s)
    assert split_core(name)[0] == name


@given(st.data(), st.sampled_from(sorted(KNOWN_NAMES | set(SYNONYMS))), st.booleans())
def test_level_names_map_with_wraps_and_missing_suffix(data: st.DataObject, name: str, bare: bool) -> None:
    expected = SYNONYMS.get(name, name)
    printed = name.removesuffix("指标") if bare else name
    assert canonical_level(data.draw(spaced(printed))) == expected


# --------------------------------------------------------------------------- operator, target and unit

SPELLINGS = sorted(s for s, op in OPERATOR_SPELLINGS.items() if op != "定性")
NUMBERS = st.one_of(
    st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False).map(str),
    st.integers(0, 10**9).map(lambda n: f"{n:,}"),
    st.integers(0, 10**6).map(str).map(full_width),
)
UNITS = st.sampled_from(
    ["%", "％", "个", "人", "人次", "万元", "元", "元/户", "万/月", "元/人·月", "元/人*月", "元/人.每天", "万亩",
     "公顷", "㎡", "m²", "km", "天", "个月", "工作日", "年", "次/年", "‰", "℃", "个百分点", "亿元", "台（套）"]
)  # fmt: skip
SUFFIXES = st.sampled_from(["", "以上", "以内", "左右", "底前", "到位", "（1.0）", "-95%", "余", "前"])
VALUE_PIECES = st.tuples(st.sampled_from(["", *SPELLINGS]), NUMBERS, st.sampled_from(["", "", "±", "超"]))
VALUES = st.one_of(
    st.text(max_size=12),
    st.builds(lambda p, u, s: p[2] + p[0] + p[1] + u + s, VALUE_PIECES, UNITS, SUFFIXES),
    st.builds(lambda p, u: p[0] + p[1] + u, VALUE_PIECES, UNITS),
)
OP_CELLS = st.sampled_from(["", "定量", "正向", "≥", "＝", "定性", "不低于", "Lacra"])
UNIT_CELLS = st.sampled_from(["", "-", "—", "/", "%", "万元"])


def values_of(r: Indicator) -> tuple[str | None, ...]:
    return (r.operator, r.target, r.target_this_year, r.measure_unit)


@given(VALUES, VALUES, OP_CELLS, UNIT_CELLS, st.booleans())
def test_reading_values_is_idempotent(
    target: str, this_year: str, op_cell: str, unit_cell: str, columns: bool
) -> None:
    """Printed cells that already say what normalize exports (a canonical operator in its column,
    the number in the value, the unit in its column) come back unchanged."""
    cells = {"target": target, "target_this_year": this_year}
    if columns:
        cells |= {"operator": op_cell, "measure_unit": unit_cell}
    first = normalize_row(RawRow(page=1, cells=cells))
    again = normalize_row(
        RawRow(
            page=1,
            cells={
                "operator": first.operator or "",
                "target": first.target or "",
                "target_this_year": first.target_this_year or "",
                "measure_unit": first.measure_unit or "",
            },
        )
    )
    assert values_of(again) == values_of(first)
    assert first.operator in {None, "=", "≥", "≤", ">", "<", "定性"}
    for v in (first.target, first.target_this_year, first.measure_unit):
        assert v is None or (v and tight(v) == v)


@given(st.data(), VALUES, OP_CELLS, UNIT_CELLS, st.booleans())
def test_a_split_loses_no_character(
    data: st.DataObject, value: str, op_cell: str, unit_cell: str, columns: bool
) -> None:
    """The printed value is the operator's spelling + target + unit (spaces aside): nothing is
    dropped, added or rewritten but the operator's spelling, which maps to the operator."""
    cells = {"target": data.draw(spaced(value)) if value else value}
    if columns:
        cells |= {"operator": op_cell, "measure_unit": unit_cell}
    r = normalize_row(RawRow(page=1, cells=cells))
    whole = tight(value)
    rest = (r.target or "") + (r.measure_unit or "" if parse_unit_split(cells) else "")
    assert whole.endswith(rest)
    spelling = whole[: len(whole) - len(rest)]
    if spelling:
        assert r.operator == parse_operator(spelling) and r.operator not in (None, "定性")
        assert parse_operator(cells.get("operator", "")) is None  # only when no column holds one


def parse_unit_split(cells: dict[str, str]) -> bool:
    """The unit came out of the value: the row had no unit of its own."""
    return cells.get("measure_unit", "").strip() in ("", "-", "—", "/")


@given(st.data(), st.sampled_from(SPELLINGS), NUMBERS, UNITS)
def test_glued_operator_and_unit_round_trip(
    data: st.DataObject, spelling: str, number: str, unit: str
) -> None:
    printed = data.draw(spaced(spelling + number + unit))
    r = normalize_row(RawRow(page=1, cells={"target": printed}))
    assert (r.operator, r.target, r.measure_unit) == (OPERATOR_SPELLINGS[spelling], number, unit)
    assert r.raw == {"target": printed}


@given(st.sampled_from(SPELLINGS), NUMBERS, UNITS, SUFFIXES.filter(bool))
def test_a_qualified_number_stays_whole(spelling: str, number: str, unit: str, suffix: str) -> None:
    """`95%以上`, `3天以内`: more than a number with a unit; the value stays whole after the operator."""
    r = normalize_row(RawRow(page=1, cells={"target": spelling + number + unit + suffix}))
    assert (r.operator, r.target, r.measure_unit) == (
        OPERATOR_SPELLINGS[spelling],
        number + unit + suffix,
        None,
    )


# --------------------------------------------------------------------------- level names and unit names

NOTES = st.one_of(
    st.integers(0, 100).map(lambda n: f"({n}分)"),
    st.integers(0, 100).map(lambda n: f"（{n}分）"),
    st.tuples(st.integers(0, 50), st.integers(50, 100)).map(lambda t: f"({t[0]}-{t[1]})分"),
    st.text(HAN, min_size=1, max_size=8).map(lambda s: f"（{s}）"),
    st.text(HAN, min_size=1, max_size=8).map(lambda s: f"({s})"),
)
NUMBERING = st.sampled_from(["", "一、", "二、", "（一）", "(三)", "1.", "2、"])


@given(
    st.data(), st.sampled_from(sorted(KNOWN_NAMES | set(SYNONYMS))), NUMBERING, st.lists(NOTES, max_size=2)
)
def test_level_names_lose_scores_annotations_and_numbering(
    data: st.DataObject, name: str, numbering: str, notes: list[str]
) -> None:
    printed = data.draw(spaced(numbering + name + "".join(notes)))
    assert canonical_level(printed) == SYNONYMS.get(name, name)


@given(st.text(HAN, min_size=1, max_size=8), NUMBERING, st.lists(NOTES, max_size=2))
def test_unknown_level_names_stay_as_printed(name: str, numbering: str, notes: list[str]) -> None:
    printed = numbering + name + "".join(notes)
    if name not in KNOWN_NAMES and canonical_level(name) == name:  # not known, not a synonym, not 产出 …
        assert canonical_level(printed) == printed
