"""S1–S10: each rule fires on a broken case and stays quiet on its nearest good case."""

from __future__ import annotations

from dataclasses import replace

from tests.pipeline.rules.build import NATIONAL, document, findings, fires, good_rows, ind, project, with_row


def test_clean_document_has_no_structure_findings() -> None:
    doc = document()
    for rid in ("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "S10"):
        assert not fires(doc, rid), rid


def test_s1_missing_levels() -> None:
    (f,) = findings(with_row(1, level2=None, level3=None), "S1")
    assert f.severity == "error" and f.row == 1 and f.page == 1
    assert "未填写二级指标、三级指标" in f.message
    assert f.message.startswith("项目「54000021R000000005055-工资性支出」第2行指标")


def test_s1_missing_project_name_and_unit() -> None:
    doc = document(replace(project(), code=None, name="", unit_name=None))
    doc = replace(doc, unit_name=None)
    (f,) = findings(doc, "S1")
    assert f.row is None and "单位名称、项目名称" in f.message
    assert not fires(document(replace(project(), unit_name=None)), "S1")  # the document's unit fills in


def test_s2_unknown_level1() -> None:
    (f,) = findings(with_row(0, level1="绩效指标"), "S2")
    assert "「绩效指标」" in f.message and f.level3 == "人员覆盖率"
    assert not fires(with_row(3, level1="成本指标", level2="经济成本指标"), "S2")


def test_s3_illegal_pair() -> None:
    (f,) = findings(with_row(0, level2="社会效益指标"), "S3")
    assert f.severity == "error" and f.row == 0
    assert not fires(document(), "S3")  # 成本指标 under 产出指标: 88号 style
    assert not fires(with_row(3, level1="成本指标", level2="经济成本指标"), "S3")  # 101号 style


def test_s3_hierarchy_profile() -> None:
    only_101 = replace(NATIONAL, hierarchy="101")
    (f,) = findings(document(), "S3", only_101)
    assert f.row == 3 and "成本指标" in f.message
    only_88 = replace(NATIONAL, hierarchy="88")
    assert fires(with_row(3, level1="成本指标", level2="经济成本指标"), "S3", only_88)
    assert not fires(document(), "S3", only_88)


def test_s3_mixed_styles_warn() -> None:
    rows_101 = list(good_rows())
    rows_101[3] = replace(rows_101[3], level1="成本指标", level2="经济成本指标")
    doc = document(project(), project(*rows_101, code="54000021R000000009999", name="其他"))
    (f,) = findings(doc, "S3")
    assert f.severity == "warning" and f.project_code is None
    assert "54000021R000000005055" in f.message and "54000021R000000009999" in f.message


def test_s4_level3_is_copy_header_or_year() -> None:
    for bad in ("数量指标", "产出指标", "三级指标", "年度目标", "2024年"):
        (f,) = findings(with_row(0, level3=bad), "S4")
        assert f.severity == "error", bad
    assert not fires(with_row(0, level3="2024年度培训完成率"), "S4")


def test_s5_output_and_benefit() -> None:
    benefit_only = tuple(i for i in good_rows() if i.level1 != "产出指标")
    (f,) = findings(document(project(*benefit_only)), "S5")
    assert f.severity == "error" and "产出" in f.message
    output_only = tuple(i for i in good_rows() if i.level1 != "效益指标")
    (f,) = findings(document(project(*output_only)), "S5")
    assert f.severity == "warning" and "效益" in f.message


def test_s6_satisfaction() -> None:
    rows = tuple(i for i in good_rows() if i.level1 != "满意度指标")
    (f,) = findings(document(project(*rows)), "S6")
    assert f.severity == "warning" and f.row is None
    # a satisfaction row filed under 效益 still counts
    moved = with_row(6, level1="效益指标", level2="社会效益指标")
    assert not fires(moved, "S6")


def test_s7_cost_from_2022() -> None:
    rows = tuple(i for i in good_rows() if i.level2 != "成本指标")
    doc = document(project(*rows))
    (f,) = findings(doc, "S7")
    assert f.severity == "warning" and "2025" in f.message
    assert not fires(replace(doc, budget_year=2021), "S7")
    assert not fires(replace(doc, budget_year=None), "S7")
    (f,) = findings(doc, "S7", replace(NATIONAL, cost_indicator_required=True))
    assert f.severity == "error"


def test_s8_duplicates() -> None:
    rows = (*good_rows(), good_rows()[1])
    (f,) = findings(document(project(*rows)), "S8")
    assert f.severity == "warning" and f.row == 7 and "第2行" in f.message
    rows = (*good_rows(), replace(good_rows()[1], target="95"))
    (f,) = findings(document(project(*rows)), "S8")
    assert f.severity == "error"
    assert not fires(document(project(*good_rows(), ind(None))), "S8")  # empty names are S1's


def test_s9_goal() -> None:
    (f,) = findings(document(project(goal="")), "S9")
    assert "未填写绩效目标" in f.message
    (f,) = findings(document(project(goal="工资性支出。")), "S9")
    assert "重复" in f.message
    assert not fires(document(project(goal="保障工资性支出足额发放")), "S9")


def test_s10_core_required_by_profile() -> None:
    rows = tuple(replace(i, core=False) for i in good_rows())
    strict = replace(NATIONAL, core_required=True)
    (f,) = findings(document(project(*rows)), "S10", strict)
    assert f.severity == "warning"
    assert not fires(document(project(*rows)), "S10")  # national: not required
    assert not fires(document(), "S10", strict)  # 人员覆盖率 is ★
