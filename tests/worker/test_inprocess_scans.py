"""In-process runs of scanned documents: their pages spread over the pool's processes.

The real pipeline and the real pool (no fake parser): a committed two-page scan, a page beyond
the scan reader's limits, and a digital document in one batch, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from db import intake, queries
from db.models import Document as DocumentRow
from jixiao.inputs import InputFile
from pipeline.run import process
from tests.pipeline.scan.pages import huge_image_pdf
from worker.inprocess import run
from worker.pages import decode, encode, pages_to_scan
from worker.receive import receive
from worker.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SCAN = REPO / "tests" / "fixtures" / "golden" / "scan-mild" / "mild-rl-portrait-two-row-header.pdf"
DIGITAL = REPO / "samples" / "variants" / "variants-0001.pdf"
ROW_KEYS = ("level1", "level2", "level3", "core", "operator", "target", "measure_unit", "weight", "page")


def test_page_objects_travel_as_plain_lists_and_come_back_equal() -> None:
    import json

    from pipeline.extract import read_scanned
    from pipeline.scan.route import COVERED, SCAN_COVERAGE
    from worker.pages import SCAN_COVER, TEXT_UNDER_SCAN

    assert (SCAN_COVER, TEXT_UNDER_SCAN) == (SCAN_COVERAGE, COVERED)  # the router's, kept in step
    data = SCAN.read_bytes()
    assert pages_to_scan(data) == [1, 2]
    assert pages_to_scan(DIGITAL.read_bytes()) == []
    page = read_scanned(data, 1)
    assert decode(json.loads(json.dumps(encode(page)))) == page


def test_a_scans_pages_are_read_by_several_pool_processes_and_a_bad_page_fails_only_its_document(
    engine: Engine, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SCAN, inbox / "scan.pdf")
    shutil.copy(DIGITAL, inbox / "digital.pdf")
    (inbox / "huge.pdf").write_bytes(huge_image_pdf(20_000, 20_000))  # 400 Mpx: beyond the limit
    batch = intake.create_batch(engine, ["test"])
    files = [InputFile(p.name, read=p.read_bytes) for p in sorted(inbox.iterdir())]
    jobs = receive(engine, tmp_path / "store", batch, files).jobs
    settings = Settings.from_env({"JIXIAO_STORE": str(tmp_path / "store")})

    stats = run(engine, jobs, settings, workers=2)

    docs = {r["source_name"]: r for r in queries.document_rows(engine, batch_id=batch)}
    assert {name: d["status"] for name, d in docs.items()} == {
        "digital.pdf": "stored",
        "huge.pdf": "failed",
        "scan.pdf": "stored",
    }
    assert docs["huge.pdf"]["error"].startswith("page 1: page image of 400 Mpx exceeds"), docs["huge.pdf"]
    assert docs["scan.pdf"]["ocr_pages"] == 2
    assert (stats.done, stats.failed) == (3, 1)

    # the rows are those the pipeline gives in one process
    want = [
        tuple(getattr(row, key) for key in ROW_KEYS) + (row.ocr_confidence,)
        for project in process(SCAN.read_bytes()).document.projects
        for row in project.indicators
    ]
    got = [
        tuple(r[key] for key in ROW_KEYS) + (r["ocr_confidence"],)
        for r in queries.export_rows(engine)
        if r["document_sha256"] == docs["scan.pdf"]["sha256"]
    ]
    assert want and got == want

    # its two pages were read by two processes, and their CPU counts in the document's
    with engine.connect() as conn:
        timings: dict[str, Any] = conn.execute(
            select(DocumentRow.timings).where(DocumentRow.sha256 == docs["scan.pdf"]["sha256"])
        ).scalar_one()
    assert timings["scan_pages"] == 2 and timings["scan_processes"] == 2, timings
    assert timings["parse_cpu"] >= timings["scan_cpu"] > 0
