"""The Celery tasks: one task per document, and the two sweeps beat runs.

Why one task per document and not one per stage: a Celery hop costs about 3 CPU-ms (client,
worker, Redis) and a 4-task chain keeps every intermediate result in the backend (~145 KB a
document), against ~100 ms of real work for a 10-page document; `bench/broker.py` measures
both. The stages stay visible in Flower as progress *events* of the document task: a custom
`task-progress` event becomes the task's state (`PROGRESS`) in Flower and its `result` field
carries "extract page 3/13" until the task ends. `update_state(PROGRESS, meta)` is sent as
well, for clients that read the result backend (Flower does not show that meta).

The broker carries the document's SHA-256 and labels only; the worker reads the bytes from
the content-addressed store and writes the outcome to the database, the system of record.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from celery import Task, chord, group, signals
from celery.exceptions import TimeLimitExceeded, WorkerLostError
from celery.worker.request import Request

from db import across
from db.across import Pair
from db.engine import migrate, redact
from db.models import utcnow
from db.status import FINAL, Status
from worker import runtime
from worker.app import app, settings
from worker.celeryconfig import (
    ASSEMBLE_TASK,
    OUTLIERS_TASK,
    PROCESS_TASK,
    RECONCILE_TASK,
    REFRESH_TASK,
    REPROCESS_TASK,
    SCAN_TASK,
)
from worker.document import (
    SCANNING,
    PageRead,
    Result,
    Stage,
    memory_reason,
    read_page_image,
    run_document,
    scan_timings,
    timeout_reason,
)
from worker.pages import decode
from worker.receive import HOLD
from worker.transient import is_transient

log = logging.getLogger(__name__)

MAX_RETRIES = 8  # transient errors: 2, 4, 8 … 256 s apart (about 8 minutes in all)
BACKOFF_BASE = 2.0
BACKOFF_MAX = 300.0  # stays below the visibility timeout: a waiting retry is never redelivered
MAX_REPR = 160
REFRESH_DELAY = 10.0  # seconds: at most one unit-rule refresh per (unit, year) this often


class DocumentFailed(Exception):
    """The document ended `failed` (a bad PDF): the task shows FAILURE, and is not retried."""


class Queueable(Protocol):
    """Anything that names a document: `db.store.DocRef`, `worker.receive.Job`."""

    @property
    def sha256(self) -> str: ...

    @property
    def source_name(self) -> str: ...


# --------------------------------------------------------------------------- the document task


class DocumentRequest(Request):
    """Notes how a pool process holding a document died, for the reason `admit` gives at last."""

    def on_failure(self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False) -> None:
        exc = getattr(exc_info.exception, "exc", exc_info.exception)  # ExceptionWithTraceback
        sha256 = (self.kwargs or {}).get("sha256")
        if isinstance(exc, WorkerLostError) and "(SIGABRT)" in str(exc) and sha256:
            # pdfium aborts its process when an allocation is refused: under the cap, the cap
            _best_effort(runtime.attempts(settings.result_backend).note_death, str(sha256), "SIGABRT")
        super().on_failure(exc_info, send_failed_event=send_failed_event, return_ok=return_ok)


class DocumentTask(Task):
    """The document task's failure hooks: Celery's hard time limit ends the document at once;
    a pool process that dies is noted (`DocumentRequest`)."""

    Request = DocumentRequest

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """Called in the worker's main process when the hard time limit killed the pool process
        (the message is then acknowledged: nothing would ever finish the document)."""
        sha256 = (kwargs or {}).get("sha256") or (args[0] if args else None)
        if isinstance(exc, TimeLimitExceeded) and sha256:
            timed_out(str(sha256))


def timed_out(sha256: str) -> None:
    """Mark a document the hard time limit stopped `failed`, with the reason, if still running.

    pdfium's C code does not hear the soft limit's signal; the hard limit kills the process.
    """
    from db import queries, transitions

    reason = timeout_reason(settings.hard_time_limit, "JIXIAO_SOFT_TIME_LIMIT and JIXIAO_HARD_TIME_LIMIT")
    try:
        ref = queries.find_document(runtime.engine(), sha256)
        if ref is not None and ref.status == Status.RUNNING:
            transitions.mark_failed(runtime.engine(), sha256, reason, stage=Stage.EXTRACT)
        runtime.attempts(settings.result_backend).forget(sha256)
    except Exception:  # noqa: BLE001 — the database is away: `reconcile` finds it `running` later
        log.warning("could not record the time-out of %s", sha256, exc_info=True)


@app.task(bind=True, base=DocumentTask, name=PROCESS_TASK, throws=(DocumentFailed,), max_retries=MAX_RETRIES)
def process_document(
    self: Task,
    sha256: str,
    source_name: str | None = None,
    unit_name: str | None = None,
    budget_year: int | None = None,
) -> dict[str, Any]:
    """extract → normalize → validate → store for one document; returns what became of it.

    `source_name`, `unit_name` and `budget_year` are labels for the operator (Flower): the
    unit and year are known only after extraction, so they are None on a first ingest and
    filled when a document is retried or reprocessed.

    A document with pages to read from their images (and JIXIAO_OCR on) is not parsed here:
    its pages go out as `jixiao.scan_page` tasks on the `ocr` queue, in parallel, with
    `jixiao.assemble_document` as the chord's callback, which runs this same path with them.
    """
    labels = {"source_name": source_name, "unit_name": unit_name, "budget_year": budget_year}
    # page tasks need a result backend for their chord: without one, the document reads its own pages
    scatter = settings.read_scans and not settings.result_backend.startswith("disabled")
    return _run_document(self, sha256, labels, scatter=scatter)


@app.task(bind=True, base=DocumentTask, name=ASSEMBLE_TASK, throws=(DocumentFailed,), max_retries=MAX_RETRIES)
def assemble_document(
    self: Task,
    pages: list[dict[str, Any]],
    sha256: str,
    source_name: str | None = None,
    unit_name: str | None = None,
    budget_year: int | None = None,
) -> dict[str, Any]:
    """The chord callback of a scanned document: `pages` are its `scan_page` results; the
    document runs the one path with them (`scanned=`), or fails with the first page's reason."""
    reads = sorted((_page_read(sha256, value) for value in pages), key=lambda r: r.page)
    refusal = next((r.error for r in reads if r.error), None)
    scanned = {r.page: r.objects for r in reads if r.objects is not None}
    labels = {"source_name": source_name, "unit_name": unit_name, "budget_year": budget_year}
    return _run_document(self, sha256, labels, scanned=scanned, refusal=refusal, timings=scan_timings(reads))


def _page_read(sha256: str, value: dict[str, Any]) -> PageRead:
    objects = value.get("objects")
    return PageRead(
        sha256,
        int(value["page"]),
        None if objects is None else decode(objects),
        value.get("error"),
        float(value.get("cpu") or 0.0),
        int(value.get("pid") or 0),
    )


def _run_document(
    task: Task,
    sha256: str,
    labels: dict[str, Any],
    *,
    scatter: bool = False,
    scanned: dict[int, Any] | None = None,
    refusal: str | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The document tasks' body: `run_document` with the attempt count, retries of passing
    errors, the unit-rule refresh, and the page tasks sent out for a document with scans."""
    self = task
    source_name = labels.get("source_name")
    counter = runtime.attempts(settings.result_backend)
    counted = False

    def admit() -> str | None:
        nonlocal counted
        if refusal is not None:
            return refusal  # a page could not be read: the document fails with its reason
        n = counter.begin(sha256)
        counted = n > 0
        if n > settings.max_attempts:
            if settings.max_parse_mb and counter.last_death(sha256) == "SIGABRT":
                return f"{memory_reason(settings.max_parse_mb)} (the worker process died {n - 1} times)"
            memory = (
                f"more than the {settings.max_parse_mb} MB a parse may use: JIXIAO_MAX_PARSE_MB"
                if settings.max_parse_mb
                else "out of memory"
            )
            return (
                f"the worker process died {n - 1} times while parsing this file (a crash, or {memory}); "
                "the file may be damaged or a PDF bomb"
            )
        return None

    try:
        result = run_document(
            runtime.engine(),
            sha256,
            store_dir=settings.store,
            settings=settings.pipeline(),
            time_limit=settings.soft_time_limit,  # Celery's soft limit enforces it
            progress=ProgressReporter(self, settings.progress_every),
            admit=admit,
            lease=settings.hard_time_limit + HOLD,  # past Celery's kill: then an ingest may resume it
            memory_mb=settings.max_parse_mb,  # this pool process's cap (`_cap_memory`)
            scatter=scatter,
            scanned=scanned,
            timings=timings,
        )
        if result.status == SCANNING:
            send_pages(sha256, result.scan or (), labels)
            if counted:  # handing the pages out is not an attempt that died: the assembly counts its own
                counted = False
                _best_effort(counter.undo, sha256)
            return result.as_dict()
        if result.status != Status.FAILED:
            # Y1–Y3 for this document's (unit, year) and the year after; also on a skipped
            # delivery, so a retry after a lost connection still files them. Y4 (over the whole
            # database) is left to `refresh_outliers` and to the end of a followed batch.
            schedule_refresh(sha256)
    except Exception as exc:
        _retry_passing(self, sha256, exc, undo=(lambda: counter.undo(sha256)) if counted else None)
        raise

    if result.status in FINAL:
        _best_effort(counter.forget, sha256)
    if result.status == Status.FAILED:
        raise DocumentFailed(f"{source_name or sha256}: {result.error}")
    return result.as_dict()


def send_pages(sha256: str, pages: Iterable[int], labels: dict[str, Any]) -> Any:
    """A chord: one `jixiao.scan_page` per page (the `ocr` queue), then `jixiao.assemble_document`
    with their results. Only the SHA-256 and the page number travel: each page task reads the
    PDF from the store, and returns the page's glyphs and rules (a few KB to a few hundred)."""
    pages = list(pages)
    header = group(
        scan_page.signature(
            kwargs={"sha256": sha256, "page": n, "source_name": labels.get("source_name")},
            kwargsrepr=kwargs_repr({"sha256": sha256, "page": n, "source_name": labels.get("source_name")}),
            argsrepr="()",
            immutable=True,
        )
        for n in pages
    )
    kwargs = {"sha256": sha256, **labels}
    callback = assemble_document.signature(
        kwargs=kwargs, kwargsrepr=kwargs_repr(kwargs), argsrepr=f"(<{len(pages)} page(s) read>,)"
    )
    return chord(header)(callback)


@app.task(bind=True, base=DocumentTask, name=SCAN_TASK, max_retries=MAX_RETRIES)
def scan_page(self: Task, sha256: str, page: int, source_name: str | None = None) -> dict[str, Any]:
    """One page of a scanned document read from its image (`worker.document.read_page_image`),
    on the `ocr` queue. Returns the page's objects (`worker.pages.encode`) or its reason; the
    document's assembling task decides. Renews the document's hold while the pages are read."""
    from db import queries, transitions

    counter = runtime.attempts(settings.result_backend)
    key = f"{sha256}:page:{page}"
    counted = False
    try:
        engine = runtime.engine()
        ref = queries.find_document(engine, sha256)
        if ref is None or ref.status in FINAL:  # finished by another delivery: nothing to read
            return PageRead(sha256, page, error="document already final").as_dict()
        transitions.renew(engine, [sha256], settings.hard_time_limit + HOLD)
        transitions.set_stage(engine, sha256, Stage.SCAN)  # fresh `updated_at`: a sweep leaves it be
        n = counter.begin(key)
        counted = n > 0
        if n > settings.max_attempts:
            why = (
                memory_reason(settings.max_parse_mb)
                if settings.max_parse_mb and counter.last_death(sha256) == "SIGABRT"
                else "a crash, or out of memory"
            )
            read = PageRead(
                sha256, page, error=f"page {page}: the worker process died {n - 1} times reading it ({why})"
            )
        else:
            read = read_page_image(
                sha256,
                page,
                store_dir=settings.store,
                settings=settings.pipeline(),
                time_limit=settings.soft_time_limit,  # Celery's soft limit enforces it, per page
                recorded=Path(ref.store_path) if ref.store_path else None,
                memory_mb=settings.max_parse_mb,
            )
    except Exception as exc:
        _retry_passing(self, sha256, exc, undo=(lambda: counter.undo(key)) if counted else None)
        raise
    _best_effort(counter.forget, key)
    return read.as_dict()


def _retry_passing(task: Task, sha256: str, exc: Exception, undo: Any = None) -> None:
    """In a task's `except`: a passing error is retried with backoff (after `undo`, its attempt
    uncounted), and after `MAX_RETRIES` fails the document; returns for any other error, which
    the caller re-raises."""
    if not is_transient(exc):
        return
    if undo is not None:
        _best_effort(undo)
    if task.request.retries >= MAX_RETRIES:
        _give_up(sha256, exc)
        raise exc
    raise task.retry(exc=exc, countdown=backoff(task.request.retries)) from exc


def schedule_refresh(sha256: str, send: Any = None) -> list[Pair]:
    """The unit rules for this document's (unit, year) pairs, at most once per pair every
    `REFRESH_DELAY` seconds: the first document of a pair sends a delayed `refresh_units`, the
    next ones within the delay find it due and send nothing. A refresh re-reads every project
    of its pair, so running one per document made a large unit-year quadratic (0.14 → 0.8 s
    per task over 806 documents). Without Redis to keep the marks, it refreshes here and now.

    A document the pending refreshes may not settle (`across.settle_pairs`: its projects span
    other than one pair, or it has none) sends its own. Returns the pairs it sent a refresh for.
    """
    engine = runtime.engine()
    plan = across.plan_after(engine, [sha256], whole_database=False)
    pairs = sorted({pair for part in plan for pair in part.pairs}, key=repr)
    client = runtime.attempts(settings.result_backend).client
    if client is None or not pairs:
        across.refresh_after(engine, [sha256], settings.profile(), whole_database=False)
        return pairs
    due = [p for p in pairs if client.set(_refresh_mark(p), "1", nx=True, ex=int(REFRESH_DELAY))]
    if due or len(across.stored_pairs_of(engine, sha256)) != 1:
        kwargs = {"pairs": [list(p) for p in pairs], "sha256s": [sha256]}
        (send or refresh_units.apply_async)(kwargs=kwargs, countdown=REFRESH_DELAY)
        return pairs
    return []


def _refresh_mark(pair: Pair) -> str:
    return f"jixiao:refresh:{json.dumps(list(pair), ensure_ascii=False)}"


@app.task(name=REFRESH_TASK, ignore_result=True)
def refresh_units(pairs: list[list[Any]], sha256s: list[str] | None = None) -> int:
    """The delayed refresh `schedule_refresh` sends: the unit rules over `pairs`. The document
    that sent it, and those of its pairs stored before it began, are then current."""
    engine, started = runtime.engine(), utcnow()
    part = across.Part(frozenset((unit, year) for unit, year in pairs))
    found = across.refresh_part(engine, part, settings.profile()).findings
    across.settle(engine, sha256s or (), started)
    across.settle_pairs(engine, part.pairs, started)
    return found


def backoff(retries: int) -> float:
    """Seconds before retry number `retries` + 1: exponential, jittered, capped."""
    delay = min(BACKOFF_MAX, BACKOFF_BASE * 2**retries)
    return round(delay * random.uniform(0.75, 1.25), 2)


def _give_up(sha256: str, exc: BaseException) -> None:
    from db import transitions

    reason = f"gave up after {MAX_RETRIES} retries of a passing error: {type(exc).__name__}: {exc}"
    try:
        transitions.mark_failed(runtime.engine(), sha256, reason.splitlines()[0])
    except Exception:  # noqa: BLE001 — the database is what failed; `reconcile` will find it `running`
        log.warning("could not record the failure of %s", sha256, exc_info=True)


def _best_effort(fn: Any, *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 — bookkeeping must not fail a document that is done
        log.warning("%s failed", getattr(fn, "__name__", fn), exc_info=True)


def progress_text(stage: str, done: int, total: int) -> str:
    """What Flower shows while the task runs: "extract page 3/13", "validate 1/1"."""
    if stage == "extract":
        return f"extract page {done}/{total}"
    return f"{stage} {done}/{total}"


class ProgressReporter:
    """A `pipeline.progress.Progress` that tells Flower and the result backend where a task is.

    Sends at every change of stage and otherwise at most every `every` seconds, so a long
    document does not flood the event stream. Best effort: progress never fails a document.
    """

    def __init__(self, task: Task, every: float) -> None:
        self.task = task
        self.every = every
        self.stage: str | None = None
        self.sent = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == self.stage and now - self.sent < self.every:
            return
        self.stage, self.sent = stage, now
        text = progress_text(stage, done, total)
        meta = {"stage": stage, "done": done, "total": total, "progress": text}
        try:  # for Flower: the event becomes the task's state, `result` its visible text
            self.task.send_event("task-progress", retry=False, result=text, **meta)
        except Exception:  # noqa: BLE001 — the broker may be briefly away; the database has the stage
            log.debug("progress event not sent", exc_info=True)
        try:  # for AsyncResult clients
            self.task.update_state(state="PROGRESS", meta=meta)
        except Exception:  # noqa: BLE001 — likewise
            log.debug("progress state not stored", exc_info=True)


# --------------------------------------------------------------------------- sending


def task_kwargs(doc: Queueable) -> dict[str, Any]:
    return {
        "sha256": doc.sha256,
        "source_name": doc.source_name,
        "unit_name": getattr(doc, "unit_name", None),
        "budget_year": getattr(doc, "budget_year", None),
    }


def kwargs_repr(kwargs: dict[str, Any]) -> str:
    """Flower's kwargs column: every field, the file name shortened in the middle if very long."""
    name = kwargs.get("source_name") or ""
    if len(name) > MAX_REPR:
        name = name[: MAX_REPR // 3] + "…" + name[-(MAX_REPR * 2 // 3) :]
    return repr({**kwargs, "source_name": name})


def enqueue(docs: Iterable[Queueable]) -> list[str]:
    """Publish one `jixiao.process_document` per document; returns the task ids.

    The documents must already be `queued` in the database. Raises kombu's OperationalError
    when the broker cannot be reached (the documents then wait for `jixiao reconcile`).
    """
    ids: list[str] = []
    with app.producer_or_acquire() as producer:
        for doc in docs:
            kwargs = task_kwargs(doc)
            sent = process_document.apply_async(
                kwargs=kwargs, kwargsrepr=kwargs_repr(kwargs), argsrepr="()", producer=producer
            )
            ids.append(sent.id)
    return ids


# --------------------------------------------------------------------------- beat


@app.task(name=RECONCILE_TASK, ignore_result=True)
def reconcile_sweep() -> dict[str, Any]:
    """Re-enqueue documents the database holds as queued/running that no live task carries."""
    from worker.recovery import reconcile

    report = reconcile(runtime.engine(), app, min_age=settings.reconcile_min_age)
    log.info("reconcile: %s", report.line())
    return report.as_dict()


@app.task(name=REPROCESS_TASK, ignore_result=True)
def reprocess_outdated() -> int:
    """The nightly run: re-enqueue every document stored by an older pipeline version."""
    from worker.recovery import reprocess

    count = len(reprocess(runtime.engine(), app, everything=False))
    log.info("reprocess: %d outdated document(s) queued", count)
    return count


@app.task(name=OUTLIERS_TASK, ignore_result=True)
def refresh_outliers() -> int:
    """Y4 (unit-cost outliers) over the whole database: too wide to redo after every document."""
    count = across.refresh_after(runtime.engine(), (), settings.profile(), whole_database=True).total
    log.info("refresh_outliers: %d Y4 finding(s)", count)
    return count


# --------------------------------------------------------------------------- worker start


@signals.worker_init.connect
def _migrate_on_start(**_: Any) -> None:
    """Bring the schema up to date once per worker, before the pool forks.

    A worker that cannot reach its database does not start: it would say "ready", take
    documents and retry each for minutes while the client waited without a hint.
    """
    try:
        engine = runtime.engine()
        migrate(engine)
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 — any failure here: say why, in one line, and stop
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise SystemExit(
            f"Error: database not reachable ({redact(settings.database_url)}): "
            f"{first[0] if first else type(exc).__name__}; this worker does not start"
        ) from None


@signals.worker_process_init.connect
def _cap_memory(**_: Any) -> None:
    """Each pool process parses under the address-space cap (JIXIAO_MAX_PARSE_MB): a PDF bomb
    meets a refused allocation instead of taking the machine. Celery's own per-child memory
    limit acts only after a task ends; the worker's main process stays uncapped."""
    runtime.cap_memory(settings.max_parse_mb)


__all__ = [
    "DocumentFailed",
    "ProgressReporter",
    "assemble_document",
    "Result",
    "backoff",
    "enqueue",
    "process_document",
    "progress_text",
    "reconcile_sweep",
    "refresh_outliers",
    "reprocess_outdated",
    "scan_page",
    "send_pages",
]
