"""D1–D5: operator direction against what the indicator measures."""

from __future__ import annotations

from dataclasses import replace

from tests.pipeline.rules.build import NATIONAL, document, findings, fires, with_row


def test_clean_document_has_no_direction_findings() -> None:
    for rid in ("D1", "D2", "D3", "D4", "D5"):
        assert not fires(document(), rid), rid


def test_d1_positive_metric_with_upper_bound() -> None:
    (f,) = findings(with_row(0, level3="档案存储设施稳定运行率", operator="≤", target="99"), "D1")
    assert f.severity == "warning"
    assert not fires(with_row(0, level3="档案存储设施稳定运行率", operator="≥", target="99"), "D1")
    assert not fires(with_row(0, level3="投诉率", operator="≤", target="1"), "D1")


def test_d2_negative_metric_with_lower_bound() -> None:
    (f,) = findings(with_row(3, operator="≥"), "D2")  # ≥ on a cost
    assert f.severity == "warning" and f.level3 == "项目成本控制"
    (f,) = findings(with_row(0, level3="车辆故障率", operator=">", target="10"), "D2")
    assert not fires(with_row(3, operator="≤"), "D2")
    assert not fires(with_row(0, level3="降低企业成本", operator="≥", target="20"), "D2")  # reducing a cost
    assert not fires(with_row(0, level3="成本节约达标率", operator="≥", target="95"), "D2")  # ends positive


def test_d3_cost_rows() -> None:
    (f,) = findings(with_row(3, operator="定性", target="控制"), "D3")
    assert "定性" in f.message
    (f,) = findings(with_row(3, unit="%"), "D3")
    assert "货币单位" in f.message
    assert not fires(with_row(3, unit="元/人·天"), "D3")
    assert not fires(with_row(3, operator="="), "D3")
    assert not fires(with_row(3, level3="超标准率", target="5", unit="%"), "D3")  # a cost rate
    social = with_row(
        3,
        level1="成本指标",
        level2="社会成本指标",
        level3="对社会环境的影响",
        operator="定性",
        target="较小",
        unit=None,
    )
    assert not fires(social, "D3")
    assert fires(with_row(3, level1="成本指标", level2="经济成本指标", operator="≥"), "D3")


def test_d4_timeliness_values() -> None:
    (f,) = findings(with_row(2, operator="=", target="20", unit="人"), "D4")
    assert "不是日期" in f.message
    (f,) = findings(with_row(2, operator="定性", target="2024年12月31日前", unit=None), "D4")
    assert "2025" in f.message
    for good in ("2025年12月31日前", "年底前", "≤12", "及时"):
        unit = "个月" if good == "≤12" else None
        assert not fires(with_row(2, operator="定性", target=good, unit=unit), "D4"), good
    assert not fires(with_row(2), "D4")  # 100 %
    assert not fires(with_row(2, target="6", unit=None), "D4")  # no unit anywhere: V3's business


def test_d5_satisfaction() -> None:
    (f,) = findings(with_row(6, target="75"), "D5")
    assert "低于80" in f.message
    assert not fires(with_row(6, target="80"), "D5")
    (f,) = findings(with_row(6, target="100"), "D5")
    assert "无法超额完成" in f.message
    (f,) = findings(with_row(6, operator="=", target="100"), "D5")
    (f,) = findings(with_row(6, unit="人"), "D5")
    assert "度量单位" in f.message
    (f,) = findings(with_row(6, operator="≤"), "D5")
    assert "指标性质" in f.message


def test_d5_floor_is_configurable() -> None:
    strict = replace(NATIONAL, satisfaction_floor=90.0)
    assert fires(with_row(6, target="85"), "D5", strict)
    assert not fires(with_row(6, target="85"), "D5")
