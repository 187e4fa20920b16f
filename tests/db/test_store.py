"""db.store on both backends: registration, state changes, replacement, and the contract rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from db import intake, queries, results, transitions
from db.models import Finding, Indicator, Project, Submission, utcnow
from pipeline.model import Finding as PipelineFinding
from tests.db.factories import document, findings, sha

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
]
CONTRACT_FINDING_KEYS = ["document_sha256", "project_code", "rule", "severity", "message"]


def _count(engine: Engine, entity: type) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(entity)).scalar_one()


def _registered(engine: Engine, label: str = "a", name: str = "a.pdf") -> tuple[int, str]:
    batch = intake.create_batch(engine, [name])
    reg = intake.register(engine, batch, sha(label), name, f"/store/{label}.pdf", pages=3)
    return batch, reg.sha256


def test_register_new_then_duplicate(engine: Engine) -> None:
    batch = intake.create_batch(engine, ["in/"])
    first = intake.register(engine, batch, sha("x"), "x.pdf", "/s/x.pdf", pages=4)
    again = intake.register(engine, batch, sha("x"), "copy of x.pdf", "/s/x.pdf")
    other = intake.register(engine, batch, sha("y"), "y.pdf", "/s/y.pdf")

    assert first == intake.Registration(first.document_id, sha("x"), duplicate=False, status="queued")
    assert again == intake.Registration(first.document_id, sha("x"), duplicate=True, status="queued")
    assert other.document_id != first.document_id and not other.duplicate
    assert _count(engine, Submission) == 3

    rows = list(queries.document_rows(engine, batch))
    assert [(r["source_name"], r["status"]) for r in rows] == [
        ("x.pdf", "queued"),
        ("copy of x.pdf", "duplicate"),
        ("y.pdf", "queued"),
    ]
    assert rows[0]["pages"] == 4 and rows[1]["pages"] == 4


def test_duplicate_reports_the_originals_current_status(engine: Engine) -> None:
    batch, digest = _registered(engine)
    results.save_outcome(engine, digest, document(), [], "v1", {})
    later = intake.create_batch(engine, ["again"])
    reg = intake.register(engine, later, digest, "again.pdf", "/s/a.pdf")
    assert reg.duplicate and reg.status == "stored"
    assert [r["status"] for r in queries.document_rows(engine, later)] == ["duplicate"]
    assert [r["status"] for r in queries.document_rows(engine, batch)] == ["stored"]


def test_register_refuses_a_malformed_sha(engine: Engine) -> None:
    batch = intake.create_batch(engine, [])
    with pytest.raises(ValueError):
        intake.register(engine, batch, "ABC", "a.pdf", "/s/a.pdf")


def test_claim_set_status_and_mark_failed(engine: Engine) -> None:
    _, digest = _registered(engine)
    assert transitions.claim(engine, digest) is True
    assert transitions.claim(engine, digest, stage="normalize") is True  # a redelivered task may go on
    assert queries.find_document(engine, digest) == queries.DocRef(digest, "a.pdf", "/store/a.pdf", "running")

    transitions.mark_failed(engine, digest, "文件已加密，无法读取", stage="extract")
    assert transitions.claim(engine, digest) is False  # final: an idempotent task does nothing
    (row,) = queries.document_rows(engine)
    assert (row["status"], row["error"]) == ("failed", "文件已加密，无法读取")

    transitions.set_status(engine, digest, "queued")  # retry
    (row,) = queries.document_rows(engine)
    assert (row["status"], row["error"]) == ("queued", None)
    assert transitions.claim(engine, digest) is True
    assert transitions.claim(engine, sha("unknown")) is False


def test_status_changes_refuse_unknown_documents_and_statuses(engine: Engine) -> None:
    _, digest = _registered(engine)
    with pytest.raises(ValueError):
        transitions.set_status(engine, digest, "duplicate")
    with pytest.raises(transitions.NotFoundError):
        transitions.set_status(engine, sha("nope"), "queued")
    with pytest.raises(transitions.NotFoundError):
        transitions.mark_failed(engine, sha("nope"), "x")
    with pytest.raises(transitions.NotFoundError):
        results.save_outcome(engine, sha("nope"), document(), [], "v1", {})


def test_save_outcome_twice_leaves_one_copy(engine: Engine) -> None:
    _, digest = _registered(engine)
    for _ in range(2):
        results.save_outcome(engine, digest, document((2, 3)), findings(), "v1", {"extract": 0.5})
    assert (_count(engine, Project), _count(engine, Indicator), _count(engine, Finding)) == (2, 5, 3)

    results.save_outcome(engine, digest, document((4,)), findings()[:1], "v2", {})
    assert (_count(engine, Project), _count(engine, Indicator), _count(engine, Finding)) == (1, 4, 1)
    (row,) = queries.document_rows(engine)
    assert (row["status"], row["projects"], row["indicators"], row["pages"]) == ("stored", 1, 4, 2)


def test_save_outcome_without_projects_is_no_table(engine: Engine) -> None:
    _, digest = _registered(engine)
    results.save_outcome(engine, digest, document((2,)), [], "v1", {})
    results.save_outcome(engine, digest, document(()), [], "v1", {})
    (row,) = queries.document_rows(engine)
    assert (row["status"], row["projects"], row["indicators"]) == ("no_table", 0, 0)
    assert list(queries.export_rows(engine)) == []


def test_save_outcome_keeps_cross_document_findings(engine: Engine) -> None:
    _, digest = _registered(engine)
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
    }
    assert rows[1]["core"] is False and rows[2]["page"] == 2

    assert len(list(queries.export_rows(engine, year=2023))) == 1
    assert len(list(queries.export_rows(engine, unit_name="拉萨市信访局本级", year=2024))) == 5
    assert list(queries.export_rows(engine, unit_name="别的单位")) == []


def test_export_unit_name_falls_back_to_the_documents(engine: Engine) -> None:
    _, digest = _registered(engine)
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


def test_document_rows_keys_and_counts(engine: Engine) -> None:
    batch, digest = _registered(engine)
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
    }
    assert (rows[1]["status"], rows[1]["projects"], rows[1]["indicators"]) == ("queued", 0, 0)
    assert list(queries.document_rows(engine, batch_id=batch + 100)) == []


def test_finding_rows_keys(engine: Engine) -> None:
    _, digest = _registered(engine)
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
    assert queries.batch_summary(engine, batch).finished
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


def test_set_stage_only_moves_a_running_document(engine: Engine) -> None:
    _, digest = _registered(engine)
    assert transitions.set_stage(engine, digest, "extract") is False  # still queued: untouched
    transitions.claim(engine, digest)
    assert transitions.set_stage(engine, digest, "validate") is True
    results.save_outcome(engine, digest, document(), [], "v1", {})
    assert transitions.set_stage(engine, digest, "normalize") is False  # a late report changes nothing
    assert queries.find_document(engine, digest) == queries.DocRef(
        digest, "a.pdf", "/store/a.pdf", "stored", unit_name="拉萨市信访局本级", budget_year=2024
    )


def test_documents_in_state_updated_before(engine: Engine) -> None:
    _, digest = _registered(engine)
    transitions.claim(engine, digest)
    now = utcnow()
    assert queries.documents_in_state(engine, ["running"], updated_before=now - timedelta(minutes=5)) == []
    assert [
        d.sha256
        for d in queries.documents_in_state(engine, ["running"], updated_before=now + timedelta(minutes=5))
    ] == [digest]


def test_a_failed_save_leaves_the_previous_rows(engine: Engine) -> None:
    _, digest = _registered(engine)
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
