"""One document from its stored bytes to its final row: the one path every mode runs.

    read the stored copy → pipeline (extract → normalize → validate) → `Computed` → `write`

`compute` turns bytes into a classified outcome and never raises for a bad file: every
failure becomes a reason a person can act on. `write` is the single database write that makes
the document final. `run_document` chains claim, compute and write in one process (a Celery
task); the in-process runner computes in its worker processes and writes in its own, so
SQLite keeps one writer. Either way the same functions decide what a failure says.

Idempotent, because the broker delivers at least once: `claim` refuses a document that is
already final (a redelivered or duplicated message then does nothing), and `save_outcome`
replaces the document's rows in one transaction, so a document run twice leaves one copy.
Transient errors (a database or broker connection) are raised, never recorded: the caller
retries them.

Scanned pages can be read elsewhere first: with `scatter`, a document that has pages to read
from their images (`worker.pages.pages_to_scan`) stops after the claim with status
`scanning` and the list of those pages; each is read by `read_page_image` (a Celery page task,
a job of the in-process pool), and the document then runs this same path again with
`scanned=` those pages. A page that cannot be read fails its document with the page's reason.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import Engine

from db import queries, transitions
from db.blobstore import path_for
from db.results import Rows, rows_of, save_rows
from db.status import Status
from pipeline import PIPELINE_VERSION
from pipeline.errors import PipelineError
from pipeline.extract import read_scanned
from pipeline.extract.objects import PageObjects
from pipeline.progress import Progress, no_progress
from pipeline.run import Outcome, process
from pipeline.settings import PipelineSettings
from worker.pages import Encoded, encode, pages_to_scan
from worker.transient import is_transient

MAX_MESSAGE = 500  # characters of an unexpected exception's text kept in the error column

Processor = Callable[..., Outcome]  # the signature of `pipeline.run.process`
Admit = Callable[[], str | None]  # after the claim: None to go on, or why the document must fail now
PageReader = Callable[..., PageObjects]  # the signature of `pipeline.extract.read_scanned`


class Stage(StrEnum):
    """Where a document is; the `stage` column and a failure's `stage` say it."""

    RECEIVE = "receive"
    EXTRACT = "extract"
    NORMALIZE = "normalize"
    VALIDATE = "validate"
    STORE = "store"
    SCAN = "scan"  # waiting for its pages read from their images by page tasks


PIPELINE_STAGES = (Stage.EXTRACT, Stage.NORMALIZE, Stage.VALIDATE, Stage.STORE)
SKIPPED = "skipped"  # the document was final already (or became final under our feet)
SCANNING = "scanning"  # claimed; its scanned pages are to be read first (`Result.scan`), then it runs again


@dataclass(frozen=True)
class Computed:
    """What the pipeline made of one document: its rows or a reason, never an exception.

    Plain data (rows as tuples), cheap to send back from a worker process.
    """

    sha256: str
    rows: Rows | None = None
    pages: int = 0
    error: str | None = None
    stage: str | None = None  # where a failure happened
    scan: tuple[int, ...] = ()  # nothing computed yet: these pages are to be read from their images first


@dataclass(frozen=True)
class Result:
    """What became of one document after `write`; small, so it can be a task result."""

    sha256: str
    status: str  # stored, no_table, failed, or skipped
    pages: int | None = None
    projects: int = 0
    indicators: int = 0
    error: str | None = None
    stage: str | None = None  # where a failure happened
    scan: tuple[int, ...] | None = None  # status `scanning`: the pages to read from their images

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class PageRead:
    """One page read from its image (`read_page_image`), or why it could not be: plain data."""

    sha256: str
    page: int
    objects: PageObjects | None = None
    error: str | None = None  # the document fails with this reason
    cpu: float = 0.0  # CPU seconds the reading took
    pid: int = 0  # the process that read it

    def as_dict(self) -> dict[str, Any]:
        """For a task result: the objects as nested lists (`worker.pages.encode`)."""
        objects: Encoded | None = None if self.objects is None else encode(self.objects)
        return {"page": self.page, "objects": objects, "error": self.error, "cpu": self.cpu, "pid": self.pid}


def scan_timings(reads: Sequence[PageRead]) -> dict[str, float]:
    """What the document's timings say of its pages read elsewhere: their CPU, by how many processes."""
    return {
        "scan_cpu": round(sum(r.cpu for r in reads), 6),
        "scan_pages": float(len(reads)),
        "scan_processes": float(len({r.pid for r in reads})),
    }


# --------------------------------------------------------------------------- the path


def run_document(
    engine: Engine,
    sha256: str,
    *,
    store_dir: Path,
    settings: PipelineSettings,
    time_limit: float,
    progress: Progress = no_progress,
    admit: Callable[[], str | None] = lambda: None,
    processor: Processor = process,
    alarm: bool = False,
    memory_mb: int = 0,
    lease: float | None = None,
    scatter: bool = False,
    scanned: Mapping[int, PageObjects] | None = None,
    timings: Mapping[str, float] | None = None,
) -> Result:
    """Claim (held for `lease` seconds: past the limit that kills a stuck parse), compute,
    write, in this process. Raises only transient errors (the document then
    stays `running` and the caller tries again later).

    With `scatter`, a document with pages to read from their images (none of them in
    `scanned`) stays claimed and returns status `scanning` with those pages (`Result.scan`):
    the caller has them read (`read_page_image`) and runs the document again with `scanned=`.
    `timings` join the document's own (`scan_timings`).

    `time_limit` is what the failure message names; who enforces it is the caller's choice:
    Celery's soft limit, or with `alarm` this process's own (the in-process runner's pool).
    Neither can stop pdfium itself: a hard limit from outside does (Celery's, the runner's
    kill). `memory_mb` is the cap this process runs under (`runtime.cap_memory`), named when
    parsing runs out of memory.
    """
    if not transitions.claim(engine, sha256, lease=lease):
        ref = queries.find_document(engine, sha256)
        return Result(sha256, SKIPPED, error=None if ref else "no such document")
    refusal = admit()
    if refusal is not None:
        return write(engine, Computed(sha256, error=refusal, stage=Stage.EXTRACT))
    stages = Stages(progress, on_enter=lambda stage: _still_running(engine, sha256, stage))
    ref = queries.find_document(engine, sha256)
    recorded = Path(ref.store_path) if ref is not None else None
    try:
        computed = compute(
            lambda: read_stored_copy(sha256, store_dir, recorded),
            sha256,
            settings,
            time_limit=time_limit,
            progress=stages,
            processor=processor,
            alarm=alarm,
            memory_mb=memory_mb,
            scatter=scatter,
            scanned=scanned,
            timings=timings,
        )
    except Superseded:
        return Result(sha256, SKIPPED)
    if computed.scan:
        stages.enter(Stage.SCAN)
        return Result(sha256, SCANNING, scan=computed.scan)
    stages.enter(Stage.STORE)
    return write(engine, computed)


def compute(
    read: Callable[[], bytes],
    sha256: str,
    settings: PipelineSettings,
    *,
    time_limit: float,
    progress: Progress = no_progress,
    processor: Processor = process,
    alarm: bool = False,
    memory_mb: int = 0,
    scatter: bool = False,
    scanned: Mapping[int, PageObjects] | None = None,
    timings: Mapping[str, float] | None = None,
) -> Computed:
    """Bytes → pipeline → a classified outcome. Raises only transient errors and `Superseded`.

    With `alarm`, the time limit is enforced here (SIGALRM in this process's main thread);
    otherwise it is only named in the reason when the caller's own limit fires. With
    `scatter` (and scans read at all), a document with pages to read from their images that
    `scanned` does not hold yet computes nothing: `Computed.scan` names those pages.
    """
    stages = progress if isinstance(progress, Stages) else Stages(progress)
    try:
        data = read()
    except OSError as exc:
        return Computed(sha256, error=f"stored copy unreadable: {exc.strerror or exc}", stage=Stage.RECEIVE)
    except MissingCopyError as exc:
        return Computed(sha256, error=str(exc), stage=Stage.RECEIVE)
    started = time.process_time()
    try:
        with _alarm(time_limit if alarm else 0.0):
            if scatter and settings.extract.read_scans:
                left = tuple(n for n in pages_to_scan(data) if n not in (scanned or {}))
                if left:
                    return Computed(sha256, scan=left)
            if scanned:
                outcome = processor(data, settings, stages, scanned=scanned)
            else:
                outcome = processor(data, settings, stages)
    except Superseded:
        raise
    except BaseException as exc:
        if not isinstance(exc, Exception | DocumentTimeout) or is_transient(exc):
            raise
        return Computed(sha256, error=failure_reason(exc, time_limit, memory_mb), stage=stages.current)
    timings = {**outcome.timings, **(timings or {})}
    # CPU seconds of the pipeline itself, without the progress reports made from inside it:
    # what a worker spends on top of this is the cost of running it (bench/broker.py reads it);
    # pages read from their images elsewhere count in it too
    own = time.process_time() - started - stages.cpu
    timings["parse_cpu"] = round(own + timings.get("scan_cpu", 0.0), 6)
    rows = rows_of(outcome.document, outcome.findings, PIPELINE_VERSION, timings)
    return Computed(sha256, rows=rows, pages=outcome.extraction.pages)


def read_page_image(
    sha256: str,
    page: int,
    *,
    store_dir: Path,
    settings: PipelineSettings,
    time_limit: float,
    recorded: Path | None = None,
    alarm: bool = False,
    memory_mb: int = 0,
    reader: PageReader = read_scanned,
) -> PageRead:
    """One page of a stored document read from its image: a page task's whole work.

    Never raises for a bad page: its reason (`page N: …`, worded as a document's would be)
    fails the document when it is assembled. Raises only transient errors.
    """
    try:
        data = read_stored_copy(sha256, store_dir, recorded)
    except OSError as exc:
        return PageRead(sha256, page, error=f"stored copy unreadable: {exc.strerror or exc}", pid=os.getpid())
    except MissingCopyError as exc:
        return PageRead(sha256, page, error=str(exc), pid=os.getpid())
    started = time.process_time()
    try:
        with _alarm(time_limit if alarm else 0.0):
            objects = reader(data, page, settings.extract)
    except BaseException as exc:
        if not isinstance(exc, Exception | DocumentTimeout) or is_transient(exc):
            raise
        reason = f"page {page}: {failure_reason(exc, time_limit, memory_mb)}"
        return PageRead(sha256, page, error=reason, cpu=time.process_time() - started, pid=os.getpid())
    return PageRead(sha256, page, objects, cpu=round(time.process_time() - started, 6), pid=os.getpid())


def write(engine: Engine, computed: Computed) -> Result:
    """The one write that makes a document final: its rows, or its reason."""
    return write_many(engine, [computed])[0]


def write_many(engine: Engine, computed: Sequence[Computed]) -> list[Result]:
    """Make every document in `computed` final: all rows in one transaction, then the failures.

    A write the database refuses for a reason other than a passing one (a value it will not
    take) is retried document by document, so only the document at fault fails, with that
    reason, and none stays `running`. Transient errors are raised: the caller retries.
    """
    parsed = [c for c in computed if c.error is None]
    try:
        if parsed:
            save_rows(engine, [(c.sha256, _rows(c)) for c in parsed])
    except Exception as exc:  # noqa: BLE001 — sorted right here
        if is_transient(exc):
            raise
        if len(parsed) > 1:
            return [write(engine, c) for c in computed]
        failed = Computed(parsed[0].sha256, error=failure_reason(exc), stage=Stage.STORE)
        computed = [failed if c is parsed[0] else c for c in computed]
    results: list[Result] = []
    for c in computed:
        if c.error is None:
            rows = _rows(c)
            results.append(
                Result(
                    c.sha256,
                    rows.status,
                    pages=c.pages,
                    projects=len(rows.projects),
                    indicators=len(rows.indicators),
                )
            )
        else:
            transitions.mark_failed(engine, c.sha256, c.error, stage=c.stage)
            results.append(Result(c.sha256, Status.FAILED, error=c.error, stage=c.stage))
    return results


def _rows(computed: Computed) -> Rows:
    assert computed.rows is not None
    return computed.rows


# --------------------------------------------------------------------------- reasons


class MissingCopyError(Exception):
    """The stored PDF is not where this worker looks (JIXIAO_STORE not shared?)."""


class DocumentTimeout(Exception):
    """Raised inside the parser by `compute`'s alarm."""


class Superseded(Exception):
    """Another delivery of the same message finished the document while this one ran."""


def failure_reason(exc: BaseException, time_limit: float | None = None, memory_mb: int = 0) -> str:
    """A sentence a person can act on, the same whichever mode ran the document."""
    if isinstance(exc, PipelineError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, DocumentTimeout | SoftTimeLimitExceeded):
        return timeout_reason(time_limit)
    if isinstance(exc, MissingCopyError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return memory_reason(memory_mb)
    return describe_unexpected(exc)


def timeout_reason(seconds: float | None, variable: str = "JIXIAO_SOFT_TIME_LIMIT") -> str:
    """A document stopped by a time limit: the alarm, Celery's soft or hard limit, the runner's kill."""
    limit = f" ({seconds:g} s)" if seconds else ""
    return (
        f"parsing took longer than the time limit per document{limit}; the file may be huge or "
        f"malformed (a PDF bomb) — check it, or raise {variable} and `jixiao retry --failed`"
    )


def memory_reason(limit_mb: int) -> str:
    """A document that needed more memory than a parse may have (`runtime.cap_memory`)."""
    if limit_mb <= 0:
        return "out of memory while parsing this file"
    return (
        f"needed more than {limit_mb} MB while parsing; the file may be a PDF bomb (content that "
        "expands without end) — check it, or raise JIXIAO_MAX_PARSE_MB and `jixiao retry --failed`"
    )


def describe_unexpected(exc: BaseException) -> str:
    """`parser error: <Type>: <first line of the message>` — short enough for a table cell."""
    lines = str(exc).strip().splitlines()
    if not lines:
        return f"parser error: {type(exc).__name__}"
    text = lines[0] if len(lines[0]) <= MAX_MESSAGE else lines[0][:MAX_MESSAGE] + "…"
    return f"parser error: {type(exc).__name__}: {text}"


def read_stored_copy(sha256: str, store_dir: Path, recorded: Path | None = None) -> bytes:
    """The PDF's bytes: from this machine's store folder, else from the path recorded at ingest."""
    candidates = [path_for(store_dir, sha256)]
    if recorded is not None and recorded != candidates[0]:
        candidates.append(recorded)
    for path in candidates:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            continue
    looked = ", ".join(str(p) for p in candidates)
    raise MissingCopyError(
        f"stored copy not found on this worker (looked in {looked}); every worker machine needs the "
        "ingest machine's JIXIAO_STORE folder (a shared mount), then `jixiao retry --failed`"
    )


# --------------------------------------------------------------------------- progress


class Stages:
    """The one progress type of a document's run: knows the current stage, passes reports on.

    A stage that reports done == total is over and the next one has begun; `on_enter` hears
    of each new stage (the Celery path records it in the database).
    """

    def __init__(self, progress: Progress = no_progress, on_enter: Callable[[str], None] | None = None):
        self.progress = progress
        self.on_enter = on_enter
        self.current: str = Stage.EXTRACT  # `claim` recorded it
        self.cpu = 0.0  # CPU seconds spent here, reporting

    def __call__(self, stage: str, done: int, total: int) -> None:
        started = time.process_time()
        try:
            now = stage
            if stage in PIPELINE_STAGES and done >= total and stage != Stage.STORE:
                now = PIPELINE_STAGES[PIPELINE_STAGES.index(Stage(stage)) + 1]
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
            if self.on_enter is not None:
                self.on_enter(stage)


def _still_running(engine: Engine, sha256: str, stage: str) -> None:
    if not transitions.set_stage(engine, sha256, stage):
        raise Superseded


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """SIGALRM after `seconds` in this process's main thread; nothing elsewhere or for 0."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise DocumentTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
