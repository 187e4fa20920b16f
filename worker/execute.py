"""One document from `queued` to a final state, as a queue worker runs it; no Celery in here.

Idempotent, because the broker delivers at least once: `claim` refuses a document that is
already final (a redelivered or duplicated message then does nothing), and `save_outcome`
replaces the document's rows in one transaction, so a stage run twice leaves one copy.

Errors are sorted once, here:
- transient (a database or broker connection, a lock): re-raised, the caller retries later;
- everything else is this document's problem: it ends `failed` with a reason, at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import Engine

from db import blobstore, store
from db.models import FAILED, NO_TABLE, STORED
from pipeline import PIPELINE_VERSION
from pipeline.errors import PipelineError
from pipeline.progress import Progress, no_progress
from pipeline.run import Outcome, process
from pipeline.settings import PipelineSettings
from worker.inprocess import describe_unexpected
from worker.profiles import pipeline_settings
from worker.transient import is_transient

SKIPPED = "skipped"  # the document was final already (or became final under our feet)
STAGES = ("extract", "normalize", "validate", "store")

Processor = Callable[..., Outcome]  # the signature of `pipeline.run.process`
Admit = Callable[[], str | None]  # after the claim: None to go on, or why the document must fail now


@dataclass(frozen=True)
class Result:
    """What became of one delivery; small, so it can be a task result."""

    sha256: str
    status: str  # stored, no_table, failed, or skipped
    pages: int | None = None
    projects: int = 0
    indicators: int = 0
    error: str | None = None
    stage: str | None = None  # where a failure happened

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


class MissingCopyError(Exception):
    """The stored PDF is not where this worker looks (JIXIAO_STORE not shared?)."""


def _admit_all() -> str | None:
    return None


def execute(
    engine: Engine,
    sha256: str,
    *,
    store_dir: Path | None = None,
    settings: PipelineSettings | None = None,
    progress: Progress = no_progress,
    admit: Admit = _admit_all,
    processor: Processor = process,
    soft_time_limit: int | None = None,
) -> Result:
    """Claim, parse, store. Raises only transient errors (after which the document stays `running`)."""
    if not store.claim(engine, sha256):
        ref = store.find_document(engine, sha256)
        return Result(sha256, SKIPPED, error=None if ref else "no such document")
    refusal = admit()
    if refusal is not None:
        store.mark_failed(engine, sha256, refusal, stage="extract")
        return Result(sha256, FAILED, error=refusal, stage="extract")

    stages = _StageTracker(engine, sha256, progress)
    try:
        data = read_stored_copy(engine, sha256, store_dir)
        started = time.process_time()
        outcome = processor(data, settings or pipeline_settings(), stages)
        timings = dict(outcome.timings)
        # CPU seconds of the pipeline itself, without the progress reports made from inside it:
        # what a worker spends on top of this is the queue's cost (bench/broker.py reads it)
        timings["parse_cpu"] = round(time.process_time() - started - stages.cpu, 6)
        stages.enter("store")
        store.save_outcome(engine, sha256, outcome.document, outcome.findings, PIPELINE_VERSION, timings)
    except _Superseded:
        return Result(sha256, SKIPPED)
    except Exception as exc:  # noqa: BLE001 — sorted right here (SoftTimeLimitExceeded included)
        if is_transient(exc):
            raise
        reason = failure_reason(exc, soft_time_limit)
        store.mark_failed(engine, sha256, reason, stage=stages.current)
        return Result(sha256, FAILED, error=reason, stage=stages.current)
    document = outcome.document
    return Result(
        sha256,
        STORED if document.projects else NO_TABLE,
        pages=outcome.extraction.pages,
        projects=len(document.projects),
        indicators=sum(len(p.indicators) for p in document.projects),
    )


def failure_reason(exc: BaseException, soft_time_limit: int | None = None) -> str:
    """A sentence a person can act on."""
    if isinstance(exc, PipelineError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, SoftTimeLimitExceeded):
        limit = f" ({soft_time_limit} s)" if soft_time_limit else ""
        return (
            f"parsing took longer than the time limit per document{limit}; "
            "raise JIXIAO_SOFT_TIME_LIMIT for very long files, then `jixiao retry --failed`"
        )
    if isinstance(exc, MissingCopyError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory while parsing this file"
    return describe_unexpected(exc)


def read_stored_copy(engine: Engine, sha256: str, store_dir: Path | None) -> bytes:
    """The PDF's bytes: from this worker's JIXIAO_STORE if set, else from the path recorded at ingest."""
    ref = store.find_document(engine, sha256)
    candidates: list[Path] = []
    if store_dir is not None:
        candidates.append(blobstore.path_for(store_dir, sha256))
    if ref is not None:
        candidates.append(Path(ref.store_path))
    for path in candidates:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            continue
    looked = ", ".join(str(p) for p in candidates) or "nowhere"
    raise MissingCopyError(
        f"stored copy not found on this worker (looked in {looked}); every worker machine needs the "
        "ingest machine's JIXIAO_STORE folder (a shared mount), then `jixiao retry --failed`"
    )


class _Superseded(Exception):
    """Another delivery of the same message finished the document while this one ran."""


class _StageTracker:
    """Turns pipeline progress reports into the document's `stage` column and passes them on.

    A stage that reports done == total is over: the next one has begun.
    """

    def __init__(self, engine: Engine, sha256: str, progress: Progress) -> None:
        self.engine = engine
        self.sha256 = sha256
        self.progress = progress
        self.current = STAGES[0]  # `claim` recorded it
        self.cpu = 0.0  # CPU seconds spent here, reporting

    def __call__(self, stage: str, done: int, total: int) -> None:
        started = time.process_time()
        try:
            now = stage
            if stage in STAGES and done >= total and stage != STAGES[-1]:
                now = STAGES[STAGES.index(stage) + 1]
            self.progress(stage, done, total)
            if now != self.current:
                self.enter(now, report=False)
        finally:
            self.cpu += time.process_time() - started

    def enter(self, stage: str, report: bool = True) -> None:
        if report:
            self.progress(stage, 0, 1)
        if stage != self.current:
            self.current = stage
            if not store.set_stage(self.engine, self.sha256, stage):
                raise _Superseded
