"""W1–W5: weights, including the 90-versus-100 borderline."""

from __future__ import annotations

from dataclasses import replace

from tests.pipeline.rules.build import NATIONAL, document, findings, fires, good_rows, ind, project, with_row


def test_good_document_totals_90() -> None:
    doc = document()
    for rid in ("W1", "W3", "W5"):
        assert not fires(doc, rid), rid
    (summary,) = findings(doc, "W2")
    assert summary.severity == "info" and "为90的项目1个" in summary.message


def test_w1_blank_and_non_numeric() -> None:
    (f,) = findings(with_row(2, weight=None), "W1")
    assert f.severity == "error" and f.row == 2 and "权重未填写" in f.message
    (f,) = findings(with_row(2, weight=None, raw={"weight": "一十"}), "W1")
    assert "「一十」不是数字" in f.message
    (f,) = findings(with_row(2, weight=-10), "W1")
    assert "负数" in f.message


def test_w1_whole_project_blank_is_one_finding() -> None:
    rows = tuple(replace(i, weight=None) for i in good_rows())
    doc = document(project(*rows), project(code="54000021R000000009999"))
    (f,) = findings(doc, "W1")
    assert f.row is None and "所有指标均未填写权重" in f.message


def test_w_rules_skip_tables_without_a_weight_column() -> None:
    rows = tuple(replace(i, weight=None) for i in good_rows())
    doc = document(project(*rows))
    for rid in ("W1", "W2", "W3", "W4", "W5"):
        assert not fires(doc, rid), rid


def test_w2_totals_90_and_100_pass_others_fail() -> None:
    ninety = document()
    hundred = with_row(0, weight=30)
    assert not [f for f in findings(ninety, "W2") if f.severity == "error"]
    assert not [f for f in findings(hundred, "W2") if f.severity == "error"]
    assert "为100的项目1个" in findings(hundred, "W2")[0].message
    assert not [f for f in findings(with_row(0, weight=20.4), "W2") if f.severity == "error"]  # ±0.5
    (f,) = [f for f in findings(with_row(0, weight=25), "W2") if f.severity == "error"]
    assert "合计为95" in f.message and f.project_code == "54000021R000000005055"


def test_w2_skips_incomplete_projects() -> None:
    assert not [f for f in findings(with_row(0, weight=None), "W2") if f.severity == "error"]


def test_weights_use_the_this_year_column_when_filled() -> None:
    rows = tuple(replace(i, weight=None, weight_this_year=i.weight) for i in good_rows())
    doc = document(project(*rows))
    assert not fires(doc, "W1")
    rows = (*rows[:-1], replace(rows[-1], weight=10, weight_this_year=None))
    (f,) = findings(document(project(*rows)), "W1")
    assert "本年权重未填写" in f.message and f.row == 6


def test_w3_first_level_split() -> None:
    (f,) = findings(with_row(4, weight=5), "W3")
    assert "一级指标「效益指标」权重合计20，原则上应为30" in f.message
    # move 10 from 产出 to 效益: total still 90 but split 40/40/10
    rows = list(good_rows())
    rows[0] = replace(rows[0], weight=10)
    rows[4] = replace(rows[4], weight=20)
    rows[5] = replace(rows[5], weight=20)
    shifted = document(project(*rows))
    msgs = [f.message for f in findings(shifted, "W3")]
    assert any("产出指标」权重合计40" in m for m in msgs) and any("效益指标」权重合计40" in m for m in msgs)


def test_w3_without_satisfaction_accepts_benefit_40() -> None:
    rows = list(good_rows()[:6])
    rows[4] = replace(rows[4], weight=20)
    rows[5] = replace(rows[5], weight=20)
    assert not fires(document(project(*rows)), "W3")


def test_w3_budget_execution_row_is_outside_the_split() -> None:
    rows = (*good_rows(), ind("预算执行率", weight=10))
    assert not fires(document(project(*rows)), "W3")


def test_w4_even_weights_is_info() -> None:
    (f,) = findings(with_row(0, weight=25), "W4")  # 产出 25/10/10/10
    assert f.severity == "info" and "产出指标" in f.message
    assert not fires(document(), "W4", replace(NATIONAL, ignore=("W4",)))
    even = with_row(0, weight=10)  # 产出 10/10/10/10, 效益 15/15
    assert not fires(even, "W4")


def test_w5_zero_weight_beside_positive_siblings() -> None:
    (f,) = findings(with_row(1, weight=0), "W5")
    assert f.severity == "warning" and f.row == 1
    assert not fires(document(), "W5")
