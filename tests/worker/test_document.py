"""One document's failures, once for both modes: the Celery task's path (`run_document` in this
process) and the in-process runner (compute in a pool process, write here) must leave the same
status and the same reason for the same file.

The parser is `fake_process` from the in-process tests (picklable, obeys the file's first word).
A hang is stopped by each mode's own limit: the runner's alarm, Celery's soft time limit (here:
the exception Celery raises in the task, thrown by the parser as Celery would).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import Engine

from db import queries
from pipeline.progress import Progress, no_progress
from pipeline.run import Outcome
from pipeline.settings import PipelineSettings
from tests.worker.test_inprocess import fake_process, receive_texts, run
from worker.document import describe_unexpected, failure_reason, run_document

LIMIT = 1


def celery_process(
    data: bytes, settings: PipelineSettings | None = None, progress: Progress = no_progress
) -> Outcome:
    """`fake_process`, except that a hang ends the way Celery's soft time limit ends it."""
    if data.startswith(b"HANG"):
        raise SoftTimeLimitExceeded()
    return fake_process(data, settings, progress)


def through_celery_path(
    engine: Engine, tmp_path: Path, texts: dict[str, str]
) -> dict[str, tuple[str, str | None]]:
    batch, jobs = receive_texts(engine, tmp_path, texts)
    for job in jobs:
        run_document(
            engine,
            job.sha256,
            store_dir=tmp_path / "store",
            settings=PipelineSettings(),
            time_limit=LIMIT,
            processor=celery_process,
        )
    return outcome(engine, batch)


def through_the_pool(
    engine: Engine, tmp_path: Path, texts: dict[str, str]
) -> dict[str, tuple[str, str | None]]:
    batch, jobs = receive_texts(engine, tmp_path, texts)
    run(engine, jobs, time_limit=LIMIT, workers=1, processor=fake_process)
    return outcome(engine, batch)


def outcome(engine: Engine, batch: int) -> dict[str, tuple[str, str | None]]:
    return {
        r["source_name"]: (r["status"], r["error"]) for r in queries.document_rows(engine, batch_id=batch)
    }


CASES = {
    "raises.pdf": ("RAISE", "parser error: ValueError: boom"),
    "locked.pdf": ("ENCRYPTED", "encrypted PDF: a password is required to open it"),
    "hangs.pdf": ("HANG", f"parsing took longer than the time limit per document ({LIMIT} s)"),
    "good.pdf": ("a good file", None),
}


@pytest.mark.parametrize("mode", [through_celery_path, through_the_pool], ids=["celery-task", "in-process"])
def test_each_failure_ends_failed_with_the_same_reason_in_either_mode(
    mode: object, engine: Engine, tmp_path: Path
) -> None:
    got = mode(engine, tmp_path, {name: text for name, (text, _) in CASES.items()})  # type: ignore[operator]
    for name, (_, reason) in CASES.items():
        status, error = got[name]
        if reason is None:
            assert (status, error) == ("stored", None), name
        else:
            assert status == "failed", name
            assert error is not None and error.startswith(reason), (name, error)
    assert "JIXIAO_SOFT_TIME_LIMIT" in (got["hangs.pdf"][1] or "")


@pytest.mark.parametrize("mode", [through_celery_path, through_the_pool], ids=["celery-task", "in-process"])
def test_a_stored_copy_gone_missing_fails_with_the_same_reason_in_either_mode(
    mode: object, engine: Engine, tmp_path: Path
) -> None:
    batch, jobs = receive_texts(engine, tmp_path, {"gone.pdf": "good"})
    Path(jobs[0].store_path).unlink()
    if mode is through_celery_path:
        run_document(
            engine,
            jobs[0].sha256,
            store_dir=tmp_path / "store",
            settings=PipelineSettings(),
            time_limit=LIMIT,
        )
    else:
        run(engine, jobs, workers=1, processor=fake_process)
    status, error = outcome(engine, batch)["gone.pdf"]
    assert status == "failed"
    assert error is not None and error.startswith("stored copy not found on this worker")


def test_both_limits_read_the_same() -> None:
    from worker.document import DocumentTimeout

    assert failure_reason(DocumentTimeout(), 5) == failure_reason(SoftTimeLimitExceeded(), 5)


def test_unexpected_exceptions_are_described_on_one_short_line() -> None:
    assert describe_unexpected(KeyError("k")) == "parser error: KeyError: 'k'"
    assert describe_unexpected(RuntimeError()) == "parser error: RuntimeError"
    assert len(describe_unexpected(ValueError("x" * 5000))) < 600


def test_running_out_of_memory_names_the_cap_and_its_variable() -> None:
    from worker.document import memory_reason, timeout_reason

    assert failure_reason(MemoryError(), memory_mb=600) == memory_reason(600)
    assert memory_reason(600).startswith("needed more than 600 MB while parsing")
    assert "JIXIAO_MAX_PARSE_MB" in memory_reason(600)
    assert failure_reason(MemoryError()) == "out of memory while parsing this file"  # no cap
    assert "JIXIAO_HARD_TIME_LIMIT" in timeout_reason(80, "JIXIAO_HARD_TIME_LIMIT")
