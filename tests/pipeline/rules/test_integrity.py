"""P1, P3, P5: traces of extraction mistakes."""

from __future__ import annotations

from dataclasses import replace

from tests.pipeline.rules.build import document, findings, fires, good_rows, project, with_row


def test_clean_document_has_no_integrity_findings() -> None:
    for rid in ("P1", "P3", "P5"):
        assert not fires(document(), rid), rid


def test_p1_level1_block_split() -> None:
    rows = good_rows()
    shuffled = (rows[0], rows[4], rows[1], rows[2], rows[3], rows[5], rows[6])  # 产出 效益 产出 … 效益
    msgs = [f.message for f in findings(document(project(*shuffled)), "P1")]
    assert any("一级指标「产出指标」" in m for m in msgs)
    assert all("二级" not in m for m in msgs if "「产出指标」的行" in m)


def test_p1_level2_block_split() -> None:
    rows = good_rows()
    shuffled = (rows[1], rows[0], rows[2], rows[3], *rows[4:])  # 质量 数量 时效 成本: contiguous
    assert not fires(document(project(*shuffled)), "P1")
    split = (rows[0], rows[1], rows[2], replace(rows[0], level3="另一数量"), *rows[3:])
    (f,) = findings(document(project(*split)), "P1")
    assert "二级指标「数量指标」" in f.message


def test_p3_glued_cells() -> None:
    (f,) = findings(with_row(0, level3="验收合格率覆盖率"), "P3")
    assert "两个指标词" in f.message
    (f,) = findings(with_row(0, level3="效益指标社保业务办理量"), "P3")
    assert "指标类别名" in f.message
    (f,) = findings(with_row(0, level2="数量指标质量指标"), "P3")
    (f,) = findings(with_row(0, unit="标箱标箱"), "P3")
    (f,) = findings(with_row(0, level3="很" * 31), "P3")
    assert not fires(with_row(0, level3="培训人数达标率"), "P3")
    assert not fires(with_row(0, level3="很" * 30), "P3")


def test_p5_junk_as_indicator() -> None:
    for name in ("第3页", "单位：万元", "（公章）", "12"):
        (f,) = findings(with_row(0, level3=name), "P5")
        assert f.severity == "error", name
    (f,) = findings(with_row(4, target="共8页"), "P5")
    assert "页码" in f.message
    assert not fires(with_row(0, level3="培训人数"), "P5")
    assert not fires(with_row(4, target="2025年12月31日前"), "P5")
