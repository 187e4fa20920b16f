"""Scanned documents: CPU per page, pages/s, and a long scan on 1 worker against 2 (issue 10, 5–6).

    python bench/scans.py [--archive DIR] [--mild DIR] [--modes inprocess,broker] [--workers 1,2]

`--archive`: a folder with the long scan (default: made once with
`python -m tests.fixtures.scans OUT --families scan-long` under the system's temp folder, 41
pages); `--mild`: small scans (default the committed tests/fixtures/golden/scan-mild).

Figures printed, nothing asserted:

- the pipeline alone, serially in this process, over the mild scans and the long one: CPU-s per
  page and pages/s on one core (RUSAGE_SELF);
- the long scan through `jixiao ingest` as a user runs it: without a broker on 1 and 2 pool
  processes (`--workers N`), and with JIXIAO_BROKER_URL set beside 1 and 2 Celery worker
  processes (page tasks `jixiao.scan_page` on the `ocr` queue, then `jixiao.assemble_document`;
  the command submits and follows the batch); PostgreSQL for every mode. Wall is first
  registration → document final (the database's timestamps); CPU is every process counted —
  `jixiao ingest` and its pool (RUSAGE_CHILDREN, and /proc while they live), the Celery workers'
  process trees and Redis — divided by the pages; "parse" is the pipeline CPU the workers
  recorded (`timings.parse_cpu`, the pages read elsewhere included);
- the ratio of 2 workers' wall to 1 worker's (issue 10 asks ≤ 60 %).

Needs redis-server and PostgreSQL (JIXIAO_TEST_PG_URL, as bench/broker.py).
"""

# ruff: noqa: E402 — the standard imports follow the sys.path line below

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the repository's packages, bench.broker, tests.fixtures

import argparse
import os
import resource
import subprocess
import tempfile
import time
from dataclasses import dataclass

from bench.broker import (
    CLK,
    _children,
    _stat,
    batch_facts,
    fresh_database,
    private_redis,
    redis_cpu,
    tree_cpu,
    workers,
)

MILD = ROOT / "tests" / "fixtures" / "golden" / "scan-mild"


@dataclass(frozen=True)
class Run:
    mode: str
    workers: int
    pages: int
    wall: float
    cpu: float  # every process
    parse: float  # recorded by the workers
    status: str
    processes: int  # pool processes that read the document's pages


def long_scan(archive: Path | None) -> Path:
    """The folder holding the long scan (made once when not given)."""
    if archive is not None:
        return archive
    out = Path(tempfile.gettempdir()) / "jixiao-bench-scan-long"
    if not any(out.rglob("*.pdf")):
        subprocess.run(
            [sys.executable, "-m", "tests.fixtures.scans", str(out), "--families", "scan-long"],
            cwd=ROOT, check=True,
        )  # fmt: skip
    return out


def serial(paths: list[Path]) -> tuple[int, float, float]:
    """(pages, CPU-s, wall s) of `pipeline.run.process` over `paths` in this process."""
    from pipeline.run import process

    pages = 0
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    for path in paths:
        pages += process(path.read_bytes()).extraction.pages
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return pages, cpu, time.perf_counter() - wall0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        found += kids
        todo += kids
    return found


def _own_cpu(pid: int) -> float:
    fields = _stat(pid)
    return 0.0 if fields is None else sum(int(x) for x in fields[11:13]) / CLK  # utime, stime


def ingest(archive: Path, env: dict[str, str], n_workers: int | None = None) -> tuple[int, float]:
    """`jixiao ingest [--workers N] ARCHIVE` as a user runs it: (batch, CPU-s of the command and
    every process under it). /proc is read every 0.1 s while it runs (a sampling period, not
    synchronisation: `poll()` decides when it ended); the command's own CPU comes exactly from
    RUSAGE_CHILDREN. What a pool process spends in its last 0.1 s before it exits is missed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    pool = [] if n_workers is None else ["--workers", str(n_workers)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "jixiao", "ingest", *pool, str(archive)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    seen: dict[int, float] = {}
    while proc.poll() is None:
        for pid in _descendants(proc.pid):
            seen[pid] = max(seen.get(pid, 0.0), _own_cpu(pid))
        time.sleep(0.1)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode:
        raise RuntimeError(f"jixiao ingest exited {proc.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # RUSAGE_CHILDREN: the command, and any descendant it reaped itself (counted once: they are
    # no longer in /proc to be sampled once reaped — a small undercount at worst)
    own = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return int(out.split()[1]), own + sum(seen.values())


def document_facts(url: str, batch: int) -> tuple[str, int]:
    """(status of the batch's documents, pool processes that read their pages)."""
    from sqlalchemy import text

    from db.engine import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.status, coalesce((d.timings->>'scan_processes')::float, 0) FROM submissions s "
                "JOIN documents d ON d.id = s.document_id WHERE s.batch_id = :b"
            ),
            {"b": batch},
        ).all()
    engine.dispose()
    return ",".join(sorted({r[0] for r in rows})), int(max((r[1] for r in rows), default=0))


def measure(mode: str, n_workers: int, archive: Path, port: int, work: Path) -> Run:
    """One run of the long scan by `jixiao ingest`: its own pool, or Celery workers through Redis."""
    work.mkdir(parents=True, exist_ok=True)
    with fresh_database() as url:
        env = {k: v for k, v in os.environ.items() if k != "JIXIAO_BROKER_URL"}
        env.update(PYTHONPATH=str(ROOT), JIXIAO_DATABASE_URL=url, JIXIAO_STORE=str(work / "store"))
        if mode == "broker":
            import redis

            redis.Redis(port=port).flushall()
            env.update(JIXIAO_BROKER_URL=f"redis://127.0.0.1:{port}/0", JIXIAO_NIGHTLY_AT="off")
            with workers(n_workers, "worker.app", env, work) as pids:  # consume the jixiao and ocr queues
                before = sum(tree_cpu(p) for p in pids) + redis_cpu(port)
                batch, cpu = ingest(archive, env)
                cpu += sum(tree_cpu(p) for p in pids) + redis_cpu(port) - before
        else:
            batch, cpu = ingest(archive, env, n_workers)
        _, pages, wall, parse = batch_facts(url, batch)
        status, processes = document_facts(url, batch)
    return Run(mode, n_workers, pages, wall, cpu, parse or 0.0, status, processes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--archive", type=Path, default=None, help="folder with the long scan")
    parser.add_argument("--mild", type=Path, default=MILD, help="folder of small scans")
    parser.add_argument("--modes", default="inprocess,broker", help="'' for the serial figures alone")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--no-serial", dest="serial", action="store_false")
    args = parser.parse_args(argv)

    archive = long_scan(args.archive)
    long_pdfs = sorted(archive.rglob("*.pdf"))
    print(f"long scan: {', '.join(p.name for p in long_pdfs)} ({archive})")
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the runs (shared with other work)"
    )
    if args.serial:
        for label, paths in (("mild scans", sorted(args.mild.rglob("*.pdf"))), ("long scan", long_pdfs)):
            pages, cpu, wall = serial(paths)
            print(
                f"pipeline alone, 1 core, {label}: {len(paths)} document(s), {pages} pages, "
                f"{cpu / pages:.2f} CPU-s/page, {pages / wall:.2f} pages/s"
            )
    counts = [int(n) for n in args.workers.split(",")]
    modes = [m for m in args.modes.split(",") if m]
    if not modes:
        return 0  # the serial figures alone: no Redis, no PostgreSQL
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp, private_redis(Path(tmp)) as port:
        for mode in modes:
            for n in counts:
                run = measure(mode, n, archive, port, Path(tmp) / f"{mode}-{n}")
                runs.append(run)
                print(f"  (load average {os.getloadavg()[0]:.2f} after this run)")
                if not run.pages:
                    print(f"{mode:9} {n} worker(s): no pages read, document {run.status or 'not stored'}")
                    continue
                spread = (
                    f"pages read by {run.processes} process(es), document {run.status}" if run.status else ""
                )
                print(
                    f"{mode:9} {n} worker(s): {run.pages} pages, wall {run.wall:.1f} s, "
                    f"{run.pages / run.wall:.2f} pages/s, {run.cpu / run.pages:.2f} CPU-s/page all processes "
                    f"(parse {run.parse / run.pages:.2f}) {spread}",
                    flush=True,
                )
    for mode in modes:
        walls = {r.workers: r.wall for r in runs if r.mode == mode}
        if 1 in walls and 2 in walls:
            print(
                f"{mode}: 2 workers take {walls[2] / walls[1]:.0%} of 1 worker's wall time (issue 10: ≤ 60 %)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
