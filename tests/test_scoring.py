"""The repository's scorer (tests/scoring.py) counts what the truths imply.

A truth exported as an export scores 1.0; each change below costs exactly the fields, rows or
precision it should, and nothing else. The acceptance scorer outside the repository counts the
same way (checked by hand on the goldens; a fresh clone cannot run it).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.scoring import FIELDS, main, same, score, truth_export

REPO = Path(__file__).resolve().parents[1]
SHA = {"a": "a" * 64, "b": "b" * 64, "bad": "c" * 64}


def indicator(level3: str, **values: Any) -> dict[str, Any]:
    return {"level1": "产出指标", "level2": "数量指标", "level3": level3, "core": False, "operator": "≥",
            "target": "95", "target_this_year": "95", "unit": "%", "weight": 10, "weight_this_year": 10,
            **values}  # fmt: skip


def project(code: str, name: str, *names: str) -> dict[str, Any]:
    return {"code": code, "name": name, "goal": "目标：按期完成，资金使用规范（全年）。",
            "indicators": [indicator(n) for n in names]}  # fmt: skip


def document() -> dict[str, Any]:
    """Two projects of three indicators: 6 rows, 90 scored fields."""
    return {
        "title": "项目支出绩效表", "budget_year": 2025, "amount_unit": "万元", "unit_name": "拉萨市信访局本级",
        "projects": [project("540100-01", "信访维稳经费", "接访人次", "办结率", "群众满意度"),
                     project("540100-02", "办公设备购置", "采购数量", "验收合格率", "使用人员满意度")],
    }  # fmt: skip


def write_root(root: Path, **docs: dict[str, Any]) -> Path:
    """truth/<layout>/<name>.json without PDFs (a truth's sha256 then stands for its file)."""
    for name, truth in docs.items():
        layout = truth.get("layout", "fam")
        path = root / "truth" / layout / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"file": f"{layout}/{name}.pdf", "layout": layout, "sha256": SHA[name]}
        path.write_text(json.dumps({**truth, **meta}, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    bad = {"layout": "bad", "expect": "error"}
    return write_root(tmp_path, a=document(), b={**document(), "layout": "other"}, bad=bad)


def rows_of(root: Path, sha: str = SHA["a"]) -> list[dict[str, Any]]:
    return [r for r in truth_export(root) if r["document_sha256"] == sha]


def figures(root: Path, rows: list[dict[str, Any]], **kw: Any) -> tuple[float, float, float]:
    o = score(root, rows, layouts=["fam"], **kw).overall
    return o.field_accuracy, o.row_recall, o.precision


# --------------------------------------------------------------------------- the truth itself


@pytest.mark.parametrize("where", ["samples", "tests/fixtures/golden"])
def test_committed_truths_exported_score_one(where: str) -> None:
    report = score(REPO / where, truth_export(REPO / where))
    o = report.overall
    assert (o.field_accuracy, o.row_recall, o.precision) == (1.0, 1.0, 1.0)
    assert o.found == o.docs == len(report.documents) > 0 and not report.stale
    assert report.summary == "overall field accuracy 1.0000 (row recall 1.0000, precision 1.0000)"
    if (REPO / where / "truth" / "bad").is_dir():
        assert "rows exported for files that must yield none: 0  (ok)" in "\n".join(report.notes)


def test_a_synthetic_truth_scores_one(root: Path) -> None:
    rows = rows_of(root)
    assert len(rows) == 6
    assert figures(root, rows) == (1.0, 1.0, 1.0)
    assert score(root, rows, layouts=["fam"]).overall.fields_total == 6 * len(FIELDS)


# --------------------------------------------------------------------------- one field wrong


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("target", "96"),
        ("weight", 11),
        ("core", True),
        ("operator", ">="),  # an ASCII look-alike is not the contract's ≥
        ("goal", "目标:按期完成,资金使用规范(全年)。"),  # full-width punctuation folded to ASCII
        ("measure_unit", "％"),  # full-width % for the printed %
        ("project_name", "信访维稳经费项目"),
        ("level3", "办结"),
    ],
)
def test_one_wrong_field_costs_one_field(root: Path, field: str, value: Any) -> None:
    rows = rows_of(root)
    rows[1][field] = value
    accuracy, recall, precision = figures(root, rows)
    assert accuracy == (6 * len(FIELDS) - 1) / (6 * len(FIELDS))
    assert (recall, precision) == (1.0, 1.0)
    report = score(root, rows, layouts=["fam"])
    assert report.overall.errors == {field: 1}


def test_lenient_folds_what_strict_counts_wrong(root: Path) -> None:
    rows = rows_of(root)
    rows[0]["goal"] = "目标:按期完成,资金使用规范(全年)。"
    rows[1]["operator"] = ">="
    assert figures(root, rows)[0] == (6 * len(FIELDS) - 2) / (6 * len(FIELDS))
    assert figures(root, rows, lenient=True)[0] == 1.0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("level3", "接访人次★"),  # ★ belongs to the core field
        ("level3", "接访\n人次 "),  # a wrapped cell, a trailing space
        ("level3", "接访\u2f08次"),  # Kangxi radical ⼈ for 人: the same glyph to a reader
        ("project_name", " 信访维稳 经费\t"),  # spaces are layout
        ("unit_name", "\uf925萨市信访局本级"),  # CJK compatibility 拉
        ("target", "95.0"),
        ("weight", "10.00"),
        ("weight_this_year", 10.0),
        ("core", "否"),
        ("budget_year", "2025"),
    ],
)
def test_what_is_not_a_difference(root: Path, field: str, value: Any) -> None:
    rows = rows_of(root)
    rows[0][field] = value
    assert figures(root, rows) == (1.0, 1.0, 1.0)


def test_core_and_empty_values() -> None:
    assert same("core", True, "是") and same("core", True, 1) and same("core", False, None)
    assert not same("core", True, "否") and not same("core", False, "★")
    assert same("target", None, "") and same("target", None, " ")
    assert not same("target", None, "0") and not same("weight", 10, "10%")


# --------------------------------------------------------------------------- rows


def test_a_missing_row_costs_its_fields_and_shifts_nothing(root: Path) -> None:
    rows = rows_of(root)
    del rows[1]
    accuracy, recall, precision = figures(root, rows)
    assert accuracy == 5 / 6 and recall == 5 / 6 and precision == 1.0


def test_an_extra_row_costs_precision_only(root: Path) -> None:
    rows = rows_of(root)
    rows.insert(2, {**rows[2], "level3": "全新的一行指标"})
    assert figures(root, rows) == (1.0, 1.0, 6 / 7)


def test_a_misread_code_costs_that_field_only(root: Path) -> None:
    rows = rows_of(root)
    for r in rows[:3]:
        r["project_code"] = "540100-0l"  # l for 1
    report = score(root, rows, layouts=["fam"])
    assert report.overall.errors == {"project_code": 3}
    assert report.overall.row_recall == report.overall.precision == 1.0


def test_a_document_stored_twice_counts_the_copy_as_false_positives(root: Path) -> None:
    rows = rows_of(root)
    copies = [{**r, "source_name": "again.pdf"} for r in rows[:4]]
    report = score(root, rows + copies, layouts=["fam"])
    assert report.overall.field_accuracy == 1.0 and report.overall.precision == 6 / 10
    assert any("stored under 2 names" in n for n in report.notes)


def test_rows_on_a_bad_input_or_an_unknown_document_are_false_positives(root: Path) -> None:
    rows = rows_of(root)
    stray = [{**rows[0], "document_sha256": SHA["bad"]}, {**rows[0], "document_sha256": "d" * 64}]
    report = score(root, rows + stray, layouts=["fam", "bad"])
    assert report.overall.precision == 6 / 8 and report.unknown_rows == 1
    assert "rows exported for files that must yield none: 1" in "\n".join(report.notes)


def test_families_not_selected_are_ignored(root: Path) -> None:
    rows = truth_export(root)
    report = score(root, rows, layouts=["fam"])
    assert list(report.families) == ["fam"] and report.skipped_rows == 6
    assert report.overall.precision == 1.0
    assert list(score(root, rows).families) == ["fam", "other"]


def test_optional_truth_fields_are_scored_where_the_truth_has_them(tmp_path: Path) -> None:
    truth = copy.deepcopy(document())
    truth["projects"][0]["table_kind"] = "evaluation"
    truth["projects"][0]["indicators"][0]["actual"] = "96"
    root = write_root(tmp_path, a=truth)
    rows = rows_of(root)
    assert figures(root, rows) == (1.0, 1.0, 1.0)
    rows[0]["actual"] = "90"
    total = 6 * len(FIELDS) + 3 + 1  # table_kind on three rows, actual on one
    assert figures(root, rows)[0] == (total - 1) / total


# --------------------------------------------------------------------------- command line


def test_command_line_prints_the_summary_last(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "truth.jsonl"
    assert main(["--emit-truth-export", str(export), "--root", str(root)]) == 0
    rows = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    rows[0]["goal"] = "x"
    export.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    capsys.readouterr()
    assert main([str(export), "--root", str(root), "--layouts", "fam"]) == 0
    lines = capsys.readouterr().out.splitlines()
    accuracy = (6 * len(FIELDS) - 1) / (6 * len(FIELDS))
    assert lines[-1] == f"overall field accuracy {accuracy:.4f} (row recall 1.0000, precision 1.0000)"
    assert any(line.startswith("fam ") for line in lines)
    worst = [line.split() for line in lines if line.startswith("  goal ")]
    assert worst == [["goal", "1", "(16.7%)"]] * 2  # under [fam] and under [overall]
