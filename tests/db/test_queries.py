"""`db.queries`: Reading out: export, documents, findings, batch counts; the contract's keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from db import intake, queries, results, transitions
from db.models import utcnow
from tests.db.factories import document, evaluated_document, findings, registered, sha

CONTRACT_EXPORT_KEYS = [
    "document_sha256",
    "source_name",
    "unit_name",
    "budget_year",
    "project_code",
    "project_name",
    "goal",
    "level1",
    "level2",
    "level3",
    "core",
    "operator",
    "target",
    "target_this_year",
    "measure_unit",
    "weight",
    "weight_this_year",
    "page",
    "table_kind",
    "period",
    "actual",
    "score",
    "ocr_confidence",
]
CONTRACT_DOCUMENT_KEYS = [
    "sha256",
    "source_name",
    "status",
    "error",
    "pages",
    "unit_name",
    "budget_year",
    "projects",
    "indicators",
    "ocr_pages",
    "notes",  # ours, after the contract's keys
]
CONTRACT_FINDING_KEYS = ["document_sha256", "project_code", "rule", "severity", "message"]


def test_export_rows_keys_values_and_order(engine: Engine) -> None:
    batch = intake.create_batch(engine, ["in"])
    first = intake.register(engine, batch, sha("1"), "first.pdf", "/s/1").sha256
    second = intake.register(engine, batch, sha("2"), "second.pdf", "/s/2").sha256
    intake.register(engine, batch, sha("1"), "first-copy.pdf", "/s/1")
    # Saved in reverse order: export still follows document order.
    results.save_outcome(engine, second, document((1,), tag="B", budget_year=2023), [], "v1", {})
    results.save_outcome(engine, first, document((2, 3), tag="A"), [], "v1", {})

    rows = list(queries.export_rows(engine))
    assert all(list(r) == CONTRACT_EXPORT_KEYS for r in rows)
    assert [(r["document_sha256"], r["project_code"], r["level3"]) for r in rows] == [
        (first, "5400002A000", "指标0"),
        (first, "5400002A000", "指标1"),
        (first, "5400002A001", "指标0"),
        (first, "5400002A001", "指标1"),
        (first, "5400002A001", "指标2"),
        (second, "5400002B000", "指标0"),
    ]
    assert {r["source_name"] for r in rows if r["document_sha256"] == first} == {"first.pdf"}
    assert rows[0] == {
        "document_sha256": first,
        "source_name": "first.pdf",
        "unit_name": "拉萨市信访局本级",
        "budget_year": 2024,
        "project_code": "5400002A000",
        "project_name": "项目A0",
        "goal": "项目A0的绩效目标",
        "level1": "产出指标",
        "level2": "数量指标",
        "level3": "指标0",
        "core": True,
        "operator": "≥",
        "target": "00",
        "target_this_year": "00",
        "measure_unit": "%",
        "weight": 10.0,
        "weight_this_year": None,
        "page": 1,
        "table_kind": "project_target",
        "period": "annual",
        "actual": None,
        "score": None,
        "ocr_confidence": None,
    }
    assert rows[1]["core"] is False and rows[2]["page"] == 2

    assert len(list(queries.export_rows(engine, year=2023))) == 1
    assert len(list(queries.export_rows(engine, unit_name="拉萨市信访局本级", year=2024))) == 5
    assert list(queries.export_rows(engine, unit_name="别的单位")) == []


def test_export_unit_name_falls_back_to_the_documents(engine: Engine) -> None:
    _, digest = registered(engine)
    doc = document((1,), unit_name=None)
    doc = type(doc)(
        unit_name="页眉单位",
        budget_year=2024,
        amount_unit=None,
        pages=1,
        layout="ruled",
        projects=doc.projects,
    )
    results.save_outcome(engine, digest, doc, [], "v1", {})
    assert [r["unit_name"] for r in queries.export_rows(engine, unit_name="页眉单位")] == ["页眉单位"]


def test_export_rows_of_a_self_evaluation_and_a_department_table(engine: Engine) -> None:
    _, digest = registered(engine)
    results.save_outcome(engine, digest, evaluated_document(), [], "v1", {})

    rows = list(queries.export_rows(engine))

    assert all(list(r) == CONTRACT_EXPORT_KEYS for r in rows)
    picked = ("project_code", "project_name", "table_kind", "period", "actual", "score", "ocr_confidence")
    assert [tuple(r[k] for k in picked) for r in rows] == [
        ("54000021R000000005055", "工资性支出", "project_evaluation", "annual", "21950人", 19.5, 0.875),
        ("54000021R000000005055", "工资性支出", "project_evaluation", "midterm", None, None, None),
        (None, None, "department_target", "annual", None, None, None),  # no project: both null
    ]
    assert rows[2]["goal"] == "年度总体目标：完成信访事项办理"
    assert rows[2]["unit_name"] == "拉萨市信访局本级"
    assert [r["level3"] for r in queries.export_rows(engine, unit_name="拉萨市信访局本级", year=2024)] == [
        "发放人数",
        "群众满意度",
        "按期办结率",
    ]


def test_document_rows_carry_ocr_pages_and_notes_also_for_a_duplicate(engine: Engine) -> None:
    batch, digest = registered(engine)
    intake.register(engine, batch, sha("q"), "queued.pdf", "/s/q")
    results.save_outcome(engine, digest, evaluated_document(ocr_pages=4, notes=("n1", "n2")), [], "v1", {})
    intake.register(engine, intake.create_batch(engine, []), digest, "again.pdf", "/s/a")

    rows = {r["source_name"]: r for r in queries.document_rows(engine)}

    assert all(list(r) == CONTRACT_DOCUMENT_KEYS for r in rows.values())
    assert {name: (r["status"], r["ocr_pages"], r["notes"]) for name, r in rows.items()} == {
        "a.pdf": ("stored", 4, ["n1", "n2"]),
        "queued.pdf": ("queued", 0, []),  # not read yet: no OCR, nothing noticed
        "again.pdf": ("duplicate", 4, ["n1", "n2"]),  # the same bytes as a.pdf
    }


def test_document_rows_keys_and_counts(engine: Engine) -> None:
    batch, digest = registered(engine)
    intake.register(engine, batch, sha("b"), "b.pdf", "/s/b")
    results.save_outcome(engine, digest, document((2, 3)), [], "v1", {})
    rows = list(queries.document_rows(engine))
    assert all(list(r) == CONTRACT_DOCUMENT_KEYS for r in rows)
    assert rows[0] == {
        "sha256": digest,
        "source_name": "a.pdf",
        "status": "stored",
        "error": None,
        "pages": 3,
        "unit_name": "拉萨市信访局本级",
        "budget_year": 2024,
        "projects": 2,
        "indicators": 5,
        "ocr_pages": 0,
        "notes": [],
    }
    assert (rows[1]["status"], rows[1]["projects"], rows[1]["indicators"]) == ("queued", 0, 0)
    assert list(queries.document_rows(engine, batch_id=batch + 100)) == []


def test_finding_rows_keys(engine: Engine) -> None:
    _, digest = registered(engine)
    results.save_outcome(engine, digest, document(), findings(), "v1", {})
    rows = list(queries.finding_rows(engine))
    assert all(list(r)[:5] == CONTRACT_FINDING_KEYS for r in rows)
    assert all(list(r)[5:] == ["page", "row", "level3"] for r in rows)
    assert rows[1] == {
        "document_sha256": digest,
        "project_code": None,
        "rule": "E1",
        "severity": "error",
        "message": "缺少单位名称",
        "page": None,
        "row": None,
        "level3": None,
    }
    assert rows[2]["row"] == 1 and rows[2]["level3"] == "指标1"


def test_batch_summary_counts_every_submission(engine: Engine) -> None:
    batch = intake.create_batch(engine, ["a", "b", "c", "d", "e"])
    regs = [intake.register(engine, batch, sha(n), f"{n}.pdf", "/s", pages=10) for n in "abcde"]
    intake.register(engine, batch, sha("a"), "a-again.pdf", "/s")
    results.save_outcome(engine, regs[0].sha256, document((1,)), [], "v1", {})  # pages=2
    results.save_outcome(engine, regs[1].sha256, document(()), [], "v1", {})  # no_table, pages=1
    transitions.mark_failed(engine, regs[2].sha256, "不是PDF文件")
    transitions.claim(engine, regs[3].sha256)

    summary = queries.batch_summary(engine, batch)
    assert summary.counts == {
        "stored": 1,
        "duplicate": 1,
        "no_table": 1,
        "failed": 1,
        "queued": 1,
        "running": 1,
    }
    assert summary.total == 6 and summary.pending == 2 and not summary.finished
    assert (summary.pages_done, summary.pages_total) == (2 + 1 + 10, 2 + 1 + 10 + 10 + 10)
    assert summary.failures == [("c.pdf", "不是PDF文件")]

    for reg in regs[3:]:
        transitions.mark_failed(engine, reg.sha256, "超时")
    finished = queries.batch_summary(engine, batch)
    assert finished.finished and finished.across_due == 2 and not finished.done  # a and b stored
    assert queries.across_due(engine) == [regs[0].sha256, regs[1].sha256]
    with pytest.raises(transitions.NotFoundError):
        queries.batch_summary(engine, batch + 100)


def test_documents_in_state_and_outdated(engine: Engine) -> None:
    one = intake.create_batch(engine, [])
    two = intake.create_batch(engine, [])
    a = intake.register(engine, one, sha("a"), "a.pdf", "/s/a").sha256
    b = intake.register(engine, two, sha("b"), "b.pdf", "/s/b").sha256
    c = intake.register(engine, two, sha("c"), "c.pdf", "/s/c").sha256
    intake.register(engine, two, sha("a"), "a2.pdf", "/s/a")  # a is also part of batch two
    transitions.mark_failed(engine, a, "坏文件")
    results.save_outcome(engine, b, document(), [], "v1", {})
    results.save_outcome(engine, c, document(()), [], "v2", {})

    assert queries.documents_in_state(engine, ["failed"]) == [queries.DocRef(a, "a.pdf", "/s/a", "failed")]
    assert [d.sha256 for d in queries.documents_in_state(engine, ["failed"], batch_id=one)] == [a]
    assert [d.sha256 for d in queries.documents_in_state(engine, ["failed", "stored"], batch_id=two)] == [
        a,
        b,
    ]
    assert queries.documents_in_state(engine, ["queued", "running"]) == []
    assert [d.sha256 for d in queries.outdated(engine, "v2")] == [b]
    assert [d.sha256 for d in queries.outdated(engine, "v3")] == [b, c]
    assert queries.find_document(engine, sha("zzz")) is None


def test_documents_in_state_updated_before(engine: Engine) -> None:
    _, digest = registered(engine)
    transitions.claim(engine, digest)
    now = utcnow()
    assert queries.documents_in_state(engine, ["running"], updated_before=now - timedelta(minutes=5)) == []
    assert [
        d.sha256
        for d in queries.documents_in_state(engine, ["running"], updated_before=now + timedelta(minutes=5))
    ] == [digest]
