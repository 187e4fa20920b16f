"""The embedded default: parse a batch on every core of this machine, no server needed.

Each pool process runs the one path a Celery worker runs (`worker.document.run_document`:
claim, read, parse, write), so parsing and writing both grow with the cores and this process
only hands out documents and counts; SQLite takes the writers in turn (WAL, BEGIN IMMEDIATE,
a busy timeout). Every document ends in a final state: an exception becomes `failed` with a
reason a person can act on, and a worker process that dies (segfault, out of memory) takes no
document with it — the document it was holding is re-run alone in a fresh process, and if that
dies too it is marked failed here, with why.

Limits a parser cannot escape: each pool process runs under an address-space cap
(`JIXIAO_MAX_PARSE_MB`, `runtime.cap_memory`), and this process kills one whose document has
run past the time limit (the alarm in the pool process interrupts Python code, not pdfium's C
code). So a PDF bomb ends as its document's `failed` reason and the batch goes on:
memory → "needed more than N MB while parsing" (a MemoryError inside, or pdfium aborting the
process), time → "parsing took longer than the time limit per document".

A scanned document's pages are spread over the pool: its first run stops after the claim
with the pages to read from their images (`worker.document.SCANNING`); each page becomes a
job of its own (`read_page_image`) for whichever process is free, and once all are read the
document runs again with them (`scanned=`), so a 40-page scan on two processes takes about
half the time of one. A page that cannot be read, or whose process is killed past the time
limit, fails its document with that reason; a process that dies reading a page makes its
document a suspect like any other (re-run alone, pages and all).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import connection
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from sqlalchemy import Engine

from db import across, queries, transitions
from db.models import utcnow
from db.status import Status
from pipeline.extract.objects import PageObjects
from pipeline.run import process
from pipeline.settings import PipelineSettings
from worker import runtime
from worker.document import (
    SCANNING,
    Computed,
    PageRead,
    Processor,
    Result,
    Stage,
    describe_unexpected,
    memory_reason,
    read_page_image,
    run_document,
    scan_timings,
    timeout_reason,
    write,
)
from worker.receive import HOLD, RENEW_EVERY, Job
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
    One document may take `settings.soft_time_limit` seconds (then it fails with that reason,
    raised in its pool process); a pool process still busy `kill_after(settings)` seconds into a
    document is killed from here. Each pool process may use `settings.max_parse_mb` MB.
    """
    # processes start only as work comes (one document may become many page jobs)
    workers = max(1, workers or usable_cores())
    task = _Task(
        engine.url.render_as_string(hide_password=False),  # the pool writes where `engine` does
        settings.pipeline(),
        settings.store,
        float(settings.soft_time_limit),
        processor,
        settings.max_parse_mb,
        kill_after(settings) + HOLD,
        scatter=processor is process and settings.read_scans,
    )
    runner = _Runner(engine, jobs, listener)
    pending = list(jobs)
    pending.reverse()  # popped from the end: keeps the given order
    try:
        # a pool process died holding each suspect: it runs once more, alone, in a fresh process
        suspects = _run_pool(runner, pending, workers, task, kill_after(settings))
        _run_pool(runner, suspects, 1, task, kill_after(settings), last_try=True)
    finally:
        runner.release_unfinished()
    return RunStats(runner.done, runner.failed, runner.pages, runner.elapsed())


KILL_GRACE = 5.0  # seconds past the soft limit the alarm gets before the runner kills the process


def kill_after(settings: Settings) -> float:
    """Seconds into a document after which its pool process is killed: the soft limit and a
    grace, never past the hard limit (JIXIAO_HARD_TIME_LIMIT, also Celery's kill)."""
    return float(min(settings.hard_time_limit, settings.soft_time_limit + KILL_GRACE))


def usable_cores() -> int:
    """Cores this process may run on (a container's cpuset, `taskset`), not the host's count."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- internals


@dataclass(frozen=True)
class _Page:
    """One page of a scanned document, to be read from its image by a pool process."""

    job: Job
    page: int


@dataclass(frozen=True)
class _Assemble:
    """A scanned document with its pages read: the one path again, `scanned=` those pages."""

    job: Job
    scanned: dict[int, PageObjects]
    timings: dict[str, float]


Item = Job | _Page | _Assemble  # what a pool process is handed


def _job_of(item: Item) -> Job:
    return item if isinstance(item, Job) else item.job


@dataclass
class _Gather:
    """A scanned document's pages while they are read."""

    job: Job
    waiting: set[int]
    reads: list[PageRead] = field(default_factory=list)


@dataclass(frozen=True)
class _Task:
    """What a pool process needs to run one job; plain data, so it pickles."""

    database_url: str
    pipeline: PipelineSettings
    store: Path
    time_limit: float
    processor: Processor
    memory_mb: int = 0  # the cap each pool process runs under (0: none)
    lease: float | None = None  # seconds a claimed document is held: past the kill
    scatter: bool = False  # a document's scanned pages become jobs of their own

    def __call__(self, item: Item) -> Result | PageRead:
        """Runs in a pool process: the one path, the soft time limit enforced here."""
        if isinstance(item, _Page):
            return read_page_image(
                item.job.sha256,
                item.page,
                store_dir=self.store,
                settings=self.pipeline,
                time_limit=self.time_limit,
                recorded=Path(item.job.store_path) if item.job.store_path else None,
                alarm=True,
                memory_mb=self.memory_mb,
            )
        assembled = item if isinstance(item, _Assemble) else None
        return run_document(
            runtime.engine_for(self.database_url),
            _job_of(item).sha256,
            store_dir=self.store,
            settings=self.pipeline,
            time_limit=self.time_limit,
            processor=self.processor,
            alarm=True,
            memory_mb=self.memory_mb,
            lease=self.lease,
            scatter=self.scatter and assembled is None,
            scanned=assembled.scanned if assembled else None,
            timings=assembled.timings if assembled else None,
        )


class _Runner:
    """This process's side: hands out, counts, reports; writes only what a pool process could not."""

    def __init__(self, engine: Engine, jobs: Sequence[Job], listener: Listener) -> None:
        self.engine = engine
        self.total = len(jobs)
        self.listener = listener
        self.done = self.failed = self.pages = 0
        self.started = time.monotonic()
        self.in_flight: dict[str, Job] = {}  # handed to the pool and not yet reported
        self.unfinished = {job.sha256 for job in jobs}  # held by this run until reported
        self.renewed = time.monotonic()
        self.scans: dict[str, _Gather] = {}  # scanned documents whose pages are being read

    def keep_hold(self) -> None:
        """Renew this run's hold on its unfinished documents, every `RENEW_EVERY` seconds, so
        that an ingest of the same bytes meanwhile counts them as duplicates, not abandoned."""
        if time.monotonic() - self.renewed >= RENEW_EVERY and self.unfinished:
            transitions.renew(self.engine, sorted(self.unfinished), HOLD)
            self.renewed = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def finish(self, job: Job, result: Result) -> None:
        self.in_flight.pop(job.sha256, None)
        self.unfinished.discard(job.sha256)
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

    def scatter(self, job: Job, pages: Sequence[int], pending: list[Item]) -> None:
        """A scanned document's pages become jobs, next in line (popped from the end, in page order)."""
        self.scans[job.sha256] = _Gather(job, set(pages))
        pending.extend(_Page(job, n) for n in reversed(pages))

    def page_read(self, item: _Page, read: PageRead, pending: list[Item]) -> None:
        gather = self.scans.get(item.job.sha256)
        if gather is None:
            return  # its document failed already, or is a suspect to be run again
        if read.error is not None:
            self.page_lost(item, read.error, pending)
            return
        gather.reads.append(read)
        gather.waiting.discard(item.page)
        if not gather.waiting:
            del self.scans[item.job.sha256]
            scanned = {r.page: r.objects for r in gather.reads if r.objects is not None}
            pending.append(_Assemble(item.job, scanned, scan_timings(gather.reads)))

    def page_lost(self, item: _Page, reason: str, pending: list[Item]) -> None:
        """A page that could not be read fails its document (once), with the page's reason."""
        if self.drop_scan(item.job.sha256, pending):
            self.fail(item.job, reason, Stage.EXTRACT)

    def drop_scan(self, sha256: str, pending: list[Item]) -> bool:
        """Forget a scanned document's pages (those waiting, and the answers still to come)."""
        if self.scans.pop(sha256, None) is None:
            return False
        pending[:] = [i for i in pending if not (isinstance(i, _Page) and i.job.sha256 == sha256)]
        return True

    def release_unfinished(self) -> None:
        """Interrupted (Ctrl-C, an error): documents still `running` go back to the queue."""
        try:
            transitions.requeue_running(self.engine, list(self.in_flight))
            transitions.release(self.engine, sorted(self.unfinished))  # the next ingest resumes them
        except Exception:  # noqa: BLE001 — best effort on the way out; the first error is what matters
            pass
        self.in_flight.clear()
        self.unfinished.clear()


def _pool(workers: int) -> ProcessPoolExecutor:
    """A plain pool for work that cannot hang on a file (`refresh_across`)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context())


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: children do not inherit the parent's open database connections, and each
    # is forked from a server that has imported the pipeline once (a fresh worker is cheap).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pipeline.run", "worker.document", "worker.inprocess"])
    return context


def _serve(conn: Connection, task: _Task) -> None:
    """A pool process: under the memory cap, run the jobs sent on `conn` until None comes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's: a started document finishes
    runtime.cap_memory(task.memory_mb)
    while True:
        try:
            job = conn.recv()
        except EOFError:  # the runner went away
            return
        if job is None:
            return
        try:
            reply: tuple[bool, Result | str] = (True, task(job))
        except MemoryError:  # outside the parser (compute names it itself): reading, writing
            reply = (False, memory_reason(task.memory_mb))
        except Exception as exc:  # noqa: BLE001 — the database went away under this process
            reply = (False, describe_unexpected(exc))
        conn.send(reply)


class _Worker:
    """One pool process, the job it holds and since when."""

    def __init__(self, context: multiprocessing.context.BaseContext, task: _Task) -> None:
        self.conn, theirs = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(theirs, task), daemon=True)
        self.process.start()
        theirs.close()
        self.job: Item | None = None
        self.started = 0.0

    def give(self, item: Item) -> None:
        self.job, self.started = item, time.monotonic()
        self.conn.send(item)

    def outcome(self) -> tuple[str, Result | str | int | None]:
        """After `conn` or the process's sentinel became ready: ("result", Result),
        ("error", reason) or ("died", exit code)."""
        try:
            if self.conn.poll():
                ok, value = self.conn.recv()
                return ("result", value) if ok else ("error", value)
        except (EOFError, OSError):
            pass
        self.process.join()
        return "died", self.process.exitcode

    def kill(self) -> None:
        self.process.kill()
        self.process.join()

    def stop(self) -> None:
        if self.conn.closed:
            return
        if self.process.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(5)
            if self.process.is_alive():
                self.kill()
        self.conn.close()


def _run_pool(
    runner: _Runner,
    pending: list[Item],
    workers: int,
    task: _Task,
    deadline: float,
    *,
    last_try: bool = False,
) -> list[Job]:
    """Feed `pending` (popped from the end) through `workers` pool processes, one job each at
    a time; kill a process whose job runs past `deadline` seconds (the job fails with the time
    reason). Returns the jobs whose process died under them; with `last_try` there are none:
    each job gets a fresh process, and one that dies too ends `failed` with why it died.
    """
    context = _context()
    started: list[_Worker] = []
    idle: list[_Worker] = []
    busy: list[_Worker] = []
    suspects: list[Job] = []
    try:
        while pending or busy:
            while pending and len(busy) < workers:
                worker = idle.pop() if idle and idle[-1].process.is_alive() else None
                if worker is None:
                    worker = _Worker(context, task)
                    started.append(worker)
                item = pending.pop()
                runner.in_flight[_job_of(item).sha256] = _job_of(item)
                busy.append(worker)
                worker.give(item)
            runner.keep_hold()
            now = time.monotonic()
            wake = min(min(w.started for w in busy) + deadline - now, RENEW_EVERY)
            ready = set(
                connection.wait([w.conn for w in busy] + [w.process.sentinel for w in busy], max(0, wake))
            )
            for worker in list(busy):
                item = worker.job
                assert item is not None
                job = _job_of(item)
                if worker.conn in ready or worker.process.sentinel in ready:
                    what, value = worker.outcome()
                elif time.monotonic() - worker.started >= deadline:
                    worker.kill()  # pdfium does not hear the alarm: stop it from here
                    what, value = "killed", None
                else:
                    continue
                busy.remove(worker)
                if what in ("result", "error"):
                    if last_try:
                        worker.stop()  # the next suspect gets a fresh process
                    else:
                        idle.append(worker)
                page = item if isinstance(item, _Page) else None
                if what == "result" and isinstance(value, PageRead) and page is not None:
                    runner.page_read(page, value, pending)
                elif what == "result":
                    assert isinstance(value, Result)
                    if value.status == SCANNING:
                        runner.scatter(job, value.scan or (), pending)
                    else:
                        runner.finish(job, value)
                elif what == "error":
                    if page is not None:
                        runner.page_lost(page, f"page {page.page}: {value}", pending)
                    else:
                        runner.fail(job, str(value), Stage.STORE)
                elif what == "killed":
                    if page is not None:
                        runner.page_lost(page, f"page {page.page}: {timeout_reason(deadline)}", pending)
                    else:
                        runner.fail(job, timeout_reason(deadline), Stage.EXTRACT)
                elif last_try:
                    why = death_reason(value if isinstance(value, int) else None, task.memory_mb)
                    if page is not None:
                        runner.page_lost(page, f"page {page.page}: {why}", pending)
                    else:
                        runner.fail(job, why, Stage.EXTRACT)
                elif page is None or runner.drop_scan(job.sha256, pending):
                    suspects.append(job)  # a page's death makes its whole document the suspect
    finally:
        _wind_down(busy, deadline)  # on an interrupt: documents started finish, none is handed out
        for worker in started:
            worker.stop()
    return sorted(suspects, key=lambda j: j.source_name, reverse=True)


def _wind_down(busy: list[_Worker], deadline: float) -> None:
    """Let the jobs in `busy` end (each writes its own outcome) within the deadline."""
    for worker in busy:
        left = worker.started + deadline - time.monotonic()
        connection.wait([worker.conn, worker.process.sentinel], max(0, left))
        if worker.conn.poll() or not worker.process.is_alive():
            continue
        worker.kill()  # its document stays `running`: `release_unfinished` puts it back


def death_reason(exitcode: int | None, memory_mb: int) -> str:
    """Why a pool process died holding a document, twice (alone the second time)."""
    if exitcode == -signal.SIGABRT and memory_mb > 0:
        # pdfium aborts the process when an allocation is refused; under the cap, that is the cap
        return memory_reason(memory_mb)
    how = f"signal {signal.Signals(-exitcode).name}" if exitcode and exitcode < 0 else f"exit code {exitcode}"
    return (
        f"the parser process died while reading this file, twice ({how}: a crash, or the system "
        "out of memory); the file may be damaged — open it in a PDF reader and save a new copy"
    )


def refresh_across(
    engine: Engine, sha256s: Sequence[str], settings: Settings, *, workers: int | None = None
) -> None:
    """The cross-document findings after a run (`db.across.plan_after`), its parts spread over
    the pool like the documents were, so this process stays out of the work here too. Documents
    an earlier run stored but could not refresh (killed in between) are refreshed too."""
    started = utcnow()
    sha256s = sorted({*sha256s, *queries.across_due(engine)})
    plan = across.plan_after(engine, sha256s, whole_database=True, parts=max(1, workers or usable_cores()))
    url = engine.url.render_as_string(hide_password=False)
    with _pool(min(len(plan), workers or usable_cores())) as pool:
        for future in [pool.submit(_refresh_part, url, part, settings.profile_name) for part in plan]:
            future.result()  # a failure here is the database's: raised, the command reports it
    across.settle(engine, sha256s, started)


def _refresh_part(url: str, part: across.Part, profile_name: str) -> None:
    """Runs in a pool process."""
    from worker.settings import Settings

    profile = Settings.from_env({"JIXIAO_PROFILE": profile_name}).profile()
    across.refresh_part(runtime.engine_for(url), part, profile)
