"""`db.results`: Writing a parsed document's rows."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from db import intake, queries, results
from db.models import Document, Finding, Indicator, Project
from pipeline.model import Finding as PipelineFinding
from tests.db.factories import count, document, evaluated_document, findings, registered, sha


def test_save_outcome_twice_leaves_one_copy(engine: Engine) -> None:
    _, digest = registered(engine)
    for _ in range(2):
        results.save_outcome(engine, digest, document((2, 3)), findings(), "v1", {"extract": 0.5})
    assert (count(engine, Project), count(engine, Indicator), count(engine, Finding)) == (2, 5, 3)

    results.save_outcome(engine, digest, document((4,)), findings()[:1], "v2", {})
    assert (count(engine, Project), count(engine, Indicator), count(engine, Finding)) == (1, 4, 1)
    (row,) = queries.document_rows(engine)
    assert (row["status"], row["projects"], row["indicators"], row["pages"]) == ("stored", 1, 4, 2)


def test_save_outcome_without_projects_is_no_table(engine: Engine) -> None:
    _, digest = registered(engine)
    results.save_outcome(engine, digest, document((2,)), [], "v1", {})
    results.save_outcome(engine, digest, document(()), [], "v1", {})
    (row,) = queries.document_rows(engine)
    assert (row["status"], row["projects"], row["indicators"]) == ("no_table", 0, 0)
    assert list(queries.export_rows(engine)) == []


def test_save_outcome_keeps_cross_document_findings(engine: Engine) -> None:
    _, digest = registered(engine)
    doc_id = intake.register(engine, intake.create_batch(engine, []), digest, "a.pdf", "/s").document_id
    with engine.begin() as conn:
        conn.execute(
            insert(Finding).values(
                document_id=None,
                rule="X1",
                severity="warning",
                message="项目编码在两份文件中重复",
                scope="cross",
                subject={"documents": [doc_id]},
            )
        )
    results.save_outcome(engine, digest, document(), findings(), "v1", {})
    results.save_outcome(engine, digest, document(), findings(), "v1", {})
    rules = [r["rule"] for r in queries.finding_rows(engine)]
    assert rules == ["W2", "E1", "I3", "X1"]  # per document in validation order, cross last
    assert [r["rule"] for r in queries.finding_rows(engine, digest)] == ["W2", "E1", "I3"]


def test_a_failed_save_leaves_the_previous_rows(engine: Engine) -> None:
    _, digest = registered(engine)
    results.save_outcome(engine, digest, document((2, 3)), findings(), "v1", {})
    bad = [PipelineFinding(rule="W9", severity="fatal", message="不存在的级别")]  # violates the CHECK
    with pytest.raises(IntegrityError):
        results.save_outcome(engine, digest, document((7,)), bad, "v2", {})
    (row,) = queries.document_rows(engine)
    assert (row["status"], row["projects"], row["indicators"]) == ("stored", 2, 5)
    assert len(list(queries.finding_rows(engine))) == 3
    assert [d.sha256 for d in queries.outdated(engine, "v2")] == [digest]  # still the v1 result


def test_a_document_without_rows_is_no_table_with_what_was_noticed(engine: Engine) -> None:
    from pipeline.model import Document as Doc

    batch = intake.create_batch(engine, [])
    intake.register(engine, batch, sha("t"), "cover-only.pdf", "/s")
    empty = Doc(None, None, None, 3, "ruled", (), notes=("page 2: indicator headers without ruling lines",))
    results.save_outcome(engine, sha("t"), empty, [], "1", {})
    row = next(r for r in queries.document_rows(engine, batch) if r["sha256"] == sha("t"))
    assert row["status"] == "no_table"
    assert (
        row["error"] == "no 项目支出绩效表 found in 3 page(s); page 2: indicator headers without ruling lines"
    )
    assert row["notes"] == ["page 2: indicator headers without ruling lines"]


def test_table_kind_info_evaluation_and_row_fields_are_stored(engine: Engine) -> None:
    _, digest = registered(engine)
    doc = evaluated_document()
    results.save_outcome(engine, digest, doc, [], "v1", {})

    with engine.connect() as conn:
        projects = conn.execute(
            select(Project.code, Project.name, Project.table_kind, Project.info, Project.evaluation).order_by(
                Project.ordinal
            )
        ).all()
        rows = conn.execute(
            select(Indicator.period, Indicator.actual, Indicator.score, Indicator.ocr_confidence).order_by(
                Indicator.id
            )
        ).all()
        stored = conn.execute(select(Document.status, Document.ocr_pages, Document.notes)).one()

    evaluation = projects[0].evaluation
    assert evaluation == json_of(dataclasses.asdict(doc.projects[0].evaluation))
    assert evaluation["budget"][0] == {
        "label": "年度资金总额",
        "planned": 620.0,
        "budget": 630.5,
        "executed": 600.0,
        "points": 10.0,
        "rate": "95.2%",
        "score": None,
    }
    assert (evaluation["total_score"], evaluation["conclusion"]) == (92.5, "优")
    assert [tuple(p) for p in projects] == [
        (
            "54000021R000000005055",
            "工资性支出",
            "project_evaluation",
            {"项目名称": "工资性支出", "主管部门": "拉萨市信访局", "实施单位": "拉萨市信访局本级"},
            evaluation,
        ),
        (None, "", "department_target", None, None),  # no info block, no evaluation: SQL NULL
    ]
    assert [tuple(r) for r in rows] == [
        ("annual", "21950人", 19.5, 0.875),
        ("midterm", None, None, None),
        ("annual", None, None, None),
    ]
    # notes are kept for a stored document too, not only for one without a table
    assert tuple(stored) == ("stored", 2, ["page 3: 未识别的列「备注」"])


def test_a_reparse_replaces_ocr_pages_and_notes(engine: Engine) -> None:
    _, digest = registered(engine)
    results.save_outcome(engine, digest, evaluated_document(), [], "v1", {})
    results.save_outcome(engine, digest, evaluated_document(ocr_pages=0, notes=()), [], "v2", {})
    with engine.connect() as conn:
        assert tuple(conn.execute(select(Document.ocr_pages, Document.notes)).one()) == (0, [])  # not NULL


def json_of(value: object) -> object:
    """What a JSON column gives back for `value`: tuples become lists."""
    return json.loads(json.dumps(value))
