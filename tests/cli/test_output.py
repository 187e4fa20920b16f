"""`documents`, `export` and `findings`: the keys, their order and each format's spelling.

The database is filled through `db.store` with hand-built records, so these tests do not
depend on the extractor.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from db import intake, results, transitions
from db.engine import make_engine, migrate
from pipeline.model import Finding
from tests.cli.conftest import Invoke, Workspace
from tests.db.factories import document, evaluated_document, sha

# The outside contract (shared/CONTRACT.md), written out here so a change anywhere shows.
DOCUMENT_KEYS = [
    "sha256", "source_name", "status", "error", "pages", "unit_name", "budget_year", "projects", "indicators",
    "ocr_pages",
    "notes",  # ours, after the contract's keys
]  # fmt: skip
EXPORT_KEYS = [
    "document_sha256", "source_name", "unit_name", "budget_year", "project_code", "project_name", "goal",
    "level1", "level2", "level3", "core", "operator", "target", "target_this_year", "measure_unit",
    "weight", "weight_this_year", "page", "table_kind", "period", "actual", "score", "ocr_confidence",
]  # fmt: skip
FINDING_KEYS = ["document_sha256", "project_code", "rule", "severity", "message"]


@pytest.fixture
def filled(workspace: Workspace) -> Workspace:
    """Two stored documents (different unit and year), one failed, one duplicate submission."""
    engine = make_engine(workspace.database_url)
    migrate(engine)
    batch = intake.create_batch(engine, ["inputs"])
    intake.register(engine, batch, sha("A"), "a.pdf", "store/a.pdf")
    results.save_outcome(
        engine,
        sha("A"),
        document((2, 1), tag="A"),
        [Finding("W2", "warning", "项目A0 权重合计 不是 90", project_code="5400002A000", page=1)],
        "1",
        {"extract": 0.1},
    )
    intake.register(engine, batch, sha("B"), "b.pdf", "store/b.pdf")
    results.save_outcome(
        engine, sha("B"), document((1,), unit_name="另一个单位", budget_year=2025, tag="B"), [], "1", {}
    )
    intake.register(engine, batch, sha("C"), "c.pdf", "store/c.pdf")
    transitions.mark_failed(
        engine, sha("C"), "not a PDF: it is a PNG image; only PDF files can be read", stage="extract"
    )
    intake.register(engine, batch, sha("A"), "a-copy.pdf", "store/a.pdf")
    engine.dispose()
    return workspace


@pytest.fixture
def evaluated(workspace: Workspace) -> Workspace:
    """One stored self-evaluation (read partly by OCR, with notes) that also holds a department table."""
    engine = make_engine(workspace.database_url)
    migrate(engine)
    batch = intake.create_batch(engine, ["inputs"])
    intake.register(engine, batch, sha("E"), "自评.pdf", "store/e.pdf")
    notes = ("page 3: 未识别的列「备注」", "page 5: 表格无边框")
    results.save_outcome(engine, sha("E"), evaluated_document(ocr_pages=2, notes=notes), [], "1", {})
    engine.dispose()
    return workspace


def lines(jixiao: Invoke, *args: str) -> list[dict]:
    result = jixiao(*args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_documents_lists_every_received_file_with_the_contract_keys(
    filled: Workspace, jixiao: Invoke
) -> None:
    rows = lines(jixiao, "documents", "--format", "jsonl")

    assert [list(r) for r in rows] == [DOCUMENT_KEYS] * 4
    assert [(r["source_name"], r["status"], r["projects"], r["indicators"]) for r in rows] == [
        ("a.pdf", "stored", 2, 3),
        ("b.pdf", "stored", 1, 1),
        ("c.pdf", "failed", 0, 0),
        ("a-copy.pdf", "duplicate", 2, 3),
    ]
    assert rows[2]["error"] == "not a PDF: it is a PNG image; only PDF files can be read"
    assert lines(jixiao, "documents", "--batch", "999") == []


def test_export_jsonl_has_one_record_per_indicator_in_contract_order(
    filled: Workspace, jixiao: Invoke
) -> None:
    rows = lines(jixiao, "export", "--format", "jsonl")

    assert [list(r) for r in rows] == [EXPORT_KEYS] * 4
    assert [(r["source_name"], r["project_code"], r["level3"]) for r in rows] == [
        ("a.pdf", "5400002A000", "指标0"),
        ("a.pdf", "5400002A000", "指标1"),
        ("a.pdf", "5400002A001", "指标0"),
        ("b.pdf", "5400002B000", "指标0"),
    ]
    first = rows[0]
    assert (first["document_sha256"], first["unit_name"], first["budget_year"]) == (
        sha("A"),
        "拉萨市信访局本级",
        2024,
    )
    assert (first["core"], first["operator"], first["weight"], first["page"]) == (True, "≥", 10.0, 1)


def test_export_filters_by_unit_name_and_year(filled: Workspace, jixiao: Invoke) -> None:
    by_unit = lines(jixiao, "export", "--format", "jsonl", "--unit-name", "另一个单位")
    by_year = lines(jixiao, "export", "--format", "jsonl", "--year", "2024")
    both = lines(jixiao, "export", "--format", "jsonl", "--unit-name", "另一个单位", "--year", "2024")
    assert [r["source_name"] for r in by_unit] == ["b.pdf"]
    assert [r["source_name"] for r in by_year] == ["a.pdf"] * 3
    assert both == []


def test_export_csv_has_the_contract_header_and_plain_values(filled: Workspace, jixiao: Invoke) -> None:
    result = jixiao("export", "--format", "csv")

    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == ",".join(EXPORT_KEYS)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4
    assert (rows[0]["core"], rows[1]["core"], rows[0]["weight"], rows[0]["weight_this_year"]) == (
        "true",
        "false",
        "10",
        "",
    )
    assert rows[3]["unit_name"] == "另一个单位"


def test_export_to_a_file_writes_the_same_rows(filled: Workspace, jixiao: Invoke) -> None:
    out = filled.root / "rows.csv"
    result = jixiao("export", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert f"4 rows written to {out}" in result.stderr
    assert out.read_text(encoding="utf-8") == jixiao("export", "--format", "csv").stdout


def test_export_xlsx_needs_out(filled: Workspace, jixiao: Invoke) -> None:
    result = jixiao("export", "--format", "xlsx")
    assert result.exit_code == 2
    assert "--format xlsx needs --out" in result.stderr


def test_export_xlsx_has_a_frozen_header_typed_cells_and_wide_chinese_columns(
    filled: Workspace, jixiao: Invoke
) -> None:
    out = filled.root / "rows.xlsx"

    result = jixiao("export", "--format", "xlsx", "--out", str(out))

    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    assert [c.value for c in sheet[1]] == EXPORT_KEYS
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 5
    values = {key: sheet.cell(row=2, column=i + 1).value for i, key in enumerate(EXPORT_KEYS)}
    assert (values["budget_year"], values["core"], values["weight"], values["operator"]) == (
        2024,
        True,
        10,
        "≥",
    )
    assert values["weight_this_year"] is None
    width = {key: sheet.column_dimensions[chr(ord("A") + i)].width for i, key in enumerate(EXPORT_KEYS)}
    # "拉萨市信访局本级" is 8 CJK characters: 16 columns wide on screen, plus a margin.
    assert width["unit_name"] >= 16
    assert width["core"] < width["unit_name"]


def test_findings_lines_carry_the_contract_keys_first(filled: Workspace, jixiao: Invoke) -> None:
    rows = lines(jixiao, "findings", "--format", "jsonl")

    assert len(rows) == 1
    assert list(rows[0])[: len(FINDING_KEYS)] == FINDING_KEYS
    assert {k: rows[0][k] for k in FINDING_KEYS} == {
        "document_sha256": sha("A"),
        "project_code": "5400002A000",
        "rule": "W2",
        "severity": "warning",
        "message": "项目A0 权重合计 不是 90",
    }
    assert lines(jixiao, "findings", "--document", sha("B")) == []


@pytest.mark.parametrize("verb", ["documents", "export", "findings"])
def test_reading_from_an_unreachable_database_fails_with_one_line(
    workspace: Workspace, jixiao: Invoke, verb: str, tmp_path: Path
) -> None:
    result = jixiao(verb, "--database-url", "postgresql://postgres@127.0.0.1:9/nowhere")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "database unreachable" in result.stderr


def test_export_jsonl_carries_table_kind_period_actual_score_and_ocr_confidence(
    evaluated: Workspace, jixiao: Invoke
) -> None:
    rows = lines(jixiao, "export", "--format", "jsonl")

    assert [list(r) for r in rows] == [EXPORT_KEYS] * 3
    picked = ("project_code", "project_name", "table_kind", "period", "actual", "score", "ocr_confidence")
    assert [[r[k] for k in picked] for r in rows] == [
        ["54000021R000000005055", "工资性支出", "project_evaluation", "annual", "21950人", 19.5, 0.875],
        ["54000021R000000005055", "工资性支出", "project_evaluation", "midterm", None, None, None],
        [None, None, "department_target", "annual", None, None, None],  # a department table: no project
    ]


def test_export_csv_header_is_the_contracts_and_the_new_cells_are_plain(
    evaluated: Workspace, jixiao: Invoke
) -> None:
    result = jixiao("export", "--format", "csv")

    assert result.exit_code == 0, result.output
    header, *body = list(csv.reader(io.StringIO(result.stdout)))
    assert header == EXPORT_KEYS
    rows = [dict(zip(header, line, strict=True)) for line in body]
    picked = ("project_code", "project_name", "table_kind", "period", "actual", "score", "ocr_confidence")
    assert [[r[k] for k in picked] for r in rows] == [
        ["54000021R000000005055", "工资性支出", "project_evaluation", "annual", "21950人", "19.5", "0.875"],
        ["54000021R000000005055", "工资性支出", "project_evaluation", "midterm", "", "", ""],
        ["", "", "department_target", "annual", "", "", ""],
    ]


def test_export_xlsx_types_the_new_cells(evaluated: Workspace, jixiao: Invoke) -> None:
    out = evaluated.root / "rows.xlsx"
    assert jixiao("export", "--format", "xlsx", "--out", str(out)).exit_code == 0

    sheet = load_workbook(out).active
    assert [c.value for c in sheet[1]] == EXPORT_KEYS
    table = [
        dict(zip(EXPORT_KEYS, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert [(r["table_kind"], r["period"], r["actual"], r["score"], r["ocr_confidence"]) for r in table] == [
        ("project_evaluation", "annual", "21950人", 19.5, 0.875),
        ("project_evaluation", "midterm", None, None, None),
        ("department_target", "annual", None, None, None),
    ]
    assert (table[2]["project_code"], table[2]["project_name"]) == (None, None)


def test_documents_carry_ocr_pages_and_notes(evaluated: Workspace, jixiao: Invoke) -> None:
    (row,) = lines(jixiao, "documents", "--format", "jsonl")
    assert list(row) == DOCUMENT_KEYS
    assert (row["status"], row["projects"], row["indicators"], row["ocr_pages"]) == ("stored", 2, 3, 2)
    assert row["notes"] == ["page 3: 未识别的列「备注」", "page 5: 表格无边框"]


def test_documents_csv_joins_the_notes_in_one_cell(evaluated: Workspace, jixiao: Invoke) -> None:
    result = jixiao("documents", "--format", "csv")

    assert result.exit_code == 0, result.output
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert list(row) == DOCUMENT_KEYS
    assert (row["source_name"], row["ocr_pages"]) == ("自评.pdf", "2")
    assert row["notes"] == "page 3: 未识别的列「备注」; page 5: 表格无边框"
