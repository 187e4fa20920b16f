"""Benchmark: how in-process ingest grows with workers, and what the main process costs.

    python bench/scaling.py [--docs 60] [--workers 1,2] [--corpus DIR] [--database-url URL]

For each number of workers, on a fresh database and store: receive the archive, parse it on
the pool, write every result, refresh the cross-document findings — what `jixiao ingest` does.
Prints wall time, pages/s and documents/s, and the CPU of the main process against the CPU of
all processes (the pool's read from /proc at the last document, while its processes live).
The main process's share is the serial part that caps how far more cores can take a run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)) if str(ROOT) not in sys.path else None


def ensure_corpus(path: Path, docs: int, families: str, min_pages: int) -> Path:
    if not any(path.rglob("*.pdf")):
        subprocess.run(
            [sys.executable, "-m", "tests.fixtures.corpus", str(path), "--docs", str(docs), "--seed", "7",
             "--families", families, "--min-pages", str(min_pages)],
            cwd=ROOT, check=True,
        )  # fmt: skip
    return path


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of `pid` and every live process descended from it."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    tree, grown = {pid}, True
    while grown:
        more = {p for p, parent in parents.items() if parent in tree} - tree
        grown, tree = bool(more), tree | more
    return sum(cpu.get(p, 0.0) for p in tree)


def one_run(corpus: Path, workers: int, url: str | None) -> dict[str, float]:
    from db import intake, queries
    from db.engine import make_engine, migrate
    from jixiao.inputs import collect
    from worker.inprocess import Tick, refresh_across, run
    from worker.receive import receive
    from worker.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, JIXIAO_STORE=f"{tmp}/store")
        env["JIXIAO_DATABASE_URL"] = url or f"sqlite:///{tmp}/bench.db"
        settings = Settings.from_env(env)
        engine = make_engine(settings.database_url)
        migrate(engine)
        files = collect([corpus]).files
        pool_cpu = [0.0]

        def at_the_end(tick: Tick) -> None:  # the pool's CPU, read while its processes still live
            if tick.done == tick.total:
                pool_cpu[0] = tree_cpu(os.getpid()) - time.process_time()

        wall, cpu = time.perf_counter(), [time.process_time()]
        batch = intake.create_batch(engine, [str(corpus)])
        received = receive(engine, settings.store, batch, files)
        cpu.append(time.process_time())
        run(engine, received.jobs, settings, workers=workers, listener=at_the_end)
        cpu.append(time.process_time())
        refresh_across(engine, [j.sha256 for j in received.jobs], settings, workers=workers)
        cpu.append(time.process_time())
        wall = time.perf_counter() - wall
        summary = queries.batch_summary(engine, batch)
        engine.dispose()
    return {
        "workers": workers,
        "documents": summary.stored + summary.no_table,
        "pages": summary.pages_done,
        "wall": wall,
        "main_cpu": cpu[-1] - cpu[0],
        "receive_cpu": cpu[1] - cpu[0],
        "run_cpu": cpu[2] - cpu[1],
        "refresh_cpu": cpu[3] - cpu[2],
        "pool_cpu": pool_cpu[0],
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--families", default="landscape,portrait,rotated,variants,long,seed")
    ap.add_argument("--min-pages", type=int, default=13, help="pages of each document at least")
    ap.add_argument("--workers", default="1,2", help="comma-separated numbers of worker processes")
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file per run")
    args = ap.parse_args()
    corpus = ensure_corpus(
        args.corpus or ROOT / "bench" / "out" / f"scaling-{args.docs}x{args.min_pages}",
        args.docs,
        args.families,
        args.min_pages,
    )
    print(f"corpus {corpus}, {os.cpu_count()} cores here; database {args.database_url or 'SQLite'}")
    base = None
    for workers in (int(w) for w in args.workers.split(",")):
        r = one_run(corpus, workers, args.database_url)
        total = r["main_cpu"] + r["pool_cpu"]
        rate = r["pages"] / r["wall"]
        base = base or rate
        print(
            f"workers {workers:>2}: {r['documents']:.0f} documents, {r['pages']:.0f} pages in {r['wall']:.2f} s = "
            f"{rate:.1f} pages/s, {r['documents'] / r['wall']:.1f} documents/s ({rate / base:.2f}x of the first); "
            f"main process {r['main_cpu']:.2f} CPU-s of {total:.2f} = {100 * r['main_cpu'] / total:.1f} % "
            f"(receive {r['receive_cpu']:.2f}, parse+write {r['run_cpu']:.2f}, cross-document {r['refresh_cpu']:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
