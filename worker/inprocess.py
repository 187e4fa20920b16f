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
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from db import transitions
from db.status import Status
from pipeline.run import process
from pipeline.settings import PipelineSettings
from worker.document import Computed, Processor, Stage, compute, describe_unexpected, read_stored_copy, write
from worker.receive import Job
from worker.settings import Settings


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
    settings: Settings,
    *,
    workers: int | None = None,
    listener: Listener = _ignore,
    processor: Processor = process,
) -> RunStats:
    """Parse every job on `workers` processes (default: every usable core) and store each result.

    `processor` is `pipeline.run.process` unless a test puts another picklable function there.
    One document may take `settings.soft_time_limit` seconds; then it fails with that reason.
    """
    workers = max(1, min(workers or usable_cores(), len(jobs)))
    task = _Task(settings.pipeline(), settings.store, float(settings.soft_time_limit), processor)
    runner = _Runner(engine, len(jobs), listener)
    pending = list(jobs)
    pending.reverse()  # popped from the end: keeps the given order
    try:
        while pending:
            suspects = _run_pool(runner, pending, workers, task)
            for job in suspects:  # a worker died while holding these: find which one did it
                _run_alone(runner, job, task)
    finally:
        runner.release_unfinished()
    return RunStats(runner.done, runner.failed, runner.pages, runner.elapsed())


def usable_cores() -> int:
    """Cores this process may run on (a container's cpuset, `taskset`), not the host's count."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Task:
    """What a worker process needs to compute one job; plain data, so it pickles."""

    pipeline: PipelineSettings
    store: Path
    time_limit: float
    processor: Processor

    def __call__(self, job: Job) -> Computed:
        """Runs in a worker process: `worker.document.compute`, the time limit enforced here."""
        return compute(
            lambda: read_stored_copy(job.sha256, self.store, Path(job.store_path)),
            job.sha256,
            self.pipeline,
            time_limit=self.time_limit,
            processor=self.processor,
            alarm=True,
        )


class _Runner:
    """The parent's side: claims, writes results, counts, reports."""

    def __init__(self, engine: Engine, total: int, listener: Listener) -> None:
        self.engine = engine
        self.total = total
        self.listener = listener
        self.done = self.failed = self.pages = 0
        self.started = time.monotonic()
        self.claimed: dict[str, Job] = {}  # claimed and not yet written

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def claim(self, job: Job) -> bool:
        if transitions.claim(self.engine, job.sha256):
            self.claimed[job.sha256] = job
            return True
        self._count(job, "skipped", pages=0)  # already final: another run finished it
        return False

    def finish(self, job: Job, computed: Computed) -> None:
        result = write(self.engine, computed)
        self.claimed.pop(job.sha256, None)
        self._count(job, result.status, pages=computed.pages)

    def _count(self, job: Job, status: str, pages: int) -> None:
        self.done += 1
        self.pages += pages
        self.failed += status == Status.FAILED
        self.listener(
            Tick(self.done, self.total, self.pages, self.failed, self.elapsed(), job.source_name, status)
        )

    def release_unfinished(self) -> None:
        """Interrupted (Ctrl-C, an error while writing): put claimed documents back in the queue."""
        for sha256 in list(self.claimed):
            try:
                transitions.set_status(self.engine, sha256, Status.QUEUED)
            except Exception:  # noqa: BLE001 — best effort on the way out; the first error is what matters
                break
        self.claimed.clear()


def _pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: children do not inherit the parent's open database connections, and each
    # is forked from a server that has imported the pipeline once (a fresh worker is cheap).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pipeline.run", "worker.document"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def _run_pool(runner: _Runner, pending: list[Job], workers: int, task: _Task) -> list[Job]:
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
                    in_flight[pool.submit(task, job)] = job
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
        elif exc is not None:  # a transient error, or the result could not travel back
            runner.finish(job, Computed(job.sha256, error=describe_unexpected(exc), stage=Stage.STORE))
        else:
            runner.finish(job, future.result())
    return sorted(suspects, key=lambda j: j.source_name)


def _run_alone(runner: _Runner, job: Job, task: _Task) -> None:
    """Re-run one document in a process of its own: if that dies too, the document is the cause."""
    with _pool(1) as pool:
        try:
            computed = pool.submit(task, job).result()
        except BrokenProcessPool:
            computed = Computed(
                job.sha256,
                error=(
                    "the parser process died while reading this file, twice (a crash or out of memory); "
                    "the file may be damaged — open it in a PDF reader and save a new copy"
                ),
                stage=Stage.EXTRACT,
            )
    runner.finish(job, computed)
