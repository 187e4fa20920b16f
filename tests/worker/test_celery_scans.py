"""Scanned documents through Redis: one `jixiao.scan_page` task per page on the `ocr` queue, in
parallel, then `jixiao.assemble_document` stores the document through the one path.

One stack for the module (deploy/run-local: 2 workers × 1 process consuming both queues,
Flower); a second stack's workers split the queues (one `-Q jixiao`, one `-Q ocr`) to show that
pages go where the OCR workers are. The scans are committed goldens (tests/fixtures/golden/
scan-mild); the rows stored must be those `pipeline.run.process` gives in this process.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db import queries
from pipeline.run import process
from tests.pipeline.scan.pages import huge_image_pdf
from tests.worker.conftest import RedisServer, Stack, all_final, batch_of, start_stack, wait_until

REPO = Path(__file__).resolve().parents[2]
MILD = REPO / "tests" / "fixtures" / "golden" / "scan-mild"
SCANS = ("mild-calc-symbol-2025-big.pdf", "mild-rl-portrait-two-row-header.pdf")  # two pages each
DIGITAL = REPO / "samples" / "portrait" / "portrait-0001.pdf"
ROW_KEYS = ("level1", "level2", "level3", "core", "operator", "target", "measure_unit", "weight", "page")


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, redis_server: RedisServer, pg_database: str
) -> Iterator[Stack]:
    s = start_stack(tmp_path_factory.mktemp("stack"), redis_server, pg_database, workers=2, with_flower=True)
    yield s  # pytest resumes the fixture to tear it down, whatever the tests did
    s.stop()


def expected_rows(data: bytes) -> list[tuple[Any, ...]]:
    """The document's indicator rows as `pipeline.run.process` reads them here, in order."""
    outcome = process(data)
    return [
        tuple(getattr(row, key) for key in ROW_KEYS) + (row.ocr_confidence,)
        for project in outcome.document.projects
        for row in project.indicators
    ]


def stored_rows(stack: Stack, sha256: str) -> list[tuple[Any, ...]]:
    return [
        tuple(r[key] for key in ROW_KEYS) + (r["ocr_confidence"],)
        for r in queries.export_rows(stack.engine)
        if r["document_sha256"] == sha256
    ]


def full_logs(stack: Stack) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(stack.run_dir.glob("*.log")))


def flower_tasks(stack: Stack, name: str) -> list[dict[str, Any]]:
    status, tasks = stack.flower(f"/api/tasks?taskname={name}")
    assert status == 200, status
    return list((tasks or {}).values())


def test_a_scanned_document_reads_its_pages_as_ocr_tasks_and_stores_the_rows_process_gives(
    stack: Stack, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in SCANS:
        shutil.copy(MILD / name, inbox / name)
    shutil.copy(DIGITAL, inbox / DIGITAL.name)

    done = stack.jixiao("ingest", str(inbox), timeout=600)
    assert done.returncode == 0, done.stderr + stack.logs()
    docs = {Path(d["source_name"]).name: d for d in all_final(stack, batch_of(done)) or []}
    assert {name: d["status"] for name, d in docs.items()} == dict.fromkeys([*SCANS, DIGITAL.name], "stored")
    for name in SCANS:
        data = (MILD / name).read_bytes()
        sha = docs[name]["sha256"]
        assert docs[name]["ocr_pages"] == 2
        want = expected_rows(data)
        assert want, name
        assert stored_rows(stack, sha) == want, name

    # Flower: one page task per scanned page, routed to `ocr`, naming its document and page
    by_sha = {docs[name]["sha256"]: name for name in SCANS}

    def page_tasks() -> list[dict[str, Any]]:
        tasks = [
            t
            for t in flower_tasks(stack, "jixiao.scan_page")
            if any(s in (t.get("kwargs") or "") for s in by_sha)
        ]
        return tasks if len(tasks) == 4 and all(t.get("state") == "SUCCESS" for t in tasks) else []

    pages = wait_until(page_tasks, 30, "Flower to show the four page tasks done")
    seen = set()
    for task in pages:
        sha = re.search(r"'sha256': '([0-9a-f]{64})'", task["kwargs"]).group(1)  # type: ignore[union-attr]
        page = int(re.search(r"'page': (\d+)", task["kwargs"]).group(1))  # type: ignore[union-attr]
        assert task["routing_key"] == "ocr", task
        seen.add((by_sha[sha], page))
    assert seen == {(name, n) for name in SCANS for n in (1, 2)}
    assemble = [
        t
        for t in flower_tasks(stack, "jixiao.assemble_document")
        if any(s in (t.get("kwargs") or "") for s in by_sha)
    ]
    assert len(assemble) == 2 and all(t["routing_key"] == "jixiao" for t in assemble), assemble
    # the digital document went as before: one task, no page tasks
    digital = docs[DIGITAL.name]["sha256"]
    assert not [t for t in flower_tasks(stack, "jixiao.scan_page") if digital in (t.get("kwargs") or "")]


def test_a_page_that_cannot_be_read_fails_its_document_with_the_reason_and_the_batch_goes_on(
    stack: Stack, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "huge-scan.pdf").write_bytes(huge_image_pdf(20_000, 20_000))  # 400 Mpx: beyond the limit
    shutil.copy(MILD / "mild-dept-guangdong-2022.pdf", inbox / "good-scan.pdf")
    shutil.copy(REPO / "samples" / "landscape" / "landscape-0001.pdf", inbox / "digital.pdf")  # not seen yet

    done = stack.jixiao("ingest", str(inbox), timeout=600)
    assert done.returncode == 0, done.stderr + stack.logs()
    docs = {Path(d["source_name"]).name: d for d in all_final(stack, batch_of(done)) or []}
    assert docs["huge-scan.pdf"]["status"] == "failed"
    assert docs["huge-scan.pdf"]["error"].startswith("page 1: page image of 400 Mpx exceeds"), docs[
        "huge-scan.pdf"
    ]
    assert docs["good-scan.pdf"]["status"] == "stored" and docs["good-scan.pdf"]["indicators"] > 0
    assert docs["digital.pdf"]["status"] == "stored"
    assert "huge-scan.pdf: page 1: page image of 400 Mpx" in done.stderr


def test_pages_go_to_the_ocr_workers_and_documents_to_the_others(
    tmp_path: Path, redis_server: RedisServer, pg_database: str
) -> None:
    """`-Q jixiao` workers take documents and leave their pages to `-Q ocr` workers (another
    machine in real life: same broker, database and store)."""
    broker = {"JIXIAO_BROKER_URL": redis_server.url(1)}  # not the module stack's queues
    documents_only = Stack(
        tmp_path / "documents", redis_server, pg_database, with_flower=False, extra_env=broker
    )
    documents_only.store.mkdir(parents=True)
    ocr_only = Stack(
        tmp_path / "ocr",
        redis_server,
        pg_database,
        with_flower=False,
        extra_env={**broker, "JIXIAO_STORE": str(documents_only.store)},
    )
    (tmp_path / "ocr").mkdir()
    common = ("--concurrency", "1", "--no-beat", "--no-flower", "--wait")
    try:
        started = documents_only.launcher(
            "start", "--workers", "1", "--queues", "jixiao", "--prefix", "doc", *common
        )
        assert started.returncode == 0, started.stdout + started.stderr + documents_only.logs()
        started = ocr_only.launcher("start", "--workers", "2", "--queues", "ocr", "--prefix", "ocr", *common)
        assert started.returncode == 0, started.stdout + started.stderr + ocr_only.logs()

        name = "mild-eval-broken-headers.pdf"
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        shutil.copy(MILD / name, inbox / name)
        done = documents_only.jixiao("ingest", str(inbox), timeout=600)
        assert done.returncode == 0, done.stderr + documents_only.logs() + ocr_only.logs()
        (doc,) = all_final(documents_only, batch_of(done)) or []
        assert doc["status"] == "stored" and doc["ocr_pages"] == 1, doc
        assert stored_rows(documents_only, doc["sha256"]) == expected_rows((MILD / name).read_bytes())

        documents_log, ocr_log = full_logs(documents_only), full_logs(ocr_only)
        assert "Task jixiao.scan_page[" not in documents_log  # (the start banner lists every task)
        assert re.search(r"Task jixiao\.scan_page\[[0-9a-f-]+\] succeeded", ocr_log), ocr_log
        assert re.search(r"Task jixiao\.assemble_document\[[0-9a-f-]+\] succeeded", documents_log), (
            documents_log
        )
        assert "Task jixiao.process_document[" not in ocr_log
    finally:
        ocr_only.stop()
        documents_only.stop()
