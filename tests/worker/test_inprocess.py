"""The in-process runner: every document ends final, on every backend, whatever the parser does.

The parser is replaced by `fake_process` (picklable, so it runs in the worker processes)
because the behaviours under test — a parser that raises, a worker process that dies — are
ones the real pipeline must not produce on purpose. The database and the process pool are real.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db import intake, queries
from db.models import Document as DocumentRow
from jixiao.inputs import InputFile
from pipeline.errors import EncryptedPdfError
from pipeline.model import Document, Extraction, Indicator, Project
from pipeline.progress import Progress, no_progress
from pipeline.run import Outcome
from pipeline.settings import PipelineSettings
from worker.inprocess import Tick
from worker.inprocess import run as run_pool
from worker.receive import Job, queued_jobs, receive
from worker.settings import Settings


def fake_process(
    data: bytes, settings: PipelineSettings | None = None, progress: Progress = no_progress
) -> Outcome:
    """Obeys the file's first word: CRASH kills the process, RAISE/ENCRYPTED raise, else a result."""
    text = data.decode()
    if text.startswith("CRASH_ONCE:"):
        marker = Path(text.split(":", 1)[1])
        if not marker.exists():
            marker.write_text("crashed once")
            os._exit(3)
    elif text.startswith("CRASH"):
        os._exit(3)
    elif text.startswith("HANG"):
        while True:  # a parser stuck in a loop on this file
            pass
    elif text.startswith("RAISE"):
        raise ValueError("boom\nsecond line of the traceback text")
    elif text.startswith("ENCRYPTED"):
        raise EncryptedPdfError("encrypted PDF: a password is required to open it")
    progress("extract", 2, 2)
    indicator = Indicator("产出指标", "数量指标", text, False, "=", "1", None, "次", 10.0, None, 1)
    project = Project("54000021R000000005055", "工资性支出", None, None, (indicator,))
    # layout carries the pid: proof of which process parsed the document
    document = Document("拉萨市信访局本级", 2025, "万元", 2, f"pid:{os.getpid()}", (project,))
    return Outcome(Extraction(pages=2, table_pages=(1,), layout="fake"), document, (), {"extract": 0.01})


def run(engine: Engine, jobs: list[Job], time_limit: int = 600, **options: object) -> object:
    """The in-process runner with the settings a fresh environment gives, store under the jobs."""
    store = Path(jobs[0].store_path).parents[1] if jobs else Path("store")
    settings = Settings.from_env({"JIXIAO_SOFT_TIME_LIMIT": str(time_limit), "JIXIAO_STORE": str(store)})
    return run_pool(engine, jobs, settings, **options)  # type: ignore[arg-type]


def receive_texts(engine: Engine, tmp_path: Path, texts: dict[str, str]) -> tuple[int, list[Job]]:
    batch = intake.create_batch(engine, ["test"])
    files = [InputFile(name, read=lambda t=text: t.encode()) for name, text in texts.items()]
    received = receive(engine, tmp_path / "store", batch, files)
    return batch, received.jobs


def statuses(engine: Engine, batch: int) -> dict[str, tuple[str, str | None]]:
    return {
        r["source_name"]: (r["status"], r["error"]) for r in queries.document_rows(engine, batch_id=batch)
    }


def test_errors_and_crashes_end_failed_with_reasons_and_the_rest_is_stored(
    engine: Engine,
    tmp_path: Path,
) -> None:
    texts = {f"good{i}.pdf": f"good {i}" for i in range(5)}
    texts |= {"crashes.pdf": "CRASH"}  # raising parsers: tests/worker/test_document.py, both modes
    batch, jobs = receive_texts(engine, tmp_path, texts)
    ticks: list[Tick] = []

    stats = run(engine, jobs, workers=2, listener=ticks.append, processor=fake_process)

    got = statuses(engine, batch)
    assert {name: got[name][0] for name in texts} == {
        **{f"good{i}.pdf": "stored" for i in range(5)},
        "crashes.pdf": "failed",
    }
    assert "parser process died" in (got["crashes.pdf"][1] or "")
    assert (stats.done, stats.failed, stats.pages) == (6, 1, 10)
    assert [t.done for t in ticks] == list(range(1, 7))
    assert ticks[-1].failed == 1 and ticks[-1].total == 6
    # Parsing happened in worker processes, writing here.
    with engine.connect() as conn:
        layouts = set(
            conn.execute(select(DocumentRow.layout).where(DocumentRow.status == "stored")).scalars()
        )
    assert layouts and f"pid:{os.getpid()}" not in layouts


def test_a_document_whose_worker_died_once_is_rerun_and_stored(engine: Engine, tmp_path: Path) -> None:
    marker = tmp_path / "crashed-once"
    texts = {"flaky.pdf": f"CRASH_ONCE:{marker}"} | {f"good{i}.pdf": f"good {i}" for i in range(4)}
    batch, jobs = receive_texts(engine, tmp_path, texts)

    run(engine, jobs, workers=2, processor=fake_process)

    assert marker.exists()  # it did crash the first time
    assert {s for s, _ in statuses(engine, batch).values()} == {"stored"}


def test_an_interrupted_run_leaves_no_document_running_and_resumes(
    engine: Engine,
    tmp_path: Path,
) -> None:
    batch, jobs = receive_texts(engine, tmp_path, {f"d{i}.pdf": f"doc {i}" for i in range(6)})

    def stop(tick: Tick) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(engine, jobs, workers=2, listener=stop, processor=fake_process)

    # documents never started stay queued, those a pool process had begun finish: none is
    # left running, and nothing is lost
    after = [status for status, _ in statuses(engine, batch).values()]
    assert set(after) == {"queued", "stored"}
    assert after.count("queued") >= 2  # 2 of 6 were never handed out (a window of 4)
    resumed = queued_jobs(engine, batch)
    assert len(resumed) == after.count("queued")
    run(engine, resumed, workers=2, processor=fake_process)
    assert {s for s, _ in statuses(engine, batch).values()} == {"stored"}


def test_duplicates_and_problem_files_are_recorded_but_not_parsed(engine: Engine, tmp_path: Path) -> None:
    batch = intake.create_batch(engine, ["test"])
    files = [
        InputFile("first.pdf", read=lambda: b"same bytes"),
        InputFile("again.pdf", read=lambda: b"same bytes"),
        InputFile("a.zip!locked.pdf", read=lambda: b"raw member", problem="encrypted zip member: a password"),
        InputFile("gone.pdf", read=lambda: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))),
    ]

    reports: list[tuple[str, int, int]] = []

    received = receive(engine, tmp_path / "store", batch, files, lambda *r: reports.append(r))

    assert reports == [("receive", i, 4) for i in range(5)]
    assert [j.source_name for j in received.jobs] == ["first.pdf"]
    assert received.duplicates == 1
    assert received.refused == [("a.zip!locked.pdf", "encrypted zip member: a password")]
    assert received.unreadable == [("gone.pdf", "cannot read the file: Permission denied")]
    assert statuses(engine, batch) == {
        "first.pdf": ("queued", None),
        "again.pdf": ("duplicate", None),
        "a.zip!locked.pdf": ("failed", "encrypted zip member: a password"),
    }
    assert Path(received.jobs[0].store_path).read_bytes() == b"same bytes"


def test_documents_already_final_are_not_parsed_again(engine: Engine, tmp_path: Path) -> None:
    batch, jobs = receive_texts(engine, tmp_path, {"a.pdf": "RAISE"})
    run(engine, jobs, workers=1, processor=fake_process)
    ticks: list[Tick] = []

    run(engine, jobs, workers=1, listener=ticks.append, processor=fake_process)

    assert [t.status for t in ticks] == ["skipped"]
    assert statuses(engine, batch)["a.pdf"] == ("failed", "parser error: ValueError: boom")


def test_cross_document_findings_are_refreshed_in_the_pool(engine: Engine, tmp_path: Path) -> None:
    from db import across
    from tests.db.test_across import NATIONAL, doc, proj, rows, save
    from worker.inprocess import refresh_across

    shas = [
        save(
            engine,
            f"{unit}-{year}",
            doc(year, proj("54000021R000000005055", "工资性支出", rows(), unit=unit), unit=unit),
        )
        for unit in ("甲局", "乙局")
        for year in (2024, 2025)
    ]
    settings = Settings.from_env({"JIXIAO_STORE": str(tmp_path / "store")})
    refresh_across(engine, shas[1:], settings, workers=2)  # shas[0]: a run killed before its refresh
    assert queries.across_due(engine) == []  # all four are current: their batches are done
    in_pool = sorted((r["document_sha256"], r["rule"], r["message"]) for r in queries.finding_rows(engine))
    assert {"Y1"} <= {rule for _, rule, _ in in_pool}  # each unit's 2025 copies its 2024
    across.refresh_after(engine, shas, NATIONAL, whole_database=True)
    assert (
        sorted((r["document_sha256"], r["rule"], r["message"]) for r in queries.finding_rows(engine))
        == in_pool
    )
