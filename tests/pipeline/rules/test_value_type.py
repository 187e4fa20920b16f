"""V1–V10 and Y5: each rule fires on a broken case and stays quiet on its nearest good case."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.model import Document, RawRow
from pipeline.normalize import normalize_row
from tests.pipeline.rules.build import document, findings, fires, good_rows, ind, project, with_row

VALUE_RULES = ("V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10")


def printed(**cells: str) -> Document:
    """The clean document with its first row (人员覆盖率, a rate) replaced by one read from printed
    cells through normalize: the rules judge what normalize split off the value."""
    base = {"level1": "产出指标", "level2": "数量指标", "level3": "人员覆盖率★", "weight": "20"}
    rows = list(good_rows())
    rows[0] = normalize_row(RawRow(page=1, cells={**base, **cells}))
    return document(project(*rows))


def fired(doc: Document) -> dict[str, list[str]]:
    return {rid: [f.severity for f in findings(doc, rid)] for rid in VALUE_RULES if fires(doc, rid)}


def test_clean_document_has_no_value_findings() -> None:
    doc = document()
    for rid in ("V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "Y5"):
        assert not fires(doc, rid), rid


def test_v1_unknown_operator_text() -> None:
    (f,) = findings(with_row(0, operator=None, raw={"operator": "Lacra"}), "V1")
    assert f.severity == "error" and "「Lacra」" in f.message


def test_v1_missing_operator_with_a_value() -> None:
    (f,) = findings(with_row(0, operator=None), "V1")
    assert f.severity == "warning"
    assert not fires(with_row(0, operator=None, target="≥95"), "V1")  # the value carries it


def test_v2_quantitative_needs_one_number() -> None:
    for bad in ("达标", "14-24", "100%(1.0)"):
        (f,) = findings(with_row(0, target=bad), "V2")
        assert f.severity == "error", bad
    for good in ("1,000", "1000.00", "95%", "0.95", "≥95%", "超13"):
        assert not fires(with_row(0, target=good), "V2"), good


def test_v2_empty_value() -> None:
    (f,) = findings(with_row(0, target=None), "V2")
    assert "未填写指标值" in f.message
    assert not fires(with_row(0, target=None, target_this_year="100"), "V2")


def test_v3_unit() -> None:
    (f,) = findings(with_row(0, unit=None), "V3")
    assert f.severity == "warning"
    assert not fires(with_row(0, unit=None, target="100%"), "V3")  # embedded unit
    assert not fires(with_row(4, unit=None), "V3")  # 定性


def test_v4_qualitative() -> None:
    (f,) = findings(with_row(4, target=None), "V4")
    assert f.severity == "error"
    (f,) = findings(with_row(4, target="100"), "V4")
    assert f.severity == "warning" and "纯数字" in f.message
    assert not fires(with_row(4, target="达到合同要求"), "V4")  # 定性 with text
    assert not fires(with_row(4, target="2025年1月28日前兑现"), "V4")


def test_v5_embedded_operator_conflict() -> None:
    (f,) = findings(with_row(6, target="≤90"), "V5")
    assert f.severity == "error" and "≤" in f.message
    assert not fires(with_row(6, target="≥90"), "V5")
    assert not fires(with_row(6, target=">=90"), "V5")


def test_v6_embedded_unit() -> None:
    (f,) = findings(with_row(3, target="10.5元"), "V6")
    assert f.severity == "error"  # 元 vs 万元: scale conflict
    (f,) = findings(with_row(0, target="100次"), "V6")
    assert f.severity == "warning"
    assert not fires(with_row(0, target="100百分比"), "V6")  # 百分比 is %
    assert not fires(with_row(0, target="100%"), "V6")
    assert not fires(with_row(0, target="95%以上"), "V6")  # the column's unit, bounded
    assert not fires(with_row(3, target="10万元以内"), "V6")
    assert not fires(with_row(0, target="95%以內"), "V6")
    (f,) = findings(with_row(0, target="100次以上"), "V6")
    assert f.severity == "warning"


def test_v7_placeholders() -> None:
    for bad in ("XX", "**", "＊＊", "—", "/", "无", "待定", "≥**%", "**元/人·月"):
        (f,) = findings(with_row(0, target=bad), "V7")
        assert f.severity == "error", bad
    assert not fires(with_row(0, target="100"), "V7")
    assert not fires(with_row(4, target="无重大事故"), "V7")
    assert not fires(with_row(4, level3="对社会环境的影响", target="无"), "V7")  # 定性: an answer


def test_v8_percent_range() -> None:
    (f,) = findings(with_row(0, target="120"), "V8")
    assert f.severity == "error"  # 覆盖率 over 100
    (f,) = findings(with_row(0, target="0.95"), "V8")
    assert f.severity == "warning" and "小数" in f.message
    assert not fires(with_row(0, level3="收入增长率", target="120"), "V8")
    assert not fires(with_row(0, target="100"), "V8")
    assert not fires(with_row(0, target="0"), "V8")  # a zero target (事故率=0) is legitimate
    assert not fires(with_row(0, level3="事故率", operator="≤", target="1"), "V8")  # a small ceiling


def test_v9_over_hundred_on_a_rate() -> None:
    (f,) = findings(with_row(0, operator="≥", target="100"), "V9")
    assert f.severity == "warning"
    assert not fires(with_row(0, operator="=", target="100"), "V9")
    assert not fires(with_row(0, operator="≥", target="99"), "V9")


def test_v10_this_year_looser() -> None:
    (f,) = findings(with_row(6, target="95", target_this_year="90"), "V10")
    assert "本年绩效指标值「90」" in f.message
    assert not fires(with_row(6, target="90", target_this_year="95"), "V10")  # stricter is fine
    (f,) = findings(with_row(3, target="10", target_this_year="12"), "V10")  # ≤: higher is looser
    assert f.row == 3
    assert not fires(with_row(0, target="100", target_this_year="90"), "V10")  # = has no direction


def test_values_are_judged_on_the_this_year_column() -> None:
    (f,) = findings(with_row(0, target="100", target_this_year="达标"), "V2")
    assert "本年绩效指标值「达标」" in f.message
    assert not fires(with_row(0, target="达标", target_this_year="100"), "V2")


def test_y5_qualitative_only() -> None:
    rows = tuple(replace(i, operator="定性", target="提升", measure_unit=None) for i in good_rows())
    (f,) = findings(document(project(*rows)), "Y5")
    assert f.severity == "warning" and "7个指标" in f.message
    assert not fires(document(project(*rows[:-1], ind("满意度", operator="≥", target="90"))), "Y5")


@pytest.mark.parametrize(
    "cells",
    [
        {"target": "≥95%"},  # operator and unit split off the value
        {"operator": "", "target": "≥ 95 %", "measure_unit": ""},
        {"operator": "定量", "target": "≥95%"},  # a kind column: the operator comes from the value
        {"operator": "正向", "target": "大于等于95%", "measure_unit": "-"},
        {"operator": "", "target": "≥95%", "measure_unit": "%"},  # the unit column and the value agree
        {"operator": "≥", "target": "≥95%", "measure_unit": "%"},  # the column and the value agree
        {"operator": "≥", "target": "≥95%"},  # the unit read out of the whole value
        {"operator": "=", "target": "100%", "measure_unit": "—"},  # `—` prints a blank unit
        {"operator": "≥", "target": "95%", "target_this_year": "95％"},
    ],
)
def test_a_split_value_reads_as_clean(cells: dict[str, str]) -> None:
    """No rule reports a row whose operator and unit were printed inside the value, nor one that
    prints them in both places consistently: nothing is lost and nothing is counted twice."""
    assert fired(printed(**cells)) == {}


def test_v1_a_kind_column_is_not_an_unreadable_operator() -> None:
    for kind in ("定量", "正向", "反向"):
        (f,) = findings(printed(operator=kind, target="95", measure_unit="%"), "V1")
        assert f.severity == "warning" and "未填写指标性质" in f.message, kind


def test_v1_reports_an_unreadable_column_even_when_the_value_had_an_operator() -> None:
    doc = printed(operator="Lacra", target="≥95%")
    assert doc.projects[0].indicators[0].operator == "≥"  # split off the value
    (f,) = findings(doc, "V1")
    assert f.severity == "error" and "「Lacra」" in f.message
    assert fired(doc) == {"V1": ["error"]}


def test_v5_compares_the_column_with_the_whole_value() -> None:
    doc = printed(operator="≥", target="≤90%")
    assert doc.projects[0].indicators[0].target == "≤90%"  # a column operator keeps the value whole
    assert fired(doc) == {"V5": ["error"]}
    assert fired(printed(operator="=", target="＝100％", measure_unit="%")) == {}


def test_v5_two_operators_in_two_values_stay_for_validation() -> None:
    doc = printed(target="≥90%", target_this_year="≤95%")
    ind = doc.projects[0].indicators[0]
    assert (ind.operator, ind.target, ind.target_this_year) == (None, "≥90%", "≤95%")
    assert not fires(doc, "V1")  # the judged value (本年) carries an operator
    (f,) = findings(doc, "V5")
    assert f.severity == "error" and "「≥90%」" in f.message and "「≤95%」" in f.message
    assert not fires(printed(target="≥90%", target_this_year="90%"), "V5")  # one operator: split
    assert not fires(printed(target="≥90%", target_this_year="大于等于95%"), "V5")  # the same one


def test_v6_a_split_unit_is_not_compared_with_itself() -> None:
    assert not fires(printed(operator="=", target="100%"), "V6")
    (f,) = findings(printed(operator="=", target="100次", measure_unit="%"), "V6")
    assert f.severity == "warning"  # a unit column that disagrees with the value's unit
    (f,) = findings(printed(operator="≤", target="10.5元", measure_unit="万元"), "V6")
    assert f.severity == "error"


def test_v3_a_unit_split_off_the_value_is_a_unit() -> None:
    doc = printed(target="≥95%")
    ind = doc.projects[0].indicators[0]
    assert (ind.operator, ind.target, ind.measure_unit) == ("≥", "95", "%")
    assert not fires(doc, "V3")
    (f,) = findings(printed(target="≥95"), "V3")  # no unit anywhere
    assert f.severity == "warning"
    assert not fires(printed(target="≥95%以上"), "V3")  # the unit inside the whole value


def test_rate_rules_read_the_split_number() -> None:
    (f,) = findings(printed(target="≥100%"), "V9")
    assert f.severity == "warning"
    (f,) = findings(printed(target="=120%"), "V8")
    assert f.severity == "error"
    (f,) = findings(printed(target="≥0.95%"), "V8")
    assert "小数" in f.message
    (f,) = findings(printed(target="≥95%", target_this_year="≥90%"), "V10")
    assert "本年绩效指标值「90」" in f.message
