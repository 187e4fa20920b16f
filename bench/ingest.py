"""Benchmark: in-process `jixiao ingest` against plain pdfplumber on the same archive.

    python bench/ingest.py [--docs 200] [--min-pages 2000] [--corpus DIR] [--plumber-pages N]

Generates (or reuses) an archive of fixture PDFs and, in one run:
1. `jixiao ingest` on it into a fresh SQLite database, no broker, every core: wall-clock
   documents/s and pages/s, and peak memory of the whole process tree (sampled from /proc,
   since the forkserver's workers are not our children and rusage misses them);
2. the same pipeline (`pipeline.run.process`) on one core in this process: CPU ms per page;
3. pdfplumber's `page.extract_tables()` on the same files on one core: CPU ms per page.
`--plumber-pages` caps the pages pdfplumber is timed on (0 = all of them).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pdfplumber

from pipeline.errors import PipelineError
from pipeline.run import process

ROOT = Path(__file__).resolve().parents[1]


def ensure_corpus(path: Path, docs: int, min_pages: int) -> list[Path]:
    if not any(path.rglob("*.pdf")):
        subprocess.run(
            [sys.executable, "-m", "tests.fixtures.corpus", str(path), "--docs", str(docs), "--seed", "7",
             "--min-pages", str(min_pages), "--families", "landscape,portrait,rotated,variants,long,seed"],
            cwd=ROOT, check=True,
        )  # fmt: skip
    return sorted(p for p in path.rglob("*.pdf") if "/truth/" not in str(p))


def tree_rss_mib(root: int) -> tuple[float, float]:
    """(sum, largest) resident memory of `root` and every process descended from it, in MiB."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * page
        except (OSError, ValueError, IndexError):
            continue
    tree, changed = {root}, True
    while changed:
        grown = {pid for pid, ppid in parents.items() if ppid in tree} | tree
        changed, tree = grown != tree, grown
    sizes = [rss.get(pid, 0) for pid in tree]
    return sum(sizes) / 2**20, max(sizes, default=0) / 2**20


def time_ingest(corpus: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "JIXIAO_BROKER_URL"}
        env.update(JIXIAO_DATABASE_URL=f"sqlite:///{tmp}/bench.db", JIXIAO_STORE=f"{tmp}/store")
        t = time.perf_counter()
        proc = subprocess.Popen(["jixiao", "ingest", str(corpus)], env=env, stdout=subprocess.DEVNULL)
        peak_sum = peak_one = 0.0
        while proc.poll() is None:
            total, largest = tree_rss_mib(proc.pid)
            peak_sum, peak_one = max(peak_sum, total), max(peak_one, largest)
            time.sleep(0.2)  # a sampling period, not synchronisation: poll() decides when it ended
        wall = time.perf_counter() - t
        if proc.returncode:
            raise SystemExit(f"jixiao ingest exited {proc.returncode}")
        out = subprocess.run(
            ["jixiao", "documents", "--format", "jsonl"], env=env, check=True, capture_output=True, text=True
        ).stdout
    docs = [json.loads(line) for line in out.splitlines() if line.strip()]
    stored = [d for d in docs if d["status"] == "stored"]
    return {
        "documents": len(stored),
        "pages": sum(d["pages"] or 0 for d in stored),
        "rows": sum(d["indicators"] or 0 for d in stored),
        "wall": wall,
        "peak_sum_mib": peak_sum,
        "peak_one_mib": peak_one,
    }


def time_pipeline(files: list[Path]) -> dict[str, float]:
    """The pure pipeline, one core, this process: CPU per page without storage or queueing."""
    pages = 0
    t_cpu = time.process_time()
    for f in files:
        try:
            pages += process(f.read_bytes()).extraction.pages
        except PipelineError:
            continue
    return {"pages": pages, "cpu": time.process_time() - t_cpu}


def time_plumber(files: list[Path], max_pages: int) -> dict[str, float]:
    pages = 0
    t_cpu, t = time.process_time(), time.perf_counter()
    for f in files:
        try:
            pdf = pdfplumber.open(io.BytesIO(f.read_bytes()))
        except Exception:  # noqa: BLE001 — the corpus's bad inputs: pdfplumber cannot open them either
            continue
        with pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.close()
                pages += 1
                if max_pages and pages >= max_pages:
                    break
        if max_pages and pages >= max_pages:
            break
    return {"pages": pages, "wall": time.perf_counter() - t, "cpu": time.process_time() - t_cpu,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--min-pages", type=int, default=2000)
    ap.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "corpus")
    ap.add_argument("--plumber-pages", type=int, default=0)
    args = ap.parse_args()
    files = ensure_corpus(args.corpus, args.docs, args.min_pages)
    ours = time_ingest(args.corpus)
    pipe = time_pipeline(files)
    plumber = time_plumber(files, args.plumber_pages)
    ours_ms = 1000 * pipe["cpu"] / max(1, pipe["pages"])
    plumber_ms = 1000 * plumber["cpu"] / max(1, plumber["pages"])
    print(
        f"archive: {len(files)} files, {ours['documents']} stored documents, {ours['pages']} pages, {ours['rows']} rows"
    )
    print(
        f"jixiao ingest (in-process, {os.cpu_count()} cores, storing into SQLite): wall {ours['wall']:.1f} s, "
        f"{ours['documents'] / ours['wall']:.2f} documents/s, {ours['pages'] / ours['wall']:.1f} pages/s, "
        f"peak RSS {ours['peak_sum_mib']:.0f} MiB for the process tree ({ours['peak_one_mib']:.0f} MiB largest process)"
    )
    print(
        f"jixiao pipeline (extract+normalize+validate, 1 process, {pipe['pages']} pages): CPU {ours_ms:.1f} ms/page"
    )
    print(
        f"pdfplumber extract_tables (1 process, {plumber['pages']} pages): wall {plumber['wall']:.1f} s, "
        f"{plumber['pages'] / plumber['wall']:.1f} pages/s, CPU {plumber_ms:.1f} ms/page, "
        f"peak RSS {plumber['peak_mib']:.0f} MiB"
    )
    print(
        f"ratio: pdfplumber extract_tables CPU per page / jixiao pipeline CPU per page = {plumber_ms / ours_ms:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
