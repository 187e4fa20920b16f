"""The embedded default: parse a batch on every core of this machine, no server needed.

Each pool process runs the one path a Celery worker runs (`worker.document.run_document`:
claim, read, parse, write), so parsing and writing both grow with the cores and this process
only hands out documents and counts; SQLite takes the writers in turn (WAL, BEGIN IMMEDIATE,
a busy timeout). Every document ends in a final state: an exception becomes `failed` with a
reason a person can act on, and a worker process that dies (segfault, out of memory) takes no
document with it — the documents it might have been holding are re-run one by one in a fresh
process, and the one that kills that process too is marked failed here.
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

from db import across, transitions
from db.status import Status
from pipeline.run import process
from pipeline.settings import PipelineSettings
from worker import runtime
from worker.document import Computed, Processor, Result, Stage, describe_unexpected, run_document, write
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
    """Parse and store every job on `workers` processes (default: every usable core).

    `processor` is `pipeline.run.process` unless a test puts another picklable function there.
    One document may take `settings.soft_time_limit` seconds; then it fails with that reason.
    """
    workers = max(1, min(workers or usable_cores(), len(jobs)))
    task = _Task(
        engine.url.render_as_string(hide_password=False),  # the pool writes where `engine` does
        settings.pipeline(),
        settings.store,
        float(settings.soft_time_limit),
        processor,
    )
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
    """What a pool process needs to run one job; plain data, so it pickles."""

    database_url: str
    pipeline: PipelineSettings
    store: Path
    time_limit: float
    processor: Processor

    def __call__(self, job: Job) -> Result:
        """Runs in a pool process: the one path, the time limit enforced here."""
        return run_document(
            runtime.engine_for(self.database_url),
            job.sha256,
            store_dir=self.store,
            settings=self.pipeline,
            time_limit=self.time_limit,
            processor=self.processor,
            alarm=True,
        )


class _Runner:
    """This process's side: hands out, counts, reports; writes only what a pool process could not."""

    def __init__(self, engine: Engine, total: int, listener: Listener) -> None:
        self.engine = engine
        self.total = total
        self.listener = listener
        self.done = self.failed = self.pages = 0
        self.started = time.monotonic()
        self.in_flight: dict[str, Job] = {}  # handed to the pool and not yet reported

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def finish(self, job: Job, result: Result) -> None:
        self.in_flight.pop(job.sha256, None)
        self.done += 1
        self.pages += result.pages or 0
        self.failed += result.status == Status.FAILED
        self.listener(
            Tick(
                self.done, self.total, self.pages, self.failed, self.elapsed(), job.source_name, result.status
            )
        )

    def fail(self, job: Job, reason: str, stage: str) -> None:
        """What a pool process could not record itself (it died, or lost the database)."""
        self.finish(job, write(self.engine, Computed(job.sha256, error=reason, stage=stage)))

    def release_unfinished(self) -> None:
        """Interrupted (Ctrl-C, an error): documents still `running` go back to the queue."""
        try:
            transitions.requeue_running(self.engine, list(self.in_flight))
        except Exception:  # noqa: BLE001 — best effort on the way out; the first error is what matters
            pass
        self.in_flight.clear()


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
    in_flight: dict[Future[Result], Job] = {}
    pool = _pool(workers)
    try:
        while pending or in_flight:
            while pending and len(in_flight) < window:
                job = pending.pop()
                try:
                    in_flight[pool.submit(task, job)] = job
                except BrokenProcessPool:  # a worker died since the last wait: harvest below
                    pending.append(job)
                    break
                runner.in_flight[job.sha256] = job
            if not in_flight:
                break
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            if any(_broken(f) for f in finished):
                wait(in_flight)  # a broken pool fails every future still in flight, at once
                finished = set(in_flight)
            suspects = _harvest(runner, finished, in_flight)
            if suspects:
                return suspects
    finally:  # on an interrupt, documents not started stay queued; those running finish
        pool.shutdown(wait=True, cancel_futures=True)
    return []


def _broken(future: Future[Result]) -> bool:
    return isinstance(future.exception(), BrokenProcessPool)


def _harvest(
    runner: _Runner, finished: set[Future[Result]], in_flight: dict[Future[Result], Job]
) -> list[Job]:
    """Report the results of `finished`; return the jobs a dead worker process took down."""
    suspects: list[Job] = []
    for future in finished:
        job = in_flight.pop(future)
        exc = future.exception()
        if isinstance(exc, BrokenProcessPool):
            suspects.append(job)
        elif exc is not None:  # the database went away under the pool process, or the result did not travel
            runner.fail(job, describe_unexpected(exc), Stage.STORE)
        else:
            runner.finish(job, future.result())
    return sorted(suspects, key=lambda j: j.source_name)


def _run_alone(runner: _Runner, job: Job, task: _Task) -> None:
    """Re-run one document in a process of its own: if that dies too, the document is the cause."""
    runner.in_flight[job.sha256] = job
    with _pool(1) as pool:
        try:
            result = pool.submit(task, job).result()
        except BrokenProcessPool:
            runner.fail(
                job,
                "the parser process died while reading this file, twice (a crash or out of memory); "
                "the file may be damaged — open it in a PDF reader and save a new copy",
                Stage.EXTRACT,
            )
            return
    runner.finish(job, result)


def refresh_across(
    engine: Engine, sha256s: Sequence[str], settings: Settings, *, workers: int | None = None
) -> None:
    """The cross-document findings after a run (`db.across.plan_after`), its parts spread over
    the pool like the documents were, so this process stays out of the work here too."""
    plan = across.plan_after(engine, sha256s, whole_database=True, parts=max(1, workers or usable_cores()))
    url = engine.url.render_as_string(hide_password=False)
    with _pool(min(len(plan), workers or usable_cores())) as pool:
        for future in [pool.submit(_refresh_part, url, part, settings.profile_name) for part in plan]:
            future.result()  # a failure here is the database's: raised, the command reports it


def _refresh_part(url: str, part: across.Part, profile_name: str) -> None:
    """Runs in a pool process."""
    from worker.settings import Settings

    profile = Settings.from_env({"JIXIAO_PROFILE": profile_name}).profile()
    across.refresh_part(runtime.engine_for(url), part, profile)
