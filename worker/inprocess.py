"""The embedded default: parse a batch on every core of this machine, no server needed.

Worker processes only compute (bytes → `Outcome`); this process alone writes to the
database, so SQLite keeps a single writer. Every document ends in a final state: an
exception becomes `failed` with a reason a person can act on, and a worker process
that dies (segfault, out of memory) takes no document with it — the documents it
might have been holding are re-run one by one in a fresh process, and the one that
kills that process too is marked failed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from db import store
from pipeline import PIPELINE_VERSION
from pipeline.errors import PipelineError
from pipeline.model import Document, Finding
from pipeline.run import Outcome, process
from pipeline.settings import PipelineSettings
from worker.profiles import pipeline_settings
from worker.receive import Job

STAGES = ("extract", "normalize", "validate")
MAX_MESSAGE = 500  # characters of an unexpected exception's text kept in the error column

Processor = Callable[..., Outcome]  # the signature of `pipeline.run.process`


@dataclass(frozen=True)
class Computed:
    """What a worker process sends back: a result or a reason, never an exception."""

    sha256: str
    document: Document | None = None
    findings: tuple[Finding, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    pages: int = 0
    error: str | None = None
    stage: str | None = None


@dataclass(frozen=True)
class Tick:
    """Progress of a run, sent to the listener after every document."""

    done: int
    total: int
    pages: int
    failed: int
    elapsed: float  # seconds since the run started
    source_name: str  # the document that just finished
    status: str  # its final status

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.elapsed if self.elapsed > 0 else 0.0


Listener = Callable[[Tick], None]


def _ignore(tick: Tick) -> None:
    """The default listener."""


@dataclass(frozen=True)
class RunStats:
    done: int
    failed: int
    pages: int
    elapsed: float


def run(
    engine: Engine,
    jobs: Sequence[Job],
    *,
    workers: int | None = None,
    listener: Listener = _ignore,
    settings: PipelineSettings | None = None,
    processor: Processor = process,
    time_limit: float | None = None,
) -> RunStats:
    """Parse every job on `workers` processes (default: every usable core) and store each result.

    `processor` is `pipeline.run.process` unless a test puts another picklable function there;
    `time_limit` is the seconds one document may take (default: `time_limit_from_env()`).
    """
    workers = max(1, min(workers or usable_cores(), len(jobs)))
    settings = settings or pipeline_settings()
    runner = _Runner(engine, len(jobs), listener)
    runner.time_limit = time_limit_from_env() if time_limit is None else time_limit
    pending = list(jobs)
    pending.reverse()  # popped from the end: keeps the given order
    try:
        while pending:
            suspects = _run_pool(runner, pending, workers, settings, processor)
            for job in suspects:  # a worker died while holding these: find which one did it
                _run_alone(runner, job, settings, processor)
    finally:
        runner.release_unfinished()
    return RunStats(runner.done, runner.failed, runner.pages, runner.elapsed())


def usable_cores() -> int:
    """Cores this process may run on (a container's cpuset, `taskset`), not the host's count."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def compute(
    job: Job, settings: PipelineSettings, processor: Processor = process, time_limit: float = 0.0
) -> Computed:
    """Runs in a worker process: read the stored bytes, run the pipeline, catch everything.

    `time_limit` (seconds, 0 = none) stops a parser that hangs on one file; the file fails
    with that reason and the worker process takes the next one.
    """
    stage = ["extract"]

    def track(name: str, done: int, total: int) -> None:
        if name in STAGES and done >= total and name != STAGES[-1]:
            stage[0] = STAGES[STAGES.index(name) + 1]

    try:
        data = Path(job.store_path).read_bytes()
    except OSError as exc:
        return Computed(job.sha256, error=f"stored copy unreadable: {exc.strerror or exc}", stage="receive")
    try:
        with _time_limit(time_limit):
            outcome = processor(data, settings, track)
    except DocumentTimeout:
        return Computed(
            job.sha256,
            error=f"parser stopped after {time_limit:g} s on this file (JIXIAO_SOFT_TIME_LIMIT); "
            "it may be huge or malformed — check it, or raise the limit and `jixiao retry --failed`",
            stage=stage[0],
        )
    except PipelineError as exc:
        return Computed(job.sha256, error=str(exc) or type(exc).__name__, stage=stage[0])
    except MemoryError:
        return Computed(job.sha256, error="out of memory while parsing this file", stage=stage[0])
    except Exception as exc:  # noqa: BLE001 — any parser failure is this document's, not the batch's
        return Computed(job.sha256, error=describe_unexpected(exc), stage=stage[0])
    return Computed(
        job.sha256,
        document=outcome.document,
        findings=tuple(outcome.findings),
        timings=dict(outcome.timings),
        pages=outcome.extraction.pages,
    )


class DocumentTimeout(Exception):
    """Raised inside the parser by the time limit's alarm."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """SIGALRM after `seconds` in this (worker) process's main thread; nothing elsewhere."""
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


def time_limit_from_env() -> float:
    """Seconds one document may take: JIXIAO_SOFT_TIME_LIMIT, the broker mode's setting, or 600."""
    raw = os.environ.get("JIXIAO_SOFT_TIME_LIMIT", "")
    try:
        return float(raw) if raw else 600.0
    except ValueError:
        return 600.0


def describe_unexpected(exc: BaseException) -> str:
    """`parser error: <Type>: <first line of the message>` — short enough for a table cell."""
    lines = str(exc).strip().splitlines()
    if not lines:
        return f"parser error: {type(exc).__name__}"
    text = lines[0] if len(lines[0]) <= MAX_MESSAGE else lines[0][:MAX_MESSAGE] + "…"
    return f"parser error: {type(exc).__name__}: {text}"


# --------------------------------------------------------------------------- internals


class _Runner:
    """The parent's side: claims, writes results, counts, reports."""

    def __init__(self, engine: Engine, total: int, listener: Listener) -> None:
        self.engine = engine
        self.total = total
        self.listener = listener
        self.done = self.failed = self.pages = 0
        self.started = time.monotonic()
        self.claimed: dict[str, Job] = {}  # claimed and not yet written
        self.time_limit = 0.0  # seconds per document in the worker processes

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def claim(self, job: Job) -> bool:
        if store.claim(self.engine, job.sha256):
            self.claimed[job.sha256] = job
            return True
        self._count(job, "skipped", pages=0)  # already final: another run finished it
        return False

    def finish(self, job: Job, computed: Computed) -> None:
        if computed.error is not None:
            store.mark_failed(self.engine, job.sha256, computed.error, stage=computed.stage)
            status = "failed"
        else:
            assert computed.document is not None
            store.save_outcome(
                self.engine,
                job.sha256,
                computed.document,
                computed.findings,
                PIPELINE_VERSION,
                computed.timings,
            )
            status = "stored" if computed.document.projects else "no_table"
        self.claimed.pop(job.sha256, None)
        self._count(job, status, pages=computed.pages)

    def _count(self, job: Job, status: str, pages: int) -> None:
        self.done += 1
        self.pages += pages
        self.failed += status == "failed"
        self.listener(
            Tick(self.done, self.total, self.pages, self.failed, self.elapsed(), job.source_name, status)
        )

    def release_unfinished(self) -> None:
        """Interrupted (Ctrl-C, an error while writing): put claimed documents back in the queue."""
        for sha256 in list(self.claimed):
            try:
                store.set_status(self.engine, sha256, "queued")
            except Exception:  # noqa: BLE001 — best effort on the way out; the first error is what matters
                break
        self.claimed.clear()


def _pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: children do not inherit the parent's open database connections, and each
    # is forked from a server that has imported the pipeline once (a fresh worker is cheap).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pipeline.run"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def _run_pool(
    runner: _Runner, pending: list[Job], workers: int, settings: PipelineSettings, processor: Processor
) -> list[Job]:
    """Feed `pending` through one pool, a bounded window at a time.

    Returns the jobs that were in flight when a worker died (the pool is then unusable);
    an empty list when every job went through.
    """
    window = 2 * workers  # in flight at once: bounds memory and the suspects of a crash
    in_flight: dict[Future[Computed], Job] = {}
    with _pool(workers) as pool:
        while pending or in_flight:
            while pending and len(in_flight) < window:
                job = pending.pop()
                if not runner.claim(job):
                    continue
                try:
                    in_flight[pool.submit(compute, job, settings, processor, runner.time_limit)] = job
                except BrokenProcessPool:  # a worker died since the last wait: harvest below
                    pending.append(job)
                    break
            if not in_flight:
                break
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            if any(_broken(f) for f in finished):
                wait(in_flight)  # a broken pool fails every future still in flight, at once
                finished = set(in_flight)
            suspects = _harvest(runner, finished, in_flight)
            if suspects:
                return suspects
    return []


def _broken(future: Future[Computed]) -> bool:
    return isinstance(future.exception(), BrokenProcessPool)


def _harvest(
    runner: _Runner, finished: set[Future[Computed]], in_flight: dict[Future[Computed], Job]
) -> list[Job]:
    """Write the results of `finished`; return the jobs a dead worker process took down."""
    suspects: list[Job] = []
    for future in finished:
        job = in_flight.pop(future)
        exc = future.exception()
        if isinstance(exc, BrokenProcessPool):
            suspects.append(job)
        elif exc is not None:  # the result could not travel back (e.g. not picklable)
            runner.finish(job, Computed(job.sha256, error=describe_unexpected(exc), stage="store"))
        else:
            runner.finish(job, future.result())
    return sorted(suspects, key=lambda j: j.source_name)


def _run_alone(runner: _Runner, job: Job, settings: PipelineSettings, processor: Processor) -> None:
    """Re-run one document in a process of its own: if that dies too, the document is the cause."""
    with _pool(1) as pool:
        try:
            computed = pool.submit(compute, job, settings, processor, runner.time_limit).result()
        except BrokenProcessPool:
            computed = Computed(
                job.sha256,
                error=(
                    "the parser process died while reading this file, twice (a crash or out of memory); "
                    "the file may be damaged — open it in a PDF reader and save a new copy"
                ),
                stage="extract",
            )
    runner.finish(job, computed)
