"""O1–O2: values read from scans (rules.md §2.8b), each firing, quiet on a near miss and on
rows read from a text layer; the threshold from the profile."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from pipeline.model import (
    DEPARTMENT_EVALUATION,
    DEPARTMENT_TARGET,
    PROJECT_EVALUATION,
    Document,
    Indicator,
    OcrCell,
)
from pipeline.validate import ProfileError, load_profile
from pipeline.validate.rules.ocr import cell_box, where_on_page
from tests.pipeline.rules.build import NATIONAL, document, findings, fires, good_rows, project

BOXES = {
    "project": (30.2, 100.0, 120.4, 400.0),
    "level1": (120.4, 100.0, 170.0, 250.0),
    "level3": (220.0, 100.0, 320.6, 118.5),
    "operator": (320.6, 100.0, 350.0, 118.5),
    "target": (350.0, 100.0, 420.0, 118.5),
    "measure_unit": (420.0, 100.0, 460.0, 118.5),
}


def scanned(ind: Indicator, low: dict[str, float] | None = None, sure: float = 0.99) -> Indicator:
    """`ind` as read from an image: every cell at `sure` confidence, those in `low` at theirs; the
    raw cells as printed (operator column and value)."""
    cells: dict[str, OcrCell] = {k: ((low or {}).get(k, sure), box) for k, box in BOXES.items()}
    raw = {
        "project": "54000021R000000005055-工资性支出",
        "level1": ind.level1 or "",
        "level3": ind.level3 or "",
        "operator": ind.operator or "",
        "target": ind.target or "",
        "measure_unit": ind.measure_unit or "",
        **ind.raw,
    }
    return replace(ind, ocr_confidence=min(c for c, _ in cells.values()), ocr_cells=cells, raw=raw)


def scan_doc(row: int = 0, low: dict[str, float] | None = None, **changes: Any) -> Document:
    """The clean document read from a scan (all cells sure), row `row` changed and with `low` cells."""
    rows = [scanned(i) for i in good_rows()]
    rows[row] = scanned(replace(good_rows()[row], **changes), low)
    return document(project(*rows))


def test_a_clean_scan_has_no_o_finding() -> None:
    doc = scan_doc()
    assert all(i.ocr_confidence == pytest.approx(0.99) for i in doc.projects[0].indicators)
    assert not findings(doc, "O1") and not findings(doc, "O2")


# --------------------------------------------------------------------------- O1


def test_o1_names_the_project_indicator_column_page_and_box() -> None:
    doc = scan_doc(1, low={"target": 0.62}, page=4)
    (f,) = findings(doc, "O1")
    assert f.severity == "warning" and (f.page, f.row, f.level3) == (4, 1, "足额保障率")
    assert f.message.startswith(
        "项目「54000021R000000005055-工资性支出」三级指标「足额保障率」：指标值「100」"
    )
    assert "0.620" in f.message and "0.9" in f.message
    assert f.message.endswith("第4页 [350, 100, 420, 118]")  # x0, top, x1, bottom in whole points
    assert cell_box(f.message) == (4, (350, 100, 420, 118))


def test_o1_one_finding_per_low_cell() -> None:
    doc = scan_doc(0, low={"level3": 0.5, "measure_unit": 0.7, "target": 0.95})
    got = findings(doc, "O1")
    assert [f.row for f in got] == [0, 0]
    assert ["三级指标「人员覆盖率」由扫描件" in got[0].message, "度量单位「%」" in got[1].message] == [
        True,
        True,
    ]


def test_o1_a_merged_cell_shared_by_rows_is_named_once() -> None:
    rows = [scanned(i, low={"project": 0.41}) for i in good_rows()]
    doc = document(project(*rows))
    got = findings(doc, "O1")
    assert (
        len(got) == 1 and got[0].row == 0 and "项目名称「54000021R000000005055-工资性支出」" in got[0].message
    )
    # the same column on another page is another cell
    rows[5] = replace(rows[5], page=2)
    assert [f.page for f in findings(document(project(*rows)), "O1")] == [1, 2]


def test_o1_quiet_on_a_near_miss() -> None:
    assert not fires(scan_doc(0, low={"target": 0.90}), "O1")  # at the threshold is not under it
    assert not fires(scan_doc(0, low={"target": 0.9001}), "O1")
    assert fires(scan_doc(0, low={"target": 0.8999}), "O1")
    # the row's confidence is rounded to 4 places (0.89996 → 0.9): the cell's own decides
    rounded = scan_doc(0, low={"target": 0.89996})
    rounded = document(
        project(replace(rounded.projects[0].indicators[0], ocr_confidence=0.9), *good_rows()[1:])
    )
    (f,) = findings(rounded, "O1")
    assert "置信度0.899低于0.9" in f.message  # rounded down: never shown as reaching the threshold


def test_text_layer_rows_never_trigger_o_rules() -> None:
    # a text-layer row has no confidence; stale cells on it are not looked at
    text_row = replace(good_rows()[0], ocr_cells={"target": (0.1, BOXES["target"])}, raw={"target": "≥95"})
    doc = document(project(text_row, *good_rows()[1:]))
    assert all(i.ocr_confidence is None for i in doc.projects[0].indicators)
    assert not fires(doc, "O1") and not fires(doc, "O2")
    # …even where the value's prefix disagrees with the operator column (V5's business, not O2's)
    text_row = replace(good_rows()[0], operator="≥", target="≤95")
    assert not fires(document(project(text_row, *good_rows()[1:])), "O2")


@pytest.mark.parametrize("kind", [PROJECT_EVALUATION, DEPARTMENT_TARGET, DEPARTMENT_EVALUATION])
def test_o_rules_judge_every_table_kind(kind: str) -> None:
    rows = [scanned(i) for i in good_rows()]
    rows[2] = scanned(good_rows()[2], low={"level3": 0.3})
    doc = document(project(*rows, table_kind=kind))
    assert [f.row for f in findings(doc, "O1")] == [2]


def test_the_threshold_comes_from_the_profile(tmp_path: Path) -> None:
    assert NATIONAL.ocr_confidence == 0.90
    strict = tmp_path / "strict.toml"
    strict.write_text('extends = "national"\n[scan]\nocr_confidence = 0.97\n', encoding="utf-8")
    profile = load_profile(strict)
    assert profile.ocr_confidence == 0.97
    doc = scan_doc(0, low={"target": 0.95})
    assert not fires(doc, "O1") and fires(doc, "O1", profile)
    (f,) = findings(doc, "O1", profile)
    assert "低于0.97" in f.message
    lax = tmp_path / "lax.toml"
    lax.write_text('extends = "national"\n[scan]\nocr_confidence = 0.5\n', encoding="utf-8")
    assert not fires(scan_doc(0, low={"target": 0.62}), "O1", load_profile(lax))
    off = tmp_path / "off.toml"
    off.write_text('extends = "national"\n[rules]\nignore = ["O"]\n', encoding="utf-8")
    assert not fires(scan_doc(0, low={"target": 0.1}), "O1", load_profile(off))


@pytest.mark.parametrize("bad", ["1.5", "-0.1", '"high"', "true"])
def test_a_threshold_that_is_not_a_confidence_is_refused(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "national"\n[scan]\nocr_confidence = {bad}\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="ocr_confidence"):
        load_profile(path)


# --------------------------------------------------------------------------- O2


def test_o2_a_low_operator_cell_the_value_does_not_confirm() -> None:
    # the 指标性质 ≥ read at 0.7, the value 95 prints no operator: nothing decides it
    doc = scan_doc(0, low={"operator": 0.7}, operator="≥", target="95")
    (f,) = findings(doc, "O2")
    assert (f.row, f.severity, f.level3) == (0, "warning", "人员覆盖率")
    assert "指标性质「≥」" in f.message and "0.700" in f.message and "也未写出运算符" in f.message
    assert cell_box(f.message) == (1, (321, 100, 350, 118))  # the operator cell's box
    # a low value cell that carries the same operator does not confirm it either
    doc = scan_doc(0, low={"operator": 0.7, "target": 0.6}, operator="≥", target="≥95")
    assert "识别置信度也低" in findings(doc, "O2")[0].message


def test_o2_quiet_when_the_shape_or_the_value_decides() -> None:
    # the shape read surely (0.95 is what the shape reader gives)
    assert not fires(scan_doc(0, low={"operator": 0.95}, operator="≥", target="95"), "O2")
    # at the threshold
    assert not fires(scan_doc(0, low={"operator": 0.90}, operator="≥", target="95"), "O2")
    # the cell low but the value, read surely, prints the same operator
    assert not fires(scan_doc(0, low={"operator": 0.6}, operator="≥", target="≥95"), "O2")
    # a 定性 row has no operator to decide
    assert not fires(scan_doc(4, low={"operator": 0.5}), "O2")


def test_o2_the_value_prefix_disagrees_with_the_operator_column() -> None:
    doc = scan_doc(0, operator="≥", target="≤95")  # every cell read surely, yet they disagree
    (f,) = findings(doc, "O2")
    assert "指标性质「≥」" in f.message and "指标值「≤95」开头的「≤」不一致" in f.message
    assert cell_box(f.message) == (1, (321, 100, 350, 118))
    assert fires(doc, "V5")  # the table contradicts itself too
    assert not fires(scan_doc(0, operator="≥", target="≥95"), "O2")  # agreeing


def test_o2_an_operator_taken_from_a_low_value_prefix() -> None:
    # no operator column: normalize split ≥ off the printed value `≥95%`
    low = scan_doc(0, low={"target": 0.8}, operator="≥", target="95", raw={"operator": "", "target": "≥95%"})
    (f,) = findings(low, "O2")
    assert "运算符「≥」取自指标值「≥95%」的开头" in f.message and "0.800" in f.message
    assert cell_box(f.message) == (1, (350, 100, 420, 118))
    sure = scan_doc(
        0, low={"target": 0.91}, operator="≥", target="95", raw={"operator": "", "target": "≥95%"}
    )
    assert not fires(sure, "O2")
    # no operator at all: nothing was taken from the image
    none = scan_doc(0, low={"target": 0.5}, operator=None, target="95", raw={"operator": "", "target": "95"})
    assert not fires(none, "O2")


def test_o2_threshold_from_the_profile(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('extends = "national"\n[scan]\nocr_confidence = 0.96\n', encoding="utf-8")
    doc = scan_doc(0, low={"operator": 0.95}, operator="≥", target="95")
    assert not fires(doc, "O2") and fires(doc, "O2", load_profile(path))


def test_where_on_page_rounds_to_whole_points() -> None:
    assert where_on_page(3, (72.4, 140.5, 130.6, 158.49)) == "第3页 [72, 140, 131, 158]"
    assert cell_box("无框") is None
